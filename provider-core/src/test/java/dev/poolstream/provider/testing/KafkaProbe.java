package dev.poolstream.provider.testing;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.EventSerializer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes commands and reads topics back in tests: every record of a topic since its beginning, in order. */
public class KafkaProbe implements AutoCloseable {

    private final String bootstrap;
    private final KafkaProducer<String, byte[]> producer;
    private final EventSerializer<Keyed> serializer = new EventSerializer<>(URI.create("/poolstream/test"),
            Clock.systemUTC());
    private final Map<String, Reader> readers = new LinkedHashMap<>();

    public KafkaProbe(String bootstrap) {
        this.bootstrap = bootstrap;
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends a topic value as the services do: keyed by {@code value.key()}, with CloudEvents headers. */
    public void send(String topic, Keyed value) {
        send(topic, value.key(), value);
    }

    /** Sends a topic value with CloudEvents headers under {@code key}: a record keyed other than the services do. */
    public void send(String topic, String key, Keyed value) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, null);
        byte[] bytes = serializer.serialize(topic, record.headers(), value);
        ProducerRecord<String, byte[]> withValue = new ProducerRecord<>(topic, null, key, bytes, record.headers());
        get(producer.send(withValue));
    }

    /** Sends raw bytes, e.g. a record that is not a valid value. */
    public void sendRaw(String topic, String key, byte[] value) {
        get(producer.send(new ProducerRecord<>(topic, key, value)));
    }

    /** Every record of the topic so far. */
    public synchronized List<ConsumerRecord<String, byte[]>> records(String topic) {
        return readers.computeIfAbsent(topic, Reader::new).read();
    }

    /** The latest value per key, tombstones removing their key. */
    public <T> Map<String, T> latest(String topic, Class<T> type) {
        EventDeserializer<T> reader = new EventDeserializer<>(type);
        Map<String, T> latest = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : records(topic)) {
            if (record.value() == null) {
                latest.remove(record.key());
            } else {
                latest.put(record.key(), reader.deserialize(record));
            }
        }
        return latest;
    }

    /** Keys that got a tombstone. */
    public List<String> tombstones(String topic) {
        return records(topic).stream().filter(r -> r.value() == null).map(ConsumerRecord::key).toList();
    }

    public static Optional<String> header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? Optional.empty() : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void close() {
        producer.close(Duration.ofSeconds(5));
        readers.values().forEach(r -> r.consumer.close(Duration.ofSeconds(5)));
    }

    private static void get(java.util.concurrent.Future<?> future) {
        try {
            future.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("send failed", e);
        }
    }

    private final class Reader {
        final KafkaConsumer<String, byte[]> consumer;
        final List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
        final String topic;

        Reader(String topic) {
            this.topic = topic;
            this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.CLIENT_ID_CONFIG, "probe-" + UUID.randomUUID()), new StringDeserializer(),
                    new ByteArrayDeserializer());
        }

        List<ConsumerRecord<String, byte[]>> read() {
            if (consumer.assignment().isEmpty()) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                if (partitions.isEmpty()) {
                    return List.of();
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                seen.add(r);
            }
            return List.copyOf(seen);
        }
    }
}
