package dev.poolstream.watcher.it;

import dev.poolstream.watcher.testing.KubeletNodes;

import static dev.poolstream.watcher.it.Objects.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.watcher.Watcher;
import dev.poolstream.watcher.domain.NodeStates;
import dev.poolstream.watcher.kube.WorkloadClusters;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * The watcher on the real tier: a kube-apiserver and etcd as management cluster, and the same server as the workload
 * cluster of {@code team-a/real} (its Nodes), with a real broker. Unlike the mock server, it bumps generations only
 * on spec changes, writes Node status only through the status subresource, lets a provider ID be set only once, and
 * deletes an object with finalizers in two steps.
 */
@EmbeddedKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WatcherRealApiIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The workload cluster whose Nodes these tests create: the API server itself, so Node names are unique. */
    private static final String WORKLOAD = "real";
    private static final String WORKLOAD_KEY = NAMESPACE + "/" + WORKLOAD;

    private KubeApiServer server;
    private KubernetesClient kube;
    private ConfigurableApplicationContext watcher;
    private TopicTail tail;

    @BeforeAll
    void start(EmbeddedKafkaBroker broker) {
        server = KubeApiServer.shared().namespace(NAMESPACE).applyRbac(Watchers.K8S_RBAC);
        kube = server.client();
        // The watcher as its ServiceAccount, with the RBAC of k8s/ (and its Lease in poolstream, where k8s/ grants
        // it); the workload cluster's kubeconfig stays the admin's, as Cluster API's is.
        watcher = Watchers.start(server.clientAs(Watchers.SERVICE_ACCOUNT), broker.getBrokersAsString(),
                "watcher-real", "poolstream.watcher.namespaces=" + NAMESPACE);
        await().atMost(WAIT).until(() -> watcher.getBean(Watcher.class).leading());
        tail = new TopicTail(broker.getBrokersAsString(), List.of(Topics.MACHINEPOOL_SPEC.name(), Topics.NODE.name()));
        kube.resource(Objects.cluster(WORKLOAD)).create();
        kube.resource(Objects.kubeconfigSecret(WORKLOAD, server.kubeconfig())).create();
        await().atMost(WAIT).until(() -> state(WORKLOAD_KEY) == WorkloadClusters.State.WATCHING);
    }

    @AfterAll
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {tail, watcher}) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    // Closing the rest matters more; the shared server stops with the JVM.
                }
            }
        }
    }

    @Test
    void shouldPublishSpecChangesAndATombstoneButNothingWhenOnlyTheStatusIsWritten() {
        kube.resource(Objects.cluster("demo")).create();
        kube.resource(Objects.awsPool("workers-aws", "t3.large")).create();
        MachinePool pool = kube.resource(Objects.machinePool("workers", "demo", 5, "AWSMachinePool", "workers-aws"))
                .create();

        PoolSpec created = (PoolSpec) tail.await("team-a/workers", WatcherRealApiIT::resolved).value();
        int before = tail.recordsFor("team-a/workers").size();
        assertThat(created.uid()).isEqualTo(pool.getMetadata().getUid());
        assertThat(created.generation()).isEqualTo(1);
        assertThat(created.spec().getReplicas()).isEqualTo(5);
        assertThat(instanceType(created)).isEqualTo("t3.large");

        pool.getSpec().setReplicas(20);
        pool = kube.resource(pool).update();
        PoolSpec changed = (PoolSpec) tail.await("team-a/workers",
                r -> r.value() instanceof PoolSpec p && p.spec().getReplicas() == 20).value();
        assertThat(changed.generation()).isEqualTo(2);

        // The status subresource: a new resourceVersion, the same generation and spec. The watcher looks (a
        // decision is counted), and publishes nothing.
        long written = tail.written();
        double looked = looks(Topics.MACHINEPOOL_SPEC);
        MachinePoolStatus status = new MachinePoolStatus();
        status.setReplicas(3);
        pool.setStatus(status);
        MachinePool withStatus = kube.resource(pool).updateStatus();
        assertThat(withStatus.getMetadata().getGeneration()).isEqualTo(2);
        await().atMost(WAIT).until(() -> looks(Topics.MACHINEPOOL_SPEC) > looked);
        assertThat(tail.written()).isEqualTo(written);

        kube.resource(withStatus).delete();
        tail.await("team-a/workers", r -> r.value() == null);
        assertThat(tail.recordsFor("team-a/workers")).hasSize(before + 2);
    }

    @Test
    void shouldPublishTheDeletionTimestampThenATombstoneWhenAPoolWithAFinalizerIsDeleted() {
        kube.resource(Objects.awsPool("final-aws", "t3.large")).create();
        MachinePool pool = Objects.machinePool("final", "demo", 2, "AWSMachinePool", "final-aws");
        pool.getMetadata().setFinalizers(List.of("poolstream.dev/test"));
        pool = kube.resource(pool).create();
        tail.await("team-a/final", WatcherRealApiIT::resolved);

        // The server keeps the object, sets its deletionTimestamp and bumps its generation; the pipeline must see
        // that before the object goes.
        kube.resource(pool).delete();
        PoolSpec deleting = (PoolSpec) tail.await("team-a/final",
                r -> r.value() instanceof PoolSpec p && p.deleting()).value();
        assertThat(deleting.finalizers()).containsExactly("poolstream.dev/test");
        assertThat(deleting.generation()).isGreaterThan(1);

        kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName("final")
                .edit(p -> {
                    p.getMetadata().setFinalizers(List.of());
                    return p;
                });
        tail.await("team-a/final", r -> r.value() == null);
    }

    @Test
    void shouldRepublishThePoolWhenItsInfrastructurePoolChanges() {
        kube.resource(Objects.cluster("infra-demo")).create();
        AWSMachinePool aws = kube.resource(Objects.awsPool("infra-aws", "t3.large")).create();
        kube.resource(Objects.machinePool("infra-pool", "infra-demo", 3, "AWSMachinePool", "infra-aws")).create();
        tail.await("team-a/infra-pool", WatcherRealApiIT::resolved);

        aws.getSpec().getAwsLaunchTemplate().setInstanceType("m6i.xlarge");
        kube.resource(aws).update();

        PoolSpec republished = (PoolSpec) tail.await("team-a/infra-pool",
                r -> resolved(r) && instanceType((PoolSpec) r.value()).equals("m6i.xlarge")).value();
        assertThat(republished.spec().getReplicas()).isEqualTo(3);
        assertThat(republished.infrastructure().generation()).isEqualTo(2);

        // Paused there alone (its metadata: no new generation), as CAPA and CAPZ honour it on theirs.
        kube.resources(AWSMachinePool.class).inNamespace(aws.getMetadata().getNamespace())
                .withName(aws.getMetadata().getName()).edit(a -> {
                    a.getMetadata().setAnnotations(java.util.Map.of(ClusterApi.PAUSED_ANNOTATION, ""));
                    return a;
                });
        PoolSpec paused = (PoolSpec) tail.await("team-a/infra-pool",
                r -> resolved(r) && Boolean.TRUE.equals(((PoolSpec) r.value()).infrastructure().paused())).value();
        assertThat(paused.paused()).isTrue();
        assertThat(paused.infrastructure().generation()).isEqualTo(2);
    }

    @Test
    void shouldTellAPoolThatNamesAnotherPoolsInfrastructurePoolUntilThatOneIsGone() {
        kube.resource(Objects.cluster("shared-demo")).create();
        kube.resource(Objects.awsPool("shared-aws", "t3.large")).create();
        MachinePool first = kube.resource(Objects.machinePool("shared-first", "shared-demo", 3, "AWSMachinePool",
                "shared-aws")).create();
        tail.await("team-a/shared-first", WatcherRealApiIT::resolved);

        kube.resource(Objects.machinePool("shared-later", "shared-demo", 1, "AWSMachinePool", "shared-aws")).create();
        PoolSpec later = (PoolSpec) tail.await("team-a/shared-later", r -> r.value() instanceof PoolSpec p
                && !p.infrastructure().resolved()).value();
        assertThat(later.infrastructure().error().reason()).isEqualTo(InfrastructurePool.REASON_SHARED);
        assertThat(later.infrastructure().error().message()).contains("MachinePool shared-first's");

        // The first one gone, the infrastructure pool is the other's: it is published again, resolved.
        kube.resource(first).delete();
        tail.await("team-a/shared-later", WatcherRealApiIT::resolved);
    }

    @Test
    void shouldPublishWhatTheServerDefaultedWhenAPoolReferencesAnAzureMachinePool() {
        // CAPZ serves AzureMachinePool as v1beta1 only; the server fills in osDisk.osType, which the spec leaves out.
        kube.resource("""
                apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
                kind: AzureMachinePool
                metadata:
                  name: workers-az
                  namespace: team-a
                spec:
                  location: westeurope
                  template:
                    vmSize: Standard_D2s_v3
                    osDisk:
                      diskSizeGB: 30
                """).create();
        kube.resource(Objects.machinePool("azure-pool", "demo", 2, "AzureMachinePool", "workers-az")).create();

        PoolSpec spec = (PoolSpec) tail.await("team-a/azure-pool", WatcherRealApiIT::resolved).value();

        var azure = ((InfraSpec.Azure) spec.infrastructure().spec()).spec();
        assertThat(spec.infrastructure().kind()).isEqualTo("AzureMachinePool");
        assertThat(azure.getLocation()).isEqualTo("westeurope");
        assertThat(azure.getTemplate().getVmSize()).isEqualTo("Standard_D2s_v3");
        assertThat(azure.getTemplate().getOsDisk().getOsType()).isEqualTo("Linux");
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
    void shouldPublishOneRecordWhenANodeTurnsReadyAndNoneForAHeartbeat() {
        String id = "aws:///us-east-1a/i-0realready";
        Node node = kube.resource(Objects.node("real-ready", id, "False", "2026-11-21T06:00:00Z")).create();
        NodeState notReady = (NodeState) tail.await(id, r -> r.value() != null).value();
        assertThat(notReady.cluster()).isEqualTo(WORKLOAD_KEY);
        assertThat(notReady.uid()).isEqualTo(node.getMetadata().getUid());
        assertThat(notReady.ready()).isEqualTo(ConditionStatus.FALSE);

        // A kubelet writes its conditions through the status subresource: an update of the Node would drop them.
        node.getStatus().getConditions().get(0).setStatus("True");
        node = kube.resource(node).updateStatus();
        tail.await(id, r -> r.value() instanceof NodeState n && n.ready() == ConditionStatus.TRUE);
        assertThat(tail.recordsFor(id)).hasSize(2);
        // The workload cluster's Node watch names the watcher, as its management client does.
        assertThat(server.requests()).filteredOn(r -> r.resource().equals("nodes") && r.verb().equals("watch"))
                .anySatisfy(r -> assertThat(r.userAgent()).startsWith("poolstream-watcher-service/"));

        long written = tail.written();
        double looked = looks(Topics.NODE);
        node.getStatus().getConditions().get(0).setLastHeartbeatTime("2026-11-21T06:05:00Z");
        kube.resource(node).updateStatus();
        await().atMost(WAIT).until(() -> looks(Topics.NODE) > looked);
        assertThat(tail.written()).isEqualTo(written);
        assertThat(tail.recordsFor(id)).hasSize(2);
    }

    @Test
    void shouldMoveANodeToItsProviderIdWhenItGetsOneAndTombstoneItWhenItIsDeleted() {
        Node node = kube.resource(Objects.node("real-late-id", null, "True", "2026-11-21T06:00:00Z")).create();
        String fallback = NodeState.fallbackKey(WORKLOAD_KEY, "real-late-id");
        tail.await(fallback, r -> r.value() != null);

        // The server lets a provider ID be set once, from empty; the record moves to it, the old key is tombstoned.
        String id = "aws:///us-east-1a/i-0reallateid";
        node.getSpec().setProviderID(id);
        node = kube.resource(node).update();
        NodeState moved = (NodeState) tail.await(id, r -> r.value() != null).value();
        assertThat(moved.name()).isEqualTo("real-late-id");
        tail.await(fallback, r -> r.value() == null);

        kube.resource(node).delete();
        tail.await(id, r -> r.value() == null);
        assertThat(tail.recordsFor(id)).hasSize(2);
        assertThat(tail.recordsFor(fallback)).hasSize(2);
    }

    @Test
    void shouldPublishTheRecordOfTheWholeNodeWhileCachingItStripped() {
        String id = "aws:///us-east-1a/i-0realbig";
        var bigNode = new NodeBuilder(Objects.node("real-big", id, "True", "2026-11-21T06:00:00Z"))
                .editMetadata()
                .addToAnnotations("cluster.x-k8s.io/machine", "workers-real-big")
                .addToAnnotations("cluster.x-k8s.io/owner-kind", "MachinePool")
                .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true")
                .addToLabels("kubernetes.io/hostname", "real-big")
                .endMetadata()
                .editSpec().addNewTaint().withKey("node.cluster.x-k8s.io/uninitialized").withEffect("NoSchedule")
                .endTaint().addNewTaint().withKey("example.com/dedicated").withValue("gpu").withEffect("NoSchedule")
                .endTaint().endSpec()
                .editStatus()
                .addNewCondition().withType("MemoryPressure").withStatus("False").withReason("KubeletHasSufficientMemory")
                .withLastHeartbeatTime("2026-11-21T06:00:00Z").withLastTransitionTime("2026-11-21T05:00:00Z")
                .endCondition()
                .endStatus();
        Node created = kube.resource(KubeletNodes.filled(bigNode.build())).create();
        assertThat(created.getMetadata().getManagedFields()).isNotEmpty();

        NodeState published = (NodeState) tail.await(id, r -> r.value() != null).value();

        assertThat(published).isEqualTo(NodeStates.of(WORKLOAD_KEY, created));
        Node cached = watcher.getBean(WorkloadClusters.class).node(WORKLOAD_KEY, "real-big").orElseThrow()
                .node().orElseThrow();
        assertThat(cached.getMetadata().getManagedFields()).isEmpty();
        assertThat(cached.getMetadata().getAnnotations()).containsOnlyKeys("cluster.x-k8s.io/machine",
                "cluster.x-k8s.io/owner-kind");
        assertThat(cached.getMetadata().getLabels()).isEmpty();
        assertThat(cached.getStatus().getImages()).isEmpty();
        assertThat(cached.getStatus().getAddresses()).isEmpty();
        assertThat(cached.getStatus().getConditions()).extracting(c -> c.getType()).containsExactly("Ready");
    }

    @Test
    void shouldCatchUpOnlyOnWhatChangedWhenTheKubeconfigSecretComesBack() {
        String steadyId = "aws:///us-east-1b/i-0realsteady";
        String goneId = "aws:///us-east-1b/i-0realgone";
        String bornId = "aws:///us-east-1b/i-0realborn";
        Node steady = kube.resource(Objects.node("real-steady", steadyId, "True", "2026-11-21T06:00:00Z")).create();
        Node gone = kube.resource(Objects.node("real-gone", goneId, "True", "2026-11-21T06:00:00Z")).create();
        tail.await(steadyId, r -> r.value() != null);
        tail.await(goneId, r -> r.value() != null);

        Secret secret = kube.secrets().inNamespace(NAMESPACE).withName(WORKLOAD + "-kubeconfig").get();
        kube.resource(secret).delete();
        await().atMost(WAIT).until(() -> state(WORKLOAD_KEY) == WorkloadClusters.State.NO_KUBECONFIG);
        // A Node event and a sync queued before the Secret went, handled after it: the stopped watch's cache says
        // nothing of which Nodes are gone, so neither publishes a tombstone.
        watcher.getBean(Watcher.class).nodeChanged(WORKLOAD_KEY, steady);
        watcher.getBean(Watcher.class).clusterSynced(WORKLOAD_KEY);
        kube.resource(gone).delete();
        kube.resource(Objects.node("real-born", bornId, "True", "2026-11-21T06:00:00Z")).create();
        // Unwatched, the cluster keeps its records: a pool published after the changes shows nothing came of them.
        kube.resource(Objects.machinePool("unwatched-marker", WORKLOAD, 1, "AWSMachinePool", "none")).create();
        tail.await("team-a/unwatched-marker", r -> r.value() != null);
        assertThat(tail.recordsFor(bornId)).isEmpty();
        assertThat(tail.recordsFor(goneId)).hasSize(1);
        assertThat(tail.recordsFor(steadyId)).hasSize(1);

        kube.resource(Objects.kubeconfigSecret(WORKLOAD, server.kubeconfig())).create();
        tail.await(bornId, r -> r.value() != null);
        tail.await(goneId, r -> r.value() == null);
        await().atMost(WAIT).until(() -> state(WORKLOAD_KEY) == WorkloadClusters.State.WATCHING);
        // The steady Node was listed again, and is published only once: a Node created now comes after it.
        String markerId = "aws:///us-east-1b/i-0realmarker";
        kube.resource(Objects.node("real-marker", markerId, "True", "2026-11-21T06:00:00Z")).create();
        tail.await(markerId, r -> r.value() != null);
        assertThat(tail.recordsFor(steadyId)).hasSize(1);
        assertThat(tail.recordsFor(bornId)).hasSize(1);
        assertThat(tail.recordsFor(goneId)).hasSize(2);
    }

    @Test
    void shouldSayOnThePoolsOfAClusterWhyItsNodesCannotBeWatchedUntilItsKubeconfigIsFixed() {
        kube.resource(Objects.cluster("garbled")).create();
        kube.resource(Objects.machinePool("garbled-workers", "garbled", 1, "AWSMachinePool", "none")).create();
        PoolSpec noSecret = awaitWorkloadProblem("team-a/garbled-workers", "does not exist");
        assertThat(noSecret.workloadCluster().reason()).isEqualTo(PoolSpec.REASON_WORKLOAD_CLUSTER_UNREACHABLE);
        assertThat(noSecret.workloadCluster().message()).isEqualTo("the Nodes of workload cluster team-a/garbled"
                + " cannot be watched: its kubeconfig Secret team-a/garbled-kubeconfig does not exist"
                + " (or has no key \"value\")");

        // The pool is published already: the new failure itself must publish it again.
        kube.resource(Objects.kubeconfigSecret("garbled", "token: s3cr3t-not-a-kubeconfig {")).create();
        PoolSpec garbage = awaitWorkloadProblem("team-a/garbled-workers", "cannot be used");
        assertThat(garbage.workloadCluster().message()).isEqualTo("the Nodes of workload cluster team-a/garbled"
                + " cannot be watched: the kubeconfig in Secret team-a/garbled-kubeconfig cannot be used (it has no"
                + " current context with a cluster server)");

        // A kubeconfig whose user runs a command: refused, and nothing run (fabric8 runs it as it reads the file).
        java.nio.file.Path marker = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"),
                "poolstream-exec-" + System.nanoTime());
        String exec = dev.poolstream.testing.MockCluster.kubeconfig(server.url()).replace(
                "    token: secret-token-never-logged\n", """
                    exec:
                      apiVersion: client.authentication.k8s.io/v1
                      command: sh
                      args: ["-c", "touch %s"]
                """.formatted(marker));
        kube.resource(kube.secrets().inNamespace(NAMESPACE).withName("garbled-kubeconfig").get()).delete();
        kube.resource(Objects.kubeconfigSecret("garbled", exec)).create();
        PoolSpec refused = awaitWorkloadProblem("team-a/garbled-workers", "is refused");
        assertThat(refused.workloadCluster().message()).contains("runs a command (exec)")
                .doesNotContain(marker.toString());
        assertThat(java.nio.file.Files.exists(marker)).as("the kubeconfig's command ran").isFalse();

        Secret secret = kube.secrets().inNamespace(NAMESPACE).withName("garbled-kubeconfig").get();
        kube.resource(secret).delete();
        kube.resource(Objects.kubeconfigSecret("garbled", server.kubeconfig())).create();
        await().atMost(WAIT).until(() -> {
            List<TopicTail.Read> records = tail.recordsFor("team-a/garbled-workers");
            return records.get(records.size() - 1).value() instanceof PoolSpec p && p.workloadCluster() == null;
        });
        await().atMost(WAIT).until(() -> state("team-a/garbled") == WorkloadClusters.State.WATCHING);
    }

    @Test
    void shouldPublishAPoolWhoseClusterNameNoClusterCanHaveAndThePoolsAfterIt() {
        // The CRD allows it (no pattern), and in owner mode no webhook refuses it; it once stopped the leader.
        kube.resource(Objects.machinePool("slashed-workers", "no/such", 1, "AWSMachinePool", "none")).create();
        kube.resource(Objects.machinePool("after-slashed", WORKLOAD, 1, "AWSMachinePool", "none")).create();

        PoolSpec slashed = (PoolSpec) tail.await("team-a/slashed-workers", r -> r.value() != null).value();
        tail.await("team-a/after-slashed", r -> r.value() != null);

        assertThat(slashed.spec().getClusterName()).isEqualTo("no/such");
        assertThat(slashed.workloadCluster()).isNull();
    }

    private PoolSpec awaitWorkloadProblem(String pool, String saying) {
        return (PoolSpec) tail.await(pool, r -> r.value() instanceof PoolSpec p && p.workloadCluster() != null
                && p.workloadCluster().message().contains(saying)).value();
    }

    private static String instanceType(PoolSpec spec) {
        return ((InfraSpec.Aws) spec.infrastructure().spec()).spec().getAwsLaunchTemplate().getInstanceType();
    }

    private static boolean resolved(TopicTail.Read record) {
        return record.value() instanceof PoolSpec p && p.infrastructure().resolved();
    }

    private WorkloadClusters.State state(String cluster) {
        WorkloadClusters.ClusterHealth health = watcher.getBean(WorkloadClusters.class).health().get(cluster);
        return health == null ? null : health.state();
    }

    /** Decisions the watcher made for {@code topic}: nothing to publish, or a record sent. */
    private double looks(Topics.TopicSpec topic) {
        MeterRegistry registry = watcher.getBean(MeterRegistry.class);
        return Stream.of("poolstream.watcher.records.unchanged", "poolstream.watcher.records.published")
                .flatMap(name -> registry.find(name).tag("topic", topic.name()).counters().stream())
                .mapToDouble(Counter::count).sum();
    }
}
