package dev.poolstream.events;

import java.time.Instant;
import java.util.List;

/**
 * The object a MachinePool's {@code infrastructureRef} names, as the watcher found it. Exactly one of
 * {@code spec} and {@code error} is set: a dangling reference or a kind Poolstream does not run is still
 * published, with the reason, so that the pool gets a condition instead of silence.
 *
 * @param finalizers        the infrastructure pool's finalizers: Poolstream's own sits here
 * @param deletionTimestamp set when the infrastructure pool itself is being deleted
 * @param paused            true when it carries {@code cluster.x-k8s.io/paused}; else null, so that a record says it
 *                          only when it is
 */
public record InfrastructurePool(
        String apiGroup,
        String kind,
        String name,
        String uid,
        long generation,
        List<String> finalizers,
        Instant deletionTimestamp,
        InfraSpec spec,
        Failure error,
        Boolean paused) {

    /** Reasons for {@link #error}. */
    public static final String REASON_REF_MISSING = "InfrastructureRefMissing";
    public static final String REASON_KIND_UNSUPPORTED = "InfrastructureKindUnsupported";
    public static final String REASON_NOT_FOUND = "InfrastructureNotFound";
    /** Another MachinePool named it first: an infrastructure pool is one MachinePool's. */
    public static final String REASON_SHARED = "InfrastructurePoolShared";

    public InfrastructurePool {
        finalizers = Copies.list(finalizers);
        paused = Boolean.TRUE.equals(paused) ? Boolean.TRUE : null;
        if ((spec == null) == (error == null)) {
            throw new IllegalArgumentException("infrastructure pool " + kind + "/" + name
                    + " needs exactly one of spec and error");
        }
    }

    /** Not paused. */
    public InfrastructurePool(String apiGroup, String kind, String name, String uid, long generation,
                              List<String> finalizers, Instant deletionTimestamp, InfraSpec spec, Failure error) {
        this(apiGroup, kind, name, uid, generation, finalizers, deletionTimestamp, spec, error, false);
    }

    public static InfrastructurePool unresolved(String apiGroup, String kind, String name, Failure error) {
        return new InfrastructurePool(apiGroup, kind, name, null, 0, List.of(), null, null, error);
    }

    public boolean resolved() {
        return spec != null;
    }
}
