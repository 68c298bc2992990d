package dev.poolstream.reconciler;

import dev.poolstream.reconciler.domain.Notices;
import java.util.Optional;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.PoolMember;
import dev.poolstream.reconciler.kube.Drainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.MachineRequest;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import dev.poolstream.reconciler.config.ReconcilerProperties;
import dev.poolstream.reconciler.domain.Attempts;
import dev.poolstream.reconciler.kafka.CommandSender;
import dev.poolstream.reconciler.kube.PoolEvents;
import dev.poolstream.testing.MachinePoolSpecs;
import dev.poolstream.testing.MovableClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * The running reconciler, its own loop and scheduling, with time in the test's hands: its clock stands still until
 * the test moves it, and what it schedules for later runs when the test says that time has come. Its commands go to
 * a {@link MockProducer}, each noted with the clock's time and whether the reconciler was caught up when it went.
 */
class ReconcilerTest {

    private static final String POOL = "team-a/workers";
    private static final Instant T0 = Instant.parse("2026-11-21T06:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MovableClock clock = MovableClock.at(T0);
    private final ManualScheduler later = new ManualScheduler(clock);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MockProducer<String, Keyed> producer = new MockProducer<>(true, null, new StringSerializer(),
            (topic, value) -> new byte[0]);
    /** Every command sent, in order. */
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    /** Closed: a send waits, and holds up the reconciler's loop. */
    private volatile CountDownLatch hold = new CountDownLatch(0);
    private volatile boolean holding;
    private final PoolEvents events = new PoolEvents(null, registry);
    private final Drainer drainer;
    private final Reconciler reconciler;

    /** A command as it went: when by the reconciler's clock, and whether the reconciler was caught up. */
    private record Sent(ScalingGroupCommand command, Instant at, boolean caughtUp) {
    }

    ReconcilerTest() {
        // Events are not what these tests look at: none is written (the counter still counts them).
        events.close();
        ReconcilerProperties properties = new ReconcilerProperties(ReconcilerProperties.Mode.INFRASTRUCTURE_PROVIDER,
                Duration.ofMinutes(2), Duration.ofSeconds(2), Duration.ofSeconds(30), 4, Duration.ofMinutes(2),
                Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofMinutes(5), 5, Duration.ofSeconds(60),
                Duration.ZERO, Duration.ofMinutes(5));
        // A drainer whose workload clusters have no kubeconfig Secret yet: a drain waits, round after round.
        drainer = new Drainer(cluster -> Optional.empty(), Duration.ofMillis(10), Duration.ofMillis(10), 2, clock,
                registry);
        reconciler = new Reconciler(properties, new CommandSender(new KafkaTemplate<>(this::producer), registry),
                drainer, null, events, clock, registry, later);
    }

    @AfterEach
    void close() {
        hold.countDown();
        reconciler.close();
        drainer.close();
    }

    /**
     * A rebalance moves the pool to another replica while its drain waits: this replica stops it, for the next owner
     * takes it up from the Node's drain-started annotation, and two replicas would each time it out on their own.
     */
    @Test
    void shouldStopThePoolsDrainsWhenItsPartitionIsRevoked() {
        drainOneOfFour();

        reconciler.revoked(allPartitions());

        await().atMost(WAIT).until(() -> registry.find("poolstream.reconciler.drains").tag("outcome", "stopped")
                .counter() != null);
    }

    /**
     * The operator's way out of a drain a PodDisruptionBudget holds for good: {@code exclude-node-draining} put on the
     * Machine while its drain runs. The look ends the drain in its memory, and the drain running in this process is
     * stopped too, not left evicting; also while the victim stays (a pre-terminate hook holds it), its drain
     * remembered as done.
     */
    @Test
    void shouldStopARunningDrainWhenItsMachineAsksToSkipIt() {
        List<PoolMember> four = drainOneOfFour();
        PoolSpec spec = spec(7);
        List<MachineRequest> excluded = four.stream().map(m -> new MachineRequest(m.providerID(),
                "workers-" + m.nodeName(), "workers-" + m.nodeName(), false, false, false, null, false, false, true,
                List.of(), List.of("pre-terminate.delete.hook.machine.cluster.x-k8s.io/backup"))).toList();

        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, new PoolSpec(spec.namespace(), spec.name(),
                spec.uid(), spec.generation(), spec.labels(), spec.annotations(), spec.finalizers(), null, spec.spec(),
                spec.infrastructure(), false, null, excluded, List.of()));

        await().atMost(WAIT).until(() -> registry.find("poolstream.reconciler.drains").tag("outcome", "stopped")
                .counter() != null);
    }

    /**
     * A drain timeout set while a drain runs without one (a PodDisruptionBudget holds it; for a pool without Machines
     * there is no exclude-node-draining to set): the running drain takes the new deadline, counted from its start,
     * as Cluster API reads the timeout on every reconcile. Past it, the drain times out and the instance goes.
     */
    @Test
    void shouldTimeOutARunningDrainByATimeoutSetWhileItRan() {
        drainOneOfFour();
        clock.advance(Duration.ofMinutes(10));

        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, withDrainTimeout(spec(7), 60));

        await().atMost(WAIT).until(() -> sent.stream().anyMatch(s -> s.command() instanceof TerminateInstances));
        assertThat(registry.find("poolstream.reconciler.drains").tag("outcome", "timed-out").counter())
                .isNotNull();
    }

    /**
     * A pool deleted and made again under the same name remembers nothing of the deleted one: not the terminate it
     * awaited (the new pool once waited on it), nor its drains (one ended TimedOut or NodeGone made the new pool's
     * instance of the same provider ID, a scale set's reused ID, a victim terminated undrained).
     */
    @Test
    void shouldRememberNothingOfTheDeletedPoolForAPoolMadeAgainUnderTheSameName() {
        drainOneOfFour();
        clock.advance(Duration.ofMinutes(10));
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, withDrainTimeout(spec(7), 60));
        await().atMost(WAIT).until(() -> sent.stream().anyMatch(s -> s.command() instanceof TerminateInstances));
        int before = sent.size();

        // No tombstone between them: the watcher, down while it happened, publishes only what differs after.
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL,
                withDrainTimeout(spec("uid-of-the-second", 7, 3), 60));

        await().atMost(WAIT).until(() -> sent.size() > before);
        assertThat(sent.get(before).command())
                .as("the new pool's first look confirms its group; it terminates nothing").isInstanceOf(RollOut.class);
    }

    /** The spec with the template's {@code deletion.nodeDrainTimeoutSeconds} set. */
    private static PoolSpec withDrainTimeout(PoolSpec spec, int seconds) {
        var deletion = new dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Deletion();
        deletion.setNodeDrainTimeoutSeconds(seconds);
        spec.spec().getTemplate().getSpec().setDeletion(deletion);
        return spec;
    }

    /** A pool of 3 with 4 members: one is the victim, and its drain waits (no kubeconfig Secret yet). */
    private List<PoolMember> drainOneOfFour() {
        catchUp();
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, spec(7));
        await().atMost(WAIT).until(() -> sent.size() == 1);
        List<PoolMember> four = IntStream.rangeClosed(1, 4).mapToObj(i -> new PoolMember("aws:///a/i-" + i,
                "node-" + i, "uid-" + i, InstanceLifecycle.RUNNING, T0.plusSeconds(i), true, true, true, false,
                true)).toList();
        reconciler.record(Topics.MACHINEPOOL_STATUS.name(), POOL, new PoolStatus(POOL, 7, "team-a/demo",
                ClusterApi.KIND_AWS_MACHINE_POOL, "workers", new MachinePoolStatus(),
                four.stream().map(PoolMember::providerID).toList(), true, four, List.of()));
        reconciler.record(Topics.SCALINGGROUP_STATE.name(), POOL, new ScalingGroupState(POOL, Cloud.AWS,
                ((EnsureGroup) sent.get(0).command()).group(), true, 4, 0, 50, "1", false, 7,
                sent.get(0).command().id(), null));
        await().atMost(WAIT).until(() -> registry.find("poolstream.reconciler.events")
                .tag("reason", Notices.DRAINING).counter() != null);
        assertThat(registry.find("poolstream.reconciler.drains").tag("outcome", "stopped").counter()).isNull();
        return four;
    }

    /**
     * What a test waits on before it says the reconciler is done with a pool. The EnsureGroup's look names its
     * timeout; a failure's look names the next attempt, sooner. Both timers are counted until each has run: the
     * timeout's still looks at the pool after the attempt's has, and keeps a later one from being scheduled.
     */
    @Test
    void shouldSayWhetherAnythingLooksAtThePoolAgainBeforeATime() throws Exception {
        catchUp();
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, spec(7));
        await().atMost(WAIT).until(() -> sent.size() == 1);
        Instant timeout = T0.plus(Duration.ofMinutes(2));
        assertThat(reconciler.looksAgainBefore(POOL, timeout).get()).isFalse();
        assertThat(reconciler.looksAgainBefore(POOL, timeout.plusMillis(1)).get()).isTrue();
        assertThat(reconciler.looksAgainBefore("team-a/other", Instant.MAX).get()).isFalse();

        clock.advance(Duration.ofSeconds(1));
        reconciler.commandFailed(POOL, sent.get(0).command(), new Failure("Throttling", "Rate exceeded"));
        Instant attempt = T0.plusSeconds(11);
        assertThat(reconciler.looksAgainBefore(POOL, attempt.plusMillis(1)).get()).isTrue();
        clock.moveTo(attempt.plusMillis(1));
        later.runDue();
        await().atMost(WAIT).until(() -> sent.size() == 2);

        assertThat(reconciler.looksAgainBefore(POOL, timeout).get()).isFalse();
        assertThat(reconciler.looksAgainBefore(POOL, timeout.plusMillis(1)).get()).as("the first timeout's timer")
                .isTrue();
        assertThat(later.scheduled()).as("the second's is scheduled by the look at the first's")
                .containsExactly(timeout.plusMillis(1));
    }

    @Test
    void shouldSayThatARunningDrainLooksAtThePoolAgain() throws Exception {
        drainOneOfFour();

        assertThat(reconciler.looksAgainBefore(POOL, Instant.MIN).get()).isTrue();
    }

    @Test
    void shouldNotBeReadyFromARevocationOnEvenWhileItsLoopIsBusy() throws Exception {
        catchUp();
        // A look is sending: the loop is busy with it.
        hold = new CountDownLatch(1);
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, spec(7));
        await().atMost(WAIT).until(() -> holding);

        reconciler.revoked(allPartitions());

        assertThat(reconciler.caughtUpNow()).as("from the revocation on").isFalse();
        // The consumer has read the next assignment back; the loop has not taken it in yet.
        reconciler.caughtUp();
        assertThat(reconciler.caughtUpNow()).isFalse();
        hold.countDown();
        await().atMost(WAIT).until(reconciler::caughtUpNow);
    }

    /** Liveness asks the loop at every probe; a loop held up in a look leaves the question unanswered. */
    @Test
    void shouldSayHowLongItsLoopHasLeftAProbeUnansweredWhileALookHoldsItUp() {
        catchUp();
        assertThat(reconciler.unanswered()).as("none out: one sent").isZero();

        // That probe is answered before the look below (it was queued first).
        hold = new CountDownLatch(1);
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, spec(7));
        await().atMost(WAIT).until(() -> holding);
        reconciler.unanswered(); // sent behind the look that waits
        await().atMost(WAIT).until(() -> reconciler.unanswered().compareTo(Duration.ofMillis(300)) > 0);

        hold.countDown();
        // Answered: the next probe finds none out and sends another.
        await().atMost(WAIT).until(() -> reconciler.unanswered().isZero());
    }

    @Test
    void shouldLookAtNoPoolWhileItsPictureIsReadBackNotEvenAtATimeALookWasScheduledFor() {
        catchUp();
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, spec(7));
        // Looked at again when the EnsureGroup is out of time (scheduled by the look, after it sent).
        await().atMost(WAIT).until(() -> T0.plus(Duration.ofMinutes(2)).plusMillis(1).equals(later.next()));

        // A rebalance: the pool is read back, with a newer spec, when that time comes.
        reconciler.revoked(allPartitions());
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, spec(8));
        clock.advance(Duration.ofMinutes(3));
        later.runDue();
        reconciler.caughtUp();

        await().atMost(WAIT).until(() -> sent.size() == 2);
        assertThat(sent.get(1).command()).isInstanceOfSatisfying(EnsureGroup.class,
                c -> assertThat(c.generation()).isEqualTo(8));
        assertThat(sent).as("every command decided from a picture read back").allMatch(Sent::caughtUp);
    }

    /**
     * The pool: its bootstrap Secret is missing, so the provider dead-letters every {@code EnsureGroup}. The
     * reconciler keeps trying (10 s, 20 s, 40 s, 80 s, then every 60 s at most), each time when the time its last
     * look named comes, with nothing else arriving; once the Secret exists, the next attempt is carried out.
     */
    @Test
    void shouldSendTheNextAttemptWhenItsBackoffIsOverPastTheAttemptsWithNothingElseArriving() throws Exception {
        catchUp();
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, spec(7));
        await().atMost(WAIT).until(() -> sent.size() == 1);
        ScalingGroupCommand first = sent.get(0).command();
        Failure missing = new Failure("InvalidTemplate", "bootstrap data Secret team-a/workers-bootstrap not found");
        // 10 s, 20 s, 40 s, 80 s, then 60 s at most.
        long[] pauses = {10, 20, 40, 80, 60, 60, 60};
        for (int failed = 1; failed <= pauses.length; failed++) {
            clock.advance(Duration.ofSeconds(1));
            Instant failedAt = clock.instant();
            reconciler.commandFailed(POOL, sent.get(failed - 1).command(), missing);
            int retries = failed;
            await().atMost(WAIT).until(() -> counted("poolstream.reconciler.command.retries") == retries);
            // The next look is just after the backoff (lookAt: +1 ms). One scheduled before then (an await timeout)
            // sends nothing, and names that time again if the failure's look did not.
            Instant due = failedAt.plusSeconds(pauses[failed - 1]).plusMillis(1);
            for (Instant at = later.next(); at.isBefore(due); at = later.next()) {
                clock.moveTo(at);
                later.runDue();
                reconciler.looksAgainBefore(POOL, at).get(); // after the look
                assertThat(sent).as("at " + at).hasSize(failed);
            }
            assertThat(later.next()).isEqualTo(due);

            clock.moveTo(due);
            later.runDue();

            int attempts = failed + 1;
            await().atMost(WAIT).until(() -> sent.size() == attempts);
            Sent attempt = sent.get(failed);
            assertThat(attempt.command().id()).isEqualTo(Attempts.attemptId(first, attempts));
            assertThat(attempt.at()).as("attempt " + attempts + " when due").isEqualTo(due);
        }

        // The Secret exists: the eighth attempt is carried out, and nothing more of generation 7 is sent.
        ScalingGroupCommand eighth = sent.get(7).command();
        reconciler.record(Topics.SCALINGGROUP_STATE.name(), POOL, new ScalingGroupState(POOL, Cloud.AWS,
                ((EnsureGroup) eighth).group(), true, 3, 0, 50, "1", false, 7, eighth.id(), null));
        // The end marker: a scale-up in generation 8, sent after every command of the looks before it.
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, spec(8, 4));
        await().atMost(WAIT).until(() -> sent.size() == 9);
        assertThat(sent.get(8).command()).isInstanceOfSatisfying(SetCapacity.class, c -> {
            assertThat(c.generation()).isEqualTo(8);
            assertThat(c.capacity().desired()).isEqualTo(4);
        });
        assertThat(sent).extracting(s -> s.command().id()).doesNotHaveDuplicates();
    }

    /**
     * A pool deleted and made again under the same name starts at generation 1 again: the first one's failed
     * commands (of a higher generation) are not the new one's, and give it no {@code RetryingCommand} Warning.
     */
    @Test
    void shouldNotGiveAPoolMadeAgainUnderTheSameNameTheFailuresOfTheDeletedOne() {
        catchUp();
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, spec(7));
        await().atMost(WAIT).until(() -> sent.size() == 1);
        reconciler.commandFailed(POOL, sent.get(0).command(), new Failure("InvalidTemplate", "no bootstrap Secret"));
        await().atMost(WAIT).until(() -> counted("poolstream.reconciler.command.retries") == 1);
        // Deleted: its group state stays (gone), its spec is tombstoned; then made again, a new uid.
        reconciler.record(Topics.SCALINGGROUP_STATE.name(), POOL, new ScalingGroupState(POOL, Cloud.AWS, "workers",
                false, 0, 0, 0, null, false, 7, "a-delete", null));
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, null);
        reconciler.record(Topics.MACHINEPOOL_SPEC.name(), POOL, spec("uid-of-the-second", 1, 3));

        // (The gone state is a new picture for the first one: its EnsureGroup, decided anew, may go before.)
        await().atMost(WAIT).until(() -> sent.stream().anyMatch(s -> s.command().generation() == 1));
        assertThat(sent).filteredOn(s -> s.command().generation() == 1).singleElement()
                .satisfies(s -> assertThat(s.command()).isInstanceOf(EnsureGroup.class));
        assertThat(counted("poolstream.reconciler.command.retries")).as("no RetryingCommand for the new pool")
                .isEqualTo(1);
    }

    private void catchUp() {
        reconciler.caughtUp();
        await().atMost(WAIT).until(reconciler::caughtUpNow);
    }

    private double counted(String name) {
        Counter counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    /** The producer the template sends with: it waits while {@link #hold} is closed, and never closes. */
    private Producer<String, Keyed> producer() {
        holding = true;
        try {
            hold.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        holding = false;
        @SuppressWarnings("unchecked")
        Producer<String, Keyed> view = (Producer<String, Keyed>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Producer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    if (method.getName().equals("send")) {
                        sent.add(new Sent((ScalingGroupCommand) ((org.apache.kafka.clients.producer.ProducerRecord<?,
                                ?>) args[0]).value(), clock.instant(), reconciler.caughtUpNow()));
                    }
                    try {
                        return method.invoke(producer, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return view;
    }

    private static List<TopicPartition> allPartitions() {
        return IntStream.range(0, Topics.PARTITIONS)
                .mapToObj(p -> new TopicPartition(Topics.MACHINEPOOL_SPEC.name(), p)).toList();
    }

    /** An AWS pool of three, held by Poolstream's finalizer, as the watcher publishes it. */
    private static PoolSpec spec(long generation) {
        return spec(generation, 3);
    }

    private static PoolSpec spec(long generation, int replicas) {
        return spec("uid", generation, replicas);
    }

    private static PoolSpec spec(String uid, long generation, int replicas) {
        AWSMachinePoolSpec aws = new AWSMachinePoolSpec();
        aws.setMinSize(0);
        aws.setMaxSize(50);
        return new PoolSpec("team-a", "workers", uid, generation, Map.of(), Map.of(), List.of(), null,
                MachinePoolSpecs.of("demo", replicas, "v1.33.1", "workers-bootstrap", ClusterApi.KIND_AWS_MACHINE_POOL,
                        "workers", 0),
                new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL, "workers",
                        "u", 2, List.of(ClusterApi.POOLSTREAM_FINALIZER), null, new InfraSpec.Aws(aws), null),
                false);
    }

    /** Keeps what is scheduled, at the clock's time plus its delay, and runs it when the test says it is due. */
    private static final class ManualScheduler extends ScheduledThreadPoolExecutor {
        private record Task(Instant at, Runnable run) {
        }

        private final Clock clock;
        private final List<Task> tasks = new ArrayList<>();

        ManualScheduler(Clock clock) {
            super(1);
            this.clock = clock;
        }

        @Override
        public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            tasks.add(new Task(clock.instant().plus(Duration.of(delay, unit.toChronoUnit())), command));
            return null;
        }

        /** When the earliest task is due; null when none is scheduled. */
        synchronized Instant next() {
            return tasks.stream().map(Task::at).min(Instant::compareTo).orElse(null);
        }

        synchronized List<Instant> scheduled() {
            return tasks.stream().map(Task::at).toList();
        }

        /** Runs, earliest first, every task due by the clock's time. */
        void runDue() {
            while (true) {
                Task due;
                synchronized (this) {
                    due = tasks.stream().filter(t -> !t.at().isAfter(clock.instant()))
                            .min((a, b) -> a.at().compareTo(b.at())).orElse(null);
                    if (due == null) {
                        return;
                    }
                    tasks.remove(due);
                }
                due.run().run();
            }
        }
    }
}
