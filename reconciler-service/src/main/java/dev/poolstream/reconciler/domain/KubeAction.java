package dev.poolstream.reconciler.domain;

import java.util.List;

/** A write to the management cluster that a decision asks for. */
public sealed interface KubeAction {

    /** Poolstream's finalizer on the infrastructure pool (and Cluster API's on the MachinePool, in owner mode). */
    record AddFinalizers() implements KubeAction {
    }

    /** The cloud group is gone and the pool's Nodes are handled: let the objects go. */
    record RemoveFinalizers() implements KubeAction {
    }

    /**
     * Owner mode: the MachinePool is being deleted, and its infrastructure pool goes with it, as Cluster API's
     * MachinePool controller deletes it ({@code reconcileDeleteExternal}). Poolstream's finalizer holds it until the
     * group is gone. Only the object the pool's record names (its uid).
     */
    record DeleteInfrastructurePool(String uid) implements KubeAction {
    }

    /**
     * Owner mode: the deleted MachinePool's bootstrap config goes too ({@code spec.template.spec.bootstrap.configRef}),
     * as Cluster API's MachinePool controller deletes it; once, just before the finalizers are removed.
     */
    record DeleteBootstrapConfig(BootstrapData.ConfigRef ref) implements KubeAction {
    }

    /** An autoscaler owns the size: the pool's {@code spec.replicas} follows the group's desired capacity. */
    record SetReplicas(int replicas) implements KubeAction {
    }

    /**
     * Owner mode: the bootstrap config's data Secret is created; its name goes into the pool's
     * {@code spec.template.spec.bootstrap.dataSecretName} (written only to the generation the decision saw).
     */
    record SetBootstrapDataSecretName(String name) implements KubeAction {
    }

    /**
     * A victim of the reconciler's own (a scale-down, a roll-out) whose Machine carries a deletion hook: the Machine
     * is deleted, as the MachinePool Machines contract has the provider delete the Machine of an instance it removes,
     * so that the hooks' owners, which act on a deleting Machine, do their part; its instance then goes as a deleting
     * Machine's does.
     */
    record DeleteMachine(String providerID, String machine) implements KubeAction {
    }

    /**
     * A condition the reconciler writes on a Machine ({@code status.conditions}, v1beta2), beside those others
     * wrote. Always False here: only a Machine's owner marks it, and it only marks what goes wrong.
     */
    record MachineCondition(String type, String reason, String message) {
    }

    /**
     * Remediates a Machine, re-entrantly as Cluster API's MachineSet does: first its conditions ({@code OwnerRemediated}
     * False reason {@code MachineDeleting}, and in owner mode {@code HealthCheckSucceeded} False), then it is deleted;
     * the deleting Machine's path then drains and terminates exactly its instance, and the pool's replicas refill it.
     *
     * @param machine the Machine's name, in the pool's namespace
     * @param notices shown once the conditions are written (not when they already were)
     */
    record RemediateMachine(String providerID, String machine, List<MachineCondition> conditions,
                            List<Notice> notices) implements KubeAction {

        public RemediateMachine {
            conditions = List.copyOf(conditions);
            notices = List.copyOf(notices);
        }
    }

    /**
     * A Machine marked for remediation that is healthy again: {@code OwnerRemediated} removed, as the Machine's owner
     * (a MachineSet) does in Cluster API, so it is not replaced for nothing. In owner mode, for a deferred Machine
     * whose Node owner mode's health checks find healthy again, {@code HealthCheckSucceeded} is set True too
     * ({@code markHealthy}); otherwise a MachineHealthCheck said so already, and a Machine it finds unhealthy again by
     * the time of the write keeps its mark.
     *
     * @param notices shown once the conditions are written (not when they already were)
     */
    record ClearRemediation(String providerID, String machine, boolean markHealthy, List<Notice> notices)
            implements KubeAction {

        public ClearRemediation {
            notices = List.copyOf(notices);
        }
    }

    /**
     * Holds a Machine's remediation back ({@code OwnerRemediated} reason {@code RemediationDeferred}, and in owner
     * mode {@code HealthCheckSucceeded} False): as many are in flight as the pool allows.
     *
     * @param notices shown once the conditions are written (not when they already were)
     */
    record DeferRemediation(String providerID, String machine, List<MachineCondition> conditions,
                            List<Notice> notices) implements KubeAction {

        public DeferRemediation {
            conditions = List.copyOf(conditions);
            notices = List.copyOf(notices);
        }
    }
}
