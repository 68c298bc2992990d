package dev.poolstream.events.lifecycle;

import dev.poolstream.events.CloudEventType;
import java.time.Instant;

/** The pool's desired replicas changed from {@code fromReplicas} to {@code toReplicas}. */
@CloudEventType("dev.poolstream.machinepool.scaling.started.v1")
public record ScalingStarted(String pool, Instant at, long generation, int fromReplicas, int toReplicas)
        implements PoolLifecycleEvent {
}
