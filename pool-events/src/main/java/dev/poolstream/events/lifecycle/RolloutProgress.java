package dev.poolstream.events.lifecycle;

import dev.poolstream.events.CloudEventType;
import java.time.Instant;

/** A roll-out moved: {@code upToDate} of {@code replicas} run the current template. */
@CloudEventType("dev.poolstream.machinepool.rollout.progress.v1")
public record RolloutProgress(String pool, Instant at, long generation, int upToDate, int replicas)
        implements PoolLifecycleEvent {
}
