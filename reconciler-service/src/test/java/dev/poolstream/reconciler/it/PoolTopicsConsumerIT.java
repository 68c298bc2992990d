package dev.poolstream.reconciler.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.Failure;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.kafka.StaticMembership;
import dev.poolstream.reconciler.kafka.PoolTopicsConsumer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * The reconciler's consumer on a real broker, restarted as a killed pod is: a new consumer in the same group reads
 * the pool topics back from their start, and a malformed record it finds there went to the DLT before.
 */
@EmbeddedKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoolTopicsConsumerIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String POOL = "team-a/poison";

    private String brokers;
    private KafkaProducer<String, byte[]> producer;
    private final EventSerializer<Keyed> serializer = new EventSerializer<>(URI.create("/test"), Clock.systemUTC());

    @BeforeAll
    void start(EmbeddedKafkaBroker broker) throws Exception {
        brokers = broker.getBrokersAsString();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            admin.createTopics(Stream.of(Topics.MACHINEPOOL_SPEC, Topics.SCALINGGROUP_STATE, Topics.MACHINEPOOL_STATUS,
                            Topics.SCALINGGROUP_COMMANDS_AWS, Topics.SCALINGGROUP_COMMANDS_AZURE)
                    .flatMap(t -> Stream.of(t, t.deadLetter())).map(t -> t.newTopic((short) 1))
                    .toList()).all().get();
        }
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    void stop() {
        if (producer != null) {
            producer.close();
        }
    }

    @Test
    void shouldDeadLetterAMalformedRecordOnceAcrossARestart() throws Exception {
        String topic = Topics.MACHINEPOOL_STATUS.name();
        RecordMetadata poison = publish(topic, "{not a status".getBytes(StandardCharsets.UTF_8));
        publish(topic, serializer.serialize(topic, new PoolStatus(POOL, 1, null, null, null, null, List.of(), false,
                List.of(), List.of())));

        Run first = new Run();
        first.readBack();
        first.stop();
        // A second malformed record, written while the reconciler is down: the next run has not dead-lettered it.
        RecordMetadata later = publish(topic, "{nor this".getBytes(StandardCharsets.UTF_8));
        Run second = new Run();
        second.readBack();
        second.stop();

        assertThat(first.generations).as("the valid record, read back").containsExactly(1L);
        assertThat(second.generations).as("read back from the start again").containsExactly(1L);
        assertThat(deadLettered(new TopicPartition(topic + Topics.DLT_SUFFIX, poison.partition())))
                .as("each malformed record on the DLT once")
                .containsExactly("{not a status", "{nor this");
        assertThat(later.partition()).isEqualTo(poison.partition());
    }

    private RecordMetadata publish(String topic, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(topic, POOL, value)).get();
    }

    /** Every value on the DLT partition, read to the end it has now. */
    private List<String> deadLettered(TopicPartition partition) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> dlt = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            dlt.assign(List.of(partition));
            dlt.seekToBeginning(List.of(partition));
            long end = dlt.endOffsets(List.of(partition)).get(partition);
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<String, byte[]> record : dlt.poll(Duration.ofMillis(100))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
                return dlt.position(partition) >= end;
            });
        }
        return values;
    }

    /** One run of the reconciler's consumer, in the group {@code poolstream-reconciler}, as the service has it. */
    private final class Run implements PoolTopicsConsumer.Listener {
        final List<Long> generations = new CopyOnWriteArrayList<>();
        private volatile boolean caughtUp;
        private final DefaultKafkaProducerFactory<String, Keyed> producers = new DefaultKafkaProducerFactory<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, EventSerializer.class,
                        EventSerializer.SOURCE_CONFIG, "/poolstream/reconciler"));
        private final PoolTopicsConsumer consumer;

        Run() {
            DeadLetterPublishingRecoverer deadLetters = DeadLetters.recoverer(producers,
                    new KafkaTemplate<>(producers), e -> "MalformedRecord", new SimpleMeterRegistry(), List.of());
            consumer = new PoolTopicsConsumer(new DefaultKafkaConsumerFactory<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                    ConsumerConfig.GROUP_ID_CONFIG, "poolstream-reconciler",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")), this, deadLetters::accept,
                    new StaticMembership(null));
        }

        void readBack() {
            consumer.start();
            await().atMost(WAIT).until(() -> caughtUp);
        }

        void stop() {
            consumer.stop();
            producers.destroy();
        }

        @Override
        public void record(String topic, String key, Object value) {
            if (value instanceof PoolStatus status) {
                generations.add(status.generation());
            }
        }

        @Override
        public void caughtUp() {
            caughtUp = true;
        }

        @Override
        public void revoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void commandFailed(String key, ScalingGroupCommand command, Failure why) {
        }
    }
}
