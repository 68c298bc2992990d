package dev.poolstream.provider.engine;

import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.provider.domain.InventoryDiff;

/** Where the engine publishes what it saw: the state and instance topics (the Kafka adapter implements it). */
public interface Publication {

    /**
     * Publishes the instance changes, then the state (when not null), and returns once the broker has them.
     *
     * @throws dev.poolstream.provider.cloud.RetryableCommandException when the broker did not take them in time
     */
    void publish(InventoryDiff instances, ScalingGroupState state);
}
