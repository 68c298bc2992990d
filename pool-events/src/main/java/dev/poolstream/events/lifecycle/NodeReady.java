package dev.poolstream.events.lifecycle;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.time.Instant;
import java.util.Objects;

/** One of the pool's Nodes turned Ready, {@code sinceLaunchMillis} after its instance was launched (-1 if unknown). */
@CloudEventType("dev.poolstream.machinepool.node.ready.v1")
public record NodeReady(
        @JsonProperty(required = true) String pool,
        @JsonProperty(required = true) Instant at,
        String nodeName,
        String providerID,
        long sinceLaunchMillis) implements PoolLifecycleEvent {

    public NodeReady {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(at, "at");
    }
}
