package dev.poolstream.watcher.domain;

import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.Selector;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.selector.MatchExpressions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A MachineHealthCheck's {@code spec.selector}, read as Kubernetes reads a LabelSelector ({@code matchLabels} and
 * {@code matchExpressions} with In, NotIn, Exists, DoesNotExist, all of them ANDed). An empty selector is refused:
 * Cluster API's admission webhook rejects it ("selector must not be empty"), since with the cluster-name label its
 * controller adds it would select every Machine of the cluster. A refused selector matches nothing.
 */
public final class LabelSelectors {

    /** Why the selector cannot be used, or empty when it can. */
    public static Optional<String> problem(Selector selector) {
        Map<String, String> labels = selector == null ? null : selector.getMatchLabels();
        List<MatchExpressions> expressions = selector == null ? null : selector.getMatchExpressions();
        if ((labels == null || labels.isEmpty()) && (expressions == null || expressions.isEmpty())) {
            return Optional.of("its selector is empty (Cluster API rejects an empty selector)");
        }
        for (MatchExpressions expression : expressions == null ? List.<MatchExpressions>of() : expressions) {
            Optional<String> problem = problem(expression);
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    /** Whether labels match; a selector with a {@link #problem} matches nothing. */
    public static boolean matches(Selector selector, Map<String, String> labels) {
        if (problem(selector).isPresent()) {
            return false;
        }
        if (selector.getMatchLabels() != null && !selector.getMatchLabels().entrySet().stream()
                .allMatch(e -> e.getValue() != null && e.getValue().equals(labels.get(e.getKey())))) {
            return false;
        }
        return selector.getMatchExpressions() == null
                || selector.getMatchExpressions().stream().allMatch(e -> matches(e, labels));
    }

    private static boolean matches(MatchExpressions expression, Map<String, String> labels) {
        String value = labels.get(expression.getKey());
        boolean present = labels.containsKey(expression.getKey());
        return switch (expression.getOperator()) {
            case "In" -> present && expression.getValues().contains(value);
            case "NotIn" -> !present || !expression.getValues().contains(value);
            case "Exists" -> present;
            case "DoesNotExist" -> !present;
            default -> false; // refused by problem() first
        };
    }

    private static Optional<String> problem(MatchExpressions expression) {
        String key = expression.getKey();
        String operator = expression.getOperator();
        List<String> values = expression.getValues();
        if (key == null || key.isBlank()) {
            return Optional.of("a matchExpression of its selector has no key");
        }
        if (operator == null) {
            return Optional.of("the matchExpression on " + key + " has no operator");
        }
        return switch (operator) {
            case "In", "NotIn" -> values == null || values.isEmpty()
                    ? Optional.of("the matchExpression " + key + " " + operator + " has no values")
                    : Optional.empty();
            case "Exists", "DoesNotExist" -> values != null && !values.isEmpty()
                    ? Optional.of("the matchExpression " + key + " " + operator + " must have no values")
                    : Optional.empty();
            default -> Optional.of("the matchExpression on " + key + " has an unknown operator " + operator);
        };
    }

    private LabelSelectors() {
    }
}
