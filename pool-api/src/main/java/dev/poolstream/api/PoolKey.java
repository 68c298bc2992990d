package dev.poolstream.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Objects;

/**
 * The identity of a MachinePool across the pipeline: {@code <namespace>/<name>}. It is the Kafka key of
 * every pool-scoped topic, so that spec, commands, group state and status of one pool stay ordered.
 */
public record PoolKey(String namespace, String name) implements Comparable<PoolKey> {

    public PoolKey {
        requireSegment(namespace, "namespace");
        requireSegment(name, "name");
    }

    public static PoolKey of(HasMetadata pool) {
        Objects.requireNonNull(pool, "pool");
        return new PoolKey(pool.getMetadata().getNamespace(), pool.getMetadata().getName());
    }

    /** Parses {@code <namespace>/<name>}; anything else is an {@link IllegalArgumentException} that quotes the input. */
    public static PoolKey parse(String key) {
        if (key == null) {
            throw new IllegalArgumentException("pool key is null, expected <namespace>/<name>");
        }
        int slash = key.indexOf('/');
        if (slash <= 0 || slash == key.length() - 1 || key.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("pool key '" + key + "' is not of the form <namespace>/<name>");
        }
        return new PoolKey(key.substring(0, slash), key.substring(slash + 1));
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }

    @Override
    public int compareTo(PoolKey other) {
        return toString().compareTo(other.toString());
    }

    private static void requireSegment(String value, String what) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("pool key " + what + " is empty");
        }
        if (value.indexOf('/') >= 0) {
            throw new IllegalArgumentException("pool key " + what + " '" + value + "' contains '/'");
        }
    }
}
