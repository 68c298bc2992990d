package dev.poolstream.status.domain;

import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus.Phase;

/** Cluster API's phase rules (MACHINEPOOL-SEMANTICS.md §4): in order, the last that matches wins, none keeps. */
public final class Phases {

    /** The facts the rules read. {@code ready} is node-based (Beyond CAPI). */
    public record Facts(boolean bootstrapDataReady, boolean infrastructureProvisioned, boolean anyNodeRefs,
                        int desired, int ready, boolean replicasManagedExternally, boolean deleting) {
    }

    public static Phase next(Phase previous, Facts facts) {
        Phase phase = previous;
        if (previous == null) {
            phase = Phase.PENDING;
        }
        if (facts.bootstrapDataReady() && !facts.infrastructureProvisioned()) {
            phase = Phase.PROVISIONING;
        }
        if (facts.anyNodeRefs()) {
            phase = Phase.PROVISIONED;
        }
        if (facts.infrastructureProvisioned() && facts.desired() == facts.ready()) {
            phase = Phase.RUNNING;
        }
        if (facts.infrastructureProvisioned() && facts.desired() > facts.ready()) {
            phase = facts.replicasManagedExternally() ? Phase.SCALING : Phase.SCALINGUP;
        }
        if (facts.infrastructureProvisioned() && facts.desired() < facts.ready()) {
            phase = facts.replicasManagedExternally() ? Phase.SCALING : Phase.SCALINGDOWN;
        }
        if (facts.deleting()) {
            phase = Phase.DELETING;
        }
        return phase;
    }

    private Phases() {
    }
}
