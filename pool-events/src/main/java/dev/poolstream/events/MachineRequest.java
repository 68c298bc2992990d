package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * A pool's Machine or infrastructure machine (AWSMachine, AzureMachinePoolMachine) that asks something of the pool,
 * as the watcher reads it: to be deleted, to go first on a scale-down, or to be remediated. Machines that ask nothing
 * are left out of {@link PoolSpec#machines()}, so a steady pool's spec record does not change with them.
 *
 * @param providerID            the instance the objects stand for (the infrastructure machine's {@code spec.providerID})
 * @param machine               the Machine's name; null when there is none
 * @param infrastructureMachine the infrastructure machine's name; null when there is none
 * @param deleting              the Machine or the infrastructure machine has a deletionTimestamp: its instance, and
 *                              no other, is to be drained and terminated
 * @param deleteAnnotated       the Machine (or its infrastructure machine) carries {@code cluster.x-k8s.io/delete-machine}
 * @param healthCheckFailed     the Machine's {@code HealthCheckSucceeded} condition is False (a MachineHealthCheck
 *                              found it unhealthy)
 * @param ownerRemediated       the reason of the Machine's {@code OwnerRemediated} condition, null without one
 * @param skipRemediation       the Machine carries {@code cluster.x-k8s.io/skip-remediation} or {@code paused}
 * @param remediateAnnotated    the Machine carries {@code cluster.x-k8s.io/remediate-machine}
 */
public record MachineRequest(
        @JsonProperty(required = true) String providerID,
        String machine,
        String infrastructureMachine,
        boolean deleting,
        boolean deleteAnnotated,
        boolean healthCheckFailed,
        String ownerRemediated,
        boolean skipRemediation,
        boolean remediateAnnotated) {

    public MachineRequest {
        Objects.requireNonNull(providerID, "providerID");
    }

    /** Marked unhealthy and not yet taken up by its owner (Cluster API's {@code IsUnhealthyAndOwnerRemediated}). */
    public boolean awaitingRemediation() {
        return healthCheckFailed && ownerRemediated != null && !deleting && !skipRemediation;
    }
}
