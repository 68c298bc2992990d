package dev.poolstream.events.lifecycle;

import dev.poolstream.events.CloudEventType;
import java.time.Instant;

/** One of the pool's Nodes turned Ready, {@code sinceLaunchMillis} after its instance was launched (-1 if unknown). */
@CloudEventType("dev.poolstream.machinepool.node.ready.v1")
public record NodeReady(String pool, Instant at, String nodeName, String providerID, long sinceLaunchMillis)
        implements PoolLifecycleEvent {
}
