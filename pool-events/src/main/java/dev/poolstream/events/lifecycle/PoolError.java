package dev.poolstream.events.lifecycle;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import dev.poolstream.events.Failure;
import java.time.Instant;
import java.util.Objects;

/** The pool cannot make progress: an invalid spec, a cloud error. Cleared by a later event, not by this one. */
@CloudEventType("dev.poolstream.machinepool.error.v1")
public record PoolError(
        @JsonProperty(required = true) String pool,
        @JsonProperty(required = true) Instant at,
        @JsonProperty(required = true) Failure failure) implements PoolLifecycleEvent {

    public PoolError {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(failure, "failure");
    }
}
