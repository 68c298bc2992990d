package dev.poolstream.watcher.it;

import static dev.poolstream.watcher.it.Objects.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.Crds;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.watcher.Watcher;
import dev.poolstream.watcher.kube.ManagementCache;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * How the watcher starts on a real API server when not everything is in place yet: its permissions not granted, or
 * one cloud's CRD not installed. A server of these tests' own, since one of them removes a CRD.
 */
@EmbeddedKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatcherStartRealApiIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String AZURE_CRD = "azuremachinepools.infrastructure.cluster.x-k8s.io";

    private KubeApiServer server;
    private KubernetesClient kube;

    @BeforeAll
    void start() {
        server = KubeApiServer.start().expectRefusals().namespace(NAMESPACE).namespace("poolstream");
        kube = server.client();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** First: it needs a server where the watcher's RBAC has not been applied yet. */
    @Test
    @Order(1)
    void shouldStartAndAskNoMoreThanK8sGrantsWhenItsRbacIsAppliedAfterIt(EmbeddedKafkaBroker broker)
            throws Exception {
        kube.resource(Objects.cluster("rbac")).create();
        kube.resource(Objects.awsPool("rbac-aws", "t3.large")).create();
        MachinePool pool = kube.resource(Objects.machinePool("rbac-pool", "rbac", 2, "AWSMachinePool", "rbac-aws"))
                .create();

        try (ApiProxy proxy = new ApiProxy(server)) {
            // The watcher as its ServiceAccount, before its RBAC is applied: every list is Forbidden.
            ConfigurableApplicationContext watcher = Watchers.start(Watchers.asServiceAccount(proxy.kubeconfig()),
                    broker.getBrokersAsString(), "watcher-rbac");
            try (TopicTail tail = new TopicTail(broker.getBrokersAsString(), List.of(Topics.MACHINEPOOL_SPEC.name()))) {
                String pools = "/apis/cluster.x-k8s.io/v1beta2/machinepools";
                // Refused, and trying again: fabric8's informer alone would have stopped at the first refusal.
                await().atMost(WAIT).until(() -> proxy.exchanges().stream()
                        .filter(e -> e.path().equals(pools) && !e.watch() && e.status == 403).count() >= 2);
                assertThat(watcher.getBean(ManagementCache.class).synced()).isFalse();
                assertThat(watcher.getBean(Watcher.class).leading()).isFalse();

                server.applyRbac(Watchers.K8S_RBAC);

                await().atMost(WAIT).until(() -> watcher.getBean(Watcher.class).leading());
                long leadingFrom = proxy.exchanges().stream().mapToLong(e -> e.sequence).max().orElse(0);
                tail.await("team-a/rbac-pool", r -> r.value() instanceof PoolSpec p && p.infrastructure().resolved());
                pool.getSpec().setReplicas(3);
                kube.resource(pool).update();
                tail.await("team-a/rbac-pool", r -> r.value() instanceof PoolSpec p && p.spec().getReplicas() == 3);

                // Listing, watching and holding the lease ask for nothing k8s/ does not grant.
                assertThat(proxy.exchanges()).filteredOn(e -> e.sequence > leadingFrom)
                        .extracting(e -> e.method + " " + e.path())
                        .contains("PATCH /apis/coordination.k8s.io/v1/namespaces/poolstream/leases/poolstream-watcher");
                assertThat(proxy.exchanges()).filteredOn(e -> e.sequence > leadingFrom && e.status == 403).isEmpty();
            } finally {
                watcher.close();
            }
        }
    }

    @Test
    @Order(2)
    void shouldStartWithoutACloudAndResolveItsPoolsWhenItsCrdIsInstalledLater(EmbeddedKafkaBroker broker) {
        server.applyRbac(Watchers.K8S_RBAC);
        // A management cluster with CAPA but not CAPZ: no AzureMachinePool CRD.
        kube.apiextensions().v1().customResourceDefinitions().withName(AZURE_CRD).delete();
        await().atMost(WAIT).until(() -> kube.apiextensions().v1().customResourceDefinitions().withName(AZURE_CRD)
                .get() == null);
        kube.resource(Objects.cluster("capa-only")).create();
        kube.resource(Objects.awsPool("capa-aws", "t3.large")).create();
        kube.resource(Objects.machinePool("capa-pool", "capa-only", 2, "AWSMachinePool", "capa-aws")).create();
        kube.resource(Objects.machinePool("capz-pool", "capa-only", 1, "AzureMachinePool", "capz-azure")).create();

        // As its ServiceAccount: the missing kind is a 404 to it, not a refusal.
        ConfigurableApplicationContext watcher = Watchers.start(server.clientAs(Watchers.SERVICE_ACCOUNT),
                broker.getBrokersAsString(), "watcher-capa");
        try (TopicTail tail = new TopicTail(broker.getBrokersAsString(), List.of(Topics.MACHINEPOOL_SPEC.name()))) {
            await().atMost(WAIT).until(() -> watcher.getBean(Watcher.class).leading());
            assertThat(watcher.getBean(ManagementCache.class).kindsNotServed()).containsExactly("AzureMachinePool");
            tail.await("team-a/capa-pool", r -> r.value() instanceof PoolSpec p && p.infrastructure().resolved());
            PoolSpec unresolved = (PoolSpec) tail.await("team-a/capz-pool", r -> r.value() != null).value();
            assertThat(unresolved.infrastructure().error().reason()).isEqualTo(InfrastructurePool.REASON_NOT_FOUND);

            // CAPZ is installed later: its informer, still trying, lists and watches; the pool resolves.
            CustomResourceDefinition crd = Crds.all().stream()
                    .filter(c -> c.getMetadata().getName().equals(AZURE_CRD)).findFirst().orElseThrow();
            crd.getMetadata().setManagedFields(null);
            kube.resource(crd).fieldManager("poolstream-tests").forceConflicts().serverSideApply();
            await().atMost(WAIT).until(() -> established(kube.apiextensions().v1().customResourceDefinitions()
                    .withName(AZURE_CRD).get()));
            await().atMost(WAIT).ignoreExceptions().until(() -> kube.resource("""
                    apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
                    kind: AzureMachinePool
                    metadata:
                      name: capz-azure
                      namespace: team-a
                    spec:
                      location: westeurope
                      template:
                        vmSize: Standard_D2s_v3
                        osDisk:
                          diskSizeGB: 30
                    """).create() != null);
            tail.await("team-a/capz-pool", r -> r.value() instanceof PoolSpec p && p.infrastructure().resolved());
            await().atMost(WAIT).until(() -> watcher.getBean(ManagementCache.class).kindsNotServed().isEmpty());
        } finally {
            watcher.close();
        }
    }

    private static boolean established(CustomResourceDefinition crd) {
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
