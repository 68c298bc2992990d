package dev.poolstream.watcher.it;

import dev.poolstream.testing.MockCluster;

import static dev.poolstream.watcher.it.Objects.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.watcher.kube.WorkloadClusters;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/** The watcher against a real broker and mock management and workload API servers. */
@EmbeddedKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WatcherIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private MockCluster management;
    private MockCluster workload;
    private ConfigurableApplicationContext watcher;
    private TopicTail tail;
    private KubernetesClient kube;

    @BeforeAll
    void start(EmbeddedKafkaBroker broker) {
        management = new MockCluster();
        workload = new MockCluster();
        kube = management.client();
        watcher = Watchers.start(management, broker.getBrokersAsString(), "watcher-a");
        await().atMost(WAIT).until(() -> watcher.getBean(dev.poolstream.watcher.Watcher.class).leading());
        tail = new TopicTail(broker.getBrokersAsString(), List.of(Topics.MACHINEPOOL_SPEC.name(), Topics.NODE.name()));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {tail, watcher, workload, management}) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    // Closing the rest matters more.
                }
            }
        }
    }

    @Test
    void shouldPublishAPoolUnderItsKeyThenItsChangeThenATombstone() {
        kube.resource(Objects.cluster("demo")).create();
        kube.resource(Objects.awsPool("workers-aws", "t3.large")).create();
        MachinePool pool = kube.resource(Objects.machinePool("workers", "demo", 5, "AWSMachinePool", "workers-aws"))
                .create();

        // The infra pool's informer may see it after the pool's: the first record can still carry "not found".
        TopicTail.Read created = tail.await("team-a/workers", WatcherIT::resolved);
        int before = tail.recordsFor("team-a/workers").size();
        PoolSpec spec = (PoolSpec) created.value();
        assertThat(created.type()).isEqualTo("dev.poolstream.machinepool.spec.v1");
        assertThat(spec.spec().getReplicas()).isEqualTo(5);
        assertThat(instanceType(spec)).isEqualTo("t3.large");

        pool.getSpec().setReplicas(20);
        kube.resource(pool).update();
        tail.await("team-a/workers", r -> r.value() instanceof PoolSpec p && p.spec().getReplicas() == 20);

        kube.resource(pool).delete();
        tail.await("team-a/workers", r -> r.value() == null);
        assertThat(tail.recordsFor("team-a/workers")).hasSize(before + 2);
    }

    @Test
    void shouldRepublishThePoolWhenItsInfrastructurePoolChanges() {
        kube.resource(Objects.cluster("infra-demo")).create();
        AWSMachinePool aws = kube.resource(Objects.awsPool("infra-aws", "t3.large")).create();
        kube.resource(Objects.machinePool("infra-pool", "infra-demo", 3, "AWSMachinePool", "infra-aws")).create();
        tail.await("team-a/infra-pool", WatcherIT::resolved);

        aws.getSpec().getAwsLaunchTemplate().setInstanceType("m6i.xlarge");
        kube.resource(aws).update();

        TopicTail.Read republished = tail.await("team-a/infra-pool",
                r -> resolved(r) && instanceType((PoolSpec) r.value()).equals("m6i.xlarge"));
        assertThat(((PoolSpec) republished.value()).spec().getReplicas()).isEqualTo(3);
    }

    @Test
    void shouldRepublishThePoolsOfAClusterWhenItIsPaused() {
        var cluster = kube.resource(Objects.cluster("pausing")).create();
        kube.resource(Objects.awsPool("pausing-1-aws", "t3.large")).create();
        kube.resource(Objects.awsPool("pausing-2-aws", "t3.large")).create();
        kube.resource(Objects.machinePool("pausing-1", "pausing", 1, "AWSMachinePool", "pausing-1-aws")).create();
        kube.resource(Objects.machinePool("pausing-2", "pausing", 2, "AWSMachinePool", "pausing-2-aws")).create();
        tail.await("team-a/pausing-1", r -> r.value() instanceof PoolSpec p && !p.clusterPaused());
        tail.await("team-a/pausing-2", r -> r.value() instanceof PoolSpec p && !p.clusterPaused());

        cluster.getSpec().setPaused(true);
        kube.resource(cluster).update();

        tail.await("team-a/pausing-1", r -> r.value() instanceof PoolSpec p && p.clusterPaused());
        tail.await("team-a/pausing-2", r -> r.value() instanceof PoolSpec p && p.clusterPaused());
    }

    @Test
    void shouldPublishAPoolWithADanglingReferenceWithTheError() {
        kube.resource(Objects.machinePool("dangling", "demo", 2, "AWSMachinePool", "missing-aws")).create();

        PoolSpec spec = (PoolSpec) tail.await("team-a/dangling", r -> r.value() != null).value();

        assertThat(spec.infrastructure().resolved()).isFalse();
        assertThat(spec.infrastructure().error().reason()).isEqualTo(InfrastructurePool.REASON_NOT_FOUND);
        assertThat(spec.infrastructure().error().message()).contains("team-a/missing-aws");

        // When the object appears, the pool is published again, resolved.
        kube.resource(Objects.awsPool("missing-aws", "t3.small")).create();
        tail.await("team-a/dangling", r -> r.value() instanceof PoolSpec p && p.infrastructure().resolved());
    }

    @Test
    void shouldPublishOneRecordWhenANodeTurnsReadyAndNoneForAHeartbeat() {
        kube.resource(Objects.cluster("nodes-demo")).create();
        kube.resource(Objects.kubeconfigSecret("nodes-demo", workload.kubeconfig())).create();
        String id = "aws:///us-east-1a/i-0ready";
        Node node = workload.client().resource(Objects.node("ip-10-0-0-1", id, "False", "2026-11-21T06:00:00Z"))
                .create();
        NodeState notReady = (NodeState) tail.await(id, r -> r.value() != null).value();
        assertThat(notReady.cluster()).isEqualTo("team-a/nodes-demo");
        assertThat(notReady.ready()).isEqualTo(ConditionStatus.FALSE);

        node.getStatus().getConditions().get(0).setStatus("True");
        node = workload.client().resource(node).update();
        tail.await(id, r -> r.value() instanceof NodeState n && n.ready() == ConditionStatus.TRUE);
        assertThat(tail.recordsFor(id)).hasSize(2);

        long written = tail.written();
        double unchanged = unchangedNodeLooks();
        node.getStatus().getConditions().get(0).setLastHeartbeatTime("2026-11-21T06:05:00Z");
        workload.client().resource(node).update();
        // The watcher has looked at the heartbeat and decided: nothing to publish.
        await().atMost(WAIT).until(() -> unchangedNodeLooks() > unchanged);
        assertThat(tail.written()).isEqualTo(written);
        assertThat(tail.recordsFor(id)).hasSize(2);
    }

    @Test
    void shouldWatchAWorkloadClusterAddedLaterAndStopWhenItsKubeconfigGoes() {
        try (MockCluster later = new MockCluster()) {
            later.client().resource(Objects.node("late-1", "aws:///us-east-1b/i-0late1", "True",
                    "2026-11-21T06:00:00Z")).create();
            kube.resource(Objects.cluster("later")).create();
            var secret = kube.resource(Objects.kubeconfigSecret("later", later.kubeconfig())).create();

            NodeState late = (NodeState) tail.await("aws:///us-east-1b/i-0late1", r -> r.value() != null).value();
            assertThat(late.cluster()).isEqualTo("team-a/later");
            await().atMost(WAIT).until(() -> state("team-a/later") == WorkloadClusters.State.WATCHING);

            kube.resource(secret).delete();
            await().atMost(WAIT).until(() -> state("team-a/later") == WorkloadClusters.State.NO_KUBECONFIG);
            long written = tail.written();
            later.client().resource(Objects.node("late-2", "aws:///us-east-1b/i-0late2", "True",
                    "2026-11-21T06:00:00Z")).create();
            // The informer is stopped: a Node created now is not seen. Prove it with a Node of a watched cluster
            // published after it.
            workload.client().resource(Objects.node("marker", "aws:///us-east-1a/i-0marker", "True",
                    "2026-11-21T06:00:00Z")).create();
            tail.await("aws:///us-east-1a/i-0marker", r -> r.value() != null);
            assertThat(tail.recordsFor("aws:///us-east-1b/i-0late2")).isEmpty();
            assertThat(tail.written()).isEqualTo(written + 1);
        }
    }

    @Test
    void shouldRetryAnUnreachableWorkloadClusterAndShowItInHealth() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        kube.resource(Objects.cluster("unreachable")).create();
        kube.resource(Objects.kubeconfigSecret("unreachable", MockCluster.kubeconfig("http://127.0.0.1:" + closedPort)))
                .create();

        await().atMost(WAIT).until(() -> health("team-a/unreachable") != null
                && health("team-a/unreachable").failedAttempts() >= 2);
        WorkloadClusters.ClusterHealth health = health("team-a/unreachable");
        assertThat(health.state()).isIn(WorkloadClusters.State.RETRYING, WorkloadClusters.State.CONNECTING);
        assertThat(health.lastError()).isNotBlank().doesNotContain("secret-token-never-logged");
        assertThat(clustersIn("retrying") + clustersIn("connecting")).isGreaterThanOrEqualTo(1);
    }

    private static String instanceType(PoolSpec spec) {
        return ((InfraSpec.Aws) spec.infrastructure().spec()).spec().getAwsLaunchTemplate().getInstanceType();
    }

    private static boolean resolved(TopicTail.Read record) {
        return record.value() instanceof PoolSpec p && p.infrastructure().resolved();
    }

    private double clustersIn(String state) {
        return registry().get("poolstream.watcher.clusters").tag("state", state).gauge().value();
    }

    private WorkloadClusters.State state(String cluster) {
        WorkloadClusters.ClusterHealth health = health(cluster);
        return health == null ? null : health.state();
    }

    private WorkloadClusters.ClusterHealth health(String cluster) {
        return watcher.getBean(WorkloadClusters.class).health().get(cluster);
    }

    private double unchangedNodeLooks() {
        var counter = registry().find("poolstream.watcher.records.unchanged").tag("topic", Topics.NODE.name())
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private MeterRegistry registry() {
        return watcher.getBean(MeterRegistry.class);
    }

}
