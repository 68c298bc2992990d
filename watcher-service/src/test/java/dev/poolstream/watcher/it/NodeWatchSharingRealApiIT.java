package dev.poolstream.watcher.it;

import static dev.poolstream.watcher.it.Objects.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.WorkloadClusterWatch;
import dev.poolstream.events.Topics;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.watcher.Watcher;
import dev.poolstream.watcher.kafka.ClusterAssignment;
import dev.poolstream.watcher.kafka.WatchReports;
import dev.poolstream.watcher.kube.WorkloadClusters;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * Two watcher replicas share the workload clusters' Node watches through their consumer group on
 * {@code workloadcluster.v1}, on the real API server with a real broker. Every workload cluster is this same server
 * (a kubeconfig Secret per Cluster), so every cluster sees the same Nodes; they carry no provider ID, so each
 * cluster publishes them under its own fallback keys, and every record on {@code node.v1} says which replica's
 * cluster it is.
 */
@EmbeddedKafka
class NodeWatchSharingRealApiIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** What the issue asks of a takeover after a replica dies. */
    private static final Duration TAKEOVER = Duration.ofSeconds(15);
    private static final List<String> CLUSTERS = IntStream.range(0, 8).mapToObj(i -> "share-" + i).toList();

    @Test
    void shouldShareTheClustersAndHandAKilledReplicasClustersToTheOtherWithNothingLostOrTwice(
            EmbeddedKafkaBroker broker) {
        KubeApiServer server = KubeApiServer.shared().namespace(NAMESPACE).applyRbac(Watchers.K8S_RBAC);
        KubernetesClient kube = server.client();
        for (String node : List.of("share-steady", "share-changing", "share-doomed")) {
            kube.resource(node(node, false)).create();
        }
        String brokers = broker.getBrokersAsString();
        ConfigurableApplicationContext a = start(server, brokers, "watcher-a");
        ConfigurableApplicationContext b = null;
        try (TopicTail tail = new TopicTail(brokers, List.of(Topics.NODE.name()))) {
            await().atMost(WAIT).until(() -> a.getBean(Watcher.class).leading());
            for (String cluster : CLUSTERS) {
                kube.resource(Objects.cluster(cluster)).create();
                kube.resource(Objects.kubeconfigSecret(cluster, server.kubeconfig())).create();
            }
            // Alone, A watches every cluster.
            for (String cluster : CLUSTERS) {
                tail.await(key(cluster, "share-steady"), r -> r.value() != null);
            }
            assertThat(watched(a)).containsAll(keys(CLUSTERS));

            // B joins: the group gives it some of A's partitions, and with them their clusters.
            b = start(server, brokers, "watcher-b");
            ConfigurableApplicationContext second = b;
            await().atMost(WAIT).until(() -> !assignment(second).partitions().isEmpty()
                    && assignment(a).partitions().size() + assignment(second).partitions().size()
                    == Topics.WORKLOAD_CLUSTER.partitions());
            // Cluster keys, as the replicas name them.
            Set<String> onB = keys(CLUSTERS.stream().filter(c -> assignment(second).partitions()
                    .contains(partition(key(c)))).toList());
            Set<String> onA = new TreeSet<>(keys(CLUSTERS));
            onA.removeAll(onB);
            assertThat(onB).as("clusters on B's partitions").isNotEmpty();
            assertThat(onA).as("clusters on A's partitions").isNotEmpty();
            // Each cluster is watched by exactly one replica: the one whose partition holds it.
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(watched(second)).containsAll(onB).doesNotContainAnyElementsOf(onA);
                assertThat(watched(a)).containsAll(onA).doesNotContainAnyElementsOf(onB);
            });
            // B holds a synced Node informer on each of its clusters (and has reconciled them with node.v1).
            await().atMost(WAIT).until(() -> onB.stream().allMatch(c -> java.util.Optional.ofNullable(
                    second.getBean(WorkloadClusters.class).health().get(c))
                    .filter(h -> h.state() == WorkloadClusters.State.WATCHING).isPresent()));

            // B is killed: it leaves no LeaveGroup (static membership), so the group waits out its session.
            b.close();
            long killedAt = System.nanoTime();
            // Changed while nobody watches B's clusters: published once each, with the final content.
            Node changing = kube.nodes().withName("share-changing").get();
            changing.getSpec().setUnschedulable(true);
            changing = kube.resource(changing).update();
            changing.getSpec().setTaints(List.of(new io.fabric8.kubernetes.api.model.TaintBuilder()
                    .withKey("node.kubernetes.io/unschedulable").withEffect("NoSchedule").build()));
            kube.resource(changing).update();
            kube.nodes().withName("share-doomed").delete();
            kube.resource(node("share-born", false)).create();
            assertThat(watched(a)).as("A must not have taken B's clusters yet: the changes are in the gap")
                    .doesNotContainAnyElementsOf(onB);

            await().atMost(TAKEOVER).until(() -> watched(a).containsAll(onB));
            for (String cluster : onB) {
                tail.await(NodeState.fallbackKey(cluster, "share-changing"), r -> r.value() instanceof NodeState n
                        && n.unschedulable() && n.taints().stream().anyMatch(t -> t.key().endsWith("/unschedulable")));
                tail.await(NodeState.fallbackKey(cluster, "share-doomed"), r -> r.value() == null);
                tail.await(NodeState.fallbackKey(cluster, "share-born"), r -> r.value() != null);
            }
            Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
            assertThat(takeover).as("from the kill to every change of B's clusters on node.v1").isLessThan(TAKEOVER);

            // A last change after the takeover: once every cluster has published it, nothing earlier is in flight.
            kube.resource(node("share-marker", false)).create();
            for (String cluster : CLUSTERS) {
                tail.await(key(cluster, "share-marker"), r -> r.value() != null);
            }
            for (String cluster : onB) {
                // Published once, then never again: each replica that took the cluster read node.v1 back.
                assertThat(tail.recordsFor(NodeState.fallbackKey(cluster, "share-steady"))).hasSize(1);
                // Published once, then once by A with what it became in the gap.
                assertThat(tail.recordsFor(NodeState.fallbackKey(cluster, "share-changing"))).hasSize(2);
                assertThat(tail.recordsFor(NodeState.fallbackKey(cluster, "share-doomed"))).hasSize(2);
                assertThat(tail.recordsFor(NodeState.fallbackKey(cluster, "share-born"))).hasSize(1);
            }
            for (String cluster : CLUSTERS) {
                // Never published twice, whatever replica watched the cluster when.
                assertThat(tail.recordsFor(key(cluster, "share-steady"))).hasSize(1);
                assertThat(tail.recordsFor(key(cluster, "share-marker"))).hasSize(1);
            }
            assertThat(watched(a)).containsAll(keys(CLUSTERS));
        } finally {
            a.close();
            if (b != null) {
                b.close();
            }
            for (String cluster : CLUSTERS) {
                kube.resource(Objects.cluster(cluster)).delete();
            }
            kube.nodes().withLabel("poolstream.dev/test", "node-watch-sharing").delete();
        }
    }

    /**
     * A workload cluster watched by a replica that does not lead: its API server does not answer, and the leader's
     * record of the cluster's pool says so, from the watching replica's report on {@code workloadcluster.watch.v1}.
     */
    @Test
    void shouldSayInThePoolWhenTheClusterOfAnotherReplicaCannotBeReached(EmbeddedKafkaBroker broker) {
        KubeApiServer server = KubeApiServer.shared().namespace(NAMESPACE).applyRbac(Watchers.K8S_RBAC);
        KubernetesClient kube = server.client();
        String brokers = broker.getBrokersAsString();
        ConfigurableApplicationContext a = start(server, brokers, "watcher-lead");
        ConfigurableApplicationContext b = null;
        String cluster = null;
        try (TopicTail tail = new TopicTail(brokers, List.of(Topics.MACHINEPOOL_SPEC.name(),
                Topics.WORKLOAD_CLUSTER_WATCH.name()))) {
            await().atMost(WAIT).until(() -> a.getBean(Watcher.class).leading());
            b = start(server, brokers, "watcher-other");
            ConfigurableApplicationContext other = b;
            await().atMost(WAIT).until(() -> !assignment(other).partitions().isEmpty()
                    && assignment(a).partitions().size() + assignment(other).partitions().size()
                    == Topics.WORKLOAD_CLUSTER.partitions());
            String dark = IntStream.range(0, 1000).mapToObj(i -> "dark-" + i)
                    .filter(c -> assignment(other).partitions().contains(partition(key(c)))).findFirst().orElseThrow();
            cluster = dark;
            // Nothing listens on port 1: every attempt is refused at once.
            String unreachable = server.kubeconfig().replaceAll("server: \\S+", "server: https://127.0.0.1:1");
            kube.resource(Objects.cluster(dark)).create();
            kube.resource(Objects.kubeconfigSecret(dark, unreachable)).create();
            kube.resource(Objects.machinePool(dark + "-workers", dark, 1, "AWSMachinePool", "none")).create();
            String pool = key(dark + "-workers");

            TopicTail.Read unwatchable = tail.await(pool, r -> r.value() instanceof PoolSpec p
                    && p.workloadCluster() != null && p.workloadCluster().message().contains("cannot reach"));
            assertThat(watched(other)).as("the other replica watches it").contains(key(dark));
            assertThat(watched(a)).as("the leader does not").doesNotContain(key(dark));
            assertThat(a.getBean(WatchReports.class).state()).as("the leader's reader, in health").isEqualTo("following");
            String prefix = "the Nodes of workload cluster " + key(dark) + " cannot be watched: ";
            String message = ((PoolSpec) unwatchable.value()).workloadCluster().message();
            assertThat(message).startsWith(prefix + "cannot reach the API server its kubeconfig names: ");
            // What the watching replica reported, word for word.
            assertThat(tail.recordsFor(key(dark))).last().satisfies(r -> assertThat(r.value()).isEqualTo(
                    new WorkloadClusterWatch(NAMESPACE, dark, message.substring(prefix.length()),
                            "watcher-other")));

            // The kubeconfig is mended: the other replica watches the cluster, and the pool says nothing more.
            kube.resource(Objects.kubeconfigSecret(dark, server.kubeconfig())).update();
            tail.await(pool, r -> r.value() instanceof PoolSpec p && p.workloadCluster() == null);
            assertThat(tail.recordsFor(key(dark))).last().satisfies(r -> assertThat(r.value())
                    .isEqualTo(new WorkloadClusterWatch(NAMESPACE, dark, null, "watcher-other")));
        } finally {
            a.close();
            if (b != null) {
                b.close();
            }
            if (cluster != null) {
                kube.resource(Objects.cluster(cluster)).delete();
                kube.resource(Objects.machinePool(cluster + "-workers", cluster, 1, "AWSMachinePool", "none"))
                        .delete();
            }
        }
    }

    private static ConfigurableApplicationContext start(KubeApiServer server, String brokers, String identity) {
        return Watchers.start(server.clientAs(Watchers.SERVICE_ACCOUNT), brokers, identity,
                "poolstream.watcher.namespaces=" + NAMESPACE,
                // Static membership, as deployed: closing a replica then looks like a kill to the group.
                "poolstream.kafka.instance-id=" + identity);
    }

    private static Node node(String name, boolean unschedulable) {
        return new NodeBuilder()
                .withNewMetadata().withName(name).addToLabels("poolstream.dev/test", "node-watch-sharing")
                .endMetadata()
                .withNewSpec().withUnschedulable(unschedulable).endSpec()
                .build();
    }

    private static Set<String> watched(ConfigurableApplicationContext watcher) {
        return watcher.getBean(Watcher.class).watchedClusters();
    }

    private static ClusterAssignment assignment(ConfigurableApplicationContext watcher) {
        return watcher.getBean(ClusterAssignment.class);
    }

    private static String key(String cluster) {
        return NAMESPACE + "/" + cluster;
    }

    /** A Node's key on node.v1 as {@code cluster} publishes it (no provider ID: the fallback key). */
    private static String key(String cluster, String node) {
        return NodeState.fallbackKey(key(cluster), node);
    }

    private static Set<String> keys(List<String> clusters) {
        return clusters.stream().map(NodeWatchSharingRealApiIT::key).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The partition the producer's default partitioner gives a key. */
    private static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8)))
                % Topics.WORKLOAD_CLUSTER.partitions();
    }
}
