package dev.poolstream.events.lifecycle;

import dev.poolstream.events.CloudEventType;
import java.time.Instant;

/** An instance left the pool, and with it its Node. */
@CloudEventType("dev.poolstream.machinepool.node.removed.v1")
public record NodeRemoved(String pool, Instant at, String nodeName, String providerID) implements PoolLifecycleEvent {
}
