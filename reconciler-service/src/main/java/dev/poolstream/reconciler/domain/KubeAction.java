package dev.poolstream.reconciler.domain;

/** A write to the management cluster that a decision asks for. */
public sealed interface KubeAction {

    /** Poolstream's finalizer on the infrastructure pool (and Cluster API's on the MachinePool, in owner mode). */
    record AddFinalizers() implements KubeAction {
    }

    /** The cloud group is gone and the pool's Nodes are handled: let the objects go. */
    record RemoveFinalizers() implements KubeAction {
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
}
