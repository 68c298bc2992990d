package dev.poolstream.sandbox.scenario;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.serde.EventDeserializer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows a topic from its end (committed records only) on a thread of its own, and hands each record's value to the
 * callback with when it arrived ({@link System#nanoTime()}). Tombstones are skipped.
 */
public final class TopicTail<T extends Keyed> implements AutoCloseable {

    private final KafkaConsumer<String, T> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    public TopicTail(String brokers, String topic, Class<T> type, BiConsumer<T, Long> arrived) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100),
                new StringDeserializer(), new EventDeserializer<>(type));
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        thread = new Thread(() -> {
            while (running) {
                consumer.poll(Duration.ofMillis(50)).forEach(record -> {
                    if (record.value() != null) {
                        arrived.accept(record.value(), System.nanoTime());
                    }
                });
            }
            consumer.close();
        }, "tail-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
