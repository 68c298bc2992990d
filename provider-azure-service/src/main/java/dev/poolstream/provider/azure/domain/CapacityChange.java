package dev.poolstream.provider.azure.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.provider.domain.Reasons;
import java.util.Optional;

/**
 * Whether a new capacity may be written to a scale set's {@code sku.capacity}. Raising it is how Azure scales up.
 * Lowering it lets Azure pick the victims (its scale-in policy) without a drain: CAPZ never does that, it deletes
 * chosen, named instances (MACHINEPOOL-SEMANTICS.md §5), and so does Poolstream, through the reconciler's
 * {@code TerminateInstances} after a drain. A lower capacity is therefore refused, with a reason that says what to
 * send instead; nothing is written. The engine refuses a desired size below the instances a group lists, on every
 * cloud ({@code GroupPlanner}); this checks the scale set's own capacity, which counts VMs not listed yet.
 */
public final class CapacityChange {

    public static final String SCALE_DOWN_NEEDS_NAMED_INSTANCES = Reasons.SCALE_DOWN_NEEDS_NAMED_INSTANCES;

    public static Optional<Failure> check(String scaleSet, long current, int desired) {
        if (desired >= current) {
            return Optional.empty();
        }
        return Optional.of(new Failure(SCALE_DOWN_NEEDS_NAMED_INSTANCES, "scale set " + scaleSet + " has capacity "
                + current + "; lowering it to " + desired + " would let Azure delete undrained instances of its own "
                + "choice. Send TerminateInstances with the " + (current - desired)
                + " drained instances to remove instead"));
    }

    private CapacityChange() {
    }
}
