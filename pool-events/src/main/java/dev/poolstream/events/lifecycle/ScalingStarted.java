package dev.poolstream.events.lifecycle;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.time.Instant;
import java.util.Objects;

/** The pool's desired replicas changed from {@code fromReplicas} to {@code toReplicas}. */
@CloudEventType("dev.poolstream.machinepool.scaling.started.v1")
public record ScalingStarted(
        @JsonProperty(required = true) String pool,
        @JsonProperty(required = true) Instant at,
        long generation,
        int fromReplicas,
        int toReplicas) implements PoolLifecycleEvent {

    public ScalingStarted {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(at, "at");
    }
}
