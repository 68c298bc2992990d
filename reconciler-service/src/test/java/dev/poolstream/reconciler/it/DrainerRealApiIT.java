package dev.poolstream.reconciler.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.kube.WorkloadClients;
import dev.poolstream.reconciler.domain.DrainOutcome;
import dev.poolstream.reconciler.domain.Notice;
import dev.poolstream.reconciler.domain.Notices;
import dev.poolstream.reconciler.kube.Drainer;
import dev.poolstream.testing.AuditedRequest;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.MovableClock;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBindingBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@link Drainer} against a real kube-apiserver and etcd as the workload cluster: the Eviction API with real
 * PodDisruptionBudgets, a cordon the server holds (or refuses, through a ValidatingAdmissionPolicy), every request
 * in the server's audit log. An informer plays the kubelet (it removes a terminating pod); there is no disruption
 * controller, so each budget's status is written here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrainerRealApiIT {

    private static final String NS = "drainer-real";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String REFUSE_CORDON_LABEL = "poolstream.test/refuse-cordon";
    /** An instance no Node of the tests carries. */
    private static final String NO_NODES_ID = "aws:///us-east-1a/i-0001";

    private KubeApiServer server;
    private KubernetesClient kube;
    private SharedIndexInformer<Pod> kubelet;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** The system clock, moved forward by the test: the drain's deadline is reached by moving it, not by waiting. */
    private final MovableClock clock = MovableClock.system();
    private final List<Notice> notices = new CopyOnWriteArrayList<>();
    /** Nodes whose kubelet is gone: their stopping pods are not removed (a kubelet would end them). */
    private final java.util.Set<String> kubeletGone = new CopyOnWriteArraySet<>();

    @BeforeAll
    void start() {
        server = KubeApiServer.shared().namespace(NS);
        kube = server.client();
        kubelet = kube.pods().inNamespace(NS).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                removeWhenTerminating(pod);
            }

            @Override
            public void onUpdate(Pod before, Pod pod) {
                removeWhenTerminating(pod);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
            }
        });
    }

    private void removeWhenTerminating(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null && !kubeletGone.contains(pod.getSpec().getNodeName())) {
            kube.pods().inNamespace(NS).withName(pod.getMetadata().getName()).withGracePeriod(0).delete();
        }
    }

    @AfterAll
    void stop() {
        if (kubelet != null) {
            kubelet.close();
        }
    }

    private Drainer drainer(Function<String, Optional<KubernetesClient>> clients) {
        return new Drainer(clients, Duration.ofMillis(100), Duration.ofMillis(400), 2, clock, meters);
    }

    @Test
    void shouldKeepAPodItsBudgetProtectsThroughTheEvictionApiAndEndTimedOutOnlyAtTheDeadline() {
        String node = node("drainer-pdb", Map.of());
        Pod guarded = runningPod("guarded", node, Map.of("app", "guarded"));
        budget("guarded", 0);
        double refusedBefore = count("poolstream.reconciler.evictions", "refused");

        try (Drainer drainer = drainer(cluster -> Optional.of(kube))) {
            CompletableFuture<DrainOutcome> drain = drainer.drain("drainer-real/pdb", "any/cluster", node,
                    providerIdOf(node), clock.instant(), clock.instant().plusSeconds(600), notices::add);

            // The budget allows no disruption: the Eviction API refuses (429), round after round.
            await().atMost(WAIT).until(() -> count("poolstream.reconciler.evictions", "refused") >= refusedBefore + 3
                    || drain.isDone());
            assertThat(drain).as("not drained while the budget refuses").isNotDone();
            Pod stillThere = kube.pods().inNamespace(NS).withName("guarded").get();
            assertThat(stillThere).as("the budget keeps the pod").isNotNull();
            assertThat(stillThere.getMetadata().getDeletionTimestamp()).as("not deleted: evicted or nothing").isNull();
            assertThat(stillThere.getMetadata().getUid()).isEqualTo(guarded.getMetadata().getUid());
            assertThat(kube.nodes().withName(node).get().getSpec().getUnschedulable()).isTrue();
            assertThat(server.requests()).filteredOn(r -> r.resource().equals("pods") && r.namespace().equals(NS)
                    && r.name().equals("guarded") && r.verb().equals("delete")).as("no pod deletion behind the budget's back").isEmpty();
            assertThat(notices).extracting(Notice::reason).contains(Notices.DRAIN_BLOCKED);

            // nodeDrainTimeoutSeconds has passed: the drain ends, timed out, with the pod still there.
            clock.advance(Duration.ofSeconds(601));
            DrainOutcome outcome = drain.orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join();
            assertThat(outcome).isInstanceOfSatisfying(DrainOutcome.TimedOut.class, t -> {
                assertThat(t.podsLeft()).isEqualTo(1);
                assertThat(t.why()).contains("PodDisruptionBudget", NS + "/guarded");
            });
            assertThat(kube.pods().inNamespace(NS).withName("guarded").get()).isNotNull();
        } finally {
            clock.reset();
        }
    }

    @Test
    void shouldCordonInALaterRoundWhenTheKubeconfigSecretAppearsOnlyAfterTheFirst() {
        String node = node("drainer-late", Map.of());
        runningPod("app-on-late", node, Map.of("app", "late"));
        // The kubeconfig Secret is read as the reconciler reads it: with its ServiceAccount and the RBAC of k8s/.
        KubernetesClient management = server.applyRbac(ReconcilerRealApiIT.K8S_RBAC)
                .clientAs(ReconcilerRealApiIT.SERVICE_ACCOUNT);
        WorkloadClients workloads = new WorkloadClients(management);
        String secret = ClusterApi.kubeconfigSecretName("late");

        try (Drainer drainer = drainer(workloads::client); workloads; management) {
            CompletableFuture<DrainOutcome> drain = drainer.drain("drainer-real/late", NS + "/late", node,
                    providerIdOf(node), clock.instant(), null, notices::add);
            // The first round found no kubeconfig Secret (the API server answered 404)...
            await().atMost(WAIT).until(() -> server.requests().stream().anyMatch(r -> r.resource().equals("secrets")
                    && r.namespace().equals(NS) && r.name().equals(secret) && r.code() == 404) || drain.isDone());
            assertThat(drain).isNotDone();
            // ...then the Secret comes.
            kube.resource(new SecretBuilder().withNewMetadata().withNamespace(NS).withName(secret).endMetadata()
                    .addToData(ClusterApi.KUBECONFIG_SECRET_KEY, Base64.getEncoder().encodeToString(
                            server.kubeconfig().getBytes(StandardCharsets.UTF_8))).build()).create();

            assertThat(drain.orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join())
                    .isInstanceOf(DrainOutcome.Drained.class);
        }
        assertThat(kube.nodes().withName(node).get().getSpec().getUnschedulable()).as("cordoned").isTrue();
        assertThat(kube.pods().inNamespace(NS).withName("app-on-late").get()).as("evicted").isNull();
        assertCordonedBeforeEvicting(node, "app-on-late");
    }

    @Test
    void shouldCordonInALaterRoundWhenTheFirstCordonIsRefusedAndEvictNothingBefore() {
        refuseCordonsOfLabelledNodes();
        String node = node("drainer-refused", Map.of(REFUSE_CORDON_LABEL, "true"));
        runningPod("app-on-refused", node, Map.of("app", "refused"));

        try (Drainer drainer = drainer(cluster -> Optional.of(kube))) {
            CompletableFuture<DrainOutcome> drain = drainer.drain("drainer-real/refused", "any/cluster", node,
                    providerIdOf(node), clock.instant(), null, notices::add);
            // The API server refuses the cordon, more than once.
            await().atMost(WAIT).until(() -> refusedCordons(node) >= 2 || drain.isDone());
            assertThat(drain).isNotDone();
            assertThat(evictions("app-on-refused")).as("nothing evicted from a Node that is not cordoned").isEmpty();
            assertThat(kube.pods().inNamespace(NS).withName("app-on-refused").get()).isNotNull();

            // It lets the cordon through now: the next round cordons, then drains.
            kube.nodes().withName(node).edit(n -> {
                n.getMetadata().getLabels().remove(REFUSE_CORDON_LABEL);
                return n;
            });
            assertThat(drain.orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join())
                    .isInstanceOf(DrainOutcome.Drained.class);
        } finally {
            kube.admissionRegistration().v1().validatingAdmissionPolicyBindings()
                    .withName("poolstream-test-refuse-cordon").delete();
            kube.admissionRegistration().v1().validatingAdmissionPolicies().withName("poolstream-test-refuse-cordon")
                    .delete();
        }
        assertThat(kube.nodes().withName(node).get().getSpec().getUnschedulable()).as("cordoned").isTrue();
        assertCordonedBeforeEvicting(node, "app-on-refused");
    }

    @Test
    void shouldEndFailedAndNeverDrainedWhenSomethingUnexpectedIsThrown() {
        String node = node("drainer-boom", Map.of());
        runningPod("app-on-boom", node, Map.of("app", "boom"));
        double drained = count("poolstream.reconciler.drains", "drained");

        DrainOutcome outcome;
        try (Drainer drainer = drainer(cluster -> {
            throw new IllegalStateException("a bug, not an API error");
        })) {
            outcome = drainer.drain("drainer-real/boom", "any/cluster", node, providerIdOf(node),
                    clock.instant(), null, notices::add)
                    .orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join();
        }

        assertThat(outcome).isInstanceOfSatisfying(DrainOutcome.Failed.class,
                f -> assertThat(f.why()).contains("a bug, not an API error"));
        assertThat(outcome.terminates()).isFalse();
        assertThat(count("poolstream.reconciler.drains", "drained")).isEqualTo(drained);
        assertThat(kube.pods().inNamespace(NS).withName("app-on-boom").get()).isNotNull();
    }

    /** And, as Cluster API's drain, evict the pods of a DaemonSet that is gone: nothing would end them. */
    @Test
    void shouldLeaveDaemonSetAndMirrorPodsAsKubectlDrainDoes() {
        String node = node("drainer-daemons", Map.of());
        runningPod("app-on-daemons", node, Map.of("app", "daemons"));
        kube.resource(new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder().withNewMetadata().withNamespace(NS)
                .withName("agent").endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "agent")
                .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "agent").endMetadata()
                .withNewSpec().addNewContainer().withName("agent").withImage("registry.k8s.io/pause:3.10")
                .endContainer().endSpec().endTemplate().endSpec().build()).create();
        for (String[] pod : new String[][] {{"agent-on-daemons", "agent"}, {"orphan-on-daemons", "gone-agent"}}) {
            kube.resource(new PodBuilder().withNewMetadata().withNamespace(NS).withName(pod[0])
                    .addNewOwnerReference().withApiVersion("apps/v1").withKind("DaemonSet").withName(pod[1])
                    .withUid("5c5f2d6e-0000-4000-8000-00000000000" + pod[1].length()).withController(true)
                    .endOwnerReference().endMetadata().withNewSpec().withNodeName(node).addNewContainer()
                    .withName("agent").withImage("registry.k8s.io/pause:3.10").endContainer().endSpec().build())
                    .create();
        }
        kube.resource(new PodBuilder().withNewMetadata().withNamespace(NS).withName("static-on-daemons")
                .addToAnnotations("kubernetes.io/config.mirror", "abc").endMetadata().withNewSpec()
                .withNodeName(node).addNewContainer().withName("static").withImage("registry.k8s.io/pause:3.10")
                .endContainer().endSpec().build()).create();

        try (Drainer drainer = drainer(cluster -> Optional.of(kube))) {
            assertThat(drainer.drain("drainer-real/daemons", "any/cluster", node, providerIdOf(node),
                    clock.instant(), null, notices::add)
                    .orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join())
                    .isInstanceOf(DrainOutcome.Drained.class);
        }
        assertThat(kube.pods().inNamespace(NS).withName("app-on-daemons").get()).isNull();
        assertThat(kube.pods().inNamespace(NS).withName("agent-on-daemons").get().getMetadata()
                .getDeletionTimestamp()).isNull();
        assertThat(kube.pods().inNamespace(NS).withName("static-on-daemons").get().getMetadata()
                .getDeletionTimestamp()).isNull();
        assertThat(evictions("agent-on-daemons")).isEmpty();
        assertThat(evictions("static-on-daemons")).isEmpty();
        assertThat(kube.pods().inNamespace(NS).withName("orphan-on-daemons").get()).as("its DaemonSet is gone")
                .isNull();
        assertThat(evictions("orphan-on-daemons")).hasSize(1);
    }

    /**
     * A Node whose kubelet is gone (Ready Unknown) with a pod already stopping that never stops (no kubelet confirms
     * it): without a drain timeout the drain once waited for it for good, and the instance
     * was never terminated. As Cluster API does for an unreachable Node, it counts as gone; a running pod is evicted.
     */
    @Test
    void shouldTakeAStoppingPodOfANodeWhoseKubeletIsGoneForGoneAndEvictTheOthers() {
        String node = node("drainer-unreachable", Map.of());
        kubeletGone.add(node);
        kube.nodes().withName(node).editStatus(n -> new NodeBuilder(n).editOrNewStatus().addNewCondition()
                .withType("Ready").withStatus("Unknown").withReason("NodeStatusUnknown").endCondition().endStatus()
                .build());
        Pod stuck = runningPod("stuck-on-unreachable", node, Map.of());
        // Deleted by another (the taint manager, a controller) with five minutes to shut down.
        kube.pods().inNamespace(NS).withName(stuck.getMetadata().getName()).withGracePeriod(300).delete();
        runningPod("running-on-unreachable", node, Map.of());

        try (Drainer drainer = drainer(cluster -> Optional.of(kube))) {
            var drain = drainer.drain("drainer-real/unreachable", "any/cluster", node, providerIdOf(node),
                    clock.instant(), null, notices::add);
            await().atMost(WAIT).until(() -> !evictions("running-on-unreachable").isEmpty() && kube.pods()
                    .inNamespace(NS).withName("running-on-unreachable").get().getMetadata().getDeletionTimestamp()
                    != null);
            // Within their grace periods their containers may still be shutting down: not taken for gone (they once
            // were). With no kubelet to end them, the pods stay, stopping, until then.
            assertThat(drain).as("drained while a pod's grace period runs").isNotDone();

            clock.advance(Duration.ofSeconds(302));
            assertThat(drain.orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join())
                    .isInstanceOf(DrainOutcome.Drained.class);
        } finally {
            clock.reset();
            kubeletGone.remove(node);
            for (String pod : List.of("stuck-on-unreachable", "running-on-unreachable")) {
                kube.pods().inNamespace(NS).withName(pod).withGracePeriod(0).delete();
            }
        }
        assertThat(evictions("running-on-unreachable")).isNotEmpty();
    }

    /**
     * A pod whose eviction always fails (two PodDisruptionBudgets over it: the API server answers 500) holds only
     * itself: the pods listed after it are evicted, and the failure is told.
     */
    @Test
    void shouldEvictThePodsAfterOneWhoseEvictionFailsAndSayWhy() {
        String node = node("drainer-evict-fails", Map.of());
        runningPod("evict-fails-a", node, Map.of("app", "evict-fails"));
        runningPod("evict-fails-b", node, Map.of());
        budget("evict-fails", 1);
        var budgets = kube.policy().v1().podDisruptionBudget().inNamespace(NS);
        budgets.resource(new PodDisruptionBudgetBuilder().withNewMetadata().withNamespace(NS)
                .withName("evict-fails-second").endMetadata().withNewSpec().withMaxUnavailable(new IntOrString(1))
                .withNewSelector().addToMatchLabels("app", "evict-fails").endSelector().endSpec().build()).create();

        try (Drainer drainer = drainer(cluster -> Optional.of(kube))) {
            var drain = drainer.drain("drainer-real/evict-fails", "any/cluster", node, providerIdOf(node),
                    clock.instant(), null, notices::add);
            await().atMost(WAIT).until(() -> kube.pods().inNamespace(NS).withName("evict-fails-b").get() == null);
            assertThat(evictions("evict-fails-a")).extracting(AuditedRequest::code).contains(500);
            await().atMost(WAIT).until(() -> notices.stream().anyMatch(n -> n.note().contains("evict-fails-a")
                    && n.note().contains("failed")));
            assertThat(drain).isNotDone();

            budgets.withName("evict-fails-second").delete();
            assertThat(drain.orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join())
                    .isInstanceOf(DrainOutcome.Drained.class);
        }
    }

    /**
     * An instance no record named a Node of (it joined while its workload cluster could not be watched): the drain
     * asks the API server for the Node with its provider ID, page by page, and drains it as any other.
     */
    @Test
    void shouldFindTheNodeOfAnInstanceNoneWasSeenOfByItsProviderIdAcrossPagesAndDrainIt() {
        for (int i = 0; i < 4; i++) {
            node("drainer-unseen-a" + i, Map.of());
        }
        String node = node("drainer-unseen-z", Map.of());
        runningPod("app-on-unseen", node, Map.of("app", "unseen"));
        String providerID = "aws:///us-east-1a/i-" + node;
        assertThat(Drainer.nodeWithProviderId(kube, providerID, 2)).as("found on a later page of two Nodes")
                .contains(node);
        assertThat(Drainer.nodeWithProviderId(kube, NO_NODES_ID, 2)).as("no Node has it").isEmpty();

        int before = server.requests().size();
        try (Drainer drainer = drainer(cluster -> Optional.of(kube))) {
            assertThat(drainer.drain("drainer-real/unseen", "any/cluster", "", providerID,
                    clock.instant(), null, notices::add)
                    .orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join())
                    .isInstanceOf(DrainOutcome.Drained.class);
        }
        assertThat(kube.nodes().withName(node).get().getSpec().getUnschedulable()).as("cordoned").isTrue();
        assertThat(kube.pods().inNamespace(NS).withName("app-on-unseen").get()).as("evicted").isNull();
        assertCordonedBeforeEvicting(node, "app-on-unseen");
        // The round's read of the Node, then the cordon: no second read before it (a patch by name makes one).
        List<String> onTheNode = requestsSince(before).stream()
                .filter(r -> r.resource().equals("nodes") && r.name().equals(node)).map(AuditedRequest::verb)
                .toList();
        assertThat(onTheNode.subList(0, onTheNode.indexOf("patch") + 1)).containsExactly("get", "patch");
    }

    /**
     * When the drain started goes on the Node with its cordon, for a reconciler started later to find; a start
     * already there (a drain before a restart) is kept, and a Node someone else cordoned gets it.
     */
    @Test
    void shouldWriteWhenTheDrainStartedWithTheCordonAndKeepAnEarlierOne() {
        Instant started = Instant.parse("2026-12-01T10:00:00.250Z");
        String fresh = node("drainer-started-fresh", Map.of());
        String earlier = node("drainer-started-earlier", Map.of());
        kube.nodes().withName(earlier).edit(n -> new NodeBuilder(n).editMetadata()
                .addToAnnotations(ClusterApi.DRAIN_STARTED_ANNOTATION, "2026-12-01T09:00:00Z").endMetadata()
                .editSpec().withUnschedulable(true).endSpec().build());
        String byHand = node("drainer-started-by-hand", Map.of());
        kube.nodes().withName(byHand).edit(n -> new NodeBuilder(n).editSpec().withUnschedulable(true).endSpec()
                .build());

        int before = server.requests().size();
        try (Drainer drainer = drainer(cluster -> Optional.of(kube))) {
            for (String node : List.of(fresh, earlier, byHand)) {
                assertThat(drainer.drain("drainer-real/started", "any/cluster", node, providerIdOf(node), started, null,
                                notices::add).orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)
                        .join()).isInstanceOf(DrainOutcome.Drained.class);
            }
        }

        assertThat(List.of(fresh, earlier, byHand)).map(n -> kube.nodes().withName(n).get()).allSatisfy(n ->
                assertThat(n.getSpec().getUnschedulable()).as("cordoned").isTrue());
        assertThat(List.of(fresh, earlier, byHand)).map(n -> kube.nodes().withName(n).get().getMetadata()
                .getAnnotations().get(ClusterApi.DRAIN_STARTED_ANNOTATION))
                .containsExactly("2026-12-01T10:00:00Z", "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z");
        assertThat(requestsSince(before)).as("the earlier drain's Node")
                .noneMatch(r -> r.resource().equals("nodes") && r.name().equals(earlier) && r.verb().equals("patch"));
    }

    @Test
    void shouldEndNodeGoneForANodeThatDoesNotExist() {
        try (Drainer drainer = drainer(cluster -> Optional.of(kube))) {
            assertThat(drainer.drain("drainer-real/gone", "any/cluster", "drainer-never-was",
                    NO_NODES_ID, clock.instant(), null, notices::add)
                    .orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join())
                    .isInstanceOf(DrainOutcome.NodeGone.class);
        }
    }

    /**
     * AWS names Nodes after private IPs, which come back: the Node of that name is now another instance's, with a pod
     * of its own. Left alone: no write to it, no eviction, the drain ends NodeGone.
     */
    @Test
    void shouldNeitherCordonNorEvictANodeWhoseNameCameBackOnAnotherInstance() {
        String node = node("drainer-name-reused", Map.of());
        runningPod("newcomer", node, Map.of("app", "newcomer"));
        int before = server.requests().size();

        try (Drainer drainer = drainer(cluster -> Optional.of(kube))) {
            assertThat(drainer.drain("drainer-real/reused", "any/cluster", node, "aws:///us-east-1a/i-previous",
                    clock.instant(), null, notices::add)
                    .orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join())
                    .isInstanceOf(DrainOutcome.NodeGone.class);
        }

        assertThat(kube.nodes().withName(node).get().getSpec().getUnschedulable()).as("not cordoned").isNull();
        assertThat(kube.pods().inNamespace(NS).withName("newcomer").get().getMetadata().getDeletionTimestamp())
                .as("not evicted").isNull();
        List<AuditedRequest> requests = requestsSince(before);
        assertThat(requests)
                .as("nothing written to the Node or its pod")
                .filteredOn(r -> r.write() && (r.name().equals(node) || r.name().equals("newcomer"))).isEmpty();
        assertThat(requests).as("the Node was read")
                .anyMatch(r -> r.resource().equals("nodes") && r.name().equals(node) && r.verb().equals("get"));
    }

    /**
     * A Node that came back under the name before it had a provider ID (the cloud's node controller sets it a moment
     * after the kubelet registers) is cordoned; once it names another instance, the drain undoes its cordon and its
     * mark: it would stay unschedulable, and the mark would make its instance look drained.
     */
    @Test
    void shouldUndoTheCordonOfANodeThatNamedAnotherInstanceOnlyAfterItWasCordoned() {
        String node = "drainer-name-reused-late";
        kube.nodes().withName(node).delete();
        await().atMost(WAIT).until(() -> kube.nodes().withName(node).get() == null);
        kube.resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
        runningPod("late-newcomer", node, Map.of("app", "late-newcomer"));
        budget("late-newcomer", 0);

        try (Drainer drainer = drainer(cluster -> Optional.of(kube))) {
            CompletableFuture<DrainOutcome> drain = drainer.drain("drainer-real/reused-late", "any/cluster", node,
                    "aws:///us-east-1a/i-previous", clock.instant(), null, notices::add);
            await().atMost(WAIT).until(() -> Boolean.TRUE.equals(kube.nodes().withName(node).get().getSpec()
                    .getUnschedulable()));
            kube.nodes().withName(node).edit(n -> new NodeBuilder(n).editSpec()
                    .withProviderID("aws:///us-east-1a/i-newcomer").endSpec().build());

            assertThat(drain.orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join())
                    .isInstanceOf(DrainOutcome.NodeGone.class);
        }

        Node after = kube.nodes().withName(node).get();
        assertThat(after.getSpec().getUnschedulable()).as("uncordoned").isNull();
        assertThat(after.getMetadata().getAnnotations() == null ? Map.<String, String>of()
                : after.getMetadata().getAnnotations()).as("unmarked")
                .doesNotContainKey(ClusterApi.DRAIN_STARTED_ANNOTATION);
        assertThat(kube.pods().inNamespace(NS).withName("late-newcomer").get().getMetadata().getDeletionTimestamp())
                .as("not evicted").isNull();
    }

    /** The audit log: the Node's cordon (a patch the server accepted) came before the pod's eviction. */
    private void assertCordonedBeforeEvicting(String node, String pod) {
        List<AuditedRequest> requests = server.requests();
        int cordon = -1;
        int eviction = -1;
        for (int i = 0; i < requests.size(); i++) {
            AuditedRequest r = requests.get(i);
            if (cordon < 0 && r.resource().equals("nodes") && r.name().equals(node) && r.verb().equals("patch")
                    && r.code() == 200) {
                cordon = i;
            }
            if (eviction < 0 && r.resource().equals("pods") && r.subresource().equals("eviction")
                    && r.namespace().equals(NS) && r.name().equals(pod) && r.code() == 201) {
                eviction = i;
            }
        }
        assertThat(cordon).as("cordoned").isNotNegative();
        assertThat(eviction).as("evicted").isNotNegative();
        assertThat(cordon).as("cordoned before evicting").isLessThan(eviction);
    }

    private long refusedCordons(String node) {
        return server.requests().stream().filter(r -> r.resource().equals("nodes") && r.name().equals(node)
                && r.verb().equals("patch") && r.code() >= 400).count();
    }

    /** The requests after the first {@code before}, from one read of the audit log (it grows while it is read). */
    private List<AuditedRequest> requestsSince(int before) {
        List<AuditedRequest> requests = server.requests();
        return requests.subList(before, requests.size());
    }

    private List<AuditedRequest> evictions(String pod) {
        return server.requests().stream().filter(r -> r.resource().equals("pods")
                && r.subresource().equals("eviction") && r.namespace().equals(NS) && r.name().equals(pod)).toList();
    }

    /**
     * A ValidatingAdmissionPolicy that refuses to make a Node labelled {@value #REFUSE_CORDON_LABEL} unschedulable:
     * the cordon fails on the server, as it would under an admission webhook or a lost connection. Waits until the
     * server enforces it (policies take effect a moment after they are written).
     */
    private void refuseCordonsOfLabelledNodes() {
        ValidatingAdmissionPolicy policy = new ValidatingAdmissionPolicyBuilder().withNewMetadata()
                .withName("poolstream-test-refuse-cordon").endMetadata().withNewSpec().withFailurePolicy("Fail")
                .withNewMatchConstraints().addNewResourceRule().withApiGroups("").withApiVersions("v1")
                .withOperations("UPDATE").withResources("nodes").endResourceRule().endMatchConstraints()
                .addNewValidation().withExpression("!(has(object.spec.unschedulable) && object.spec.unschedulable)"
                        + " || !has(object.metadata.labels) || !('" + REFUSE_CORDON_LABEL
                        + "' in object.metadata.labels)")
                .withMessage("this Node may not be cordoned (test)").endValidation().endSpec().build();
        kube.resource(policy).createOr(existing -> existing.update());
        ValidatingAdmissionPolicyBinding binding = new ValidatingAdmissionPolicyBindingBuilder().withNewMetadata()
                .withName("poolstream-test-refuse-cordon").endMetadata().withNewSpec()
                .withPolicyName("poolstream-test-refuse-cordon").withValidationActions("Deny").endSpec().build();
        kube.resource(binding).createOr(existing -> existing.update());
        String probe = node("drainer-probe", Map.of(REFUSE_CORDON_LABEL, "true"));
        await().atMost(WAIT).until(() -> {
            try {
                kube.nodes().withName(probe).patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"unschedulable\":true}}");
                kube.nodes().withName(probe).patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"unschedulable\":false}}");
                return false;
            } catch (KubernetesClientException e) {
                return e.getCode() == 422 || e.getCode() == 403 || e.getCode() == 400;
            }
        });
    }

    private String node(String name, Map<String, String> labels) {
        kube.nodes().withName(name).delete();
        await().atMost(WAIT).until(() -> kube.nodes().withName(name).get() == null);
        kube.resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withProviderID(providerIdOf(name)).endSpec().build()).create();
        return name;
    }

    /** The instance of the Node {@link #node} makes with that name. */
    private static String providerIdOf(String node) {
        return "aws:///us-east-1a/i-" + node;
    }

    /** A pod on the Node, Running and Ready as its kubelet would report it (a budget counts only healthy pods). */
    private Pod runningPod(String name, String node, Map<String, String> labels) {
        Pod pod = kube.resource(new PodBuilder().withNewMetadata().withNamespace(NS).withName(name)
                .withLabels(labels).endMetadata().withNewSpec().withNodeName(node).addNewContainer()
                .withName("app").withImage("registry.k8s.io/pause:3.10").endContainer().endSpec().build()).create();
        pod.setStatus(new PodStatusBuilder().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition().build());
        return kube.resource(pod).updateStatus();
    }

    private void budget(String app, int disruptionsAllowed) {
        var budgets = kube.policy().v1().podDisruptionBudget().inNamespace(NS);
        PodDisruptionBudget pdb = budgets.withName(app).get();
        if (pdb == null) {
            pdb = budgets.resource(new PodDisruptionBudgetBuilder().withNewMetadata().withNamespace(NS)
                    .withName(app).endMetadata().withNewSpec().withMinAvailable(new IntOrString(1))
                    .withNewSelector().addToMatchLabels("app", app).endSelector().endSpec().build()).create();
        }
        pdb.setStatus(new PodDisruptionBudgetStatusBuilder().withDisruptionsAllowed(disruptionsAllowed)
                .withCurrentHealthy(1 + disruptionsAllowed).withDesiredHealthy(1).withExpectedPods(1)
                .withObservedGeneration(pdb.getMetadata().getGeneration()).build());
        budgets.resource(pdb).updateStatus();
    }

    private double count(String meter, String outcome) {
        Counter counter = meters.find(meter).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }
}
