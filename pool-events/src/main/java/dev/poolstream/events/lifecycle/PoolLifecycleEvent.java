package dev.poolstream.events.lifecycle;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.poolstream.events.Keyed;
import java.time.Instant;

/**
 * What happened to a pool, on {@code machinepool.lifecycle.v1}, for systems that subscribe to pools rather than
 * poll them. Derived by the status service from transitions of the computed status.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.SIMPLE_NAME, property = "event")
@JsonSubTypes({
        @JsonSubTypes.Type(ScalingStarted.class),
        @JsonSubTypes.Type(ScalingFinished.class),
        @JsonSubTypes.Type(NodeJoined.class),
        @JsonSubTypes.Type(NodeReady.class),
        @JsonSubTypes.Type(NodeRemoved.class),
        @JsonSubTypes.Type(RolloutProgress.class),
        @JsonSubTypes.Type(PoolReady.class),
        @JsonSubTypes.Type(PoolError.class)})
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
