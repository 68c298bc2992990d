package dev.poolstream.status.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.status.domain.ThreadReplacements;
import dev.poolstream.testing.MachinePoolSpecs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The topology with the service's processing exception handler, on Kafka Streams' test driver: a record it fails on
 * goes to the recoverer (the DLT) with the record as read, and the next record, of another pool, is processed.
 */
class PoisonRecordTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-21T06:00:00Z");

    private final List<ConsumerRecord<?, ?>> deadLettered = new ArrayList<>();
    private final List<Exception> reasons = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<String, Keyed> specs;
    private TestInputTopic<String, Keyed> groups;
    private TestInputTopic<String, Keyed> instances;
    private TestOutputTopic<String, PoolStatus> statuses;

    @BeforeEach
    void start(@TempDir Path stateDir) {
        StreamsBuilder builder = new StreamsBuilder();
        StatusTopology.build(builder, Duration.ofMillis(10), Duration.ofSeconds(2),
                new StatusMetrics(new SimpleMeterRegistry()));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "status-poison-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        config.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        BiConsumer<ConsumerRecord<?, ?>, Exception> recoverer = (record, e) -> {
            deadLettered.add(record);
            reasons.add(e);
        };
        config.put(DeadLetterProcessingHandler.RECOVERER, recoverer);
        driver = new TopologyTestDriver(builder.build(), config, T0);
        EventSerializer<Keyed> values = new EventSerializer<>(StatusTopology.SOURCE, Clock.systemUTC());
        specs = driver.createInputTopic(Topics.MACHINEPOOL_SPEC.name(), new StringSerializer(), values);
        groups = driver.createInputTopic(Topics.SCALINGGROUP_STATE.name(), new StringSerializer(), values);
        instances = driver.createInputTopic(Topics.SCALINGGROUP_INSTANCES.name(), new StringSerializer(), values);
        statuses = driver.createOutputTopic(Topics.MACHINEPOOL_STATUS.name(), new StringDeserializer(),
                new EventDeserializer<>(PoolStatus.class));
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldDeadLetterASpecWhoseKeyIsNoPoolKeyAndGoOnWithTheNextPool() {
        specs.pipeInput("no-slash", spec("team-a", "workers"));
        pool("team-a", "workers");
        driver.advanceWallClockTime(Duration.ofMillis(10));

        assertThat(statuses.readRecordsToList()).extracting(TestRecord::key).contains("team-a/workers");
        assertThat(deadLettered).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo(Topics.MACHINEPOOL_SPEC.name());
            assertThat(new String((byte[]) r.key(), StandardCharsets.UTF_8)).isEqualTo("no-slash");
            assertThat(new String((byte[]) r.value(), StandardCharsets.UTF_8)).contains("\"workers\"");
        });
        assertThat(PoolProcessingException.poolOf(reasons.get(0))).isEqualTo("no-slash");
        assertThat(reasons.get(0)).hasRootCauseMessage("pool key 'no-slash' is not of the form <namespace>/<name>");
    }

    @Test
    void shouldDeadLetterAnInstanceWhosePoolIsNoPoolKeyFromItsOwnTopic() {
        instances.pipeInput("aws:///us-east-1a/i-bad", instance("bogus", "aws:///us-east-1a/i-bad"));
        pool("team-a", "workers");
        instances.pipeInput("aws:///us-east-1a/i-good", instance("team-a/workers", "aws:///us-east-1a/i-good"));
        driver.advanceWallClockTime(Duration.ofMillis(10));

        assertThat(statuses.readRecordsToList()).extracting(r -> r.value().status().getReplicas()).contains(1);
        assertThat(deadLettered).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo(Topics.SCALINGGROUP_INSTANCES.name());
            assertThat(new String((byte[]) r.key(), StandardCharsets.UTF_8)).isEqualTo("aws:///us-east-1a/i-bad");
        });
    }

    @Test
    void shouldReplaceADeadStreamThreadUntilTheBudgetIsSpent() {
        StreamThreadDeaths deaths = new StreamThreadDeaths(new ThreadReplacements(1, Duration.ofMinutes(10)),
                Clock.fixed(T0, ZoneOffset.UTC));

        assertThat(deaths.handle(new PoolProcessingException("team-a/workers", new IllegalStateException("x"))))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(deaths.handle(new IllegalStateException("again")))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(deaths.replaced()).isEqualTo(1);
    }

    private void pool(String namespace, String name) {
        specs.pipeInput(namespace + "/" + name, spec(namespace, name));
        groups.pipeInput(namespace + "/" + name, new ScalingGroupState(namespace + "/" + name, Cloud.AWS, name, true,
                1, 0, 10, "1", false, 1, "c", null));
    }

    private static PoolSpec spec(String namespace, String name) {
        AWSMachinePoolSpec aws = new AWSMachinePoolSpec();
        aws.setMinSize(0);
        aws.setMaxSize(10);
        return new PoolSpec(namespace, name, "uid", 1, Map.of(), Map.of(), List.of(), null,
                MachinePoolSpecs.of("demo", 1, "v1.33.1", "bootstrap", ClusterApi.KIND_AWS_MACHINE_POOL, name, 0),
                new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL, name, "u",
                        1, List.of(), null, new InfraSpec.Aws(aws), null), false);
    }

    private static InstanceState instance(String pool, String providerId) {
        return new InstanceState(providerId, pool, Cloud.AWS, "i", "z", InstanceLifecycle.RUNNING, "InService", "1",
                true, T0);
    }
}
