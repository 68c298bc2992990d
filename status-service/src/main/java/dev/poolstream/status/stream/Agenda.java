package dev.poolstream.status.stream;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** When each pool is to be looked at: at most one moment a pool, the earliest ones found without a scan. */
final class Agenda {

    private final TreeMap<Instant, Set<String>> byMoment = new TreeMap<>();
    private final Map<String, Instant> momentOf = new HashMap<>();

    /** The pool is due at {@code at} (none when null), whatever it was due at before. */
    void put(String pool, Instant at) {
        remove(pool);
        if (at != null) {
            momentOf.put(pool, at);
            byMoment.computeIfAbsent(at, moment -> new LinkedHashSet<>()).add(pool);
        }
    }

    /** The pool is due at {@code at}, or at the moment it was already due at when that is sooner. */
    void putNoLaterThan(String pool, Instant at) {
        Instant before = momentOf.get(pool);
        if (before == null || at.isBefore(before)) {
            put(pool, at);
        }
    }

    void remove(String pool) {
        Instant before = momentOf.remove(pool);
        if (before != null) {
            Set<String> pools = byMoment.get(before);
            pools.remove(pool);
            if (pools.isEmpty()) {
                byMoment.remove(before);
            }
        }
    }

    /** The pools due at {@code now} or before, soonest first; they stay on the agenda. */
    Set<String> dueAt(Instant now) {
        Set<String> due = new LinkedHashSet<>();
        byMoment.headMap(now, true).values().forEach(due::addAll);
        return due;
    }
}
