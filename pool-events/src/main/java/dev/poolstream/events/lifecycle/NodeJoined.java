package dev.poolstream.events.lifecycle;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.time.Instant;
import java.util.Objects;

/** A Node registered with the provider ID of one of the pool's instances. */
@CloudEventType("dev.poolstream.machinepool.node.joined.v1")
public record NodeJoined(
        @JsonProperty(required = true) String pool,
        @JsonProperty(required = true) Instant at,
        String nodeName,
        String providerID) implements PoolLifecycleEvent {

    public NodeJoined {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(at, "at");
    }
}
