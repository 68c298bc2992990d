package dev.poolstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.events.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * What an operator's alert sees of a dead-lettered record: {@value DeadLetters#METRIC}, counted by the topic read,
 * once the record is on its DLT (a real KRaft broker), and not when it could not be written there.
 */
@EmbeddedKafka(partitions = 1, topics = {"node.v1.DLT"})
class DeadLettersIT {

    private static final String NODES = Topics.NODE.name();
    private static final String SPECS = Topics.MACHINEPOOL_SPEC.name();

    @Test
    void shouldCountARecordOnceItIsOnItsDeadLetterTopic(EmbeddedKafkaBroker broker) {
        MeterRegistry meters = new SimpleMeterRegistry();
        DefaultKafkaProducerFactory<String, String> factory = factory(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
        DeadLetterPublishingRecoverer deadLetters = DeadLetters.recoverer(factory, new KafkaTemplate<>(factory),
                e -> "MalformedRecord", meters, List.of(NODES, SPECS));
        // Every topic read has its series before the first record, at 0.
        assertThat(count(meters, NODES)).isZero();
        assertThat(count(meters, SPECS)).isZero();

        byte[] poison = "not json {".getBytes(StandardCharsets.UTF_8);
        deadLetters.accept(new ConsumerRecord<>(NODES, 0, 7L, "aws:///eu-west-1a/i-0poison", poison),
                new IllegalArgumentException("unreadable"));
        factory.destroy();

        assertThat(count(meters, NODES)).isEqualTo(1.0);
        assertThat(count(meters, SPECS)).isZero();
        assertThat(readAll(broker, Topics.NODE.deadLetter().name()))
                .singleElement().satisfies(r -> assertThat(r.value()).isEqualTo(poison));
    }

    @Test
    void shouldNotCountARecordItCouldNotWrite() {
        MeterRegistry meters = new SimpleMeterRegistry();
        // No broker answers there: the DLT write fails within a second.
        DefaultKafkaProducerFactory<String, String> factory = factory(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000));
        DeadLetterPublishingRecoverer deadLetters = DeadLetters.recoverer(factory, new KafkaTemplate<>(factory),
                e -> "MalformedRecord", meters, List.of(NODES));

        assertThatThrownBy(() -> deadLetters.accept(new ConsumerRecord<>(NODES, 0, 8L, "aws:///eu-west-1a/i-0lost",
                "not json {".getBytes(StandardCharsets.UTF_8)), new IllegalArgumentException("unreadable")))
                .isInstanceOf(RuntimeException.class);
        factory.destroy();

        assertThat(count(meters, NODES)).isZero();
    }

    private static DefaultKafkaProducerFactory<String, String> factory(Map<String, Object> settings) {
        return new DefaultKafkaProducerFactory<>(settings, new StringSerializer(), new StringSerializer());
    }

    private static double count(MeterRegistry meters, String topic) {
        Counter counter = meters.find(DeadLetters.METRIC).tag("topic", topic).counter();
        assertThat(counter).as("the series of %s", topic).isNotNull();
        return counter.count();
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(EmbeddedKafkaBroker broker, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ConsumerConfig.GROUP_ID_CONFIG, "dead-letters-it-" + topic,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            // The record was acknowledged by the broker before accept() returned: one poll that finds it is enough,
            // and a few seconds of polls that do not are the failure.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return records;
        }
    }
}
