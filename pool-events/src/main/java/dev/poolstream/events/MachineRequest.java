package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
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
 * @param excludeNodeDraining   the Machine carries {@code machine.cluster.x-k8s.io/exclude-node-draining}: its Node
 *                              is not drained before its instance goes
 * @param preDrainHooks         the Machine's {@code pre-drain.delete.hook.machine.cluster.x-k8s.io/*} annotations:
 *                              its Node is not drained while there are any
 * @param preTerminateHooks     the Machine's {@code pre-terminate.delete.hook.machine.cluster.x-k8s.io/*} annotations:
 *                              its instance is not terminated while there are any
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
        boolean remediateAnnotated,
        Boolean excludeNodeDraining,
        List<String> preDrainHooks,
        List<String> preTerminateHooks) {

    public MachineRequest {
        Objects.requireNonNull(providerID, "providerID");
        // A Boolean, not a boolean: optional in the contract, as records written before it lack it (never null here).
        excludeNodeDraining = Boolean.TRUE.equals(excludeNodeDraining);
        preDrainHooks = Copies.list(preDrainHooks);
        preTerminateHooks = Copies.list(preTerminateHooks);
    }

    /** A request with no deletion hooks and no {@code exclude-node-draining}. */
    public MachineRequest(String providerID, String machine, String infrastructureMachine, boolean deleting,
                          boolean deleteAnnotated, boolean healthCheckFailed, String ownerRemediated,
                          boolean skipRemediation, boolean remediateAnnotated) {
        this(providerID, machine, infrastructureMachine, deleting, deleteAnnotated, healthCheckFailed, ownerRemediated,
                skipRemediation, remediateAnnotated, false, List.of(), List.of());
    }

    /** Its Machine holds its removal back with a hook: the Node's drain, or the instance's termination. */
    public boolean hooked() {
        return !preDrainHooks.isEmpty() || !preTerminateHooks.isEmpty();
    }

    /** Marked unhealthy and not yet taken up by its owner (Cluster API's {@code IsUnhealthyAndOwnerRemediated}). */
    public boolean awaitingRemediation() {
        return healthCheckFailed && ownerRemediated != null && !deleting && !skipRemediation;
    }
}
