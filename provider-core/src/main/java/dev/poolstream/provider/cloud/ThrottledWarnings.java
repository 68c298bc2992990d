package dev.poolstream.provider.cloud;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.event.Level;

/**
 * The level of a warning that a state repeats at every poll (a group's scaling activities or a VM's instance view that
 * cannot be read, while the group stays short): {@code WARN} at most once per key in each {@code every}, {@code DEBUG}
 * between. A short group is described every few seconds, and its log line would come as often.
 */
public final class ThrottledWarnings {

    private final Duration every;
    private final Clock clock;
    private final Map<String, Instant> warnedAt = new ConcurrentHashMap<>();

    public ThrottledWarnings(Duration every, Clock clock) {
        this.every = every;
        this.clock = clock;
    }

    /** {@code WARN} when {@code key} was not warned of within {@code every}; then it was, now. Else {@code DEBUG}. */
    public Level level(String key) {
        Instant now = clock.instant();
        // Keys of states long over go, so that a fleet's passing failures do not pile up.
        warnedAt.values().removeIf(at -> !at.plus(every).isAfter(now));
        return warnedAt.putIfAbsent(key, now) == null ? Level.WARN : Level.DEBUG;
    }
}
