package dev.poolstream.watcher.domain;

/** A record to publish: a value for a key, or a tombstone that says the key is gone. */
public sealed interface Change<V> {

    String key();

    /** The record's value: null for a tombstone. */
    default V recordValue() {
        return this instanceof Upsert<V> upsert ? upsert.value() : null;
    }

    record Upsert<V>(String key, V value) implements Change<V> {
    }

    /** @param previous the value it replaces, so that a tombstone that could not be sent can be tried again */
    record Delete<V>(String key, V previous) implements Change<V> {
    }
}
