package dev.poolstream.provider.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.command.Capacity;
import java.util.Optional;

/** Whether a requested size can be applied (MACHINEPOOL-SEMANTICS.md §5). */
public final class CapacityRules {

    /**
     * Empty when the capacity is valid. replicas outside [minSize, maxSize] is a configuration error unless an
     * external autoscaler owns the size, in which case {@code desired} is never pushed and is not checked.
     */
    public static Optional<Failure> check(Capacity capacity) {
        if (capacity == null) {
            return Optional.of(new Failure(Reasons.INVALID_CAPACITY, "the command carries no capacity"));
        }
        if (capacity.min() < 0 || capacity.max() < 0 || capacity.desired() < 0) {
            return Optional.of(new Failure(Reasons.INVALID_CAPACITY, "sizes must not be negative: min "
                    + capacity.min() + ", max " + capacity.max() + ", replicas " + capacity.desired()));
        }
        if (capacity.min() > capacity.max()) {
            return Optional.of(new Failure(Reasons.INVALID_CAPACITY,
                    "minSize " + capacity.min() + " is greater than maxSize " + capacity.max()));
        }
        if (!capacity.externallyManaged()
                && (capacity.desired() < capacity.min() || capacity.desired() > capacity.max())) {
            return Optional.of(new Failure(Reasons.REPLICAS_OUT_OF_RANGE, "replicas " + capacity.desired()
                    + " is outside [minSize " + capacity.min() + ", maxSize " + capacity.max()
                    + "]; change replicas or the bounds, or let an autoscaler manage replicas"));
        }
        return Optional.empty();
    }

    private CapacityRules() {
    }
}
