package dev.poolstream.watcher.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.Selector;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.selector.MatchExpressions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelSelectorsTest {

    private static final Map<String, String> LABELS = Map.of("role", "worker", "zone", "a", "gpu", "");

    @Test
    void shouldMatchWhenEveryMatchLabelHasItsValue() {
        assertThat(LabelSelectors.matches(selector(Map.of("role", "worker", "zone", "a")), LABELS)).isTrue();
        assertThat(LabelSelectors.matches(selector(Map.of("role", "worker", "zone", "b")), LABELS)).isFalse();
        assertThat(LabelSelectors.matches(selector(Map.of("missing", "x")), LABELS)).isFalse();
        assertThat(LabelSelectors.matches(selector(Map.of("gpu", "")), LABELS)).isTrue();
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            role    | In           | worker,infra | true
            role    | In           | infra        | false
            missing | In           | worker       | false
            role    | NotIn        | infra        | true
            role    | NotIn        | worker       | false
            missing | NotIn        | worker       | true
            gpu     | Exists       |              | true
            missing | Exists       |              | false
            missing | DoesNotExist |              | true
            gpu     | DoesNotExist |              | false
            """)
    void shouldEvaluateEachOperatorAsKubernetesDoes(String key, String operator, String values, boolean matches) {
        Selector selector = selector(Map.of(), expression(key, operator, values));

        assertThat(LabelSelectors.problem(selector)).isEmpty();
        assertThat(LabelSelectors.matches(selector, LABELS)).isEqualTo(matches);
    }

    @Test
    void shouldRequireTheMatchLabelsAndEveryExpressionAtOnce() {
        Selector both = selector(Map.of("role", "worker"), expression("zone", "In", "a"),
                expression("gpu", "DoesNotExist", null));

        assertThat(LabelSelectors.matches(both, LABELS)).isFalse();
        assertThat(LabelSelectors.matches(both, Map.of("role", "worker", "zone", "a"))).isTrue();
    }

    @Test
    void shouldRefuseAnEmptySelectorAsClusterApiDoesAndMatchNothing() {
        assertThat(LabelSelectors.problem(selector(Map.of()))).contains(
                "its selector is empty (Cluster API rejects an empty selector)");
        assertThat(LabelSelectors.matches(selector(Map.of()), LABELS)).isFalse();
        assertThat(LabelSelectors.matches(null, LABELS)).isFalse();
        assertThat(LabelSelectors.problem(null)).isPresent();
    }

    @ParameterizedTest(name = "{0} {1} [{2}]")
    @CsvSource(delimiter = '|', textBlock = """
            role |              | worker | the matchExpression on role has no operator
            role | Like         | worker | the matchExpression on role has an unknown operator Like
            role | In           |        | the matchExpression role In has no values
            role | NotIn        |        | the matchExpression role NotIn has no values
            role | Exists       | worker | the matchExpression role Exists must have no values
            role | DoesNotExist | worker | the matchExpression role DoesNotExist must have no values
                 | Exists       |        | a matchExpression of its selector has no key
            """)
    void shouldRefuseAMalformedExpressionAndMatchNothing(String key, String operator, String values, String why) {
        Selector selector = selector(Map.of("role", "worker"), expression(key, operator, values));

        assertThat(LabelSelectors.problem(selector)).contains(why);
        assertThat(LabelSelectors.matches(selector, LABELS)).isFalse();
    }

    static Selector selector(Map<String, String> matchLabels, MatchExpressions... expressions) {
        Selector selector = new Selector();
        selector.setMatchLabels(matchLabels);
        selector.setMatchExpressions(List.of(expressions));
        return selector;
    }

    static MatchExpressions expression(String key, String operator, String values) {
        MatchExpressions expression = new MatchExpressions();
        expression.setKey(key);
        expression.setOperator(operator);
        expression.setValues(values == null ? null : Arrays.asList(values.split(",")));
        return expression;
    }
}
