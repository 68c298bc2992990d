package dev.poolstream.watcher.it;

import static dev.poolstream.watcher.it.Objects.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.watcher.Watcher;
import dev.poolstream.watcher.kube.WorkloadClusters;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * A workload cluster that stops answering after its Nodes were listed (its API server gone, the network cut, its
 * credentials revoked) is told on its pools, as one that never answered is, and no longer once it answers again.
 * fabric8 lists and watches again by itself then, and said nothing: the pools' Node counts stood still, and their
 * conditions said nothing was wrong. The workload cluster is the real API server behind a proxy that is cut; the
 * management cluster is the same server, reached directly.
 */
@EmbeddedKafka
class WorkloadWatchLostRealApiIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String CLUSTER = "lost-watch";
    private static final String POOL = NAMESPACE + "/lost-watch-pool";

    @Test
    void shouldTellThePoolsOfAClusterWhoseWatchIsLostUntilItIsBack(EmbeddedKafkaBroker broker) throws Exception {
        KubeApiServer server = KubeApiServer.shared().namespace(NAMESPACE).applyRbac(Watchers.K8S_RBAC);
        KubernetesClient kube = server.client();
        try (ApiProxy proxy = new ApiProxy(server)) {
            kube.resource(Objects.cluster(CLUSTER)).create();
            kube.resource(Objects.kubeconfigSecret(CLUSTER, proxy.kubeconfig())).create();
            kube.resource(Objects.awsPool("lost-watch-aws", "t3.large")).create();
            kube.resource(Objects.machinePool("lost-watch-pool", CLUSTER, 1, "AWSMachinePool", "lost-watch-aws"))
                    .create();
            ConfigurableApplicationContext watcher = Watchers.start(server.clientAs(Watchers.SERVICE_ACCOUNT),
                    broker.getBrokersAsString(), "watcher-lost", "poolstream.watcher.namespaces=" + NAMESPACE,
                    "poolstream.watcher.workload.connect-timeout=2s");
            try (TopicTail tail = new TopicTail(broker.getBrokersAsString(),
                    List.of(Topics.MACHINEPOOL_SPEC.name()))) {
                await().atMost(WAIT).until(() -> watcher.getBean(Watcher.class).leading());
                WorkloadClusters workloads = watcher.getBean(WorkloadClusters.class);
                await().atMost(WAIT).until(() -> workloads.health().containsKey(NAMESPACE + "/" + CLUSTER)
                        && workloads.health().get(NAMESPACE + "/" + CLUSTER).state() == WorkloadClusters.State.WATCHING);
                tail.await(POOL, r -> r.value() instanceof PoolSpec p && p.infrastructure().resolved()
                        && p.workloadCluster() == null);

                proxy.cut();
                PoolSpec told = (PoolSpec) tail.awaitLatest(POOL, r -> r.value() instanceof PoolSpec p
                        && p.workloadCluster() != null).value();
                assertThat(told.workloadCluster().reason()).isEqualTo(PoolSpec.REASON_WORKLOAD_CLUSTER_UNREACHABLE);
                assertThat(told.workloadCluster().message()).contains("lost the watch of its Nodes");
                assertThat(told.workloadCluster().message()).as("nothing of the kubeconfig")
                        .doesNotContain("127.0.0.1");

                proxy.restore();
                tail.awaitLatest(POOL, r -> r.value() instanceof PoolSpec p && p.workloadCluster() == null);
            } finally {
                watcher.close();
            }
        }
    }
}
