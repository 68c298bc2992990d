package dev.poolstream.watcher.it;

import static dev.poolstream.watcher.it.Objects.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.watcher.Watcher;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * The watcher's watches expire on a real API server: while the watcher is cut off (a proxy between them), objects
 * are created, changed and deleted, and etcd compacts the revisions the watches would resume from. When the way is
 * open again every watch is answered 410 Gone and every informer lists again; the topics must then hold exactly the
 * final state, with nothing lost, nothing in between, and nothing unchanged published again.
 *
 * <p>The server runs without its watch cache (watches are served from etcd, so a compacted revision is Gone) and
 * compacts every second.
 */
@EmbeddedKafka
class WatchExpiryRealApiIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String AWS = "AWSMachinePool";
    private static final String CLUSTER = NAMESPACE + "/gap";
    /** Every list-and-watch of the watcher: the management kinds (all namespaces) and the workload cluster's Nodes. */
    private static final List<String> WATCHED = List.of(
            "/apis/cluster.x-k8s.io/v1beta2/machinepools",
            "/apis/cluster.x-k8s.io/v1beta2/clusters",
            "/apis/infrastructure.cluster.x-k8s.io/v1beta2/awsmachinepools",
            "/apis/infrastructure.cluster.x-k8s.io/v1beta1/azuremachinepools",
            "/api/v1/secrets",
            "/api/v1/nodes");

    @Test
    void shouldPublishExactlyTheFinalStateWhenTheWatchesExpireWhileCutOff(EmbeddedKafkaBroker broker) throws Exception {
        try (KubeApiServer server = KubeApiServer.start("--watch-cache=false", "--etcd-compaction-interval=1s");
             ApiProxy proxy = new ApiProxy(server)) {
            server.namespace(NAMESPACE).applyRbac(Watchers.K8S_RBAC);
            KubernetesClient kube = server.client();
            // team-a/gap's workload cluster is the same server, reached through the proxy as well.
            kube.resource(Objects.cluster("gap")).create();
            kube.resource(Objects.kubeconfigSecret("gap", proxy.kubeconfig())).create();
            // A pool's infrastructure pool is its own: one each, made up front for the pools made later too.
            for (String pool : List.of("steady", "changing", "doomed", "born", "flash", "marker")) {
                kube.resource(Objects.awsPool(pool + "-aws", "t3.large")).create();
            }
            AWSMachinePool awsChanging = kube.resource(Objects.awsPool("aws-changing", "t3.large")).create();
            kube.resource(Objects.machinePool("steady", "gap", 3, AWS, "steady-aws")).create();
            MachinePool changing = kube.resource(Objects.machinePool("changing", "gap", 3, AWS, "changing-aws")).create();
            MachinePool doomed = kube.resource(Objects.machinePool("doomed", "gap", 2, AWS, "doomed-aws")).create();
            kube.resource(Objects.machinePool("infra-changing", "gap", 1, AWS, "aws-changing")).create();
            Node readying = kube.resource(node("gap-readying", "False")).create();
            Node heartbeat = kube.resource(node("gap-heartbeat", "True")).create();
            Node doomedNode = kube.resource(node("gap-doomed", "True")).create();
            Node recreated = kube.resource(node("gap-recreated", "True")).create();
            Node lateId = kube.resource(Objects.node("gap-late-id", null, "True", "2026-11-21T06:00:00Z")).create();
            kube.resource(node("gap-steady", "True")).create();

            // The watcher as its ServiceAccount, through the proxy: each relist is authorized by k8s/'s RBAC too.
            ConfigurableApplicationContext watcher = Watchers.start(
                    Watchers.asServiceAccount(proxy.kubeconfig()), broker.getBrokersAsString(), "watcher-gap",
                    // Long enough to keep the lease through the cut: a new leader would reconcile with the topics
                    // by itself, and hide what the relists do.
                    "poolstream.watcher.lease.duration=60s",
                    "poolstream.watcher.lease.renew-deadline=45s",
                    "poolstream.watcher.lease.retry-period=1s");
            try (TopicTail tail = new TopicTail(broker.getBrokersAsString(),
                    List.of(Topics.MACHINEPOOL_SPEC.name(), Topics.NODE.name()))) {
                await().atMost(WAIT).until(() -> watcher.getBean(Watcher.class).leading());
                for (String pool : List.of("steady", "changing", "doomed", "infra-changing")) {
                    tail.await(poolKey(pool), WatchExpiryRealApiIT::resolved);
                }
                for (String node : List.of("gap-steady", "gap-readying", "gap-heartbeat", "gap-doomed",
                        "gap-recreated")) {
                    tail.await(providerId(node), r -> r.value() != null);
                }
                String lateIdFallback = NodeState.fallbackKey(CLUSTER, "gap-late-id");
                tail.await(lateIdFallback, r -> r.value() != null);
                // The Node watch carries an event before the cut (a label the records do not read: a look, no
                // record). The Node informer now starts only once the cluster's workloadcluster.v1 record is read,
                // just before the cut; a watch cut that young was seen listed again at once, with no 410 to check.
                MeterRegistry meters = watcher.getBean(MeterRegistry.class);
                double looked = meters.counter("poolstream.watcher.records.unchanged", "topic", Topics.NODE.name())
                        .count();
                kube.nodes().withName("gap-steady").edit(n -> {
                    java.util.Map<String, String> labels = new java.util.HashMap<>();
                    if (n.getMetadata().getLabels() != null) {
                        labels.putAll(n.getMetadata().getLabels());
                    }
                    labels.put("poolstream.dev/ping", "1");
                    n.getMetadata().setLabels(labels);
                    return n;
                });
                await().atMost(WAIT).until(() -> meters.counter("poolstream.watcher.records.unchanged", "topic",
                        Topics.NODE.name()).count() > looked);
                Map<String, Long> before = counts(tail);

                // --- cut off: every change from here is missed by the watches ----------------------------------
                proxy.cut();
                String cutAt = kube.nodes().list().getMetadata().getResourceVersion();
                long requestsAtCut = proxy.exchanges().stream().mapToLong(e -> e.sequence).max().orElse(0);

                changing.getSpec().setReplicas(4);
                changing = kube.resource(changing).update();
                changing.getSpec().setReplicas(5);
                kube.resource(changing).update();
                kube.resource(doomed).delete();
                kube.resource(Objects.machinePool("born", "gap", 1, AWS, "born-aws")).create();
                kube.resource(Objects.machinePool("flash", "gap", 1, AWS, "flash-aws")).create();
                kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName("flash").delete();
                awsChanging.getSpec().getAwsLaunchTemplate().setInstanceType("m6i.xlarge");
                kube.resource(awsChanging).update();

                readying.getStatus().getConditions().get(0).setStatus("True");
                kube.resource(readying).updateStatus();
                heartbeat.getStatus().getConditions().get(0).setLastHeartbeatTime("2026-11-21T06:05:00Z");
                kube.resource(heartbeat).updateStatus();
                kube.resource(doomedNode).delete();
                kube.resource(recreated).delete();
                Node reborn = kube.resource(node("gap-recreated", "True")).create();
                kube.resource(node("gap-born", "True")).create();
                lateId.getSpec().setProviderID(providerId("gap-late-id"));
                kube.resource(lateId).update();
                kube.resource(node("gap-flash", "True")).create();
                kube.nodes().withName("gap-flash").delete();

                // Until etcd has compacted the revision the watches stand at: resuming from it is now Gone.
                await().atMost(WAIT).until(() -> compacted(() -> kube.nodes().list(exactly(cutAt)))
                        && compacted(() -> kube.resources(MachinePool.class).inAnyNamespace().list(exactly(cutAt))));
                assertThat(proxy.refused()).as("the watcher tried to come back while cut off").isPositive();
                proxy.restore();

                // --- the watches are Gone, every informer lists again -------------------------------------------
                try {
                    await().atMost(WAIT).until(() -> WATCHED.stream().allMatch(path -> relisted(proxy, path,
                            requestsAtCut)));
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("not every watch was Gone and listed again; through the proxy:\n"
                            + proxy.exchanges().stream().map(Object::toString).collect(Collectors.joining("\n")), e);
                }
                tail.await(poolKey("changing"), r -> r.value() instanceof PoolSpec p && p.spec().getReplicas() == 5);
                tail.await(poolKey("doomed"), r -> r.value() == null);
                tail.await(poolKey("born"), WatchExpiryRealApiIT::resolved);
                tail.await(poolKey("infra-changing"),
                        r -> resolved(r) && instanceType((PoolSpec) r.value()).equals("m6i.xlarge"));
                tail.await(providerId("gap-readying"),
                        r -> r.value() instanceof NodeState n && n.ready() == ConditionStatus.TRUE);
                tail.await(providerId("gap-doomed"), r -> r.value() == null);
                tail.await(providerId("gap-recreated"), r -> r.value() instanceof NodeState n
                        && n.uid().equals(reborn.getMetadata().getUid()));
                NodeState born = (NodeState) tail.await(providerId("gap-born"), r -> r.value() != null).value();
                assertThat(born.cluster()).isEqualTo(CLUSTER);
                tail.await(providerId("gap-late-id"), r -> r.value() != null);
                tail.await(lateIdFallback, r -> r.value() == null);

                // The end marker: created after every relist, published after everything the relists published.
                kube.resource(Objects.machinePool("marker", "gap", 1, AWS, "marker-aws")).create();
                kube.resource(node("gap-marker", "True")).create();
                tail.await(poolKey("marker"), WatchExpiryRealApiIT::resolved);
                tail.await(providerId("gap-marker"), r -> r.value() != null);

                Map<String, Long> after = counts(tail);
                assertThat(after).as("records per key after the relists").containsAllEntriesOf(Map.of(
                        poolKey("steady"), before.get(poolKey("steady")),
                        poolKey("changing"), before.get(poolKey("changing")) + 1,
                        poolKey("doomed"), before.get(poolKey("doomed")) + 1,
                        poolKey("infra-changing"), before.get(poolKey("infra-changing")) + 1,
                        poolKey("born"), 1L,
                        providerId("gap-steady"), 1L,
                        providerId("gap-heartbeat"), 1L,
                        providerId("gap-readying"), 2L,
                        providerId("gap-doomed"), 2L,
                        providerId("gap-recreated"), 2L));
                assertThat(after).containsEntry(providerId("gap-born"), 1L)
                        .containsEntry(providerId("gap-late-id"), 1L).containsEntry(lateIdFallback, 2L)
                        .doesNotContainKeys(poolKey("flash"), providerId("gap-flash"));
                assertThat(tail.recordsFor(poolKey("changing")))
                        .noneMatch(r -> r.value() instanceof PoolSpec p && p.spec().getReplicas() == 4);

                // It was the relists, and the watcher saw them as such; one takeover only, at the start, so no new
                // leader's snapshot did this.
                MeterRegistry registry = watcher.getBean(MeterRegistry.class);
                for (String kind : List.of("MachinePool", "AWSMachinePool", "AzureMachinePool", "Cluster", "Secret",
                        "Node")) {
                    assertThat(registry.counter("poolstream.watcher.informer.relists", "kind", kind).count())
                            .as("relists of the %s informer", kind).isGreaterThanOrEqualTo(1);
                }
                assertThat(registry.counter("poolstream.watcher.takeovers").count()).isEqualTo(1);
            } finally {
                watcher.close();
            }
        }
    }

    /** The watch of {@code path} was answered 410 Gone after the cut, and a list and a new watch followed. */
    private static boolean relisted(ApiProxy proxy, String path, long after) {
        List<ApiProxy.Exchange> exchanges = proxy.exchanges().stream()
                .filter(e -> e.sequence > after && e.path().equals(path)).toList();
        var gone = exchanges.stream().filter(e -> e.watch() && e.gone).findFirst();
        if (gone.isEmpty()) {
            return false;
        }
        var list = exchanges.stream().filter(e -> e.sequence > gone.get().sequence && !e.watch()).findFirst();
        return list.isPresent() && exchanges.stream().anyMatch(e -> e.sequence > list.get().sequence && e.watch());
    }

    private static boolean compacted(Supplier<?> exactList) {
        try {
            exactList.get();
            return false;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 410) {
                return true;
            }
            throw e;
        }
    }

    private static io.fabric8.kubernetes.api.model.ListOptions exactly(String resourceVersion) {
        return new ListOptionsBuilder().withResourceVersion(resourceVersion).withResourceVersionMatch("Exact").build();
    }

    private static Map<String, Long> counts(TopicTail tail) {
        return tail.records().stream().collect(Collectors.groupingBy(TopicTail.Read::key, Collectors.counting()));
    }

    private static Node node(String name, String ready) {
        return Objects.node(name, providerId(name), ready, "2026-11-21T06:00:00Z");
    }

    private static String providerId(String nodeName) {
        return "aws:///us-east-1a/i-" + nodeName;
    }

    private static String poolKey(String name) {
        return NAMESPACE + "/" + name;
    }

    private static String instanceType(PoolSpec spec) {
        return ((InfraSpec.Aws) spec.infrastructure().spec()).spec().getAwsLaunchTemplate().getInstanceType();
    }

    private static boolean resolved(TopicTail.Read record) {
        return record.value() instanceof PoolSpec p && p.infrastructure().resolved();
    }
}
