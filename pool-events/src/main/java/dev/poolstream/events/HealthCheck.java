package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * A MachineHealthCheck whose selector matches a pool's Machines, as the watcher reads it. Poolstream evaluates it
 * itself only in owner mode, where no Cluster API controller runs (docs/machines.md).
 *
 * @param name                      {@code <namespace>/<name>} of the MachineHealthCheck
 * @param nodeStartupTimeoutSeconds how long an instance may run without a Node ({@code spec.checks
 *                                  .nodeStartupTimeoutSeconds}; Cluster API's default 600, 0 turns the check off)
 * @param unhealthyNodeConditions   a Node condition held for longer than its timeout makes the Machine unhealthy
 * @param maxUnhealthy              {@code spec.remediation.triggerIf.unhealthyLessThanOrEqualTo} (a count or a
 *                                  percentage); null for Cluster API's default, 100%
 * @param unhealthyInRange          {@code spec.remediation.triggerIf.unhealthyInRange}, {@code [min-max]}: remediation
 *                                  only while the unhealthy count is within it; before {@code maxUnhealthy} when set
 * @param poolsSelected             how many MachinePools of the cluster the check selects, this one included. A pool
 *                                  counts only its own members, so a count limit ({@code maxUnhealthy} as a number,
 *                                  {@code unhealthyInRange}'s max) is shared among them; absent (a record from before
 *                                  this field) reads as 1, and is optional in the schema for that reason
 */
public record HealthCheck(
        @JsonProperty(required = true) String name,
        int nodeStartupTimeoutSeconds,
        List<UnhealthyNodeCondition> unhealthyNodeConditions,
        String maxUnhealthy,
        String unhealthyInRange,
        Integer poolsSelected) {

    public static final int DEFAULT_NODE_STARTUP_TIMEOUT_SECONDS = 600;

    public HealthCheck {
        Objects.requireNonNull(name, "name");
        unhealthyNodeConditions = Copies.list(unhealthyNodeConditions);
        poolsSelected = poolsSelected == null ? 1 : Math.max(1, poolsSelected);
    }

    public HealthCheck(String name, int nodeStartupTimeoutSeconds, List<UnhealthyNodeCondition> unhealthyNodeConditions,
                       String maxUnhealthy) {
        this(name, nodeStartupTimeoutSeconds, unhealthyNodeConditions, maxUnhealthy, null, 1);
    }

    /** {@code type} held at {@code status} for longer than {@code timeoutSeconds}. */
    public record UnhealthyNodeCondition(
            @JsonProperty(required = true) String type,
            @JsonProperty(required = true) ConditionStatus status,
            int timeoutSeconds) {

        public UnhealthyNodeCondition {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(status, "status");
        }
    }
}
