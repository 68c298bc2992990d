package dev.poolstream.reconciler.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.Topics;
import dev.poolstream.reconciler.ReconcilerApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;

/**
 * The reconciler's probes as Kubernetes calls them (HTTP, {@code /actuator/health/liveness} and {@code /readiness}),
 * with its consumer played by Kafka's {@link MockConsumer}: partitions are assigned when the test says, and the
 * consumer fails for good when the test says. The pod has a name, as in k8s/ ({@code POOLSTREAM_KAFKA_INSTANCE_ID}).
 */
class ReconcilerHealthIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Short, for the stuck consumer below; far longer than a round of an idle loop. */
    private static final Duration STALL_LIMIT = Duration.ofSeconds(3);
    /** Closed: a poll waits on it, and the consumer's loop is stuck. */
    private final CountDownLatch stuck = new CountDownLatch(1);

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    /** What the reconciler's consumer was created with over the service's consumer configuration. */
    private final AtomicReference<Properties> overrides = new AtomicReference<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, String> savedProperties = new HashMap<>();
    private ConfigurableApplicationContext app;
    private String base;

    @BeforeEach
    void start() {
        // No broker and no API server are reached: the consumer is the mock, and nothing is decided.
        property("kubernetes.master", "https://127.0.0.1:1");
        property("kubernetes.auth.tryKubeConfig", "false");
        property("kubernetes.auth.tryServiceAccount", "false");
        DefaultKafkaConsumerFactory<String, byte[]> consumers = new DefaultKafkaConsumerFactory<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1")) {
            @Override
            public Consumer<String, byte[]> createConsumer(String groupId, String clientIdPrefix,
                                                           String clientIdSuffix, Properties properties) {
                overrides.set(properties);
                return consumer;
            }
        };
        app = ReconcilerApplication.builder()
                .initializers(context -> context.getBeanFactory().registerSingleton("kafkaConsumerFactory",
                        consumers))
                .run("--server.port=0", "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                        "--poolstream.kafka.instance-id=reconciler-service-6f7d8-x2k9p",
                        "--poolstream.reconciler.stall-limit=" + STALL_LIMIT.toMillis() + "ms",
                        "--logging.structured.format.console=");
        base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
    }

    @AfterEach
    void stop() {
        stuck.countDown();
        if (app != null) {
            app.close();
        }
        savedProperties.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
    }

    @Test
    void shouldBeReadyOnlyOnceItsPartitionsAreAssignedAndReadBack() {
        assertThat(probe("readiness").statusCode()).as("no partition assigned yet").isEqualTo(503);
        assertThat(probe("readiness").body()).contains("\"pools\"", "OUT_OF_SERVICE");

        assign();

        await().atMost(WAIT).until(() -> probe("readiness").statusCode() == 200);
        assertThat(probe("liveness").statusCode()).isEqualTo(200);
    }

    /**
     * A rebalance (the range assignor's eager protocol: everything revoked, then assigned again) while a record is
     * on its way: not ready from the revocation until the new assignment is read back.
     */
    @Test
    void shouldBeOutOfServiceFromARevocationUntilTheNextAssignmentIsReadBack() {
        List<TopicPartition> partitions = assign();
        await().atMost(WAIT).until(() -> probe("readiness").statusCode() == 200);
        TopicPartition spec = new TopicPartition(Topics.MACHINEPOOL_SPEC.name(), 0);

        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of());
            consumer.updateEndOffsets(Map.of(spec, 1L));
            consumer.rebalance(partitions);
        });

        await().atMost(WAIT).until(() -> probe("readiness").statusCode() == 503);
        assertThat(probe("readiness").body()).contains("\"pools\"", "OUT_OF_SERVICE");
        assertThat(probe("liveness").statusCode()).as("alive all along").isEqualTo(200);
        // The record that ends the partition (one without a key: nothing to decide) is read.
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(spec.topic(), 0, 0, null, null)));
        await().atMost(WAIT).until(() -> probe("readiness").statusCode() == 200);
    }

    /** A restarted pod takes its partitions back at once; a dead one is replaced within the session (6 s). */
    @Test
    void shouldJoinAsAStaticMemberNamedAfterThePodWithASixSecondSession() {
        await().atMost(WAIT).until(() -> overrides.get() != null);

        assertThat(overrides.get()).containsEntry(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                "reconciler-service-6f7d8-x2k9p-reconciler");
        assertThat(app.getBean(KafkaProperties.class).buildConsumerProperties())
                .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000")
                .containsEntry(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "2000")
                .containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "poolstream-reconciler");
    }

    @Test
    void shouldTurnLivenessDownWhenTheConsumerThreadDies() {
        assign();
        await().atMost(WAIT).until(() -> probe("readiness").statusCode() == 200);
        assertThat(probe("liveness").statusCode()).isEqualTo(200);

        // A fatal error: the consumer thread ends, and nothing reads the pools any more.
        consumer.setPollException(new KafkaException("fenced for good (test)"));

        await().atMost(WAIT).until(() -> probe("liveness").statusCode() == 503);
        assertThat(probe("liveness").body()).contains("\"consumer\"", "DOWN", "fenced for good (test)");
        assertThat(probe("").statusCode()).isEqualTo(503);
    }

    /** A consumer thread stuck for good (in the client, or in what it calls) is as dead as one that ended. */
    @Test
    void shouldTurnLivenessDownWhenTheConsumerStopsPolling() {
        assign();
        await().atMost(WAIT).until(() -> probe("readiness").statusCode() == 200);
        assertThat(probe("liveness").statusCode()).isEqualTo(200);

        consumer.schedulePollTask(() -> {
            try {
                stuck.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        await().atMost(WAIT).until(() -> probe("liveness").statusCode() == 503);
        assertThat(probe("liveness").body()).contains("\"consumer\"", "DOWN", "has not polled for",
                "stall-limit 3 s");
    }

    /** What the group coordinator would do: every partition of the subscribed topics to this consumer. */
    private List<TopicPartition> assign() {
        List<TopicPartition> partitions = new ArrayList<>();
        Stream.of(Topics.MACHINEPOOL_SPEC, Topics.SCALINGGROUP_STATE, Topics.MACHINEPOOL_STATUS,
                        Topics.SCALINGGROUP_COMMANDS_AWS.deadLetter(), Topics.SCALINGGROUP_COMMANDS_AZURE.deadLetter())
                .forEach(t -> {
                    for (int p = 0; p < t.partitions(); p++) {
                        partitions.add(new TopicPartition(t.name(), p));
                    }
                });
        Map<TopicPartition, Long> empty = new HashMap<>();
        partitions.forEach(p -> empty.put(p, 0L));
        consumer.schedulePollTask(() -> {
            consumer.updateBeginningOffsets(empty);
            consumer.updateEndOffsets(empty);
            consumer.rebalance(partitions);
        });
        return partitions;
    }

    private HttpResponse<String> probe(String group) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health"
                    + (group.isEmpty() ? "" : "/" + group))).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void property(String name, String value) {
        savedProperties.putIfAbsent(name, System.getProperty(name));
        System.setProperty(name, value);
    }
}
