package dev.poolstream.provider.domain;

import dev.poolstream.events.InstanceLifecycle;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How soon to describe a group again: often while a change is in flight, rarely at rest.
 *
 * @param fast   the interval while a change is in flight
 * @param slow   the interval at rest
 * @param settle how long after a command the group counts as in flight even if it looks at rest (the cloud may
 *               not yet show the change)
 */
public record PollSchedule(Duration fast, Duration slow, Duration settle) {

    public PollSchedule {
        Objects.requireNonNull(fast, "fast");
        Objects.requireNonNull(slow, "slow");
        Objects.requireNonNull(settle, "settle");
        if (fast.isNegative() || fast.isZero() || slow.compareTo(fast) < 0) {
            throw new IllegalArgumentException("poll intervals must satisfy 0 < fast <= slow, got fast " + fast
                    + " and slow " + slow);
        }
    }

    /**
     * A change is in flight when the group is being deleted or rolled out, when the cloud has not yet as many live
     * instances as desired, or when an instance is starting or stopping.
     */
    public static boolean inFlight(Optional<GroupSnapshot> snapshot) {
        if (snapshot.isEmpty()) {
            return false;
        }
        GroupSnapshot g = snapshot.get();
        return g.deleting() || g.rolloutInFlight() || g.liveInstances() != g.desired()
                || g.instances().stream().anyMatch(i -> i.lifecycle() != InstanceLifecycle.RUNNING);
    }

    public Duration interval(Optional<GroupSnapshot> snapshot, Instant lastCommandAt, Instant now) {
        return !settled(lastCommandAt, now) || inFlight(snapshot) ? fast : slow;
    }

    /** Whether the last command (if any) is longer than {@code settle} ago. */
    public boolean settled(Instant lastCommandAt, Instant now) {
        return lastCommandAt == null || Duration.between(lastCommandAt, now).compareTo(settle) >= 0;
    }
}
