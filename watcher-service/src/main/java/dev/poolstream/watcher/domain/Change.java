package dev.poolstream.watcher.domain;

/** A record to publish: a value for a key, or a tombstone that says the key is gone. */
public sealed interface Change<V> {

    String key();

    /** The record's value: null for a tombstone. */
    default V recordValue() {
        return this instanceof Upsert<V> upsert ? upsert.value() : null;
    }

    /**
     * @param previous the value it replaces, null if none: what stays published when it cannot be sent, so that a
     *                 tombstone for the key is still due
     */
    record Upsert<V>(String key, V value, V previous) implements Change<V> {

        /** The first value under its key. */
        public Upsert(String key, V value) {
            this(key, value, null);
        }
    }

    /** @param previous the value it replaces, so that a tombstone that could not be sent can be tried again */
    record Delete<V>(String key, V previous) implements Change<V> {
    }
}
