package dev.poolstream.provider.kafka;

import static dev.poolstream.provider.testing.Commands.capacity;
import static dev.poolstream.provider.testing.Commands.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.testing.InMemoryScalingGroup;
import dev.poolstream.provider.testing.KafkaProbe;
import dev.poolstream.provider.testing.ProviderTestProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** The provider's Kafka side through a real broker, on the in-memory cloud: dead letters and published state. */
class ProviderKafkaIT {

    private static final String COMMANDS = Topics.SCALINGGROUP_COMMANDS_AWS.name();
    private static EmbeddedKafkaKraftBroker broker;
    private static ConfigurableApplicationContext app;
    private static KafkaProbe probe;
    private static final InMemoryScalingGroup cloud = new InMemoryScalingGroup();
    private static final ListAppender<ILoggingEvent> deadLetterLog = new ListAppender<>();

    @BeforeAll
    static void start() {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
        CoreTestApplication.cloud = cloud;
        app = new SpringApplicationBuilder(CoreTestApplication.class).web(org.springframework.boot.WebApplicationType.NONE)
                .properties(ProviderTestProperties.of(broker.getBrokersAsString(), "provider-kafka-it")
                        .toArray(String[]::new))
                .properties("poolstream.provider.cloud=AWS").run();
        probe = new KafkaProbe(broker.getBrokersAsString());
        // After the start: Spring Boot resets logging as a context starts.
        deadLetterLog.start();
        ((Logger) LoggerFactory.getLogger(DeadLetters.class)).addAppender(deadLetterLog);
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(DeadLetters.class)).detachAppender(deadLetterLog);
        if (probe != null) {
            probe.close();
        }
        if (app != null) {
            app.close();
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void shouldDeadLetterMalformedCommandWithReasonAndKeepConsuming() {
        byte[] garbage = "{\"command\":\"EnsureGroup\",\"id\":".getBytes(StandardCharsets.UTF_8);
        probe.sendRaw(COMMANDS, "ns/broken", garbage);
        EnsureGroup next = EnsureGroup.of("ns/after-broken", 1, "after-broken", template("c1", 1), capacity(2, 1, 3));
        probe.send(COMMANDS, next);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<ConsumerRecord<String, byte[]>> dead = probe.records(COMMANDS + Topics.DLT_SUFFIX).stream()
                    .filter(r -> "ns/broken".equals(r.key())).toList();
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).value()).isEqualTo(garbage);
            assertThat(KafkaProbe.header(dead.get(0), ProviderKafkaConfiguration.DLT_REASON_HEADER))
                    .contains(Reasons.MALFORMED_RECORD);
            assertThat(KafkaProbe.header(dead.get(0), "kafka_dlt-exception-message")).isPresent();
        });
        // Where a user looks: one WARN line naming the key and the reason.
        assertThat(deadLetterLog.list.stream().filter(e -> e.getLevel() == Level.WARN
                && e.getFormattedMessage().contains("key ns/broken: " + Reasons.MALFORMED_RECORD))).singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage()).startsWith("dead-lettered " + COMMANDS + "-"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(probe.latest(Topics.SCALINGGROUP_STATE.name(), ScalingGroupState.class))
                        .hasEntrySatisfying("ns/after-broken", s -> assertThat(s.lastCommandId()).isEqualTo(next.id())));
    }

    @Test
    void shouldDeadLetterRefusedCommandAndPublishItsErrorWhenReplicasAreOutOfRange() {
        EnsureGroup ensure = EnsureGroup.of("ns/bounded", 1, "bounded", template("c1", 1), capacity(2, 1, 3));
        probe.send(COMMANDS, ensure);
        SetCapacity tooMany = SetCapacity.of("ns/bounded", 2, "bounded", capacity(4, 1, 3));
        probe.send(COMMANDS, tooMany);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<ConsumerRecord<String, byte[]>> dead = probe.records(COMMANDS + Topics.DLT_SUFFIX).stream()
                    .filter(r -> "ns/bounded".equals(r.key())).toList();
            assertThat(dead).hasSize(1);
            assertThat(KafkaProbe.header(dead.get(0), ProviderKafkaConfiguration.DLT_REASON_HEADER))
                    .contains(Reasons.REPLICAS_OUT_OF_RANGE);
            assertThat(KafkaProbe.header(dead.get(0), "ce_id")).contains(tooMany.id());
        });
        ScalingGroupState state = probe.latest(Topics.SCALINGGROUP_STATE.name(), ScalingGroupState.class)
                .get("ns/bounded");
        assertThat(state.lastError().reason()).isEqualTo(Reasons.REPLICAS_OUT_OF_RANGE);
        assertThat(state.lastError().message()).contains("replicas 4", "maxSize 3");
        assertThat(state.appliedGeneration()).isEqualTo(1);
        assertThat(state.desired()).isEqualTo(2);
    }

    @Test
    void shouldHearOfEveryPollOfTheCommandConsumerSoThatItsPartitionsStayHeld() {
        PollLease lease = app.getBean(PollLease.class);
        long before = lease.polls();

        // The container polls at least once a second when no record comes.
        await().atMost(Duration.ofSeconds(20)).until(() -> lease.polls() >= before + 3);
        assertThat(lease.holds(new TopicPartition(COMMANDS, 0))).isTrue();
    }

    @Test
    void shouldPublishInstancesKeyedByProviderIdWhenGroupIsCreated() {
        EnsureGroup ensure = EnsureGroup.of("ns/keyed", 1, "keyed", template("c1", 1), capacity(3, 1, 5));
        probe.send(COMMANDS, ensure);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<InstanceState> instances = probe.latest(Topics.SCALINGGROUP_INSTANCES.name(), InstanceState.class)
                    .values().stream().filter(i -> i.pool().equals("ns/keyed")).toList();
            assertThat(instances).hasSize(3);
        });
        probe.records(Topics.SCALINGGROUP_INSTANCES.name()).stream().filter(r -> r.value() != null)
                .forEach(r -> assertThat(r.key()).startsWith("aws:///"));
        assertThat(probe.records(Topics.SCALINGGROUP_INSTANCES.name()))
                .allSatisfy(r -> {
                    if (r.value() != null) {
                        assertThat(KafkaProbe.header(r, "ce_subject")).contains(r.key());
                    }
                });
    }
}
