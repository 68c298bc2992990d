package dev.poolstream.provider.kafka;

import static dev.poolstream.provider.testing.Commands.capacity;
import static dev.poolstream.provider.testing.Commands.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.config.ProviderProperties;
import dev.poolstream.provider.domain.CommandConsumerHealth;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.domain.RecentIds;
import dev.poolstream.provider.engine.CommandExecutor;
import dev.poolstream.provider.engine.PoolLocks;
import dev.poolstream.provider.testing.InMemoryScalingGroup;
import dev.poolstream.provider.testing.RecordingPublication;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.event.ListenerContainerIdleEvent;
import org.springframework.util.backoff.BackOff;

/**
 * The command listener on {@link dev.poolstream.kafka.KeyedRetries}, without a broker: the test thread plays the
 * consumer thread, the in-memory cloud fails or waits for one group at a time.
 */
class CommandListenerTest {

    private static final String TOPIC = "scalinggroup.commands.aws.v1";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final InMemoryScalingGroup cloud = new InMemoryScalingGroup();
    private final RecordingPublication published = new RecordingPublication();
    private final Inventory inventory = new Inventory();
    private final PoolLocks locks = new PoolLocks();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final CommandExecutor executor = new CommandExecutor(cloud, inventory, new RecentIds(1000), locks,
            published, meters, Clock.systemUTC());
    /** "key@offset reason" of every record dead-lettered. */
    private final List<String> deadLetters = Collections.synchronizedList(new ArrayList<>());
    /** While set, Kafka does not take dead letters. */
    private final AtomicReference<RuntimeException> deadLetterFailure = new AtomicReference<>();
    /** What the next restore does; by default nothing. */
    private final AtomicReference<RuntimeException> restoreFailure = new AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicInteger restores = new java.util.concurrent.atomic.AtomicInteger();
    private final MockConsumer<String, Object> consumer = new MockConsumer<>("earliest");
    private CommandListener listener;
    private long nextOffset;

    private CommandListener start(BackOff backOff) {
        return start(backOff, new PollLease(Duration.ofMinutes(5)));
    }

    private CommandListener start(BackOff backOff, PollLease lease) {
        InventoryRestorer restorer = new InventoryRestorer(Map.of(), Cloud.AWS, inventory, new RecentIds(10),
                published, Duration.ofSeconds(1)) {
            @Override
            public void restore(Set<Integer> partitions) {
                restores.incrementAndGet();
                RuntimeException failure = restoreFailure.get();
                if (failure != null) {
                    throw failure;
                }
            }
        };
        listener = new CommandListener(executor, TOPIC, (record, e) -> {
            RuntimeException failure = deadLetterFailure.get();
            if (failure != null) {
                throw failure;
            }
            deadLetters.add(record.key() + "@" + record.offset() + " " + ProviderKafkaConfiguration.reasonOf(e));
        }, new OwnershipListener(restorer, inventory, 1, Duration.ZERO), locks, backOff, meters, lease);
        consumer.assign(List.of(P0));
        listener.onPartitionsAssigned(consumer, List.of(P0));
        return listener;
    }

    /** Retries every 20 ms, practically forever. */
    private CommandListener startRetryingForever() {
        return start(ProviderKafkaConfiguration.commandBackOff(new ProviderProperties.CommandRetry(1_000_000,
                Duration.ofMillis(20), 1.0, Duration.ofMillis(20))));
    }

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close();
        }
    }

    private long deliver(ScalingGroupCommand command) {
        return deliver(command.pool(), command);
    }

    private long deliver(String key, ScalingGroupCommand command) {
        long offset = nextOffset++;
        listener.onCommand(new ConsumerRecord<>(TOPIC, 0, offset, key, command), consumer);
        return offset;
    }

    private void breakGroup(String group) {
        cloud.whenDescribing(group, () -> {
            throw new RetryableCommandException("CloudThrottled", "Rate exceeded", null);
        });
    }

    private static EnsureGroup ensure(String name, int desired) {
        return EnsureGroup.of("ns/" + name, 1, name, template("c1", 1), capacity(desired, 0, 30));
    }

    private static SetCapacity set(String name, long generation, int desired) {
        return SetCapacity.of("ns/" + name, generation, name, capacity(desired, 0, 30));
    }

    private boolean done(ScalingGroupCommand command) {
        return statesOf(command.pool()).stream().anyMatch(s -> command.id().equals(s.lastCommandId()));
    }

    private List<ScalingGroupState> statesOf(String pool) {
        synchronized (published) {
            return published.states.stream().filter(s -> s.pool().equals(pool)).toList();
        }
    }

    /** The commands carried out for a pool, in the order their states were published. */
    private List<String> carriedOut(String pool) {
        List<String> ids = new ArrayList<>();
        for (ScalingGroupState state : statesOf(pool)) {
            String id = state.lastCommandId();
            if (id != null && (ids.isEmpty() || !ids.get(ids.size() - 1).equals(id))) {
                ids.add(id);
            }
        }
        return ids;
    }

    private double retryingGauge() {
        return meters.get("poolstream.provider.commands.retrying").gauge().value();
    }

    private Long committed() {
        OffsetAndMetadata committed = consumer.committed(Set.of(P0)).get(P0);
        return committed == null ? null : committed.offset();
    }

    private void idle() {
        listener.onApplicationEvent(new ListenerContainerIdleEvent(this, this, 1_000, CommandListener.ID + "-0",
                List.of(P0), consumer, false));
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldCarryOutOtherPoolsCommandsAtOnceWhileOnePoolsCommandWaitsForItsRetry() {
        startRetryingForever();
        breakGroup("a");
        EnsureGroup a = ensure("a", 2);
        EnsureGroup b = ensure("b", 3);

        deliver(a);
        deliver(b);

        // b was carried out on the consumer thread, in the same call, while a waits for another attempt.
        assertThat(done(b)).isTrue();
        assertThat(cloud.peek("b")).hasValueSatisfying(g -> assertThat(g.desired()).isEqualTo(3));
        assertThat(done(a)).isFalse();
        assertThat(listener.retryingPools()).isEqualTo(1);
        assertThat(retryingGauge()).isEqualTo(1.0);
        assertThat(committed()).as("not past a's command").isEqualTo(0L);

        cloud.describeNormally("a");
        await().atMost(WAIT).until(() -> done(a));
        await().atMost(WAIT).until(() -> listener.retryingPools() == 0);
        assertThat(retryingGauge()).isZero();
        idle();
        assertThat(committed()).isEqualTo(2L);
    }

    @Test
    void shouldSayOnThePoolsStateThatItsCommandIsRetriedWhyAndWhenWhileItWaits() {
        startRetryingForever();
        breakGroup("a");
        EnsureGroup a = ensure("a", 2);

        deliver(a);

        await().atMost(WAIT).until(() -> statesOf("ns/a").size() >= 2);
        assertThat(statesOf("ns/a")).allSatisfy(s -> {
            assertThat(s.lastError().reason()).as("the problem").isEqualTo("CloudThrottled");
            assertThat(s.lastError().message()).matches("retrying EnsureGroup \\(attempt \\d+, next in 20ms\\): "
                    + "CloudThrottled: Rate exceeded");
            assertThat(s.lastCommandId()).isNull();
        });
        assertThat(statesOf("ns/a").get(0).lastError().message()).startsWith("retrying EnsureGroup (attempt 1,");
        assertThat(statesOf("ns/a").get(1).lastError().message()).startsWith("retrying EnsureGroup (attempt 2,");

        cloud.describeNormally("a");
        await().atMost(WAIT).until(() -> done(a));
        assertThat(published.lastState().lastError()).as("cleared once carried out").isNull();
    }

    @Test
    void shouldCarryOutAPoolsLaterCommandsInOrderOnceTheWaitingOneIsDone() {
        startRetryingForever();
        breakGroup("a");
        EnsureGroup first = ensure("a", 2);
        SetCapacity second = set("a", 2, 5);
        SetCapacity third = set("a", 3, 7);

        deliver(first);
        deliver(second);
        deliver(third);
        deliver(ensure("b", 1));

        assertThat(cloud.peek("a")).isEmpty();
        assertThat(carriedOut("ns/a")).isEmpty();
        cloud.describeNormally("a");
        await().atMost(WAIT).until(() -> done(third));
        assertThat(carriedOut("ns/a")).containsExactly(first.id(), second.id(), third.id());
        assertThat(cloud.peek("a")).hasValueSatisfying(g -> assertThat(g.desired()).isEqualTo(7));
    }

    @Test
    void shouldDeadLetterCommandKeyedAsAnotherPoolInItsPoolsTurnWithoutAskingTheCloud() {
        startRetryingForever();
        breakGroup("a");
        EnsureGroup first = ensure("a", 2);
        // Names pool ns/a but is keyed as ns/b: not trusted to be ns/a's, so never carried out.
        EnsureGroup misrouted = EnsureGroup.of("ns/a", 2, "a-moved", template("c1", 1), capacity(1, 0, 30));

        AtomicInteger misroutedDescribes = new AtomicInteger();
        cloud.whenDescribing("a-moved", misroutedDescribes::incrementAndGet);

        deliver(first);
        long offset = deliver("ns/b", misrouted);

        assertThat(deadLetters).as("waits behind the pool's first command").isEmpty();
        cloud.describeNormally("a");
        await().atMost(WAIT).until(() -> deadLetters.size() == 1);
        assertThat(deadLetters).containsExactly("ns/b@" + offset + " " + Reasons.KEY_MISMATCH);
        assertThat(carriedOut("ns/a")).containsExactly(first.id());
        assertThat(misroutedDescribes).as("the cloud was never asked about the misrouted command's group").hasValue(0);
        assertThat(cloud.peek("a-moved")).isEmpty();
        // Nothing published for it: the pool's last state is its first command's, without an error.
        assertThat(statesOf("ns/a")).last().satisfies(s -> {
            assertThat(s.lastCommandId()).isEqualTo(first.id());
            assertThat(s.lastError()).isNull();
        });
        assertThat(statesOf("ns/b")).isEmpty();
    }

    /**
     * A listener that tries a command three times (two retries), pool a's group made, and the next command's three
     * attempts failing with {@code error}; the cloud answers after that.
     */
    private void failTheNextThreeAttempts(Supplier<RuntimeException> error) {
        start(ProviderKafkaConfiguration.commandBackOff(new ProviderProperties.CommandRetry(2, Duration.ofMillis(10),
                2.0, Duration.ofMillis(50))));
        deliver(ensure("a", 2));
        AtomicInteger attempts = new AtomicInteger();
        cloud.whenDescribing("a", () -> {
            if (attempts.incrementAndGet() <= 3) {
                throw error.get();
            }
        });
    }

    /**
     * An error the provider did not expect (a bug, an SDK failure it does not classify) is retried as any other, and
     * when the retries run out the pool says so: it no longer says it is retrying a command that went to the DLT.
     */
    @Test
    void shouldReportAnUnexpectedErrorWhenItsRetriesRunOut() {
        failTheNextThreeAttempts(() -> new IllegalStateException("unexpected answer"));
        SetCapacity first = set("a", 2, 4);

        deliver(first);

        await().atMost(WAIT).until(() -> !deadLetters.isEmpty());
        await().atMost(WAIT).until(() -> statesOf("ns/a").stream().anyMatch(s -> s.lastError() != null
                && s.lastError().reason().equals(Reasons.RETRIES_EXHAUSTED)
                && s.lastError().message().contains("unexpected answer")));
        assertThat(done(first)).isFalse();
    }

    @Test
    void shouldDeadLetterOnceWithTheReasonAndReportItWhenTheRetriesRunOut() {
        failTheNextThreeAttempts(() -> new RetryableCommandException("CloudThrottled", "Rate exceeded", null));
        SetCapacity first = set("a", 2, 4);
        SetCapacity next = set("a", 3, 5);

        long offset = deliver(first);
        deliver(next);

        await().atMost(WAIT).until(() -> done(next));
        assertThat(deadLetters).containsExactly("ns/a@" + offset + " " + Reasons.RETRIES_EXHAUSTED);
        ScalingGroupState reported = statesOf("ns/a").stream()
                .filter(s -> s.lastError() != null && s.lastError().reason().equals(Reasons.RETRIES_EXHAUSTED))
                .findFirst().orElseThrow();
        assertThat(reported.lastError().message()).isEqualTo("CloudThrottled: Rate exceeded");
        assertThat(done(first)).isFalse();
        assertThat(cloud.peek("a")).hasValueSatisfying(g -> assertThat(g.desired()).isEqualTo(5));
        assertThat(listener.retryingPools()).isZero();
    }

    @Test
    void shouldDeadLetterARefusedCommandAtOnceAndGoOnWithThePool() {
        startRetryingForever();
        deliver(ensure("a", 2));

        long refused = deliver(set("a", 2, 31));
        SetCapacity next = set("a", 3, 4);
        deliver(next);

        assertThat(deadLetters).containsExactly("ns/a@" + refused + " " + Reasons.REPLICAS_OUT_OF_RANGE);
        assertThat(done(next)).isTrue();
        assertThat(listener.retryingPools()).isZero();
        assertThat(committed()).isEqualTo(3L);
    }

    @Test
    void shouldTryADeadLetterAgainAndNotCommitPastItWhenKafkaDidNotTakeIt() {
        startRetryingForever();
        deliver(ensure("a", 2));
        deadLetterFailure.set(new IllegalStateException("Dead-letter publication timed out"));

        long refused = deliver(set("a", 2, 31));
        deliver(ensure("b", 1));

        assertThat(deadLetters).isEmpty();
        assertThat(committed()).as("not past the refused command").isEqualTo(refused);
        deadLetterFailure.set(null);
        await().atMost(WAIT).until(() -> listener.retryingPools() == 0);
        assertThat(deadLetters).containsExactly("ns/a@" + refused + " " + Reasons.REPLICAS_OUT_OF_RANGE);
        idle();
        assertThat(committed()).isEqualTo(3L);
    }

    @Test
    void shouldCommitAnUnreadableRecordOnlyOnceTheCommandsBeforeItOfItsKeyAreDone() {
        startRetryingForever();
        breakGroup("a");
        deliver(ensure("a", 2));
        ConsumerRecord<String, Object> unreadable = new ConsumerRecord<>(TOPIC, 0, nextOffset++, "ns/a", null);

        listener.skipped(unreadable, consumer);

        assertThat(committed()).isEqualTo(0L);
        cloud.describeNormally("a");
        await().atMost(WAIT).until(() -> listener.retryingPools() == 0);
        idle();
        assertThat(committed()).isEqualTo(2L);
    }

    @Test
    void shouldCommitWhatIsDoneAndDropWaitingCommandsBeforeThePartitionsGo() {
        startRetryingForever();
        breakGroup("a");
        breakGroup("d");
        EnsureGroup a = ensure("a", 2);
        deliver(a);
        long waiting = deliver(ensure("d", 1));
        deliver(ensure("b", 1));
        assertThat(committed()).isEqualTo(0L);
        cloud.describeNormally("a");
        await().atMost(WAIT).until(() -> done(a));

        listener.onPartitionsRevokedBeforeCommit(consumer, List.of(P0));

        // a was done on the retry thread since the last commit; d still waits: its new owner starts there.
        assertThat(committed()).isEqualTo(waiting);
        assertThat(listener.retryingPools()).as("d's waiting command dropped").isZero();
        assertThat(listener.ownedPartitions()).isZero();
    }

    @Test
    void shouldWaitForACommandStillRunningOnTheRetryThreadBeforeThePartitionsGoAndLetItWriteNothingMore()
            throws Exception {
        startRetryingForever();
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        cloud.whenDescribing("a", () -> {
            if (attempts.incrementAndGet() == 1) {
                throw new RetryableCommandException("CloudThrottled", "Rate exceeded", null);
            }
            running.countDown();
            try {
                release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        EnsureGroup a = ensure("a", 2);
        deliver(a);
        assertThat(running.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        Thread revoking = new Thread(() -> listener.onPartitionsRevokedBeforeCommit(consumer, List.of(P0)));
        revoking.start();
        await().atMost(WAIT).until(() -> revoking.getState() == Thread.State.TIMED_WAITING
                || revoking.getState() == Thread.State.TERMINATED);
        assertThat(revoking.getState()).as("waits for the attempt under way").isEqualTo(Thread.State.TIMED_WAITING);
        assertThat(done(a)).isFalse();

        int writes = cloud.writes();
        release.countDown();
        revoking.join(WAIT.toMillis());
        assertThat(revoking.isAlive()).isFalse();
        // Its describe was made before the hand-over began: it writes nothing from it (it once did, after up to 60 s,
        // over what the new owner wrote meanwhile), and is neither done nor dead-lettered: the new owner carries it out.
        assertThat(cloud.writes()).isEqualTo(writes);
        assertThat(done(a)).isFalse();
        assertThat(deadLetters).isEmpty();
        assertThat(meters.counter("poolstream.provider.commands", "kind", "EnsureGroup", "outcome", "fenced").count())
                .isEqualTo(1);
    }

    /** A lease of 5 minutes on a clock of the test's, started at 0. */
    private final AtomicLong leaseClock = new AtomicLong();
    private final PollLease lease = new PollLease(Duration.ofMinutes(5), leaseClock::get);

    /**
     * The consumer thread (the test's) stalls in the first describe of group {@code a} for {@code stall}.
     *
     * @return the describes of {@code a} so far
     */
    private AtomicInteger stallInTheFirstDescribe(Duration stall) {
        start(retryEvery20Ms(), lease);
        AtomicInteger describes = new AtomicInteger();
        cloud.whenDescribing("a", () -> {
            if (describes.incrementAndGet() == 1) {
                leaseClock.addAndGet(stall.toNanos());
            }
        });
        return describes;
    }

    @Test
    void shouldWriteNothingOnceTheConsumerHasNotPolledForMostOfItsPollIntervalAndCarryItOutOnceItPolls() {
        // Past 4.5 of its 5 minutes: Kafka may give the partition away at 5, and this consumer would hear of it only
        // at its next poll.
        AtomicInteger describes = stallInTheFirstDescribe(Duration.ofSeconds(271));
        EnsureGroup a = ensure("a", 2);

        deliver(a);

        // Tried again on the retry thread while the consumer has not polled: never a write.
        await().atMost(WAIT).until(() -> describes.get() >= 3);
        assertThat(cloud.writes()).isZero();
        assertThat(done(a)).isFalse();
        // Nor a state of the pool: the partition may be another consumer's, whose state it would stand over.
        assertThat(statesOf("ns/a")).isEmpty();

        lease.setupThreadState(consumer); // the consumer polls: the partition is still its own

        await().atMost(WAIT).until(() -> done(a));
        assertThat(cloud.writes()).isPositive();
        assertThat(deadLetters).isEmpty();
    }

    @Test
    void shouldLeaveACommandStalledPastThePollIntervalToTheNewOwnerWhenThePollSaysThePartitionWasLost() {
        AtomicInteger describes = stallInTheFirstDescribe(Duration.ofMinutes(6));
        EnsureGroup a = ensure("a", 2);
        deliver(a);
        await().atMost(WAIT).until(() -> describes.get() >= 2);

        // The next poll: Kafka gave the partition away meanwhile.
        lease.setupThreadState(consumer);
        listener.onPartitionsLost(consumer, List.of(P0));

        await().atMost(WAIT).until(() -> listener.retryingPools() == 0);
        assertThat(cloud.writes()).isZero();
        assertThat(done(a)).isFalse();
        assertThat(deadLetters).isEmpty();
        assertThat(statesOf("ns/a")).isEmpty();
    }

    private static BackOff retryEvery20Ms() {
        return ProviderKafkaConfiguration.commandBackOff(new ProviderProperties.CommandRetry(1_000_000,
                Duration.ofMillis(20), 1.0, Duration.ofMillis(20)));
    }

    @Test
    void shouldNotBeReadyWhileTheRestoreOfAssignedPartitionsFailed() {
        restoreFailure.set(new IllegalStateException("reading back scalinggroup.state.v1 took longer than 1s"));
        startRetryingForever();

        assertThat(listener.restoreFailure()).isEqualTo(
                "partitions [0]: reading back scalinggroup.state.v1 took longer than 1s");
        assertThat(CommandConsumerHealth.readiness(new CommandConsumerHealth.Observation(true, true,
                listener.ownedPartitions(), listener.restoring(), listener.restoreFailure())).ok()).isFalse();

        restoreFailure.set(null);
        listener.onPartitionsAssigned(consumer, List.of(P0));
        assertThat(listener.restoreFailure()).isNull();
        assertThat(CommandConsumerHealth.readiness(new CommandConsumerHealth.Observation(true, true,
                listener.ownedPartitions(), listener.restoring(), listener.restoreFailure())).ok()).isTrue();
    }

    @Test
    void shouldHoldTheCommandsOfPartitionsWhoseRestoreFailedAndTryTheRestoreAgainTillItIsDone() {
        restoreFailure.set(new IllegalStateException("reading back scalinggroup.state.v1 took longer than 1s"));
        startRetryingForever();
        // Carried out without what the topics say was done, commands past the committed offset would run again.
        assertThat(consumer.paused()).containsExactly(P0);

        idle();
        assertThat(restores).as("tried again on the consumer thread").hasValue(2);
        assertThat(consumer.paused()).containsExactly(P0);

        restoreFailure.set(null);
        idle();
        assertThat(consumer.paused()).isEmpty();
        assertThat(listener.restoreFailure()).isNull();
        idle();
        assertThat(restores).as("not again once done").hasValue(3);
    }

    @Test
    void shouldKeepEveryPoolsCommandsInOrderWhenAttemptsFailAtRandom() {
        startRetryingForever();
        int pools = 8;
        int perPool = 6;
        for (int p = 0; p < pools; p++) {
            Random failures = new Random(p);
            cloud.whenDescribing("p" + p, () -> {
                if (failures.nextInt(3) == 0) {
                    throw new RetryableCommandException("CloudUnavailable", "503", null);
                }
            });
        }
        List<List<String>> sent = new ArrayList<>();
        for (int p = 0; p < pools; p++) {
            sent.add(new ArrayList<>());
        }
        for (int i = 0; i < perPool; i++) {
            for (int p = 0; p < pools; p++) {
                ScalingGroupCommand command = i == 0 ? ensure("p" + p, 1) : set("p" + p, i + 1, i + 1);
                sent.get(p).add(command.id());
                deliver(command);
            }
        }

        await().atMost(WAIT).until(() -> listener.retryingPools() == 0);
        for (int p = 0; p < pools; p++) {
            assertThat(carriedOut("ns/p" + p)).as("pool p" + p).containsExactlyElementsOf(sent.get(p));
            assertThat(cloud.peek("p" + p).map(g -> g.desired())).contains(perPool);
        }
        assertThat(deadLetters).isEmpty();
        idle();
        assertThat(committed()).isEqualTo((long) pools * perPool);
        assertThat(Objects.requireNonNull(meters.find("poolstream.provider.commands").tag("outcome", "retryable")
                .counter()).count()).isPositive();
    }

    @Test
    void shouldSkipNullRecordsAndCommitThem() {
        startRetryingForever();

        listener.onCommand(new ConsumerRecord<>(TOPIC, 0, nextOffset++, "ns/gone", null), consumer);

        assertThat(published.states).isEmpty();
        assertThat(committed()).isEqualTo(1L);
    }
}
