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
        Failure error) {

    /** Reasons for {@link #error}. */
    public static final String REASON_REF_MISSING = "InfrastructureRefMissing";
    public static final String REASON_KIND_UNSUPPORTED = "InfrastructureKindUnsupported";
    public static final String REASON_NOT_FOUND = "InfrastructureNotFound";
    /** Another MachinePool named it first: an infrastructure pool is one MachinePool's. */
    public static final String REASON_SHARED = "InfrastructurePoolShared";

    public InfrastructurePool {
        finalizers = Copies.list(finalizers);
        if ((spec == null) == (error == null)) {
            throw new IllegalArgumentException("infrastructure pool " + kind + "/" + name
                    + " needs exactly one of spec and error");
        }
    }

    public static InfrastructurePool unresolved(String apiGroup, String kind, String name, Failure error) {
        return new InfrastructurePool(apiGroup, kind, name, null, 0, List.of(), null, null, error);
    }

    public boolean resolved() {
        return spec != null;
    }
}
