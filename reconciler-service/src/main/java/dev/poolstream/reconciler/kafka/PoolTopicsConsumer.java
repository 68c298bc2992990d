package dev.poolstream.reconciler.kafka;

import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.MalformedRecordException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * Reads the pool-keyed topics the reconciler decides from (spec, group state, status). They are compacted and
 * co-partitioned, so a consumer that owns partition n of one owns partition n of all three: everything about its
 * pools. On every assignment it reads them back from the start and says when it has caught up; no decision is made
 * from a half-read picture, and nothing but the topics has to survive a restart (no offsets are committed).
 */
public final class PoolTopicsConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PoolTopicsConsumer.class);
    static final List<String> TOPICS = List.of(Topics.MACHINEPOOL_SPEC.name(), Topics.SCALINGGROUP_STATE.name(),
            Topics.MACHINEPOOL_STATUS.name());

    /** What the consumer tells the reconciler. */
    public interface Listener {
        void record(String topic, String key, Object value);

        /** Every record of the assigned partitions up to their end at assignment has been delivered. */
        void caughtUp();

        void revoked(Collection<TopicPartition> partitions);
    }

    private final ConsumerFactory<?, ?> consumers;
    private final Listener listener;
    private final BiConsumer<ConsumerRecord<?, ?>, Exception> deadLetters;
    private final EventDeserializer<Object> deserializer = new EventDeserializer<>();
    private volatile Consumer<String, byte[]> consumer;
    private volatile boolean running;
    private Thread thread;
    private volatile Map<TopicPartition, Long> catchUpTo = Map.of();

    public PoolTopicsConsumer(ConsumerFactory<?, ?> consumers, Listener listener,
                              BiConsumer<ConsumerRecord<?, ?>, Exception> deadLetters) {
        this.consumers = consumers;
        this.listener = listener;
        this.deadLetters = deadLetters;
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::run, "reconciler-consumer");
        thread.start();
    }

    @SuppressWarnings("unchecked")
    private void run() {
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        overrides.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        overrides.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.RangeAssignor.class.getName());
        try (Consumer<String, byte[]> c = (Consumer<String, byte[]>) consumers.createConsumer(null, null, null,
                overrides)) {
            consumer = c;
            c.subscribe(TOPICS, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    listener.revoked(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    c.seekToBeginning(partitions);
                    Map<TopicPartition, Long> ends = new HashMap<>(c.endOffsets(c.assignment()));
                    catchUpTo = ends;
                    log.info("assigned {} partitions; reading them back to their end", partitions.size());
                }
            });
            while (running) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(200))) {
                    deliver(record);
                }
                if (!catchUpTo.isEmpty() && caughtUp(c)) {
                    catchUpTo = Map.of();
                    listener.caughtUp();
                }
            }
        } catch (WakeupException e) {
            // Stopping.
        } catch (RuntimeException e) {
            log.error("the reconciler's consumer stopped", e);
        }
    }

    private void deliver(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        Object value;
        try {
            value = deserializer.deserialize(record);
        } catch (MalformedRecordException e) {
            log.warn("{}", e.getMessage());
            deadLetters.accept(record, e);
            return;
        }
        listener.record(record.topic(), record.key(), value);
    }

    private boolean caughtUp(Consumer<String, byte[]> c) {
        return catchUpTo.entrySet().stream().allMatch(e -> !c.assignment().contains(e.getKey())
                || c.position(e.getKey()) >= e.getValue());
    }

    @Override
    public void stop() {
        running = false;
        Consumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

}
