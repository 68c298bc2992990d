package dev.poolstream.status.config;

import dev.poolstream.api.PoolKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.status.kafka.StatusWriteListener;
import dev.poolstream.status.domain.StatusPosition;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * The status writer's Kafka side through an embedded broker, with the service's own configuration (its yaml, its
 * container) and a writer double that fails for the pools a test says: one pool's failing write never delays another
 * pool's; it is tried again until it is written; a restart delivers again what was not written (its offset was not
 * committed past it), and not what was; a record that cannot be read goes to the DLT; the consumer group is the
 * configured one.
 */
@EmbeddedKafka(partitions = Topics.PARTITIONS, topics = {"machinepool.status.v1", "machinepool.status.v1.DLT"})
class StatusWriterIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String GROUP = "poolstream-status-writer";
    private static final String TOPIC = Topics.MACHINEPOOL_STATUS.name();

    /**
     * The writer double: what was written, tried, forgotten and told; it fails for the pools in {@link #failing}, and
     * their instances' objects for those in {@link #instancesFailing}.
     */
    static final class Writes implements StatusWriteListener.Writer {
        final Set<String> failing = ConcurrentHashMap.newKeySet();
        final Set<String> instancesFailing = ConcurrentHashMap.newKeySet();
        final List<String> attempted = new CopyOnWriteArrayList<>();
        final List<String> written = new CopyOnWriteArrayList<>();
        final List<String> instancesAttempted = new CopyOnWriteArrayList<>();
        final List<String> instancesWritten = new CopyOnWriteArrayList<>();
        final List<String> forgotten = new CopyOnWriteArrayList<>();
        final List<String> instancesForgotten = new CopyOnWriteArrayList<>();
        final List<String> told = new CopyOnWriteArrayList<>();
        final AtomicInteger seenObjectsForgotten = new AtomicInteger();

        @Override
        public void writePool(PoolStatus status, StatusPosition computedAt) {
            PoolKey.parse(status.pool()); // as the real writer: a status of no pool can never be written
            write(status, attempted, failing, written, "MachinePool " + status.pool() + " is invalid: status refused");
        }

        @Override
        public void writeInstances(PoolStatus status, StatusPosition computedAt) {
            write(status, instancesAttempted, instancesFailing, instancesWritten,
                    "workload cluster of " + status.pool() + " cannot be reached");
        }

        /** Notes the attempt, fails it with {@code why} when the pool is in {@code failing}, else notes it written. */
        private static void write(PoolStatus status, List<String> attempted, Set<String> failing, List<String> written,
                                  String why) {
            String write = status.pool() + "@" + status.generation();
            attempted.add(write);
            if (failing.contains(status.pool())) {
                throw new IllegalStateException(why);
            }
            written.add(write);
        }

        @Override
        public void forgetPool(String pool) {
            forgotten.add(pool);
        }

        @Override
        public void forgetInstances(String pool, StatusPosition at) {
            instancesForgotten.add(pool);
        }

        @Override
        public void tellRetrying(String pool, String note) {
            told.add(pool + ": " + note);
        }

        @Override
        public void forgetSeenObjects() {
            seenObjectsForgotten.incrementAndGet();
        }

        long attempts(String write) {
            return attempted.stream().filter(write::equals).count();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(KafkaAutoConfiguration.class)
    @Import(StatusWriterConfiguration.class)
    @EnableConfigurationProperties(StatusProperties.class)
    static class Slice {

        static Writes writes;

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        StatusWriteListener.Writer writer() {
            return writes;
        }
    }

    private final List<ConfigurableApplicationContext> started = new ArrayList<>();
    private KafkaProducer<String, byte[]> producer;
    private EmbeddedKafkaBroker broker;

    @BeforeEach
    void producer(EmbeddedKafkaBroker broker) {
        this.broker = broker;
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    @AfterEach
    void stop() {
        started.forEach(ConfigurableApplicationContext::close);
        producer.close();
    }

    /** The writer side of the service, as its yaml configures it, in a consumer group of the test's own. */
    private ConfigurableApplicationContext start(Writes writes, String group, String... more) {
        Slice.writes = writes;
        List<String> args = new ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--spring.kafka.consumer.group-id=" + group,
                // Quick retries: the backoff's shape is the service's, its scale the test's.
                "--poolstream.status.write-retry-initial=100ms",
                "--poolstream.status.write-retry-max=500ms",
                "--logging.structured.format.console="));
        args.addAll(List.of(more));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(Slice.class)
                .web(WebApplicationType.NONE)
                .properties("spring.config.name=status-service")
                .run(args.toArray(String[]::new));
        started.add(context);
        await().atMost(WAIT).until(() -> !container(context).getAssignedPartitions().isEmpty());
        return context;
    }

    private static MessageListenerContainer container(ConfigurableApplicationContext context) {
        return context.getBean(KafkaListenerEndpointRegistry.class)
                .getListenerContainer(StatusConfiguration.STATUS_WRITER);
    }

    private static PoolStatus status(String pool, long generation) {
        return new PoolStatus(pool, generation, null, null, null, null, List.of(), false, List.of(), List.of());
    }

    private RecordMetadata send(int partition, String key, Keyed value) throws Exception {
        byte[] bytes = value == null ? null
                : new EventSerializer<Keyed>(URI.create("/test"), Clock.systemUTC()).serialize(TOPIC, value);
        return producer.send(new ProducerRecord<>(TOPIC, partition, key, bytes)).get();
    }

    private Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        }
    }

    private static double gauge(ConfigurableApplicationContext context) {
        return context.getBean(MeterRegistry.class).get("poolstream.status.write.retrying").gauge().value();
    }

    @Test
    void shouldWriteOtherPoolsAtOnceWhileOnePoolsWriteFailsAndThatPoolsLatestStatusOnceItStopsFailing()
            throws Exception {
        Writes writes = new Writes();
        writes.failing.add("t1/broken");
        ConfigurableApplicationContext context = start(writes, GROUP);

        // The same partition, the failing pool first: before, the whole batch waited for its retries (30 s).
        send(0, "t1/broken", status("t1/broken", 1));
        send(0, "t1/healthy", status("t1/healthy", 1));

        await().atMost(WAIT).until(() -> writes.written.contains("t1/healthy@1"));
        await().atMost(WAIT).until(() -> writes.attempts("t1/broken@1") >= 3);
        assertThat(writes.written).doesNotContain("t1/broken@1");
        assertThat(gauge(context)).isEqualTo(1.0);
        // Told once, not on every attempt.
        assertThat(writes.told).singleElement().satisfies(t -> assertThat(t).startsWith("t1/broken: ")
                .contains("MachinePool t1/broken is invalid: status refused"));

        // A newer status replaces the waiting one; written once the pool stops failing.
        send(0, "t1/broken", status("t1/broken", 2));
        await().atMost(WAIT).until(() -> writes.attempts("t1/broken@2") >= 1);
        writes.failing.remove("t1/broken");

        await().atMost(WAIT).until(() -> writes.written.contains("t1/broken@2"));
        assertThat(writes.written).doesNotContain("t1/broken@1");
        await().atMost(WAIT).until(() -> gauge(context) == 0.0);
        // And committed past it all, once written.
        long end = send(0, "t1/healthy", status("t1/healthy", 2)).offset() + 1;
        await().atMost(WAIT).until(() -> committed(GROUP).get(new TopicPartition(TOPIC, 0)) != null
                && committed(GROUP).get(new TopicPartition(TOPIC, 0)).offset() == end);
    }

    @Test
    void shouldDeliverAStillFailingPoolsStatusAgainAfterARestartAndNotThoseWrittenBefore() throws Exception {
        String group = "writer-restart";
        Writes before = new Writes();
        before.failing.add("t2/broken");
        // Static membership as in a pod: the restarted one takes the partitions back under the same id.
        ConfigurableApplicationContext first = start(before, group, "--poolstream.kafka.instance-id=writer-it");
        long brokenOffset = send(1, "t2/broken", status("t2/broken", 1)).offset();
        long healthyOffset = send(2, "t2/healthy", status("t2/healthy", 1)).offset();
        await().atMost(WAIT).until(() -> before.written.contains("t2/healthy@1")
                && before.attempts("t2/broken@1") >= 2);
        TopicPartition brokenPartition = new TopicPartition(TOPIC, 1);
        TopicPartition healthyPartition = new TopicPartition(TOPIC, 2);
        await().atMost(WAIT).until(() -> committed(group).get(healthyPartition) != null
                && committed(group).get(healthyPartition).offset() == healthyOffset + 1);
        OffsetAndMetadata brokenCommitted = committed(group).get(brokenPartition);
        assertThat(brokenCommitted == null ? 0 : brokenCommitted.offset()).isLessThanOrEqualTo(brokenOffset);

        first.close();
        assertThat(before.seenObjectsForgotten).as("its partitions given up").hasPositiveValue();
        Writes after = new Writes();
        after.failing.add("t2/broken");
        start(after, group, "--poolstream.kafka.instance-id=writer-it");

        await().atMost(WAIT).until(() -> after.attempts("t2/broken@1") >= 2);
        assertThat(after.attempted).doesNotContain("t2/healthy@1");
        after.failing.remove("t2/broken");
        await().atMost(WAIT).until(() -> after.written.contains("t2/broken@1"));
        await().atMost(WAIT).until(() -> committed(group).get(brokenPartition) != null
                && committed(group).get(brokenPartition).offset() == brokenOffset + 1);
    }

    @Test
    void shouldDeliverAStatusAgainAfterARestartWhileItsInstancesWereNotWrittenThoughThePoolsStatusWas()
            throws Exception {
        String group = "writer-restart-instances";
        Writes before = new Writes();
        before.instancesFailing.add("t7/unreachable");
        ConfigurableApplicationContext first = start(before, group, "--poolstream.kafka.instance-id=writer-it-7");
        long offset = send(7, "t7/unreachable", status("t7/unreachable", 1)).offset();
        long healthy = send(7, "t7/healthy", status("t7/healthy", 1)).offset();
        await().atMost(WAIT).until(() -> before.written.containsAll(List.of("t7/unreachable@1", "t7/healthy@1"))
                && before.instancesWritten.contains("t7/healthy@1")
                && before.instancesAttempted.stream().filter("t7/unreachable@1"::equals).count() >= 2);
        await().atMost(WAIT).until(() -> gauge(first) == 1.0);
        assertThat(before.told).singleElement().satisfies(t -> assertThat(t).startsWith("t7/unreachable: Writing "
                + "the objects of the pool's instances failed").contains("cannot be reached"));
        TopicPartition seven = new TopicPartition(TOPIC, 7);
        // Its status written, its instances not: not committed past it.
        OffsetAndMetadata committed = committed(group).get(seven);
        assertThat(committed == null ? 0 : committed.offset()).isLessThanOrEqualTo(offset);

        first.close();
        Writes after = new Writes();
        start(after, group, "--poolstream.kafka.instance-id=writer-it-7");

        await().atMost(WAIT).until(() -> after.instancesWritten.contains("t7/unreachable@1"));
        await().atMost(WAIT).until(() -> committed(group).get(seven) != null
                && committed(group).get(seven).offset() == healthy + 1);
    }

    @Test
    void shouldForgetATombstonedPoolEvenWhileItsLastStatusWaits() throws Exception {
        Writes writes = new Writes();
        writes.failing.add("t3/going");
        ConfigurableApplicationContext context = start(writes, "writer-tombstone");
        send(3, "t3/going", status("t3/going", 1));
        await().atMost(WAIT).until(() -> writes.attempts("t3/going@1") >= 2);

        send(3, "t3/going", null);

        await().atMost(WAIT).until(() -> writes.forgotten.contains("t3/going")
                && writes.instancesForgotten.contains("t3/going"));
        await().atMost(WAIT).until(() -> gauge(context) == 0.0);
        long attempts = writes.attempts("t3/going@1");
        // The waiting status was replaced: no more attempts at it (one may have been under way).
        send(3, "t3/other", status("t3/other", 1));
        await().atMost(WAIT).until(() -> writes.written.contains("t3/other@1"));
        assertThat(writes.attempts("t3/going@1")).isLessThanOrEqualTo(attempts + 1);
    }

    @Test
    void shouldDeadLetterARecordThatCannotBeReadAndGoOnWithTheNext() throws Exception {
        Writes writes = new Writes();
        start(writes, "writer-malformed");
        producer.send(new ProducerRecord<>(TOPIC, 4, "t4/garbled", "not json".getBytes(StandardCharsets.UTF_8)))
                .get();
        send(4, "t4/after", status("t4/after", 1));

        await().atMost(WAIT).until(() -> writes.written.contains("t4/after@1"));
        ConsumerRecord<String, byte[]> dead = deadLetter("t4/garbled");
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("not json");
        assertThat(new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8))
                .isEqualTo("MalformedRecord");
        // Not taken for a tombstone.
        assertThat(writes.forgotten).doesNotContain("t4/garbled");
    }

    @Test
    void shouldDeadLetterAStatusKeyedByNoPoolOrByAnotherPoolAndGoOnWithTheNext() throws Exception {
        Writes writes = new Writes();
        start(writes, "writer-bad-keys");
        send(6, "garbage", status("garbage", 1));
        send(6, "t6/keyed", status("t6/other", 1));
        long after = send(6, "t6/after", status("t6/after", 1)).offset();

        await().atMost(WAIT).until(() -> writes.written.contains("t6/after@1"));
        for (String key : List.of("garbage", "t6/keyed")) {
            ConsumerRecord<String, byte[]> dead = deadLetter(key);
            assertThat(new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(),
                    StandardCharsets.UTF_8)).as(key).isEqualTo("MalformedRecord");
        }
        assertThat(writes.attempted).noneMatch(w -> w.startsWith("garbage@") || w.startsWith("t6/other@"));
        // Nothing left waiting: the partition's commits go past them (they once held it for good).
        TopicPartition six = new TopicPartition(TOPIC, 6);
        await().atMost(WAIT).until(() -> committed("writer-bad-keys").get(six) != null
                && committed("writer-bad-keys").get(six).offset() == after + 1);
    }

    @Test
    void shouldWriteAPoolsWaitingStatusThoughAnUnreadableRecordOfThePoolComesMeanwhile() throws Exception {
        Writes writes = new Writes();
        writes.failing.add("t5/broken");
        start(writes, "writer-malformed-waiting");
        send(5, "t5/broken", status("t5/broken", 1));
        await().atMost(WAIT).until(() -> writes.attempts("t5/broken@1") >= 2);

        // No newer status: it must not replace the one waiting (it once did, and that status was never written).
        producer.send(new ProducerRecord<>(TOPIC, 5, "t5/broken", "not json".getBytes(StandardCharsets.UTF_8)))
                .get();
        send(5, "t5/marker", status("t5/marker", 1));
        await().atMost(WAIT).until(() -> writes.written.contains("t5/marker@1"));
        writes.failing.remove("t5/broken");

        await().atMost(WAIT).until(() -> writes.written.contains("t5/broken@1"));
        assertThat(new String(deadLetter("t5/broken").value(), StandardCharsets.UTF_8)).isEqualTo("not json");
    }

    @Test
    void shouldConsumeInTheConfiguredGroupAndBeFoundByItsListenerId() throws Exception {
        ConfigurableApplicationContext context = start(new Writes(), GROUP + "-configured",
                "--poolstream.kafka.instance-id=pod-7");

        MessageListenerContainer container = container(context);
        assertThat(container.getGroupId()).isEqualTo(GROUP + "-configured");
        assertThat(container.getListenerId()).isEqualTo("status-writer");
        assertThat(container.getContainerProperties().getKafkaConsumerProperties()
                .getProperty(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).isEqualTo("pod-7-status-writer");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            await().atMost(WAIT).until(() -> admin.listGroups().all().get().stream()
                    .anyMatch(g -> g.groupId().equals(GROUP + "-configured")));
            assertThat(admin.listGroups().all().get()).noneMatch(g -> g.groupId().equals("status-writer"));
            // Static membership, as the broker sees the members: one per writer, each with its own id.
            int writers = context.getBean(StatusProperties.class).writers();
            await().atMost(WAIT).untilAsserted(() -> assertThat(admin.describeConsumerGroups(
                            List.of(GROUP + "-configured")).all().get().get(GROUP + "-configured").members())
                    .hasSize(writers)
                    .allSatisfy(m -> assertThat(m.groupInstanceId()).hasValueSatisfying(id -> assertThat(id)
                            .startsWith("pod-7-status-writer-")))
                    .extracting(m -> m.groupInstanceId().orElseThrow()).doesNotHaveDuplicates());
        }
    }

    /** The dead letter of pool {@code key} (the topic is the class's: other tests dead-letter theirs). */
    private ConsumerRecord<String, byte[]> deadLetter(String key) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                // Each look from the topic's start: a shared group's commits would hide what an earlier look read.
                ConsumerConfig.GROUP_ID_CONFIG, "dlt-reader-" + java.util.UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(Topics.MACHINEPOOL_STATUS.deadLetter().name()));
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.stream().anyMatch(r -> key.equals(r.key()));
            });
            return seen.stream().filter(r -> key.equals(r.key())).findFirst().orElseThrow();
        }
    }
}
