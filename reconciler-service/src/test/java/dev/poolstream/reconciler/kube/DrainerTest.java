package dev.poolstream.reconciler.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.reconciler.domain.DrainOutcome;
import dev.poolstream.reconciler.domain.Notice;
import dev.poolstream.reconciler.domain.Notices;
import dev.poolstream.testing.MockCluster;
import dev.poolstream.testing.MovableClock;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link Drainer} against fabric8's mock API server (CRUD, with the Eviction API and PodDisruptionBudget
 * refusals of {@link MockCluster}): fast, and no real API server needed. What only a real server shows (a budget's
 * own refusal, a cordon an admission policy refuses, the audit log's order, a pod left terminating: the mock server
 * drops {@code deletionTimestamp}) is {@code DrainerRealApiIT}'s.
 */
class DrainerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration RETRY = Duration.ofMillis(20);
    /** No Node of the tests has it, but where one is given it. */
    /** The instance of Node n1 ({@link #node} gives each Node the provider ID of its name). */
    private static final String PROVIDER_ID = "aws:///us-east-1a/i-n1";
    /** An instance no Node carries. */
    private static final String NO_NODES_ID = "aws:///us-east-1a/i-0001";

    private MockCluster cluster;
    private KubernetesClient kube;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** The drain's time: moved by the test, never waited for. */
    private final MovableClock clock = MovableClock.at(Instant.parse("2026-11-21T06:00:00Z"));
    private final List<Notice> notices = new CopyOnWriteArrayList<>();
    private Drainer drainer;

    @BeforeEach
    void start() {
        cluster = new MockCluster();
        kube = cluster.client();
    }

    @AfterEach
    void stop() {
        if (drainer != null) {
            drainer.close();
        }
        cluster.close();
    }

    private Drainer drainer(Function<String, Optional<KubernetesClient>> clients, Duration retry, Duration max) {
        drainer = new Drainer(clients, retry, max, 2, clock, meters);
        return drainer;
    }

    private Drainer drainer() {
        return drainer(c -> Optional.of(kube), RETRY, RETRY.multipliedBy(8));
    }

    @Test
    void shouldCordonEvictAndEndDrainedLeavingDaemonSetMirrorAndFinishedPods() {
        node("n1");
        pod("apps", "app", "n1");
        pod("apps", "other-node", "n2");
        daemonSet("kube-system", "agent");
        kube.resource(new PodBuilder().withNewMetadata().withNamespace("kube-system").withName("agent")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("DaemonSet").withName("agent")
                .withUid("ds").endOwnerReference().endMetadata().withNewSpec().withNodeName("n1").endSpec()
                .build()).create();
        kube.resource(new PodBuilder().withNewMetadata().withNamespace("kube-system").withName("static")
                .addToAnnotations(Drainer.MIRROR_POD_ANNOTATION, "abc").endMetadata().withNewSpec()
                .withNodeName("n1").endSpec().build()).create();
        kube.resource(new PodBuilder().withNewMetadata().withNamespace("apps").withName("job").endMetadata()
                .withNewSpec().withNodeName("n1").endSpec().withNewStatus().withPhase("Succeeded").endStatus()
                .build()).create();

        DrainOutcome outcome = join(drainer().drain("team-a/workers", "team-a/demo", "n1",
                PROVIDER_ID, clock.instant(), null, notices::add));

        assertThat(outcome).isInstanceOf(DrainOutcome.Drained.class);
        assertThat(kube.nodes().withName("n1").get().getSpec().getUnschedulable()).as("cordoned").isTrue();
        assertThat(kube.pods().inNamespace("apps").withName("app").get()).as("evicted").isNull();
        assertThat(kube.pods().inNamespace("apps").withName("other-node").get()).as("another Node's").isNotNull();
        assertThat(kube.pods().inNamespace("kube-system").withName("agent").get()).isNotNull();
        assertThat(kube.pods().inNamespace("kube-system").withName("static").get()).isNotNull();
        assertThat(kube.pods().inNamespace("apps").withName("job").get()).isNotNull();
        assertThat(count("poolstream.reconciler.evictions", "evicted")).isEqualTo(1);
        assertThat(count("poolstream.reconciler.drains", "drained")).isEqualTo(1);
        assertThat(notices).isEmpty();
    }

    @Test
    void shouldEndFailedWhenARoundThrowsAnError() {
        // A class the client loads when first used is missing: the drain ends, said, instead of never ending.
        DrainOutcome outcome = join(drainer(c -> {
            throw new NoClassDefFoundError("io/fabric8/Missing");
        }, RETRY, RETRY).drain("team-a/workers", "team-a/demo", "n1", PROVIDER_ID, clock.instant(), null,
                notices::add));

        assertThat(outcome).isInstanceOfSatisfying(DrainOutcome.Failed.class,
                f -> assertThat(f.toString()).contains("io/fabric8/Missing"));
    }

    /** Cluster API's pod label: {@code skip} stays and is not waited for, {@code wait-completed} is waited for. */
    @Test
    void shouldLeaveASkippedPodAndWaitForAWaitCompletedOneWithoutEvictingEither() {
        node("n1");
        kube.resource(new PodBuilder().withNewMetadata().withNamespace("apps").withName("keep")
                .addToLabels(ClusterApi.POD_DRAIN_LABEL, ClusterApi.POD_DRAIN_SKIP).endMetadata().withNewSpec()
                .withNodeName("n1").endSpec().build()).create();
        kube.resource(new PodBuilder().withNewMetadata().withNamespace("apps").withName("batch")
                .addToLabels(ClusterApi.POD_DRAIN_LABEL, ClusterApi.POD_DRAIN_WAIT_COMPLETED).endMetadata()
                .withNewSpec().withNodeName("n1").endSpec().build()).create();

        java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
        CompletableFuture<DrainOutcome> drain = drainer(c -> {
            rounds.incrementAndGet();
            return Optional.of(kube);
        }, RETRY, RETRY).drain("team-a/workers", "team-a/demo", "n1", PROVIDER_ID, clock.instant(), null,
                notices::add);
        // Rounds go by while the batch pod runs: not drained.
        await().atMost(WAIT).until(() -> rounds.get() >= 3);
        assertThat(drain).isNotDone();

        kube.pods().inNamespace("apps").withName("batch").editStatus(p -> new PodBuilder(p).editOrNewStatus()
                .withPhase("Succeeded").endStatus().build());

        assertThat(join(drain)).isInstanceOf(DrainOutcome.Drained.class);
        assertThat(kube.pods().inNamespace("apps").withName("keep").get()).isNotNull();
        assertThat(kube.pods().inNamespace("apps").withName("batch").get()).isNotNull();
        assertThat(count("poolstream.reconciler.evictions", "evicted")).isZero();
    }

    @Test
    void shouldEndDrainedAtOnceForAnEmptyNodeAlreadyCordoned() {
        kube.resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().withNewSpec()
                .withUnschedulable(true).endSpec().build()).create();

        assertThat(join(drainer().drain("team-a/workers", "team-a/demo", "n1", PROVIDER_ID,
                clock.instant(), null, notices::add)))
                .isInstanceOf(DrainOutcome.Drained.class);
        assertThat(count("poolstream.reconciler.evictions", "evicted")).isZero();
    }

    @Test
    void shouldEndNodeGoneForANodeThatDoesNotExist() {
        assertThat(join(drainer().drain("team-a/workers", "team-a/demo", "never", PROVIDER_ID,
                clock.instant(), null, notices::add)))
                .isInstanceOf(DrainOutcome.NodeGone.class);
        assertThat(count("poolstream.reconciler.drains", "node-gone")).isEqualTo(1);
    }

    /** A Node name come back on a new instance (AWS names Nodes after private IPs) is that instance's: left alone. */
    @Test
    void shouldEndNodeGoneAndTouchNothingWhenTheNodeOfThatNameIsNowAnotherInstances() {
        node("n1");
        pod("apps", "app", "n1");

        assertThat(join(drainer().drain("team-a/workers", "team-a/demo", "n1", "aws:///us-east-1a/i-old",
                clock.instant(), null, notices::add)))
                .isInstanceOf(DrainOutcome.NodeGone.class);
        assertThat(kube.nodes().withName("n1").get().getSpec().getUnschedulable()).as("not cordoned").isNull();
        assertThat(kube.pods().inNamespace("apps").withName("app").get()).as("not evicted").isNotNull();
    }

    @Test
    void shouldRetryEvictionsABudgetRefusesAndSayItIsBlocked() {
        node("n1");
        pod("apps", "db-0", "n1");
        cluster.refuseEvictions("apps", "db-0", 2);

        DrainOutcome outcome = join(drainer().drain("team-a/workers", "team-a/demo", "n1",
                PROVIDER_ID, clock.instant(), null, notices::add));

        assertThat(outcome).isInstanceOf(DrainOutcome.Drained.class);
        assertThat(count("poolstream.reconciler.evictions", "refused")).isEqualTo(2);
        assertThat(count("poolstream.reconciler.evictions", "evicted")).isEqualTo(1);
        assertThat(notices).hasSize(2).allSatisfy(n -> assertThat(n).isEqualTo(Notices.blocked("n1",
                List.of("apps/db-0"))));
    }

    @ParameterizedTest(name = "held {0} -> {1} ms")
    @CsvSource(textBlock = """
            0, 100
            1, 100
            2, 200
            3, 400
            4, 800
            5, 1000
            9, 1000
            """)
    void shouldDoubleThePauseWhileHeldUpUpToTheMost(int held, long millis) {
        assertThat(Drainer.pause(Duration.ofMillis(100), Duration.ofMillis(1000), held))
                .isEqualTo(Duration.ofMillis(millis));
    }

    /**
     * Each round a budget refuses and nothing is evicted waits twice as long as the one before, up to the most:
     * 100, 200, 400, 400 ms between refusals. Measured in real time, so only as lower bounds (a busy machine only
     * makes them longer, and not alike: their growth is {@link #shouldDoubleThePauseWhileHeldUpUpToTheMost}'s).
     */
    @Test
    void shouldBackOffBetweenRoundsWhileABudgetRefusesEverything() {
        aPodABudgetHolds();
        List<Long> refusedAt = new CopyOnWriteArrayList<>();

        CompletableFuture<DrainOutcome> drain = drainer(c -> Optional.of(kube), Duration.ofMillis(100),
                Duration.ofMillis(400)).drain("team-a/workers", "team-a/demo", "n1",
                        PROVIDER_ID, clock.instant(), clock.instant().plusSeconds(60),
                notice -> refusedAt.add(System.nanoTime()));
        await().atMost(WAIT).until(() -> refusedAt.size() >= 5);

        long[] pause = new long[4];
        for (int i = 0; i < 4; i++) {
            pause[i] = Duration.ofNanos(refusedAt.get(i + 1) - refusedAt.get(i)).toMillis();
        }
        String pauses = java.util.Arrays.toString(pause) + " ms";
        assertThat(pause[0]).as(pauses).isGreaterThanOrEqualTo(100);
        assertThat(pause[1]).as(pauses).isGreaterThanOrEqualTo(200);
        assertThat(pause[2]).as(pauses).isGreaterThanOrEqualTo(400);
        assertThat(pause[3]).as(pauses).isGreaterThanOrEqualTo(400);
        assertThat(drain).isNotDone();
        clock.advance(Duration.ofSeconds(61));
        assertThat(join(drain)).isEqualTo(new DrainOutcome.TimedOut(1, "a PodDisruptionBudget refuses evicting"
                + " apps/db-0"));
        assertThat(kube.pods().inNamespace("apps").withName("db-0").get()).isNotNull();
        assertThat(count("poolstream.reconciler.drains", "timed-out")).isEqualTo(1);
    }

    @Test
    void shouldStopAtItsNextRoundOnceCancelled() {
        aPodABudgetHolds();
        CompletableFuture<DrainOutcome> drain = drainer().drain("team-a/workers", "team-a/demo", "n1",
                PROVIDER_ID, clock.instant(), null, notices::add);
        await().atMost(WAIT).until(() -> count("poolstream.reconciler.evictions", "refused") >= 2);

        drain.cancel(false);

        // The round after the cancel ends the run: it schedules none after it.
        await().atMost(WAIT).until(() -> count("poolstream.reconciler.drains", "stopped") == 1);
        assertThat(kube.pods().inNamespace("apps").withName("db-0").get()).isNotNull();
    }

    @Test
    void shouldEndTimedOutOnlyAfterTheDeadlineAndNotAtIt() {
        aPodABudgetHolds();
        Instant deadline = clock.instant().plusSeconds(60);

        CompletableFuture<DrainOutcome> drain = drainer().drain("team-a/workers", "team-a/demo", "n1",
                PROVIDER_ID, clock.instant(), deadline,
                notices::add);
        clock.moveTo(deadline);
        double refused = count("poolstream.reconciler.evictions", "refused");
        await().atMost(WAIT).until(() -> count("poolstream.reconciler.evictions", "refused") >= refused + 2);
        assertThat(drain).as("at the deadline, not past it").isNotDone();

        clock.moveTo(deadline.plusMillis(1));
        assertThat(join(drain)).isInstanceOf(DrainOutcome.TimedOut.class);
    }

    /** A pause between rounds (here an hour) never carries the drain past its deadline: it ends just after it. */
    @Test
    void shouldEndTimedOutJustAfterTheDeadlineNotAPauseLater() {
        aPodABudgetHolds();
        Instant deadline = clock.instant().plusMillis(200);

        CompletableFuture<DrainOutcome> drain = drainer(c -> Optional.of(kube), Duration.ofHours(1),
                Duration.ofHours(1)).drain("team-a/workers", "team-a/demo", "n1", PROVIDER_ID, clock.instant(),
                deadline, notices::add);
        await().atMost(WAIT).until(() -> count("poolstream.reconciler.evictions", "refused") >= 1);
        clock.moveTo(deadline.plusMillis(1));

        assertThat(join(drain)).isEqualTo(new DrainOutcome.TimedOut(1, "a PodDisruptionBudget refuses evicting"
                + " apps/db-0"));
    }

    @Test
    void shouldCordonAndDrainOnceTheWorkloadClusterHasAClient() {
        node("n1");
        pod("apps", "app", "n1");
        AtomicInteger asked = new AtomicInteger();

        DrainOutcome outcome = join(drainer(c -> asked.incrementAndGet() <= 2 ? Optional.empty() : Optional.of(kube),
                RETRY, RETRY).drain("team-a/workers", "team-a/demo", "n1", PROVIDER_ID,
                        clock.instant(), null, notices::add));

        assertThat(outcome).isInstanceOf(DrainOutcome.Drained.class);
        assertThat(asked.get()).isGreaterThanOrEqualTo(3);
        assertThat(kube.nodes().withName("n1").get().getSpec().getUnschedulable()).isTrue();
    }

    @Test
    void shouldTimeOutWhileTheWorkloadClusterHasNoClientAndSayWhy() {
        AtomicInteger asked = new AtomicInteger();
        CompletableFuture<DrainOutcome> drain = drainer(c -> {
            asked.incrementAndGet();
            return Optional.empty();
        }, RETRY, RETRY).drain("team-a/workers", "team-a/demo", "n1",
                PROVIDER_ID, clock.instant(), clock.instant().plusSeconds(60), notices::add);
        await().atMost(WAIT).until(() -> asked.get() >= 1);
        clock.advance(Duration.ofSeconds(61));

        assertThat(join(drain)).isEqualTo(new DrainOutcome.TimedOut(-1,
                "cluster team-a/demo has no kubeconfig Secret"));
    }

    /**
     * Without a deadline nothing else would ever tell: a workload cluster the drain cannot reach is a Warning on the
     * pool, once per problem (not each round), and again when another problem takes its place.
     */
    @Test
    void shouldSayOncePerProblemWhyTheWorkloadClusterCannotBeDrainedWhileThereIsNoDeadline() {
        node("n1");
        pod("apps", "app", "n1");
        KubernetesClient unreachable = unreachableApiServer();
        AtomicInteger asked = new AtomicInteger();
        try {
            // No kubeconfig Secret for three rounds, then an API server that does not answer for three.
            DrainOutcome outcome = join(drainer(c -> {
                int round = asked.incrementAndGet();
                return round <= 3 ? Optional.empty() : Optional.of(round <= 6 ? unreachable : kube);
            }, RETRY, RETRY).drain("team-a/workers", "team-a/demo", "n1", PROVIDER_ID, clock.instant(), null,
                    notices::add));

            assertThat(outcome).isInstanceOf(DrainOutcome.Drained.class);
            assertThat(notices).extracting(Notice::note).hasSize(2).first()
                    .isEqualTo(Notices.cannotDrain("Node n1", "cluster team-a/demo has no kubeconfig Secret").note());
            // The root cause's class is the HTTP client's (ConnectException, ClosedChannelException).
            assertThat(notices.get(1).note()).startsWith("Cannot drain Node n1 yet (the workload cluster's API"
                    + " server: no answer (");
            assertThat(notices).allSatisfy(n -> {
                assertThat(n.warning()).isTrue();
                assertThat(n.reason()).isEqualTo(Notices.DRAIN_BLOCKED);
            });
        } finally {
            unreachable.close();
        }
    }

    @Test
    void shouldFindTheNodeOfAnInstanceNoneWasSeenOfByItsProviderIdAndDrainIt() {
        node("n1");
        node("n2");
        pod("apps", "app", "n2");

        DrainOutcome outcome = join(drainer().drain("team-a/workers", "team-a/demo", "",
                "aws:///us-east-1a/i-n2", clock.instant(), null, notices::add));

        assertThat(outcome).isInstanceOf(DrainOutcome.Drained.class);
        assertThat(kube.nodes().withName("n2").get().getSpec().getUnschedulable()).as("cordoned").isTrue();
        assertThat(kube.nodes().withName("n1").get().getSpec().getUnschedulable()).as("another's").isNull();
        assertThat(kube.pods().inNamespace("apps").withName("app").get()).as("evicted").isNull();
    }

    @Test
    void shouldEndNodeGoneForAnInstanceNoneWasSeenOfOnlyWhenTheClusterSaysNoNodeHasIt() {
        node("n1");

        assertThat(join(drainer().drain("team-a/workers", "team-a/demo", "", NO_NODES_ID,
                clock.instant(), null, notices::add)))
                .isInstanceOf(DrainOutcome.NodeGone.class);
        assertThat(kube.nodes().withName("n1").get().getSpec().getUnschedulable()).isNull();
    }

    /** The safety the provider-ID lookup is for: a cluster that cannot be asked never makes an instance Node-less. */
    @Test
    void shouldNotTakeAnInstanceNoneWasSeenOfAsNodeGoneWhileItsClusterCannotBeAskedButTimeOutAtTheDeadline() {
        KubernetesClient unreachable = unreachableApiServer();
        AtomicInteger asked = new AtomicInteger();
        Instant deadline = clock.instant().plusSeconds(60);
        try {
            CompletableFuture<DrainOutcome> drain = drainer(c -> {
                // No kubeconfig Secret at first, then an API server that does not answer.
                return asked.incrementAndGet() <= 2 ? Optional.empty() : Optional.of(unreachable);
            }, RETRY, RETRY).drain("team-a/workers", "team-a/demo", "", NO_NODES_ID,
                    clock.instant(), deadline, notices::add);
            await().atMost(WAIT).until(() -> meters.counter("poolstream.reconciler.drain.errors").count() >= 3
                    || drain.isDone());
            assertThat(drain).as("not done while the cluster cannot be asked").isNotDone();

            clock.moveTo(deadline.plusMillis(1));
            assertThat(join(drain)).isInstanceOfSatisfying(DrainOutcome.TimedOut.class, t -> {
                assertThat(t.podsLeft()).isEqualTo(-1);
                assertThat(t.why()).startsWith("the workload cluster's API server: ");
            });
            assertThat(count("poolstream.reconciler.drains", "node-gone")).isZero();
        } finally {
            unreachable.close();
        }
    }

    @Test
    void shouldRetryAnApiErrorAndCountIt() {
        node("n1");
        pod("apps", "app", "n1");
        // A workload API server that does not answer, then one that does.
        KubernetesClient unreachable = unreachableApiServer();
        AtomicInteger asked = new AtomicInteger();
        try {
            DrainOutcome outcome = join(drainer(c -> Optional.of(asked.incrementAndGet() <= 2 ? unreachable : kube),
                    RETRY, RETRY).drain("team-a/workers", "team-a/demo", "n1", PROVIDER_ID,
                            clock.instant(), null, notices::add));

            assertThat(outcome).isInstanceOf(DrainOutcome.Drained.class);
            assertThat(meters.counter("poolstream.reconciler.drain.errors").count()).isEqualTo(2);
        } finally {
            unreachable.close();
        }
    }

    @Test
    void shouldEndFailedNeverDrainedWhenSomethingUnexpectedIsThrown() {
        DrainOutcome outcome = join(drainer(c -> {
            throw new IllegalStateException("a bug, not an API error");
        }, RETRY, RETRY).drain("team-a/workers", "team-a/demo", "n1", PROVIDER_ID,
                clock.instant(), null, notices::add));

        assertThat(outcome).isEqualTo(new DrainOutcome.Failed(
                "java.lang.IllegalStateException: a bug, not an API error"));
        assertThat(count("poolstream.reconciler.drains", "failed")).isEqualTo(1);
        assertThat(count("poolstream.reconciler.drains", "drained")).isZero();
    }

    @Test
    void shouldEndFailedWhenTheDrainerIsStopping() {
        Drainer stopped = drainer();
        stopped.close();

        assertThat(join(stopped.drain("team-a/workers", "team-a/demo", "n1", PROVIDER_ID,
                clock.instant(), null, notices::add)))
                .isEqualTo(new DrainOutcome.Failed("the drainer is stopping"));
    }

    static Stream<Arguments> outcomes() {
        return Stream.of(Arguments.of(new DrainOutcome.Drained(), "drained"),
                Arguments.of(new DrainOutcome.NodeGone(), "node-gone"),
                Arguments.of(new DrainOutcome.TimedOut(1, "x"), "timed-out"),
                Arguments.of(new DrainOutcome.Failed("x"), "failed"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("outcomes")
    void shouldTagEachOutcomeInTheDrainsMetric(DrainOutcome outcome, String tag) {
        assertThat(Drainer.metricName(outcome)).isEqualTo(tag);
    }

    /** As Cluster API's drain: a DaemonSet's pod stays, unless its DaemonSet is gone (nothing would end it then). */
    @Test
    void shouldEvictThePodsOfADaemonSetThatIsGone() {
        node("n1");
        daemonSet("kube-system", "agent");
        for (String[] pod : new String[][] {{"agent-n1", "agent"}, {"old-agent-n1", "old-agent"}}) {
            kube.resource(new PodBuilder().withNewMetadata().withNamespace("kube-system").withName(pod[0])
                    .addNewOwnerReference().withApiVersion("apps/v1").withKind("DaemonSet").withName(pod[1])
                    .withController(true).withUid(pod[1]).endOwnerReference().endMetadata().withNewSpec()
                    .withNodeName("n1").endSpec().build()).create();
        }

        DrainOutcome outcome = join(drainer().drain("team-a/workers", "team-a/demo", "n1",
                PROVIDER_ID, clock.instant(), null, notices::add));

        assertThat(outcome).isInstanceOf(DrainOutcome.Drained.class);
        assertThat(kube.pods().inNamespace("kube-system").withName("old-agent-n1").get()).as("orphaned").isNull();
        assertThat(kube.pods().inNamespace("kube-system").withName("agent-n1").get()).isNotNull();
        assertThat(count("poolstream.reconciler.evictions", "evicted")).isEqualTo(1);
    }

    private void daemonSet(String namespace, String name) {
        kube.resource(new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder().withNewMetadata()
                .withNamespace(namespace).withName(name).endMetadata().withNewSpec().withNewSelector()
                .addToMatchLabels("app", name).endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("app", name).endMetadata().withNewSpec().addNewContainer().withName(name)
                .withImage("registry.k8s.io/pause:3.10").endContainer().endSpec().endTemplate().endSpec().build())
                .create();
    }

    static Stream<Arguments> pods() {
        return Stream.of(
                Arguments.of("ordinary, running", new PodBuilder().withNewMetadata().endMetadata()
                        .withNewStatus().withPhase("Running").endStatus().build(), true),
                Arguments.of("no status", new PodBuilder().withNewMetadata().endMetadata().build(), true),
                Arguments.of("owned by a ReplicaSet", new PodBuilder().withNewMetadata().addNewOwnerReference()
                        .withKind("ReplicaSet").endOwnerReference().endMetadata().build(), true),
                Arguments.of("other annotations", new PodBuilder().withNewMetadata().addToAnnotations("a", "b")
                        .endMetadata().build(), true),
                Arguments.of("DaemonSet", new PodBuilder().withNewMetadata().addNewOwnerReference()
                        .withKind("DaemonSet").endOwnerReference().endMetadata().build(), false),
                Arguments.of("mirror", new PodBuilder().withNewMetadata()
                        .addToAnnotations(Drainer.MIRROR_POD_ANNOTATION, "x").endMetadata().build(), false),
                Arguments.of("Succeeded", new PodBuilder().withNewMetadata().endMetadata().withNewStatus()
                        .withPhase("Succeeded").endStatus().build(), false),
                Arguments.of("Failed", new PodBuilder().withNewMetadata().endMetadata().withNewStatus()
                        .withPhase("Failed").endStatus().build(), false));
    }

    @ParameterizedTest(name = "{0}: evictable={2}")
    @MethodSource("pods")
    void shouldEvictOnlyWhatKubectlDrainEvicts(String name, Pod pod, boolean evictable) {
        assertThat(Drainer.evictable(pod)).isEqualTo(evictable);
    }

    /** Node n1 with pod apps/db-0, whose evictions a PodDisruptionBudget refuses (a thousand times). */
    private void aPodABudgetHolds() {
        node("n1");
        pod("apps", "db-0", "n1");
        cluster.refuseEvictions("apps", "db-0", 1000);
    }

    private void node(String name) {
        kube.resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withProviderID("aws:///us-east-1a/i-" + name).endSpec().build()).create();
    }

    private void pod(String namespace, String name, String node) {
        kube.resource(new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withNodeName(node).endSpec().build()).create();
    }

    private double count(String meter, String outcome) {
        Counter counter = meters.find(meter).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private static DrainOutcome join(CompletableFuture<DrainOutcome> drain) {
        return drain.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** A client of a workload API server that does not answer: nothing listens on port 9, and it fails fast. */
    private static KubernetesClient unreachableApiServer() {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:9")
                .withRequestRetryBackoffLimit(0).withConnectionTimeout(500).build()).build();
    }
}
