package dev.poolstream.watcher.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What was last published for each key of one topic, and so whether a new value is a change worth a record.
 * Resyncs, relists after an expired watch and heartbeats produce values equal to the last ones: no record.
 *
 * <p>Not thread-safe: the watcher makes every publishing decision on one thread.
 */
public final class LastPublished<V> {

    private final Map<String, V> byKey = new HashMap<>();

    /** The record for {@code value} under {@code key}, or empty when that is what was last published. */
    public Optional<Change<V>> upsert(String key, V value) {
        Objects.requireNonNull(value, "value");
        V previous = byKey.put(key, value);
        return value.equals(previous) ? Optional.empty() : Optional.of(new Change.Upsert<>(key, value, previous));
    }

    /** A tombstone for {@code key}, or empty when nothing is published under it. */
    public Optional<Change<V>> delete(String key) {
        V previous = byKey.remove(key);
        return previous == null ? Optional.empty() : Optional.of(new Change.Delete<>(key, previous));
    }

    /**
     * The records that make the topic equal {@code current}: values that are new or differ, and tombstones for
     * keys that are published but no longer current. Only keys whose published value is {@code inScope} can be
     * deleted: the rest belong to sources this snapshot did not see (an unreachable workload cluster).
     */
    public List<Change<V>> reconcile(Map<String, V> current, Predicate<V> inScope) {
        List<Change<V>> changes = new ArrayList<>();
        for (String key : List.copyOf(byKey.keySet())) {
            if (!current.containsKey(key) && inScope.test(byKey.get(key))) {
                delete(key).ifPresent(changes::add);
            }
        }
        current.forEach((key, value) -> upsert(key, value).ifPresent(changes::add));
        return changes;
    }

    /** Starts from what the topic already holds (read back when this watcher becomes the leader). */
    public void seed(Map<String, V> published) {
        seed(published, any -> true);
    }

    /**
     * Starts from what the topic holds for the values {@code inScope} (the Nodes of the clusters a replica takes
     * over), and keeps what it knows of the others.
     */
    public void seed(Map<String, V> published, Predicate<V> inScope) {
        forget(inScope);
        published.forEach((key, value) -> {
            if (inScope.test(value)) {
                byKey.put(key, value);
            }
        });
    }

    /** Forgets the values {@code inScope}, publishing nothing: someone else publishes them from now on. */
    public void forget(Predicate<V> inScope) {
        byKey.values().removeIf(inScope);
    }

    /**
     * Undoes a change that could not be sent, unless a later change to the key was made since: a value that did
     * not arrive leaves the one before it published (or none), and a tombstone that did not arrive leaves the old
     * value published. The next look at the key then produces the record again, a tombstone included.
     */
    public void undo(Change<V> failed) {
        if (failed instanceof Change.Upsert<V> upsert) {
            if (upsert.previous() == null) {
                byKey.remove(upsert.key(), upsert.value());
            } else {
                byKey.replace(upsert.key(), upsert.value(), upsert.previous());
            }
        } else if (failed instanceof Change.Delete<V> delete) {
            byKey.putIfAbsent(delete.key(), delete.previous());
        }
    }

    public Optional<V> get(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    public List<V> values(Predicate<V> filter) {
        return byKey.values().stream().filter(filter).toList();
    }

    public void clear() {
        byKey.clear();
    }

    public int size() {
        return byKey.size();
    }
}
