package dev.poolstream.watcher.it;

import org.awaitility.Awaitility;

import dev.poolstream.events.serde.EventDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Everything written to some topics since the test began, read as the contract's values. */
final class TopicTail implements AutoCloseable {

    /** A record as read: key, value (null for a tombstone), and the CloudEvents type header. */
    record Read(String topic, String key, Object value, String type) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final EventDeserializer<Object> deserializer = new EventDeserializer<>();
    private final List<Read> records = new ArrayList<>();

    TopicTail(String bootstrapServers, List<String> topics) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                // What the services read: an aborted transaction's records are none.
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
        List<TopicPartition> partitions = topics.stream()
                .flatMap(t -> consumer.partitionsFor(t, Duration.ofSeconds(10)).stream())
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    synchronized List<Read> records() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            var type = record.headers().lastHeader("ce_type");
            records.add(new Read(record.topic(), record.key(),
                    record.value() == null ? null : deserializer.deserialize(record),
                    type == null ? null : new String(type.value())));
        }
        return List.copyOf(records);
    }

    List<Read> recordsFor(String key) {
        return records().stream().filter(r -> r.key().equals(key)).toList();
    }

    /** Waits for a record under {@code key} that matches, and returns it. */
    Read await(String key, Predicate<Read> matching) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).until(
                () -> recordsFor(key).stream().filter(matching).reduce((a, b) -> b).orElse(null),
                r -> r != null);
    }

    /** Waits until the latest record under {@code key} (what a reader of the compacted topic keeps) matches. */
    Read awaitLatest(String key, Predicate<Read> matching) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).until(
                () -> recordsFor(key).stream().reduce((a, b) -> b).filter(matching).orElse(null),
                r -> r != null);
    }

    /** The end offsets of the tailed partitions, summed: moves only when a record is written. */
    long written() {
        return consumer.endOffsets(consumer.assignment()).values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public synchronized void close() {
        consumer.close();
    }
}
