package dev.poolstream.provider.kafka;

import static dev.poolstream.provider.testing.Commands.capacity;
import static dev.poolstream.provider.testing.Commands.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.testing.InMemoryScalingGroup;
import dev.poolstream.provider.testing.KafkaProbe;
import dev.poolstream.provider.testing.ProviderTestProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Retries of commands through a real broker, on the in-memory cloud: a pool whose cloud keeps failing waits on the
 * retry thread while another pool of the same partition goes on; its later commands follow it in order; an exhausted
 * command goes to the DLT once; a restart delivers again what was still being retried.
 */
class CommandRetriesIT {

    private static final String COMMANDS = Topics.SCALINGGROUP_COMMANDS_AWS.name();
    private static final String STATE = Topics.SCALINGGROUP_STATE.name();
    private static final String GROUP_ID = "command-retries-it";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private EmbeddedKafkaKraftBroker broker;
    private KafkaProbe probe;
    private final InMemoryScalingGroup cloud = new InMemoryScalingGroup();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
        probe = new KafkaProbe(broker.getBrokersAsString());
    }

    @AfterEach
    void stopBroker() {
        ((Logger) LoggerFactory.getLogger(CommandListener.class)).detachAppender(logged);
        probe.close();
        broker.destroy();
    }

    /** A provider retrying every {@code interval}, up to {@code maxRetries} times. */
    private ConfigurableApplicationContext startProvider(int maxRetries, Duration interval, String... more) {
        CoreTestApplication.cloud = cloud;
        ConfigurableApplicationContext app = new SpringApplicationBuilder(CoreTestApplication.class)
                .web(WebApplicationType.NONE)
                .properties(ProviderTestProperties.of(broker.getBrokersAsString(), GROUP_ID).toArray(String[]::new))
                .properties("poolstream.provider.cloud=AWS",
                        "poolstream.provider.command-retry.max-retries=" + maxRetries,
                        "poolstream.provider.command-retry.initial-interval=" + interval.toMillis() + "ms",
                        "poolstream.provider.command-retry.multiplier=1.0",
                        "poolstream.provider.command-retry.max-interval=" + interval.toMillis() + "ms")
                .properties(more)
                .run();
        // After the start: Spring Boot resets logging as a context starts.
        Logger logger = (Logger) LoggerFactory.getLogger(CommandListener.class);
        logged.start();
        logger.addAppender(logged);
        return app;
    }

    /** Pool names of {@code count} pools whose commands share one partition. */
    private static List<String> poolsOfOnePartition(String prefix, int count) {
        List<String> names = new ArrayList<>();
        int partition = Partitions.of("ns/" + prefix + "-0", Topics.PARTITIONS);
        for (int i = 0; names.size() < count; i++) {
            if (Partitions.of("ns/" + prefix + "-" + i, Topics.PARTITIONS) == partition) {
                names.add(prefix + "-" + i);
            }
        }
        return names;
    }

    private void breakGroup(String group) {
        cloud.whenDescribing(group, () -> {
            throw new RetryableCommandException("CloudThrottled", "DescribeAutoScalingGroups " + group
                    + ": Throttling: Rate exceeded", null);
        });
    }

    private static EnsureGroup ensure(String name, int desired) {
        return EnsureGroup.of("ns/" + name, 1, name, template("c1", 1), capacity(desired, 0, 30));
    }

    private static SetCapacity set(String name, long generation, int desired) {
        return SetCapacity.of("ns/" + name, generation, name, capacity(desired, 0, 30));
    }

    private void send(ScalingGroupCommand command) {
        probe.send(COMMANDS, command);
    }

    /** Every state published for the pool, in order. */
    private List<ScalingGroupState> states(String pool) {
        EventDeserializer<ScalingGroupState> reader = new EventDeserializer<>(ScalingGroupState.class);
        return probe.records(STATE).stream().filter(r -> pool.equals(r.key()) && r.value() != null)
                .map(reader::deserialize).toList();
    }

    private Optional<ScalingGroupState> latest(String pool) {
        List<ScalingGroupState> states = states(pool);
        return states.isEmpty() ? Optional.empty() : Optional.of(states.get(states.size() - 1));
    }

    private boolean done(ScalingGroupCommand command) {
        return states(command.pool()).stream().anyMatch(s -> command.id().equals(s.lastCommandId()));
    }

    /** The commands carried out for a pool, in the order their states were published. */
    private List<String> carriedOut(String pool) {
        List<String> ids = new ArrayList<>();
        for (ScalingGroupState state : states(pool)) {
            String id = state.lastCommandId();
            if (id != null && (ids.isEmpty() || !ids.get(ids.size() - 1).equals(id))) {
                ids.add(id);
            }
        }
        return ids;
    }

    private List<ConsumerRecord<String, byte[]>> deadLetters(ScalingGroupCommand command) {
        return probe.records(COMMANDS + Topics.DLT_SUFFIX).stream()
                .filter(r -> command.pool().equals(r.key())
                        && KafkaProbe.header(r, "ce_id").orElse("").equals(command.id()))
                .toList();
    }

    private List<String> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldCarryOutAnotherPoolsCommandOfTheSamePartitionAtOnceWhileOnePoolsCommandIsRetried() {
        List<String> pools = poolsOfOnePartition("busy", 2);
        String a = pools.get(0);
        String b = pools.get(1);
        // Retries for 60 s, longer than the wait for the other pool's command (which also covers the consumer's
        // start): the consumer thread would be held that long if it backed off itself.
        try (ConfigurableApplicationContext app = startProvider(20, Duration.ofSeconds(3))) {
            breakGroup(a);
            EnsureGroup first = ensure(a, 2);
            SetCapacity later = set(a, 2, 4);
            EnsureGroup other = ensure(b, 3);
            send(first);
            send(later);
            send(other);

            await("the other pool's command").atMost(WAIT).until(() -> done(other));
            assertThat(done(first)).isFalse();
            assertThat(deadLetters(first)).isEmpty();
            await("the retrying pool's condition").atMost(WAIT).until(() -> latest("ns/" + a).isPresent());
            assertThat(latest("ns/" + a).orElseThrow().lastError()).satisfies(error -> {
                assertThat(error.reason()).as("the problem").isEqualTo("CloudThrottled");
                assertThat(error.message()).matches("retrying EnsureGroup \\(attempt \\d+, next in 3s\\): "
                        + "CloudThrottled: DescribeAutoScalingGroups " + a + ": Throttling: Rate exceeded");
            });
            assertThat(warnings()).anySatisfy(w -> assertThat(w).startsWith("pool ns/" + a + ": EnsureGroup "
                    + first.id() + " failed (attempt 1), next attempt in 3s: CloudThrottled"));
            assertThat(app.getBean(CommandListener.class).retryingPools()).isEqualTo(1);

            cloud.describeNormally(a);
            await("the retrying pool's commands, in order").atMost(WAIT).until(() -> done(later));
            assertThat(carriedOut("ns/" + a)).containsExactly(first.id(), later.id());
            assertThat(latest("ns/" + a).orElseThrow().lastError()).isNull();
            assertThat(cloud.peek(a)).hasValueSatisfying(g -> assertThat(g.desired()).isEqualTo(4));
            assertThat(deadLetters(first)).isEmpty();
        }
    }

    @Test
    void shouldDeadLetterAnExhaustedCommandOnceWithTheReasonAndReportIt() {
        try (ConfigurableApplicationContext app = startProvider(2, Duration.ofMillis(100))) {
            EnsureGroup create = ensure("worn", 2);
            send(create);
            await().atMost(WAIT).until(() -> done(create));
            breakGroup("worn");
            SetCapacity exhausted = set("worn", 2, 5);
            send(exhausted);

            await("the dead letter").atMost(WAIT).until(() -> !deadLetters(exhausted).isEmpty());
            cloud.describeNormally("worn");
            // The pool's next command runs after the exhausted one is done with: no second dead letter can follow.
            SetCapacity next = set("worn", 3, 3);
            send(next);
            await().atMost(WAIT).until(() -> done(next));

            assertThat(deadLetters(exhausted)).singleElement().satisfies(r -> assertThat(
                    KafkaProbe.header(r, ProviderKafkaConfiguration.DLT_REASON_HEADER)).contains(Reasons.RETRIES_EXHAUSTED));
            assertThat(states("ns/worn")).anySatisfy(s -> {
                assertThat(s.lastError()).isNotNull();
                assertThat(s.lastError().reason()).isEqualTo(Reasons.RETRIES_EXHAUSTED);
                assertThat(s.lastError().message()).isEqualTo(
                        "CloudThrottled: DescribeAutoScalingGroups worn: Throttling: Rate exceeded");
            });
            assertThat(states("ns/worn").stream().filter(s -> s.lastError() != null
                    && s.lastError().message().startsWith("retrying ")).count())
                    .as("one per failed attempt but the last")
                    .isEqualTo(2);
            assertThat(done(exhausted)).isFalse();
            assertThat(cloud.peek("worn")).hasValueSatisfying(g -> assertThat(g.desired()).isEqualTo(3));
        }
    }

    @Test
    void shouldDeliverAgainAfterARestartTheCommandStillRetriedAndNotRepeatThoseDoneAfterIt() {
        List<String> pools = poolsOfOnePartition("restart", 3);
        String a = pools.get(0);
        String x = pools.get(1);
        String junk = "ns/" + pools.get(2);
        EnsureGroup failing = ensure(a, 2);
        SetCapacity up = set(x, 2, 3);
        SetCapacity more = set(x, 3, 4);
        SetCapacity refused = set(x, 4, 31);
        try (ConfigurableApplicationContext first = startProvider(20, Duration.ofSeconds(1))) {
            EnsureGroup created = ensure(x, 1);
            send(created);
            await().atMost(WAIT).until(() -> done(created));
            breakGroup(a);
            send(failing);
            send(up);
            send(more);
            send(refused);
            probe.sendRaw(COMMANDS, junk, "{\"command\":".getBytes(StandardCharsets.UTF_8));
            await("the other pool's commands").atMost(WAIT).until(() -> done(more) && !deadLetters(refused).isEmpty()
                    && !deadLettersOf(junk).isEmpty());
            assertThat(first.getBean(CommandListener.class).retryingPools()).isEqualTo(1);
        }
        long upCarriedOut = states("ns/" + x).stream().filter(s -> up.id().equals(s.lastCommandId())).count();
        cloud.describeNormally(a);

        try (ConfigurableApplicationContext second = startProvider(20, Duration.ofSeconds(1))) {
            await("the retried command, delivered again").atMost(WAIT).until(() -> done(failing));
            SetCapacity marker = set(x, 5, 5);
            send(marker);
            await("a command after those delivered again").atMost(WAIT).until(() -> done(marker));
            assertThat(cloud.peek(a)).hasValueSatisfying(g -> assertThat(g.desired()).isEqualTo(2));
            // The commands after it were delivered again too, and skipped by their ids: the older SetCapacity,
            // carried out again below the group's 4 instances, would have been refused and dead-lettered.
            assertThat(states("ns/" + x).stream().filter(s -> up.id().equals(s.lastCommandId())).count())
                    .isEqualTo(upCarriedOut);
            assertThat(deadLetters(up)).isEmpty();
            assertThat(deadLetters(more)).isEmpty();
            assertThat(cloud.peek(x)).hasValueSatisfying(g -> assertThat(g.desired()).isEqualTo(5));
            // Those dead-lettered before the restart are not again, found on the DLT by the restore.
            assertThat(deadLetters(refused).size()).as("dead letters of the refused command").isEqualTo(1);
            assertThat(deadLettersOf(junk).size()).as("dead letters of the unreadable record").isEqualTo(1);
            assertThat(deadLetters(failing)).isEmpty();
        }
    }

    private List<ConsumerRecord<String, byte[]>> deadLettersOf(String key) {
        return probe.records(COMMANDS + Topics.DLT_SUFFIX).stream().filter(r -> key.equals(r.key())).toList();
    }

    @Test
    void shouldJoinTheConfiguredConsumerGroupAsAStaticMemberWhenAnInstanceIdIsGiven() throws Exception {
        try (ConfigurableApplicationContext app = startProvider(1, Duration.ofMillis(100),
                "poolstream.kafka.instance-id=provider-7f9c");
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                     broker.getBrokersAsString()))) {
            EnsureGroup create = ensure("member", 1);
            send(create);
            await().atMost(WAIT).until(() -> done(create));

            Collection<GroupListing> groups = admin.listGroups().all().get();
            assertThat(groups).extracting(GroupListing::groupId).contains(GROUP_ID)
                    .doesNotContain(CommandListener.ID);
            Collection<MemberDescription> members = admin.describeConsumerGroups(List.of(GROUP_ID)).all().get()
                    .get(GROUP_ID).members();
            assertThat(members).singleElement().satisfies(m -> {
                assertThat(m.groupInstanceId()).contains("provider-7f9c-commands-0");
                assertThat(m.assignment().topicPartitions()).hasSize(Topics.PARTITIONS);
            });
        }
    }
}
