package dev.poolstream.watcher.kafka;

import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.MalformedRecordException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * Reads a compacted topic from its start to its current end: the latest value of every key, tombstoned keys left
 * out. A new leader learns from it what the previous one published.
 */
public class TopicReader {

    private static final Logger log = LoggerFactory.getLogger(TopicReader.class);

    private final ConsumerFactory<?, ?> consumers;

    public TopicReader(ConsumerFactory<?, ?> consumers) {
        this.consumers = consumers;
    }

    public <V> Map<String, V> readAll(Topics.TopicSpec topic, Class<V> type, Duration timeout)
            throws TimeoutException {
        EventDeserializer<V> deserializer = new EventDeserializer<>(type);
        Instant deadline = Instant.now().plus(timeout);
        Map<String, V> latest = new HashMap<>();
        try (Consumer<String, byte[]> consumer = ConsumerThread.raw(consumers, null, "snapshot-", new Properties())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            while (!partitions.stream().allMatch(p -> consumer.position(p, timeout) >= end.get(p))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new TimeoutException("reading " + topic.name() + " took longer than " + timeout);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() == null) {
                        continue;
                    }
                    if (record.value() == null) {
                        latest.remove(record.key());
                        continue;
                    }
                    try {
                        latest.put(record.key(), deserializer.deserialize(record));
                    } catch (MalformedRecordException e) {
                        // Forget the key: the next snapshot writes a good record over it, or a tombstone.
                        latest.remove(record.key());
                        log.warn("key {}: {}", record.key(), e.getMessage());
                    }
                }
            }
        }
        return latest;
    }
}
