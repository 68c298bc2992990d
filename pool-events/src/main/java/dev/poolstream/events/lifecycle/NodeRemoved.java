package dev.poolstream.events.lifecycle;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.time.Instant;
import java.util.Objects;

/** An instance left the pool, and with it its Node. */
@CloudEventType("dev.poolstream.machinepool.node.removed.v1")
public record NodeRemoved(
        @JsonProperty(required = true) String pool,
        @JsonProperty(required = true) Instant at,
        String nodeName,
        String providerID) implements PoolLifecycleEvent {

    public NodeRemoved {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(at, "at");
    }
}
