package dev.poolstream.events.lifecycle;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.time.Instant;
import java.util.Objects;

/** Every desired replica is Ready and up to date: the pool is Running. */
@CloudEventType("dev.poolstream.machinepool.ready.v1")
public record PoolReady(
        @JsonProperty(required = true) String pool,
        @JsonProperty(required = true) Instant at,
        long generation,
        int replicas) implements PoolLifecycleEvent {

    public PoolReady {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(at, "at");
    }
}
