package dev.poolstream.events.lifecycle;

import dev.poolstream.events.CloudEventType;
import dev.poolstream.events.Failure;
import java.time.Instant;

/** The pool cannot make progress: an invalid spec, a cloud error. Cleared by a later event, not by this one. */
@CloudEventType("dev.poolstream.machinepool.error.v1")
public record PoolError(String pool, Instant at, Failure failure) implements PoolLifecycleEvent {
}
