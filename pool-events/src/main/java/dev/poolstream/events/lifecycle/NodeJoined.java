package dev.poolstream.events.lifecycle;

import dev.poolstream.events.CloudEventType;
import java.time.Instant;

/** A Node registered with the provider ID of one of the pool's instances. */
@CloudEventType("dev.poolstream.machinepool.node.joined.v1")
public record NodeJoined(String pool, Instant at, String nodeName, String providerID) implements PoolLifecycleEvent {
}
