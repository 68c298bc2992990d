package dev.poolstream.events.lifecycle;

import dev.poolstream.events.CloudEventType;
import java.time.Instant;

/** Every desired replica is Ready and up to date: the pool is Running. */
@CloudEventType("dev.poolstream.machinepool.ready.v1")
public record PoolReady(String pool, Instant at, long generation, int replicas) implements PoolLifecycleEvent {
}
