package dev.poolstream.events.lifecycle;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.time.Instant;
import java.util.Objects;

/** A roll-out moved: {@code upToDate} of {@code replicas} run the current template. */
@CloudEventType("dev.poolstream.machinepool.rollout.progress.v1")
public record RolloutProgress(
        @JsonProperty(required = true) String pool,
        @JsonProperty(required = true) Instant at,
        long generation,
        int upToDate,
        int replicas) implements PoolLifecycleEvent {

    public RolloutProgress {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(at, "at");
    }
}
