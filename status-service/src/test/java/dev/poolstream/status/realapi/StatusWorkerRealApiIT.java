package dev.poolstream.status.realapi;

import static dev.poolstream.status.realapi.RealApiObjects.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.status.StatusApplication;
import dev.poolstream.status.config.StatusConfiguration;
import dev.poolstream.status.shapes.PoolShape.Names;
import dev.poolstream.status.shapes.PoolShapes;
import dev.poolstream.status.stream.StreamThreadDeaths;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.ServiceAccountProperties;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * Real tier, end to end through embedded Kafka, in infrastructure-provider mode (the default of {@code k8s/}): the
 * worker's health tells the truth, and failures show where users look.
 *
 * <ul>
 *   <li>A spec record whose key is no pool key does not stop the status of the pool behind it in the same partition:
 *       it lands on {@code machinepool.spec.v1.DLT} with its reason, and the next pool's status is written.</li>
 *   <li>A spec Poolstream cannot act on shows on the AWSMachinePool's conditions and as Events on both pools.</li>
 *   <li>The worker dying turns liveness DOWN: the status writer's container stopped; Kafka Streams shut down once
 *       its stream threads died more often than the replacement budget allows (a thread that dies within the
 *       budget is replaced, and statuses go on being written).</li>
 * </ul>
 */
@EmbeddedKafka(brokerProperties = {"transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1"})
class StatusWorkerRealApiIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String NAMESPACE = "status-worker";

    private ServiceAccountProperties asTheService;
    private final HttpClient http = HttpClient.newHttpClient();
    private KubeApiServer server;
    private RealApiObjects objects;

    @BeforeEach
    void pointTheServiceAtTheRealApiServer(@TempDir Path dir) throws IOException {
        server = KubeApiServer.shared().namespace(NAMESPACE).applyRbac(RealApiObjects.K8S_RBAC);
        objects = new RealApiObjects(server);
        asTheService = server.serviceAccountProperties(RealApiObjects.SERVICE_ACCOUNT, dir.resolve("kubeconfig"));
    }

    @AfterEach
    void restoreProperties() {
        asTheService.close();
    }

    @Test
    void shouldWriteTheNextPoolsStatusAndDeadLetterTheRecordWhenASpecsKeyIsNoPoolKey(EmbeddedKafkaBroker broker,
                                                                                     @TempDir Path state) {
        Names good = new Names(NAMESPACE, "after-poison", "worker", "wk-good");
        Names invalid = new Names(NAMESPACE, "too-many", "worker", "wk-invalid");
        objects.pool(good, 1, Map.of());
        MachinePool invalidPool = objects.pool(invalid, 500, Map.of());
        try (ConfigurableApplicationContext app = start(broker, state, "poison");
             KafkaProducer<String, byte[]> producer = producer(broker)) {
            // The poison first, in the partition of the pool after it: without a processing exception handler the
            // stream thread fails on it, and every following record (of any pool) waits behind it for ever.
            int partition = partition(good.poolKey());
            producer.send(new ProducerRecord<>(Topics.MACHINEPOOL_SPEC.name(), partition, "no-slash",
                    serialize(Topics.MACHINEPOOL_SPEC, PoolShapes.spec(good, 1))));
            sendPool(producer, good, 1, 1);

            await().atMost(WAIT).untilAsserted(() -> {
                GenericKubernetesResource infra = objects.awsMachinePool(good);
                assertThat(map(infra.getAdditionalProperties().get("status"))).containsEntry("ready", true)
                        .containsEntry("replicas", 1);
                assertThat(RealApiObjects.condition(infra, "ASGReady")).containsEntry("status", "True");
            });
            ConsumerRecord<String, byte[]> dead = awaitDeadLetter(broker, Topics.MACHINEPOOL_SPEC.deadLetter().name());
            assertThat(dead.key()).isEqualTo("no-slash");
            assertThat(dead.partition()).isEqualTo(partition);
            assertThat(new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(),
                    StandardCharsets.UTF_8)).contains("pool key 'no-slash' is not of the form <namespace>/<name>");
            assertThat(streams(app).state()).isEqualTo(KafkaStreams.State.RUNNING);

            // A spec Poolstream cannot act on: replicas 500 against the AWSMachinePool's [0, 100].
            PoolSpec tooMany = PoolShapes.spec(invalid, 500);
            send(producer, Topics.MACHINEPOOL_SPEC, new PoolSpec(tooMany.namespace(), tooMany.name(),
                    invalidPool.getMetadata().getUid(), invalidPool.getMetadata().getGeneration(), tooMany.labels(),
                    tooMany.annotations(), tooMany.finalizers(), null, tooMany.spec(), tooMany.infrastructure(),
                    false));
            send(producer, Topics.SCALINGGROUP_STATE, PoolShapes.group(invalid, 1, "1", null));
            await().atMost(WAIT).untilAsserted(() -> {
                GenericKubernetesResource infra = objects.awsMachinePool(invalid);
                for (String type : List.of("Ready", "ASGReady")) {
                    assertThat(RealApiObjects.condition(infra, type)).as(type).containsEntry("status", "False")
                            .containsEntry("reason", "ReplicasOutOfRange")
                            .hasEntrySatisfying("message", m -> assertThat((String) m)
                                    .startsWith("replicas 500 is outside [0, 100]"));
                }
                for (GenericKubernetesResource object : List.of(objects.machinePool(invalid), infra)) {
                    assertThat(RealApiObjects.eventsOn(server.client(), object)).as(object.getKind())
                            .anySatisfy(e -> {
                                assertThat(e.getType()).isEqualTo("Warning");
                                assertThat(e.getReason()).isEqualTo("ReplicasOutOfRange");
                                assertThat(e.getNote()).startsWith("replicas 500 is outside [0, 100]");
                            });
                }
            });
            // Infrastructure-provider mode: the MachinePool's status is Cluster API's, never written here.
            assertThat(objects.machinePool(invalid).getAdditionalProperties().get("status")).isNull();
            assertThat(server.refusedWrites()).filteredOn(r -> NAMESPACE.equals(r.namespace())).isEmpty();
        }
    }

    @Test
    void shouldGoDownOnLivenessWhenTheStatusWriterStopsOrKafkaStreamsDies(EmbeddedKafkaBroker broker,
                                                                          @TempDir Path state) throws Exception {
        Names first = new Names(NAMESPACE, "before-deaths", "worker", "wk-first");
        Names second = new Names(NAMESPACE, "after-a-death", "worker", "wk-second");
        objects.pool(first, 1, Map.of());
        objects.pool(second, 1, Map.of());
        try (ConfigurableApplicationContext app = start(broker, state, "deaths",
                "--poolstream.status.thread-replacements=1",
                // A dead thread's consumer leaves the group only at its session timeout (45 s by default): shorter
                // here, so that its tasks move to the new thread sooner.
                "--spring.kafka.streams.properties.session.timeout.ms=6000");
             KafkaProducer<String, byte[]> producer = producer(broker)) {
            int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
            sendPool(producer, first, 1, 1);
            await().atMost(WAIT).untilAsserted(() -> assertThat(map(objects.awsMachinePool(first)
                    .getAdditionalProperties().get("status"))).containsEntry("replicas", 1));
            await().atMost(WAIT).untilAsserted(() -> assertThat(health(port, "readiness").statusCode()).isEqualTo(200));
            assertThat(health(port, "liveness").statusCode()).isEqualTo(200);

            // The status writer's container stops: nothing is written any more, and liveness says so.
            MessageListenerContainer writer = app.getBean(KafkaListenerEndpointRegistry.class)
                    .getListenerContainer(StatusConfiguration.STATUS_WRITER);
            writer.stop();
            await().atMost(WAIT).untilAsserted(() -> {
                HttpResponse<String> liveness = health(port, "liveness");
                assertThat(liveness.statusCode()).isEqualTo(503);
                assertThat(liveness.body()).contains("the status writer's listener is stopped");
            });
            assertThat(health(port, "readiness").statusCode()).isEqualTo(503);
            writer.start();
            await().atMost(WAIT).untilAsserted(() -> assertThat(health(port, "liveness").statusCode()).isEqualTo(200));

            // A stream thread dies: within the budget (1) it is replaced, and statuses go on being written.
            // An interrupt dies with the thread where the client is waiting (a poll, a send); one that reaches it
            // elsewhere can be cleared on the way, so it is sent again until the thread is gone (a CI run once saw the
            // second death's single interrupt go unnoticed for 90 s).
            Thread dying = streamThread(app).orElseThrow();
            // (The dying thread's exception is expected: not a failure of this test.)
            await().atMost(WAIT).dontCatchUncaughtExceptions().until(() -> {
                dying.interrupt();
                return !dying.isAlive() && streamThread(app).filter(t -> t != dying).isPresent();
            });
            assertThat(app.getBean(StreamThreadDeaths.class).replaced()).isEqualTo(1);
            sendPool(producer, second, 1, 1);
            await().atMost(WAIT).dontCatchUncaughtExceptions().untilAsserted(() -> assertThat(
                    map(objects.awsMachinePool(second).getAdditionalProperties().get("status")))
                    .containsEntry("replicas", 1));
            assertThat(health(port, "liveness").statusCode()).isEqualTo(200);

            // It dies again: past the budget Kafka Streams shuts down, and liveness goes DOWN (the pod restarts).
            Thread again = streamThread(app).orElseThrow();
            await().atMost(WAIT).dontCatchUncaughtExceptions().untilAsserted(() -> {
                again.interrupt();
                HttpResponse<String> liveness = health(port, "liveness");
                assertThat(liveness.statusCode()).isEqualTo(503);
                assertThat(liveness.body()).contains("Kafka Streams is ERROR");
            });
            assertThat(streams(app).state()).isEqualTo(KafkaStreams.State.ERROR);
        }
    }

    private static ConfigurableApplicationContext start(EmbeddedKafkaBroker broker, Path state, String run,
                                                        String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--spring.kafka.streams.state-dir=" + state,
                // Each test its own application and consumer group on the class's broker.
                "--spring.kafka.streams.application-id=poolstream-status-" + run,
                "--spring.kafka.consumer.group-id=poolstream-status-writer-" + run,
                "--poolstream.kafka.create-topics=true",
                "--logging.structured.format.console="));
        args.addAll(List.of(more));
        return StatusApplication.builder().run(args.toArray(String[]::new));
    }

    private HttpResponse<String> health(int port, String group) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/" + group))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static KafkaStreams streams(ConfigurableApplicationContext app) {
        return app.getBean(StreamsBuilderFactoryBean.class).getKafkaStreams();
    }

    /** An alive stream thread of this application's Kafka Streams (its client id starts with the application id). */
    private static Optional<Thread> streamThread(ConfigurableApplicationContext app) {
        String applicationId = app.getEnvironment().getProperty("spring.kafka.streams.application-id");
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(applicationId + "-")
                        && t.getName().contains("-StreamThread-"))
                .findFirst();
    }

    /** The partition the default partitioner gives a key on a topic of {@link Topics#PARTITIONS}. */
    private static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % Topics.PARTITIONS;
    }

    private static void sendPool(KafkaProducer<String, byte[]> producer, Names n, int replicas, int instances) {
        PoolSpec spec = PoolShapes.spec(n, replicas);
        send(producer, Topics.MACHINEPOOL_SPEC, spec);
        send(producer, Topics.SCALINGGROUP_STATE, PoolShapes.group(n, replicas, "1", null));
        for (int i = 1; i <= instances; i++) {
            send(producer, Topics.SCALINGGROUP_INSTANCES, PoolShapes.instance(n, i, InstanceLifecycle.RUNNING, "1"));
        }
        producer.flush();
    }

    private static ConsumerRecord<String, byte[]> awaitDeadLetter(EmbeddedKafkaBroker broker, String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlt-reader-" + topic,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return !seen.isEmpty();
            });
            return seen.get(0);
        }
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafkaBroker broker) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    private static byte[] serialize(Topics.TopicSpec topic, Keyed value) {
        return new EventSerializer<Keyed>(URI.create("/test"), java.time.Clock.systemUTC())
                .serialize(topic.name(), value);
    }

    private static void send(KafkaProducer<String, byte[]> producer, Topics.TopicSpec topic, Keyed value) {
        producer.send(new ProducerRecord<>(topic.name(), value.key(), serialize(topic, value)));
    }
}
