package dev.poolstream.watcher.it;

import static dev.poolstream.watcher.it.Objects.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolKey;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.Metadata;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.HealthCheck;
import dev.poolstream.events.MachineRequest;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.watcher.Watcher;
import dev.poolstream.watcher.kube.ManagementCache;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * What a pool's Machines and infrastructure machines ask, and the MachineHealthChecks that select them, on the pool's
 * spec record, read from a real API server (which keeps an object with a finalizer, deletionTimestamp set, and
 * validates the Machine and MachineHealthCheck schemas) by the watcher as its ServiceAccount.
 */
@EmbeddedKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MachineRequestsRealApiIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CLUSTER = "mach";
    private static final String POOL = "mach-pool";
    private static final String POOL_KEY = NAMESPACE + "/" + POOL;

    private KubernetesClient kube;
    private ConfigurableApplicationContext watcher;
    private TopicTail tail;

    @BeforeAll
    void start(EmbeddedKafkaBroker broker) {
        KubeApiServer server = KubeApiServer.shared().namespace(NAMESPACE).applyRbac(Watchers.K8S_RBAC);
        kube = server.client();
        watcher = Watchers.start(server.clientAs(Watchers.SERVICE_ACCOUNT), broker.getBrokersAsString(),
                "watcher-machines", "poolstream.watcher.namespaces=" + NAMESPACE);
        await().atMost(WAIT).until(() -> watcher.getBean(Watcher.class).leading());
        tail = new TopicTail(broker.getBrokersAsString(), List.of(Topics.MACHINEPOOL_SPEC.name()));
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
    void shouldPublishWhatThePoolsMachinesAskAndTheHealthChecksThatSelectThem() {
        // Every per-instance kind is served here: all are watched.
        assertThat(watcher.getBean(ManagementCache.class).kindsNotServed()).isEmpty();
        kube.resource(Objects.cluster(CLUSTER)).create();
        kube.resource(Objects.awsPool("mach-aws", "t3.large")).create();
        MachinePool pool = Objects.machinePool(POOL, CLUSTER, 3, "AWSMachinePool", "mach-aws");
        Metadata template = new Metadata();
        template.setLabels(Map.of("role", "worker"));
        pool.getSpec().getTemplate().setMetadata(template);
        kube.resource(pool).create();
        for (String instance : List.of("i-0a", "i-0b", "i-0c")) {
            kube.resource(awsMachine(instance)).create();
            kube.resource(machine(instance)).create();
        }
        PoolSpec steady = (PoolSpec) tail.await(POOL_KEY, r -> r.value() instanceof PoolSpec p
                && p.infrastructure().resolved()).value();
        assertThat(steady.machines()).isEmpty();
        // The cache keeps the Machines without their managedFields (half of each); the server has them.
        ManagementCache cache = watcher.getBean(ManagementCache.class);
        assertThat(cache.machinesOf(cache.pool(PoolKey.parse(POOL_KEY)).orElseThrow())).hasSize(3)
                .allSatisfy(m -> assertThat(m.getMetadata().getManagedFields()).isNull());
        assertThat(kube.resources(Machine.class).inNamespace(NAMESPACE).withName(name("i-0a")).get().getMetadata()
                .getManagedFields()).isNotEmpty();

        // One Machine deleted (its finalizer holds it, with a deletionTimestamp), another annotated.
        kube.resources(Machine.class).inNamespace(NAMESPACE).withName(name("i-0a")).delete();
        kube.resources(Machine.class).inNamespace(NAMESPACE).withName(name("i-0b")).edit(m -> {
            m.getMetadata().getAnnotations().put(ClusterApi.DELETE_MACHINE_ANNOTATION, "yes");
            return m;
        });
        List<MachineRequest> expected = List.of(
                new MachineRequest(providerID("i-0a"), name("i-0a"), name("i-0a"), true, false, false, null, false,
                        false),
                new MachineRequest(providerID("i-0b"), name("i-0b"), name("i-0b"), false, true, false, null, false,
                        false));
        PoolSpec asking = (PoolSpec) tail.await(POOL_KEY, r -> r.value() instanceof PoolSpec p
                && p.machines().equals(expected)).value();
        assertThat(asking.healthChecks()).isEmpty();

        // One health check selects the pool's Machines by a template label; the other selects another pool.
        kube.resource(healthCheck("mach-workers", "role: worker")).create();
        kube.resource(healthCheck("mach-elsewhere", "cluster.x-k8s.io/pool-name: another-pool")).create();
        PoolSpec checked = (PoolSpec) tail.await(POOL_KEY, r -> r.value() instanceof PoolSpec p
                && !p.healthChecks().isEmpty()).value();
        assertThat(checked.healthChecks()).containsExactly(new HealthCheck(NAMESPACE + "/mach-workers", 300,
                List.of(new HealthCheck.UnhealthyNodeCondition("Ready", ConditionStatus.FALSE, 120)), "40%"));
        assertThat(checked.machines()).isEqualTo(expected);

        // The finalizer goes (the instance is gone): the Machine goes, and so does its request.
        kube.resources(Machine.class).inNamespace(NAMESPACE).withName(name("i-0a")).edit(m -> {
            m.getMetadata().setFinalizers(List.of());
            return m;
        });
        PoolSpec after = (PoolSpec) tail.await(POOL_KEY, r -> r.value() instanceof PoolSpec p
                && p.machines().size() == 1).value();
        assertThat(after.machines()).containsExactly(expected.get(1));
        assertThat(after.healthChecks()).extracting(HealthCheck::name).containsExactly(NAMESPACE + "/mach-workers");
    }

    /**
     * A count limit is shared among the pools a check selects, so each pool's record says how many it selects. A pool
     * that comes, changes its labels or goes changes that number on the records of the pools that did not change.
     */
    @Test
    void shouldTellEachPoolHowManyPoolsOfItsClusterACheckSelectsAsAnotherComesChangesAndGoes() {
        kube.resource(Objects.cluster("share")).create();
        kube.resource(withRole(Objects.machinePool("share-a", "share", 2, "AWSMachinePool", "share-a"), "worker"))
                .create();
        kube.resource(healthCheck("share-workers", "share", "role: worker", "2")).create();
        String a = NAMESPACE + "/share-a";
        awaitPoolsSelected(a, 1);

        kube.resource(withRole(Objects.machinePool("share-b", "share", 2, "AWSMachinePool", "share-b"), "worker"))
                .create();
        awaitPoolsSelected(a, 2);
        awaitPoolsSelected(NAMESPACE + "/share-b", 2);

        kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName("share-b")
                .edit(p -> withRole(p, "infra"));
        awaitPoolsSelected(a, 1);

        kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName("share-b")
                .edit(p -> withRole(p, "worker"));
        awaitPoolsSelected(a, 2);

        kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName("share-b").delete();
        awaitPoolsSelected(a, 1);
    }

    private void awaitPoolsSelected(String pool, int selected) {
        PoolSpec spec = (PoolSpec) tail.awaitLatest(pool, r -> r.value() instanceof PoolSpec p
                && p.healthChecks().size() == 1 && p.healthChecks().get(0).poolsSelected() == selected).value();
        assertThat(spec.healthChecks().get(0).maxUnhealthy()).isEqualTo("2");
    }

    private static MachinePool withRole(MachinePool pool, String role) {
        Metadata template = new Metadata();
        template.setLabels(Map.of("role", role));
        pool.getSpec().getTemplate().setMetadata(template);
        return pool;
    }

    private static String name(String instance) {
        return "mach-aws-" + instance;
    }

    private static String providerID(String instance) {
        return "aws:///us-east-1a/" + instance;
    }

    /** Labelled as Poolstream (and CAPA) label an instance's AWSMachine. */
    private static String awsMachine(String instance) {
        return """
                apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
                kind: AWSMachine
                metadata:
                  name: %s
                  namespace: %s
                  labels:
                    cluster.x-k8s.io/pool-name: %s
                    cluster.x-k8s.io/cluster-name: %s
                spec:
                  instanceType: t3.large
                  providerID: %s
                """.formatted(name(instance), NAMESPACE, POOL, CLUSTER, providerID(instance));
    }

    /** As Cluster API's MachinePool controller writes a Machine; the finalizer stands for the Machine controller's. */
    private static String machine(String instance) {
        return """
                apiVersion: cluster.x-k8s.io/v1beta2
                kind: Machine
                metadata:
                  name: %1$s
                  namespace: %2$s
                  labels:
                    role: worker
                    cluster.x-k8s.io/pool-name: %3$s
                    cluster.x-k8s.io/cluster-name: %4$s
                  annotations:
                    poolstream.dev/test: "true"
                  finalizers: ["poolstream.dev/test"]
                spec:
                  clusterName: %4$s
                  bootstrap:
                    dataSecretName: ""
                  infrastructureRef:
                    apiGroup: infrastructure.cluster.x-k8s.io
                    kind: AWSMachine
                    name: %1$s
                """.formatted(name(instance), NAMESPACE, POOL, CLUSTER);
    }

    private static String healthCheck(String name, String matchLabel) {
        return healthCheck(name, CLUSTER, matchLabel, "40%");
    }

    private static String healthCheck(String name, String cluster, String matchLabel, String maxUnhealthy) {
        return """
                apiVersion: cluster.x-k8s.io/v1beta2
                kind: MachineHealthCheck
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  clusterName: %s
                  selector:
                    matchLabels:
                      %s
                  checks:
                    nodeStartupTimeoutSeconds: 300
                    unhealthyNodeConditions:
                    - type: Ready
                      status: "False"
                      timeoutSeconds: 120
                  remediation:
                    triggerIf:
                      unhealthyLessThanOrEqualTo: %s
                """.formatted(name, NAMESPACE, cluster, matchLabel, maxUnhealthy);
    }
}
