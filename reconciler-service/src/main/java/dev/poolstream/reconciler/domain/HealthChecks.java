package dev.poolstream.reconciler.domain;

import dev.poolstream.events.HealthCheck;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.MachineRequest;
import dev.poolstream.events.PoolMember;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Owner mode: the MachineHealthChecks that select a pool's Machines, evaluated as Cluster API's MachineHealthCheck
 * controller does (docs/machines.md), since none runs there. A member is unhealthy when its Machine carries
 * {@code cluster.x-k8s.io/remediate-machine}, when its instance has run without a Node for longer than
 * {@code nodeStartupTimeoutSeconds} (0 turns that off), or when its Node's {@code Ready} condition has held a status
 * a check names for longer than that entry's timeout. Only {@code Ready} is evaluated: it is the only Node condition
 * Poolstream carries. A check that finds more members not healthy than its {@code maxUnhealthy} allows remediates
 * none of them (Cluster API's short-circuit), so that a cluster-wide outage does not delete every Machine. As in
 * Cluster API, not healthy is more than unhealthy: a member without its Node yet, one being deleted or drained, and
 * one whose unhealthy condition has not yet held for its timeout count too, so that a replacement still starting
 * holds the next remediation back. Members whose Machine skips remediation are no target, and count for nothing.
 *
 * <p>Cluster API counts every Machine a check selects; a pool here sees only its own. A percentage is safe to apply
 * per pool (the pools' floors add up to no more than the whole's). A count is not: each of k pools would remediate
 * the whole count. So a count limit ({@code maxUnhealthy} as a number, {@code unhealthyInRange}'s max) is shared,
 * each pool allowed its floor of count / k, and together they never remediate more than the check allows.
 */
public final class HealthChecks {

    /** Cluster API v1beta2's reasons for {@code HealthCheckSucceeded} False. */
    public static final String REASON_UNHEALTHY_NODE = "UnhealthyNode";
    public static final String REASON_NODE_STARTUP_TIMEOUT = "NodeStartupTimeout";
    public static final String REASON_REMEDIATE_ANNOTATION = "HasRemediateAnnotation";
    static final String READY = "Ready";

    /** A member a check found unhealthy, and why. */
    public record Unhealthy(PoolMember member, String check, String reason, String message) {
    }

    /**
     * @param unhealthy  the unhealthy members of the checks that allow remediation, each once (its first check's
     *                   reason)
     * @param restricted check name → why it remediates none (too many unhealthy, or an unreadable maxUnhealthy)
     * @param nextAt     when a timeout of a member not yet unhealthy passes; null for none
     * @param found      the provider IDs of every member a check found unhealthy, restricted checks' included
     */
    public record Result(List<Unhealthy> unhealthy, Map<String, String> restricted, Instant nextAt,
                         Set<String> found) {
    }

    public static Result evaluate(List<HealthCheck> checks, List<PoolMember> members,
                                  Map<String, MachineRequest> requests, Instant now) {
        Map<String, Unhealthy> unhealthy = new LinkedHashMap<>();
        Map<String, String> restricted = new LinkedHashMap<>();
        Set<String> foundAny = new HashSet<>();
        Instant nextAt = null;
        for (HealthCheck check : checks) {
            List<Unhealthy> found = new ArrayList<>();
            int targets = 0;
            int notHealthy = 0;
            for (PoolMember member : members) {
                MachineRequest request = requests.get(member.providerID());
                if (request != null && request.skipRemediation()) {
                    continue; // no target of the check, as in Cluster API
                }
                targets++;
                if (request != null && request.deleting()) {
                    notHealthy++; // it goes anyway, and counts until it is gone
                    continue;
                }
                Verdict verdict = judge(check, member, request, now);
                if (verdict.unhealthy() != null) {
                    found.add(verdict.unhealthy());
                }
                if (verdict.unhealthy() != null || verdict.nextAt() != null || !healthy(member)) {
                    notHealthy++;
                }
                nextAt = Decision.earliest(nextAt, verdict.nextAt());
            }
            found.forEach(u -> foundAny.add(u.member().providerID()));
            // Cluster API's short-circuit: unhealthyInRange when set (it takes precedence), else the upper bound.
            Optional<String> shortCircuit = check.unhealthyInRange() != null
                    ? outsideRange(check, notHealthy, targets)
                    : overMaxUnhealthy(check, notHealthy, targets);
            if (!found.isEmpty() && shortCircuit.isPresent()) {
                restricted.put(check.name(), shortCircuit.get());
                continue;
            }
            found.forEach(u -> unhealthy.putIfAbsent(u.member().providerID(), u));
        }
        return new Result(List.copyOf(unhealthy.values()), restricted, nextAt, Set.copyOf(foundAny));
    }

    private record Verdict(Unhealthy unhealthy, Instant nextAt) {
    }

    /**
     * Running with its Node and not going away (as Cluster API's healthy target: not being deleted, with a Node). A
     * member a check finds unhealthy, or whose timeout is running, is not healthy either.
     */
    private static boolean healthy(PoolMember member) {
        return member.lifecycle() == InstanceLifecycle.RUNNING && member.hasNode() && member.drainStarted() == null;
    }

    private static Verdict judge(HealthCheck check, PoolMember member, MachineRequest request, Instant now) {
        if (request != null && request.remediateAnnotated()) {
            return new Verdict(new Unhealthy(member, check.name(), REASON_REMEDIATE_ANNOTATION,
                    "Health check failed: marked for remediation by the cluster.x-k8s.io/remediate-machine"
                            + " annotation"), null);
        }
        if (!member.hasNode()) {
            int startup = check.nodeStartupTimeoutSeconds();
            if (startup <= 0 || member.launchTime() == null) {
                return new Verdict(null, null);
            }
            Instant deadline = member.launchTime().plusSeconds(startup);
            return now.isAfter(deadline)
                    ? new Verdict(new Unhealthy(member, check.name(), REASON_NODE_STARTUP_TIMEOUT,
                    "Health check failed: instance " + member.providerID() + " has no Node " + startup
                            + "s after its launch (nodeStartupTimeoutSeconds): none joined, or it was deleted"), null)
                    : new Verdict(null, deadline);
        }
        Instant nextAt = null;
        for (HealthCheck.UnhealthyNodeCondition condition : check.unhealthyNodeConditions()) {
            if (!READY.equals(condition.type()) || condition.status() != member.nodeReady()
                    || member.nodeReadySince() == null) {
                continue;
            }
            Instant deadline = member.nodeReadySince().plusSeconds(Math.max(0, condition.timeoutSeconds()));
            if (now.isAfter(deadline)) {
                return new Verdict(new Unhealthy(member, check.name(), REASON_UNHEALTHY_NODE,
                        "Health check failed: Node " + member.nodeName() + " has had condition Ready "
                                + wire(member.nodeReady()) + " for more than " + condition.timeoutSeconds() + "s"),
                        null);
            }
            nextAt = Decision.earliest(nextAt, deadline);
        }
        return new Verdict(null, nextAt);
    }

    private static String wire(dev.poolstream.events.ConditionStatus status) {
        return switch (status) {
            case TRUE -> "True";
            case FALSE -> "False";
            case UNKNOWN -> "Unknown";
        };
    }

    /** Why {@code notHealthy} is more than the check's {@code unhealthyLessThanOrEqualTo} allows, or empty. */
    private static Optional<String> overMaxUnhealthy(HealthCheck check, int notHealthy, int total) {
        int allowed = maxUnhealthy(check.maxUnhealthy(), total);
        boolean shared = allowed >= 0 && isCount(check.maxUnhealthy()) && check.poolsSelected() > 1;
        if (shared) {
            allowed = allowed / check.poolsSelected();
        }
        if (notHealthy <= allowed) {
            return Optional.empty();
        }
        return Optional.of(allowed < 0
                ? "MachineHealthCheck " + check.name() + ": maxUnhealthy '" + check.maxUnhealthy()
                + "' is neither a count nor a percentage; remediating none"
                : "MachineHealthCheck " + check.name() + ": " + notHealthy + " of " + total
                + " Machines not healthy (unhealthy, not started or going), more than maxUnhealthy "
                + check.maxUnhealthy() + " ("
                + (shared ? allowed + ", " + sharing(check) : String.valueOf(allowed)) + "); remediating none");
    }

    private static boolean isCount(String limit) {
        return limit != null && !limit.trim().endsWith("%");
    }

    /** How a count limit is shared, for the message that says why a pool remediates none. */
    private static String sharing(HealthCheck check) {
        return "its share: the check selects " + check.poolsSelected() + " MachinePools and each counts only its own"
                + " Machines; a percentage is not shared";
    }

    private static final Pattern RANGE = Pattern.compile("^\\[([0-9]+)-([0-9]+)\\]$");

    /**
     * Why {@code notHealthy} is outside the check's {@code unhealthyInRange} ({@code [min-max]}, both inclusive, as
     * Cluster API reads it), or empty when within. One that cannot be read (or whose max is below its min) lets none
     * be remediated: Cluster API's schema refuses it, and remediating them all is not the safe reading.
     */
    static Optional<String> outsideRange(HealthCheck check, int notHealthy, int total) {
        Matcher range = RANGE.matcher(check.unhealthyInRange().trim());
        long min = -1;
        long max = -1;
        if (range.matches()) {
            try {
                min = Long.parseLong(range.group(1));
                max = Long.parseLong(range.group(2));
            } catch (NumberFormatException tooLong) {
                min = -1;
            }
        }
        if (min < 0 || max < min) {
            return Optional.of("MachineHealthCheck " + check.name() + ": unhealthyInRange '" + check.unhealthyInRange()
                    + "' is not a range [min-max]; remediating none");
        }
        long share = max / check.poolsSelected();
        if (notHealthy >= min && notHealthy <= share) {
            return Optional.empty();
        }
        return Optional.of("MachineHealthCheck " + check.name() + ": " + notHealthy + " of " + total
                + " Machines not healthy (unhealthy, not started or going), outside unhealthyInRange "
                + check.unhealthyInRange()
                + (check.poolsSelected() > 1 ? " ([" + min + "-" + share + "], " + sharing(check) + ")" : "")
                + "; remediating none");
    }

    /**
     * {@code unhealthyLessThanOrEqualTo}: a count, or a percentage of {@code total} rounded down (as Cluster API's
     * {@code GetScaledValueFromIntOrPercent}); null is 100%. -1 when it is neither.
     */
    static int maxUnhealthy(String value, int total) {
        if (value == null) {
            return total;
        }
        String text = value.trim();
        try {
            if (text.endsWith("%")) {
                int percent = Integer.parseInt(text.substring(0, text.length() - 1).trim());
                return percent < 0 ? -1 : (int) Math.floor(percent / 100.0 * total);
            }
            int count = Integer.parseInt(text);
            return count < 0 ? -1 : count;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private HealthChecks() {
    }
}
