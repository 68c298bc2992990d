package dev.poolstream.events.lifecycle;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.time.Instant;
import java.util.Objects;

/** The pool reached {@code toReplicas} Ready replicas; {@code latency} is null for a scale-down. */
@CloudEventType("dev.poolstream.machinepool.scaling.finished.v1")
public record ScalingFinished(
        @JsonProperty(required = true) String pool,
        @JsonProperty(required = true) Instant at,
        long generation,
        int fromReplicas,
        int toReplicas,
        ProvisioningLatency latency) implements PoolLifecycleEvent {

    public ScalingFinished {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(at, "at");
    }
}
