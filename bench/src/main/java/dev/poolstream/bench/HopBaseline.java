package dev.poolstream.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The floor every latency here is compared with: one record produced (acks=all, idempotent, no linger, as the
 * services produce) and consumed on the same broker, one at a time.
 */
final class HopBaseline {

    static final String TOPIC = "bench.hop";

    static Percentiles measure(String brokers, int warmup, int rounds) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            if (!admin.listTopics().names().get().contains(TOPIC)) {
                admin.createTopics(Set.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 0),
                new StringSerializer(), new StringSerializer());
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100),
                     new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            List<Double> millis = new ArrayList<>();
            for (int i = 0; i < warmup + rounds; i++) {
                String value = Integer.toString(i);
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(TOPIC, "hop", value));
                boolean received = false;
                while (!received) {
                    for (var record : consumer.poll(Duration.ofMillis(100))) {
                        received |= record.value().equals(value);
                    }
                }
                if (i >= warmup) {
                    millis.add((System.nanoTime() - start) / 1e6);
                }
            }
            return Percentiles.of(millis);
        }
    }

    private HopBaseline() {
    }
}
