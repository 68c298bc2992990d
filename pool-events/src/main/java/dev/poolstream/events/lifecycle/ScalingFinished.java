package dev.poolstream.events.lifecycle;

import dev.poolstream.events.CloudEventType;
import java.time.Instant;

/** The pool reached {@code toReplicas} Ready replicas; {@code latency} is null for a scale-down. */
@CloudEventType("dev.poolstream.machinepool.scaling.finished.v1")
public record ScalingFinished(String pool, Instant at, long generation, int fromReplicas, int toReplicas,
                              ProvisioningLatency latency) implements PoolLifecycleEvent {
}
