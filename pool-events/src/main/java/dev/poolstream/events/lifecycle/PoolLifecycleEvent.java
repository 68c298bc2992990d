package dev.poolstream.events.lifecycle;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.poolstream.events.Keyed;
import java.time.Instant;

/**
 * What happened to a pool, on {@code machinepool.lifecycle.v1}, for systems that subscribe to pools rather than
 * poll them. Derived by the status service from transitions of the computed status.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "event")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ScalingStarted.class, name = "ScalingStarted"),
        @JsonSubTypes.Type(value = ScalingFinished.class, name = "ScalingFinished"),
        @JsonSubTypes.Type(value = NodeJoined.class, name = "NodeJoined"),
        @JsonSubTypes.Type(value = NodeReady.class, name = "NodeReady"),
        @JsonSubTypes.Type(value = NodeRemoved.class, name = "NodeRemoved"),
        @JsonSubTypes.Type(value = RolloutProgress.class, name = "RolloutProgress"),
        @JsonSubTypes.Type(value = PoolReady.class, name = "PoolReady"),
        @JsonSubTypes.Type(value = PoolError.class, name = "PoolError")})
public sealed interface PoolLifecycleEvent extends Keyed
        permits ScalingStarted, ScalingFinished, NodeJoined, NodeReady, NodeRemoved, RolloutProgress, PoolReady,
        PoolError {

    /** The pool key, {@code <namespace>/<name>}. */
    String pool();

    /** When it happened (not when it was published). */
    Instant at();

    @Override
    default String key() {
        return pool();
    }
}
