package dev.poolstream.provider.kafka;

import dev.poolstream.events.InstanceState;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.domain.InventoryDiff;
import dev.poolstream.provider.engine.Publication;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Publishes instances and group state, keyed by {@code value.key()} (the provider ID, the pool key); a vanished
 * instance gets a tombstone. Waits for the broker, so that what the engine remembers as published is published.
 */
public class KafkaPublication implements Publication {

    private final KafkaTemplate<String, Object> template;
    private final Duration timeout;

    public KafkaPublication(KafkaTemplate<String, Object> template, Duration timeout) {
        this.template = template;
        this.timeout = timeout;
    }

    @Override
    public void publish(InventoryDiff instances, ScalingGroupState state) {
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (InstanceState instance : instances.upserts()) {
            sends.add(template.send(Topics.SCALINGGROUP_INSTANCES.name(), instance.key(), instance));
        }
        for (String providerID : instances.tombstones()) {
            sends.add(template.send(Topics.SCALINGGROUP_INSTANCES.name(), providerID, null));
        }
        if (state != null) {
            sends.add(template.send(Topics.SCALINGGROUP_STATE.name(), state.key(), state));
        }
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryableCommandException("PublishInterrupted", "interrupted while publishing", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new RetryableCommandException("PublishFailed", "Kafka did not take the records within "
                    + timeout + ": " + e.getMessage(), e);
        }
    }
}
