package dev.poolstream.status.realapi;

import static dev.poolstream.status.realapi.RealApiObjects.adopted;
import static dev.poolstream.status.realapi.RealApiObjects.json;
import static dev.poolstream.status.realapi.RealApiObjects.map;
import static dev.poolstream.status.shapes.PoolShapes.group;
import static dev.poolstream.status.shapes.PoolShapes.ready;
import static dev.poolstream.status.shapes.PoolShapes.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.kube.KubeEvents;
import dev.poolstream.api.kube.WorkloadClients;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.status.config.StatusProperties;
import dev.poolstream.status.domain.Member;
import dev.poolstream.status.domain.PoolInputs;
import dev.poolstream.status.domain.PoolView;
import dev.poolstream.status.domain.StatusCalculator;
import dev.poolstream.status.domain.StatusPosition;
import dev.poolstream.status.kube.StatusWriter;
import dev.poolstream.status.shapes.PoolShape;
import dev.poolstream.status.shapes.PoolShape.Names;
import dev.poolstream.status.shapes.PoolShapes;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.MovableClock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real tier: the {@link StatusWriter} in both modes against a real kube-apiserver (management and workload cluster
 * at once). Infrastructure-provider mode, the default of {@code k8s/}, writes the infrastructure pool and nothing
 * of the MachinePool's; owner mode writes the MachinePool too and tends the Nodes.
 */
class StatusWriterRealApiIT {

    private static final String NAMESPACE = "status-writer";
    private static final String CLUSTER = "writer";

    private static KubeApiServer server;
    /** The test's own client: the admin, arranging objects and reading what was written. */
    private static KubernetesClient kube;
    /** The writer's management client: the status service's ServiceAccount, with the RBAC of {@code k8s/}. */
    private static KubernetesClient management;
    private static RealApiObjects objects;
    private static WorkloadClients workloads;

    @BeforeAll
    static void start() {
        server = KubeApiServer.shared().namespace(NAMESPACE);
        kube = server.client();
        objects = new RealApiObjects(server);
        objects.kubeconfigSecret(server, NAMESPACE, CLUSTER);
        management = RealApiObjects.asStatusService(server);
        workloads = new WorkloadClients(management);
    }

    @AfterAll
    static void stop() {
        if (workloads != null) {
            workloads.close();
        }
        if (management != null) {
            management.close();
        }
    }

    private static StatusWriter writer(StatusProperties.Mode mode) {
        return writer(mode, Clock.systemUTC());
    }

    private static StatusWriter writer(StatusProperties.Mode mode, Clock eventClock) {
        return new StatusWriter(management, workloads, mode, RealApiObjects.events(management, eventClock),
                new SimpleMeterRegistry());
    }

    @Test
    void shouldWriteTheAwsMachinePoolAndNeverTheMachinePoolWhenInInfrastructureProviderMode() {
        Names n = new Names(NAMESPACE, "infra-aws", CLUSTER, "wr-infra-aws");
        objects.pool(n, 2, Map.of());
        PoolStatus status = look(new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)));
        status.members().forEach(m -> objects.node(PoolShapes.node(n, index(m.providerID()), ConditionStatus.TRUE,
                PoolShapes.KUBELET)));
        GenericKubernetesResource before = objects.machinePool(n);

        writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER).write(status);

        // The end marker: the infrastructure pool's write is done and visible.
        GenericKubernetesResource infra = objects.awsMachinePool(n);
        assertThat(map(infra.getAdditionalProperties().get("status")))
                .containsEntry("ready", true).containsEntry("replicas", 2);
        assertThat(map(infra.getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(List.of(n.providerId(1), n.providerId(2)));
        // ... and the MachinePool is as it was: no status, no provider IDs, not one write.
        GenericKubernetesResource after = objects.machinePool(n);
        assertThat(after.getMetadata().getResourceVersion()).isEqualTo(before.getMetadata().getResourceVersion());
        assertThat(after.getAdditionalProperties().get("status")).isNull();
        assertThat(map(after.getAdditionalProperties().get("spec"))).doesNotContainKey("providerIDList");
        // Nor a Node: tending Nodes is the MachinePool controller's, Cluster API core's in this mode.
        assertThat(objects.node(n.nodeName(1)).getMetadata().getAnnotations()).isNullOrEmpty();
    }

    @Test
    void shouldWriteTheAzureMachinePoolAndNeverTheMachinePoolWhenInInfrastructureProviderMode() {
        Names n = new Names(NAMESPACE, "infra-azure", CLUSTER, "wr-infra-azure");
        var azure = kube.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(
                dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool.class)).inNamespace(NAMESPACE);
        azure.resource(new GenericKubernetesResourceBuilder()
                .withApiVersion(ClusterApi.INFRASTRUCTURE_GROUP + "/v1beta1").withKind(ClusterApi.KIND_AZURE_MACHINE_POOL)
                .withNewMetadata().withNamespace(NAMESPACE).withName(n.pool()).endMetadata()
                .addToAdditionalProperties("spec", Map.of("location", "westeurope",
                        "template", Map.of("vmSize", "Standard_D2s_v3", "osDisk", Map.of("osType", "Linux"))))
                .build()).create();
        var pool = dev.poolstream.testing.MachinePoolSpecs.machinePool(NAMESPACE, n.pool(), CLUSTER, 1);
        pool.getSpec().getTemplate().getSpec().getInfrastructureRef().setKind(ClusterApi.KIND_AZURE_MACHINE_POOL);
        String versionBefore = kube.resource(pool).create().getMetadata().getResourceVersion();
        PoolSpec azureSpec = withInfrastructure(spec(n, 1), new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP,
                ClusterApi.KIND_AZURE_MACHINE_POOL, n.pool(), null, 1, List.of(), null,
                new InfraSpec.Azure(new dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec()), null));
        PoolStatus status = look(new PoolInputs(azureSpec, group(n, 1, "1", null), ready(n, 1)));

        writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER).write(status);

        GenericKubernetesResource infra = azure.withName(n.pool()).get();
        assertThat(map(infra.getAdditionalProperties().get("status")))
                .containsEntry("ready", true).containsEntry("replicas", 1);
        assertThat(map(infra.getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(List.of(n.providerId(1)));
        GenericKubernetesResource after = objects.machinePool(n);
        assertThat(after.getMetadata().getResourceVersion()).isEqualTo(versionBefore);
        assertThat(after.getAdditionalProperties().get("status")).isNull();
    }

    @Test
    void shouldWriteTheMachinePoolTendItsNodesAndDeleteOnlyItsRetiredNodesWhenOwner() {
        Names n = new Names(NAMESPACE, "owner", CLUSTER, "wr-owner");
        objects.pool(n, 3, Map.of());
        PoolShapes.ready(n, 3).values().forEach(m -> objects.node(m.node()));
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);
        StatusCalculator.Look first = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 3), group(n, 3, "1", null), ready(n, 3)), null, PoolShape.T0);

        Instant since = Instant.now();
        writer.write(first.status());
        Instant until = Instant.now();

        GenericKubernetesResource pool = objects.machinePool(n);
        assertThat(map(pool.getAdditionalProperties().get("status"))).isEqualTo(json(first.status().status()));
        assertThat(map(pool.getAdditionalProperties().get("status"))).containsEntry("phase", "Running")
                .containsEntry("readyReplicas", 3);
        List<String> ids = List.of(n.providerId(1), n.providerId(2), n.providerId(3));
        assertThat(map(pool.getAdditionalProperties().get("spec")).get("providerIDList")).isEqualTo(ids);
        assertThat(map(objects.awsMachinePool(n).getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(ids);
        for (int i = 1; i <= 3; i++) {
            Node node = objects.node(n.nodeName(i));
            assertThat(adopted(node, n)).as(node.getMetadata().getName()).isTrue();
            assertThat(nodeCalls(node.getMetadata().getName(), since, until)).as("read once, patched on what was read")
                    .containsExactly("get 200", "patch 200");
            // The user's taint stays (and the API server's own not-ready taint, added on create).
            assertThat(node.getSpec().getTaints()).extracting(t -> t.getKey()).contains("example.com/gpu")
                    .doesNotContain(ClusterApi.UNINITIALIZED_TAINT_KEY);
        }

        // Instances 2 and 3 leave. Node 3's name came back on another instance meanwhile: only Node 2 goes.
        kube.nodes().withName(n.nodeName(3)).delete();
        kube.nodes().withName(n.nodeName(3)).waitUntilCondition(java.util.Objects::isNull, 30,
                java.util.concurrent.TimeUnit.SECONDS);
        objects.node(new dev.poolstream.events.NodeState(n.clusterKey(), n.nodeName(3), "uid-new",
                "aws:///us-east-1a/i-somewhere-else", ConditionStatus.TRUE, null, PoolShapes.KUBELET, false,
                List.of(), Map.of()));
        Map<String, Member> one = new HashMap<>(ready(n, 1));
        StatusCalculator.Look second = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 1), group(n, 1, "1", null), one, dev.poolstream.status.domain.Pools.leftAfter(
                        first.view(), PoolShape.T0.plusSeconds(59), n.providerId(2), n.providerId(3))), first.view(),
                PoolShape.T0.plusSeconds(60));
        assertThat(second.status().retired()).hasSize(2);

        writer.write(second.status());

        assertThat(objects.node(n.nodeName(2))).isNull();
        assertThat(objects.node(n.nodeName(3))).isNotNull();
        assertThat(objects.node(n.nodeName(1))).isNotNull();
        assertThat(map(objects.machinePool(n).getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(List.of(n.providerId(1)));

        // Instance 1 moves to another pool (its group's pool tag changed), which adopts its Node: the Node serves that
        // pool now, and this pool, which retires it, leaves it alone (it once deleted it).
        kube.nodes().withName(n.nodeName(1)).edit(node -> {
            node.getMetadata().getAnnotations().put(ClusterApi.NODE_OWNER_NAME_ANNOTATION, "other-pool");
            return node;
        });
        StatusCalculator.Look third = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 0), group(n, 0, "1", null), Map.of(),
                        dev.poolstream.status.domain.Pools.leftAfter(second.view(), PoolShape.T0.plusSeconds(119),
                                n.providerId(1))), second.view(),
                PoolShape.T0.plusSeconds(120));
        assertThat(third.status().retired()).extracting(PoolMember::providerID).contains(n.providerId(1));

        writer.write(third.status());

        assertThat(objects.node(n.nodeName(1))).isNotNull();
    }

    /**
     * An Azure scale set reuses a deleted instance's ID for a new VM, whose Node comes back under the retired one's name
     * and provider ID. The status that retired the old Node, read again after a restart (or written late by a lagging
     * lane), must not delete the new one, running and undrained.
     */
    @Test
    void shouldNotDeleteANodeMadeSinceUnderARetiredNodesNameWhenItsStatusIsWrittenAgain() {
        Names n = new Names(NAMESPACE, "reused", CLUSTER, "wr-reused");
        objects.pool(n, 2, Map.of());
        PoolShapes.ready(n, 2).values().forEach(m -> objects.node(m.node()));
        StatusCalculator.Look first = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)), null, PoolShape.T0);
        writer(StatusProperties.Mode.OWNER).write(first.status());
        StatusCalculator.Look second = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 1), group(n, 1, "1", null), new HashMap<>(ready(n, 1)),
                        dev.poolstream.status.domain.Pools.leftAfter(first.view(), PoolShape.T0.plusSeconds(59),
                                n.providerId(2))), first.view(),
                PoolShape.T0.plusSeconds(60));
        assertThat(second.status().retired()).extracting(PoolMember::providerID).containsExactly(n.providerId(2));
        // Computed a while before the VM comes back (a new VM takes minutes to boot and join).
        Instant computed = Instant.now().minusSeconds(10);
        writer(StatusProperties.Mode.OWNER).write(second.status());
        assertThat(objects.node(n.nodeName(2))).isNull();

        // The instance's ID, Node name and provider ID come back on a new VM, whose Node the pool adopts.
        Node back = objects.node(PoolShapes.ready(n, 2).get(n.providerId(2)).node());
        kube.nodes().withName(n.nodeName(2)).edit(node -> {
            node.getMetadata().setAnnotations(new HashMap<>(Map.of(
                    ClusterApi.NODE_CLUSTER_NAME_ANNOTATION, n.cluster(),
                    ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION, n.namespace(),
                    ClusterApi.NODE_OWNER_KIND_ANNOTATION, ClusterApi.KIND_MACHINE_POOL,
                    ClusterApi.NODE_OWNER_NAME_ANNOTATION, n.pool())));
            return node;
        });

        // A restarted writer (no copies) is given the status that retired the old Node, with its time.
        writer(StatusProperties.Mode.OWNER).write(second.status(), StatusPosition.at(computed));

        assertThat(objects.node(n.nodeName(2))).as("the new VM's Node").isNotNull()
                .extracting(node -> node.getMetadata().getUid()).isEqualTo(back.getMetadata().getUid());
    }

    /**
     * A pool Poolstream takes over (owner mode) comes with the provider ID lists Cluster API and CAPA wrote. Until the
     * provider reports its group, its status is written and the lists stay: cluster-autoscaler finds the pool's Nodes
     * by them. Once the group is reported, they are the provider's.
     */
    @Test
    void shouldKeepTheProviderIdListsOfAPoolTakenOverUntilItsGroupIsReported() {
        Names n = new Names(NAMESPACE, "taken-over", CLUSTER, "wr-taken-over");
        objects.pool(n, 3, Map.of());
        List<String> theirs = List.of(n.providerId(1), n.providerId(2));
        kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName(n.pool()).edit(p -> {
            p.getSpec().setProviderIDList(theirs);
            return p;
        });
        kube.resources(AWSMachinePool.class).inNamespace(NAMESPACE).withName(n.pool()).edit(p -> {
            p.getSpec().setProviderIDList(theirs);
            return p;
        });
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);
        StatusCalculator.Look unreported = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 3), null, Map.of()), null, PoolShape.T0);

        writer.write(unreported.status());

        assertThat(map(objects.machinePool(n).getAdditionalProperties().get("status")))
                .isEqualTo(json(unreported.status().status())).containsEntry("replicas", 0);
        assertThat(map(objects.awsMachinePool(n).getAdditionalProperties().get("status")))
                .containsEntry("ready", false);
        assertThat(map(objects.machinePool(n).getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(theirs);
        assertThat(map(objects.awsMachinePool(n).getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(theirs);

        StatusCalculator.Look reported = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 3), group(n, 3, "1", null), ready(n, 3)), unreported.view(), PoolShape.T0);
        writer.write(reported.status());

        List<String> three = List.of(n.providerId(1), n.providerId(2), n.providerId(3));
        assertThat(map(objects.machinePool(n).getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(three);
        assertThat(map(objects.awsMachinePool(n).getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(three);
    }

    /**
     * A pool being deleted: Cluster API's controllers then run only their delete path and write no spec, so
     * {@code spec.providerIDList} stays and the generation with it (each new generation had the reconciler send another
     * DeleteGroup: four for one deletion in the e2e scenario {@code delete-pool}). The status is still written.
     */
    @Test
    void shouldWriteTheStatusButNoSpecOfAPoolBeingDeleted() {
        Names n = new Names(NAMESPACE, "deleting", CLUSTER, "wr-deleting");
        objects.pool(n, 2, Map.of());
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);
        StatusCalculator.Look two = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)), null, PoolShape.T0);
        writer.write(two.status());
        List<String> both = List.of(n.providerId(1), n.providerId(2));
        assertThat(map(objects.machinePool(n).getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(both);
        var pools = List.of(generic(MachinePool.class), generic(dev.poolstream.api.infrastructure.v1beta2
                .AWSMachinePool.class));
        try {
            // Held by a finalizer, as Poolstream's own hold them: deleted, not gone.
            for (var objectsOfKind : pools) {
                objectsOfKind.withName(n.pool()).edit(o -> {
                    o.getMetadata().setFinalizers(List.of("test.poolstream.dev/hold"));
                    return o;
                });
                objectsOfKind.withName(n.pool()).delete();
            }
            GenericKubernetesResource deleting = objects.machinePool(n);
            assertThat(deleting.getMetadata().getDeletionTimestamp()).isNotNull();
            long generation = deleting.getMetadata().getGeneration();
            long infraGeneration = objects.awsMachinePool(n).getMetadata().getGeneration();

            StatusCalculator.Look one = StatusCalculator.look(n.poolKey(),
                    new PoolInputs(spec(n, 1), group(n, 1, "1", null), ready(n, 1)), two.view(),
                    PoolShape.T0.plusSeconds(60));
            writer.write(one.status());

            GenericKubernetesResource pool = objects.machinePool(n);
            assertThat(map(pool.getAdditionalProperties().get("status"))).containsEntry("replicas", 1);
            assertThat(map(pool.getAdditionalProperties().get("spec")).get("providerIDList")).isEqualTo(both);
            assertThat(pool.getMetadata().getGeneration()).as("the generation").isEqualTo(generation);
            GenericKubernetesResource infra = objects.awsMachinePool(n);
            assertThat(map(infra.getAdditionalProperties().get("status"))).containsEntry("replicas", 1);
            assertThat(map(infra.getAdditionalProperties().get("spec")).get("providerIDList")).isEqualTo(both);
            assertThat(infra.getMetadata().getGeneration()).isEqualTo(infraGeneration);
        } finally {
            for (var objectsOfKind : pools) {
                objectsOfKind.withName(n.pool()).edit(o -> {
                    o.getMetadata().setFinalizers(List.of());
                    return o;
                });
            }
        }
    }

    private static io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource,
            io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> generic(
            Class<? extends io.fabric8.kubernetes.api.model.HasMetadata> type) {
        return kube.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(type)).inNamespace(NAMESPACE);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(StatusProperties.Mode.class)
    void shouldPutAnInvalidSpecOnTheAwsMachinePoolsConditionsAndRecordAnEventOnBothPools(StatusProperties.Mode mode) {
        Names n = new Names(NAMESPACE, "invalid-" + mode.name().toLowerCase().replace('_', '-'), CLUSTER,
                "wr-invalid-" + mode.ordinal());
        objects.pool(n, 2, Map.of());
        StatusWriter writer = writer(mode);
        StatusCalculator.Look valid = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)), null, PoolShape.T0);
        writer.write(valid.status());
        assertThat(RealApiObjects.condition(objects.awsMachinePool(n), "ASGReady")).containsEntry("status", "True");

        // Replicas 500 against the AWSMachinePool's [0, 100].
        StatusCalculator.Look invalid = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 500), group(n, 2, "1", null), ready(n, 2)), valid.view(),
                PoolShape.T0.plusSeconds(60));
        writer.write(invalid.status());

        GenericKubernetesResource infra = objects.awsMachinePool(n);
        for (String type : List.of("Ready", "ASGReady")) {
            assertThat(RealApiObjects.condition(infra, type)).as(type).containsEntry("status", "False")
                    .containsEntry("severity", "Error").containsEntry("reason", "ReplicasOutOfRange")
                    .hasEntrySatisfying("message", m -> assertThat((String) m)
                            .startsWith("replicas 500 is outside [0, 100], the minSize and maxSize of AWSMachinePool"));
        }
        // The writes before keep their meaning: ready and replicas as the contract wants them.
        assertThat(map(infra.getAdditionalProperties().get("status"))).containsEntry("ready", true)
                .containsEntry("replicas", 2);
        for (GenericKubernetesResource object : List.of(objects.machinePool(n), infra)) {
            assertThat(RealApiObjects.eventsOn(kube, object)).as(object.getKind())
                    .filteredOn(e -> "Warning".equals(e.getType())).singleElement().satisfies(e -> {
                        assertThat(e.getReason()).isEqualTo("ReplicasOutOfRange");
                        assertThat(e.getNote()).startsWith("replicas 500 is outside [0, 100]");
                        assertThat(e.getReportingController()).isEqualTo(StatusWriter.REPORTING_CONTROLLER);
                        assertThat(e.getRegarding().getKind()).isEqualTo(object.getKind());
                    });
        }

        // The same status again: the object says it already, and the problem is no news.
        String version = objects.awsMachinePool(n).getMetadata().getResourceVersion();
        writer.write(invalid.status());
        assertThat(objects.awsMachinePool(n).getMetadata().getResourceVersion()).isEqualTo(version);
        assertThat(RealApiObjects.eventsOn(kube, objects.awsMachinePool(n)))
                .filteredOn(e -> "Warning".equals(e.getType())).singleElement()
                .satisfies(e -> assertThat(e.getSeries()).isNull());
        assertThat(server.refusedWrites()).filteredOn(r -> NAMESPACE.equals(r.namespace())).isEmpty();
    }

    @Test
    void shouldWriteTheNextStatusWithoutReadingFirstAndReadAgainWhenSomeoneElseChangedTheObject() {
        Names n = new Names(NAMESPACE, "unread", CLUSTER, "wr-unread");
        objects.pool(n, 3, Map.of());
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);
        StatusCalculator.Look first = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 3), group(n, 3, "1", null), ready(n, 2)), null, PoolShape.T0);
        writer.write(first.status());
        Instant afterFirst = Instant.now();

        StatusCalculator.Look second = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 3), group(n, 3, "1", null), ready(n, 3)), first.view(),
                PoolShape.T0.plusSeconds(10));
        writer.write(second.status());

        assertThat(machinePoolCalls(n, afterFirst)).as("the second status write: no read before it")
                .containsExactly("update status 200", "patch  200");
        assertThat(status(objects.machinePool(n))).containsEntry("readyReplicas", 3);

        // Someone else changes the MachinePool (its spec): the version the writer kept is stale.
        kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName(n.pool())
                .edit(mp -> {
                    mp.getMetadata().setLabels(Map.of("edited", "by-someone-else"));
                    return mp;
                });
        Instant afterEdit = Instant.now();
        StatusCalculator.Look third = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 3), group(n, 3, "1", null), ready(n, 2)), second.view(),
                PoolShape.T0.plusSeconds(20));
        writer.write(third.status());

        assertThat(machinePoolCalls(n, afterEdit)).as("refused as stale, read again, written")
                .containsExactly("update status 409", "get  200", "update status 200", "patch  200");
        assertThat(status(objects.machinePool(n))).containsEntry("readyReplicas", 2);
    }

    @Test
    void shouldWriteAStatusAgainThatAnotherReplicaChangedOnceItsPartitionWasGivenUp() {
        Names n = new Names(NAMESPACE, "handed", CLUSTER, "wr-handed");
        objects.pool(n, 2, Map.of());
        StatusWriter first = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);
        StatusWriter other = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);
        StatusCalculator.Look valid = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)), null, PoolShape.T0);
        first.write(valid.status());
        // The pool's partition goes to the other replica, which writes a problem (replicas 500 against [0, 100]).
        first.forgetSeenObjects();
        StatusCalculator.Look invalid = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 500), group(n, 2, "1", null), ready(n, 2)), valid.view(),
                PoolShape.T0.plusSeconds(60));
        other.write(invalid.status());
        assertThat(RealApiObjects.condition(objects.awsMachinePool(n), "Ready")).containsEntry("status", "False");

        // The partition comes back, and the problem is fixed: the status the first replica wrote before, which it
        // must not take for standing.
        first.write(valid.status());

        assertThat(RealApiObjects.condition(objects.awsMachinePool(n), "Ready")).containsEntry("status", "True");
    }

    @ParameterizedTest
    @EnumSource(StatusProperties.Mode.class)
    void shouldWriteNothingForAStatusTheObjectsSayAlready(StatusProperties.Mode mode) {
        Names n = new Names(NAMESPACE, "said-" + mode.name().toLowerCase().replace('_', '-'), CLUSTER,
                "wr-said-" + mode.ordinal());
        objects.pool(n, 2, Map.of());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StatusWriter writer = new StatusWriter(management, workloads, mode, RealApiObjects.events(management,
                Clock.systemUTC()), registry);
        PoolStatus status = look(new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)));

        writer.write(status);
        writer.write(status); // a status sent again: a crash before the commit, a partition handed over

        assertThat(registry.find("poolstream.status.writes").counters())
                .allSatisfy(c -> assertThat(c.count()).as(c.getId().getTag("object")).isEqualTo(1))
                .extracting(c -> c.getId().getTag("object")).contains("infrastructure-status",
                        "infrastructure-provider-ids");
    }

    @ParameterizedTest
    @EnumSource(StatusProperties.Mode.class)
    void shouldWriteNothingOfADeletedPoolsStatusOntoThePoolMadeAgainUnderItsName(StatusProperties.Mode mode) {
        Names n = new Names(NAMESPACE, "again-" + mode.name().toLowerCase().replace('_', '-'), CLUSTER,
                "wr-again-" + mode.ordinal());
        PoolSpec oldSpec = madeWithUids(n);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StatusWriter writer = new StatusWriter(management, workloads, mode, RealApiObjects.events(management,
                Clock.systemUTC()), registry);
        StatusCalculator.Look first = StatusCalculator.look(n.poolKey(),
                new PoolInputs(oldSpec, group(n, 2, "1", null), ready(n, 1)), null, PoolShape.T0);
        writer.write(first.status());
        assertThat(status(objects.awsMachinePool(n))).containsEntry("replicas", 1);

        MachinePool made = madeAgain(n);
        GenericKubernetesResource madeInfra = objects.awsMachinePool(n);
        // A status of the old pool, computed before it went, reaches the writer late (it kept the old objects).
        StatusCalculator.Look late = StatusCalculator.look(n.poolKey(),
                new PoolInputs(oldSpec, group(n, 2, "1", null), ready(n, 2)), first.view(),
                PoolShape.T0.plusSeconds(10));
        writer.write(late.status());

        // Not one write to the new objects: no status, no provider IDs, no Event, no machine of the old instances.
        assertThat(objects.machinePool(n).getMetadata().getResourceVersion())
                .isEqualTo(made.getMetadata().getResourceVersion());
        assertThat(objects.awsMachinePool(n).getMetadata().getResourceVersion())
                .isEqualTo(madeInfra.getMetadata().getResourceVersion());
        assertThat(RealApiObjects.eventsOn(kube, objects.machinePool(n))).isEmpty();
        assertThat(RealApiObjects.eventsOn(kube, madeInfra)).isEmpty();
        assertThat(kube.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(
                        dev.poolstream.api.infrastructure.v1beta2.AWSMachine.class)).inNamespace(NAMESPACE).list()
                .getItems()).flatExtracting(m -> m.getMetadata().getOwnerReferences())
                .extracting(r -> r.getUid()).doesNotContain(madeInfra.getMetadata().getUid());
        assertThat(registry.counter("poolstream.status.writes.skipped", "reason", "pool-replaced").count())
                .isEqualTo(1);

        // The new pool's own status is written.
        PoolSpec newSpec = PoolShapes.withUids(spec(n, 2), n, made.getMetadata().getUid(),
                madeInfra.getMetadata().getUid());
        writer.write(StatusCalculator.look(n.poolKey(), new PoolInputs(newSpec, group(n, 2, "1", null),
                ready(n, 2)), null, PoolShape.T0.plusSeconds(20)).status());
        assertThat(status(objects.awsMachinePool(n))).containsEntry("replicas", 2);
        if (mode == StatusProperties.Mode.OWNER) {
            assertThat(status(objects.machinePool(n))).containsEntry("readyReplicas", 2);
        }
    }

    /**
     * The instances' lane of a writer that kept no copy of the pool's objects (another replica wrote the pool's
     * status, or the copies went at a hand-over) reads them, and writes none of the instances' objects of a late
     * status of the pool deleted since: no machine, no Node adopted.
     */
    @ParameterizedTest
    @EnumSource(StatusProperties.Mode.class)
    void shouldWriteNoInstanceObjectOfADeletedPoolsStatusWithoutACopyOfItsObjects(StatusProperties.Mode mode) {
        Names n = new Names(NAMESPACE, "lane-again-" + mode.name().toLowerCase().replace('_', '-'), CLUSTER,
                "wr-lane-again-" + mode.ordinal());
        PoolSpec oldSpec = madeWithUids(n);
        madeAgain(n);
        GenericKubernetesResource madeInfra = objects.awsMachinePool(n);
        PoolShapes.ready(n, 2).values().forEach(m -> objects.node(m.node()));
        StatusCalculator.Look late = StatusCalculator.look(n.poolKey(),
                new PoolInputs(oldSpec, group(n, 2, "1", null), ready(n, 2)), null, PoolShape.T0);
        assertThat(late.status().members()).as("Nodes to adopt").anyMatch(m -> m.hasNode() && !m.nodeAdopted());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StatusWriter writer = new StatusWriter(management, workloads, mode, RealApiObjects.events(management,
                Clock.systemUTC()), registry);

        writer.writeInstances(late.status(), null);

        for (int i = 1; i <= 2; i++) {
            assertThat(adopted(objects.node(n.nodeName(i)), n)).as(n.nodeName(i)).isFalse();
        }
        assertThat(kube.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(
                        dev.poolstream.api.infrastructure.v1beta2.AWSMachine.class)).inNamespace(NAMESPACE).list()
                .getItems()).flatExtracting(m -> m.getMetadata().getOwnerReferences())
                .extracting(r -> r.getUid()).doesNotContain(madeInfra.getMetadata().getUid());
        assertThat(registry.counter("poolstream.status.writes.skipped", "reason", "pool-replaced").count())
                .isEqualTo(1);
    }

    @Test
    void shouldNotPatchTheProviderIdsOfAPoolMadeAgainUnderItsNameFromTheCopyOfTheOldOne() {
        // A namespace of its own: the other tests find no write refused in theirs.
        String namespace = NAMESPACE + "-again";
        server.namespace(namespace);
        Names n = new Names(namespace, "again-ids", CLUSTER, "wr-again-ids");
        PoolSpec oldSpec = madeWithUids(n);
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);
        PoolStatus written = look(new PoolInputs(oldSpec, group(n, 2, "1", null), ready(n, 2)));
        writer.write(written);
        MachinePool made = madeAgain(n);
        Instant afterMade = Instant.now();

        // The same status with other provider IDs: only the list is to be written, on the copy the writer kept, with
        // no read before it. The object of that name is another now: its uid refuses the patch. (And a third
        // instance among the members, whose machines the new objects must not get.)
        List<PoolMember> three = look(new PoolInputs(oldSpec, group(n, 3, "1", null), ready(n, 3))).members();
        PoolStatus ids = new PoolStatus(written.pool(), written.generation(), written.cluster(),
                written.infrastructureKind(), written.infrastructureName(), written.status(),
                written.providerIDList().subList(0, 1), written.infrastructureReady(), three,
                written.retired(), written.terminating(), written.poolUid(), written.infrastructureUid());
        // Not thrown (not to be tried again): the instances' part reads the pool's objects after the refused patch,
        // finds them others, and the status is skipped as a replaced pool's.
        writer.write(ids);
        writer.write(ids);

        // The patch refused by its test of the uid; the instances' part's read of the MachinePool after it, which
        // finds the other object and writes none; the next write's read, which finds the other object and writes
        // nothing.
        assertThat(machinePoolCalls(n, afterMade)).containsExactly("patch  422", "get  200", "get  200");
        assertThat(objects.machinePool(n).getMetadata().getResourceVersion())
                .isEqualTo(made.getMetadata().getResourceVersion());
        // Nor a machine of the old pool's instances made for the new objects, read after their writes failed.
        assertThat(kube.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(
                        dev.poolstream.api.infrastructure.v1beta2.AWSMachine.class)).inNamespace(namespace).list()
                .getItems()).flatExtracting(m -> m.getMetadata().getOwnerReferences())
                .extracting(r -> r.getUid()).doesNotContain(objects.awsMachinePool(n).getMetadata().getUid());
    }

    @Test
    void shouldRecordNoEventOfADeletedPoolsStatusOnThePoolMadeAgainUnderItsName() {
        Names n = new Names(NAMESPACE, "again-events", CLUSTER, "wr-again-events");
        MachinePool old = objects.pool(n, 2, Map.of());
        String infraUid = objects.awsMachinePool(n).getMetadata().getUid();
        StatusWriter writer = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);
        StatusCalculator.Look valid = StatusCalculator.look(n.poolKey(), new PoolInputs(
                PoolShapes.withUids(spec(n, 2), n, old.getMetadata().getUid(), infraUid), group(n, 2, "1", null),
                ready(n, 2)), null, PoolShape.T0);
        writer.write(valid.status());
        // The MachinePool alone is made again (its infrastructure pool's deletion held up meanwhile).
        kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName(n.pool()).delete();
        MachinePool made = kube.resource(dev.poolstream.testing.MachinePoolSpecs.machinePool(NAMESPACE, n.pool(),
                CLUSTER, 2)).create();

        // The old pool's last status, with news: replicas 500 against the AWSMachinePool's [0, 100].
        writer.write(StatusCalculator.look(n.poolKey(), new PoolInputs(
                PoolShapes.withUids(spec(n, 500), n, old.getMetadata().getUid(), infraUid), group(n, 2, "1", null),
                ready(n, 2)), valid.view(), PoolShape.T0.plusSeconds(60)).status());

        assertThat(RealApiObjects.eventsOn(kube, objects.awsMachinePool(n)))
                .extracting(e -> e.getReason()).contains("ReplicasOutOfRange");
        assertThat(RealApiObjects.eventsOn(kube, objects.machinePool(n))).as("on the new MachinePool").isEmpty();
        assertThat(objects.machinePool(n).getMetadata().getUid()).isEqualTo(made.getMetadata().getUid());
    }

    @ParameterizedTest
    @EnumSource(StatusProperties.Mode.class)
    void shouldWriteNothingOfAPoolRefusedAsSharingAnotherPoolsInfrastructurePoolOntoIt(StatusProperties.Mode mode) {
        Names owner = new Names(NAMESPACE, "sharing-" + mode.ordinal(), CLUSTER, "wr-sharing-" + mode.ordinal());
        objects.pool(owner, 2, Map.of());
        StatusWriter writer = writer(mode);
        writer.write(look(new PoolInputs(spec(owner, 2), group(owner, 2, "1", null), ready(owner, 2))));
        GenericKubernetesResource before = objects.awsMachinePool(owner);
        assertThat(map(before.getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(List.of(owner.providerId(1), owner.providerId(2)));

        // A second MachinePool names the same AWSMachinePool: the watcher publishes it unresolved, shared.
        Names second = new Names(NAMESPACE, "sharer-" + mode.ordinal(), CLUSTER, "wr-sharer-" + mode.ordinal());
        PoolSpec shared = withInfrastructure(spec(second, 1), InfrastructurePool.unresolved(
                ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL, owner.pool(),
                new dev.poolstream.events.Failure(InfrastructurePool.REASON_SHARED, "AWSMachinePool "
                        + NAMESPACE + "/" + owner.pool() + " is MachinePool " + owner.pool() + "'s")));
        writer.write(look(new PoolInputs(shared, null, Map.of())));

        GenericKubernetesResource after = objects.awsMachinePool(owner);
        assertThat(after.getMetadata().getResourceVersion()).isEqualTo(before.getMetadata().getResourceVersion());
        assertThat(RealApiObjects.eventsOn(kube, after)).extracting(e -> e.getReason())
                .doesNotContain(InfrastructurePool.REASON_SHARED);
    }

    @Test
    void shouldTellAnErrorAgainThatClearedUnderAnotherReplicaWhileItHadThePool() {
        Names n = new Names(NAMESPACE, "told-again", CLUSTER, "wr-told-again");
        objects.pool(n, 2, Map.of());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StatusWriter first = new StatusWriter(management, workloads, StatusProperties.Mode.INFRASTRUCTURE_PROVIDER,
                RealApiObjects.events(management, Clock.systemUTC()), registry);
        StatusWriter other = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);
        StatusCalculator.Look valid = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)), null, PoolShape.T0);
        StatusCalculator.Look invalid = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 500), group(n, 2, "1", null), ready(n, 2)), valid.view(),
                PoolShape.T0.plusSeconds(60));
        first.write(invalid.status());
        // The partition goes to the other replica, under which the error clears; then it comes back, and so does
        // the error.
        first.forgetSeenObjects();
        other.write(valid.status());
        first.write(invalid.status());

        assertThat(registry.counter("poolstream.status.events", "reason", "ReplicasOutOfRange").count())
                .isEqualTo(2);
    }

    @Test
    void shouldTellAPoolMadeAgainUnderItsNameTheErrorTheOldOneWasToldOf() {
        Names n = new Names(NAMESPACE, "told-new", CLUSTER, "wr-told-new");
        MachinePool old = objects.pool(n, 2, Map.of());
        StatusWriter writer = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);
        writer.write(look(new PoolInputs(PoolShapes.withUids(spec(n, 500), n, old.getMetadata().getUid(),
                objects.awsMachinePool(n).getMetadata().getUid()), group(n, 2, "1", null), ready(n, 2))));
        MachinePool made = madeAgain(n);

        // Its status comes before the old one's tombstone reached the writer (a batch takes the latest of a pool).
        writer.write(look(new PoolInputs(PoolShapes.withUids(spec(n, 500), n, made.getMetadata().getUid(),
                objects.awsMachinePool(n).getMetadata().getUid()), group(n, 2, "1", null), ready(n, 2))));

        assertThat(RealApiObjects.eventsOn(kube, objects.awsMachinePool(n))).extracting(e -> e.getReason())
                .contains("ReplicasOutOfRange");
    }

    /** The requests on a Node received within [since, until]: verb, code. */
    private static List<String> nodeCalls(String node, Instant since, Instant until) {
        return server.requests().stream().filter(r -> "nodes".equals(r.resource()) && node.equals(r.name())
                        && r.received() != null && !r.received().isBefore(since) && !r.received().isAfter(until))
                .map(r -> r.verb() + " " + r.code()).toList();
    }

    /** The writer's requests on the pool's MachinePool since {@code since}: verb, subresource, code. */
    private static List<String> machinePoolCalls(Names n, Instant since) {
        return server.requests().stream().filter(r -> n.namespace().equals(r.namespace()) && n.pool().equals(r.name())
                        && "machinepools".equals(r.resource()) && r.user().endsWith(":" + RealApiObjects.SERVICE_ACCOUNT)
                        && r.received() != null && r.received().isAfter(since))
                .map(r -> r.verb() + " " + (r.subresource() == null ? "" : r.subresource()) + " " + r.code())
                .toList();
    }

    @Test
    void shouldCountAnErrorThatComesBackOnTheSeriesOfItsFirstEvent() {
        Names n = new Names(NAMESPACE, "error-again", CLUSTER, "wr-error-again");
        objects.pool(n, 2, Map.of());
        /* The Events' clock: now, moved forward by the test. */
        MovableClock clock = MovableClock.system();
        StatusWriter writer = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER, clock);
        StatusCalculator.Look invalid = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 500), group(n, 2, "1", null), ready(n, 2)), null, PoolShape.T0);
        writer.write(invalid.status());
        StatusCalculator.Look valid = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)), invalid.view(),
                PoolShape.T0.plusSeconds(60));
        writer.write(valid.status());

        // The same error again, past the interval at which one Event's series is written: the first Event counts
        // it (read, then updated: events.k8s.io get and update), no second Event is made.
        clock.advance(KubeEvents.SERIES_INTERVAL);
        StatusCalculator.Look again = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 500), group(n, 2, "1", null), ready(n, 2)), valid.view(),
                PoolShape.T0.plusSeconds(120));
        writer.write(again.status());

        for (GenericKubernetesResource object : List.of(objects.machinePool(n), objects.awsMachinePool(n))) {
            assertThat(RealApiObjects.eventsOn(kube, object)).as(object.getKind())
                    .filteredOn(e -> "Warning".equals(e.getType())).singleElement().satisfies(e -> {
                        assertThat(e.getReason()).isEqualTo("ReplicasOutOfRange");
                        assertThat(e.getSeries()).isNotNull();
                        assertThat(e.getSeries().getCount()).isEqualTo(2);
                    });
        }
        assertThat(server.requests()).filteredOn(r -> NAMESPACE.equals(r.namespace())
                        && r.user().endsWith(":" + RealApiObjects.SERVICE_ACCOUNT) && r.resource().equals("events"))
                .extracting(r -> r.verb() + " " + r.code()).contains("create 201", "get 200", "update 200");
        assertThat(server.refusedWrites()).filteredOn(r -> NAMESPACE.equals(r.namespace())).isEmpty();
    }

    @Test
    void shouldPutTheCloudsErrorOnTheAzureMachinePoolsScaleSetRunningAndRecordAnEventOnBothPools() {
        Names n = new Names(NAMESPACE, "azure-error", CLUSTER, "wr-azure-error");
        var azure = kube.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(
                dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool.class)).inNamespace(NAMESPACE);
        azure.resource(new GenericKubernetesResourceBuilder()
                .withApiVersion(ClusterApi.INFRASTRUCTURE_GROUP + "/v1beta1").withKind(ClusterApi.KIND_AZURE_MACHINE_POOL)
                .withNewMetadata().withNamespace(NAMESPACE).withName(n.pool()).endMetadata()
                .addToAdditionalProperties("spec", Map.of("location", "westeurope",
                        "template", Map.of("vmSize", "Standard_D2s_v3", "osDisk", Map.of("osType", "Linux"))))
                .build()).create();
        var pool = dev.poolstream.testing.MachinePoolSpecs.machinePool(NAMESPACE, n.pool(), CLUSTER, 1);
        pool.getSpec().getTemplate().getSpec().getInfrastructureRef().setKind(ClusterApi.KIND_AZURE_MACHINE_POOL);
        kube.resource(pool).create();
        PoolSpec azureSpec = withInfrastructure(spec(n, 1), new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP,
                ClusterApi.KIND_AZURE_MACHINE_POOL, n.pool(), null, 1, List.of(), null,
                new InfraSpec.Azure(new dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec()), null));
        String message = "VM Scale Set model: no image given, and no default image reference is looked up";
        PoolStatus status = look(new PoolInputs(azureSpec,
                group(n, 1, "1", new dev.poolstream.events.Failure("InvalidTemplate", message)), ready(n, 1)));

        writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER).write(status);

        GenericKubernetesResource infra = azure.withName(n.pool()).get();
        assertThat(RealApiObjects.conditions(infra)).extracting(c -> c.get("type"))
                .containsExactly("Ready", "ScaleSetModelUpdated", "ScaleSetRunning");
        assertThat(RealApiObjects.condition(infra, "ScaleSetRunning")).containsEntry("status", "False")
                .containsEntry("reason", "InvalidTemplate").containsEntry("message", message);
        assertThat(RealApiObjects.condition(infra, "Ready")).containsEntry("reason", "InvalidTemplate");
        assertThat(RealApiObjects.condition(infra, "ScaleSetModelUpdated")).containsEntry("status", "True");
        for (GenericKubernetesResource object : List.of(objects.machinePool(n), infra)) {
            assertThat(RealApiObjects.eventsOn(kube, object)).as(object.getKind()).singleElement()
                    .satisfies(e -> {
                        assertThat(e.getType()).isEqualTo("Warning");
                        assertThat(e.getReason()).isEqualTo("InvalidTemplate");
                        assertThat(e.getNote()).isEqualTo(message);
                    });
        }
        assertThat(server.refusedWrites()).filteredOn(r -> NAMESPACE.equals(r.namespace())).isEmpty();
    }

    // ---- bad inputs: the status is always written, says why, and recovers by itself --------------------------------

    /** The MachinePool alone (no AWSMachinePool), as a user who forgot it would make it. */
    private static GenericKubernetesResource machinePoolAlone(Names n) {
        kube.resource(dev.poolstream.testing.MachinePoolSpecs.machinePool(NAMESPACE, n.pool(), n.cluster(), 2))
                .create();
        return objects.machinePool(n);
    }

    /** The spec as the watcher publishes it when the infrastructure pool does not exist. */
    /** A pool of 2 made on the API server, and its spec naming its objects' uids. */
    private static PoolSpec madeWithUids(Names n) {
        MachinePool made = objects.pool(n, 2, Map.of());
        return PoolShapes.withUids(spec(n, 2), n, made.getMetadata().getUid(),
                objects.awsMachinePool(n).getMetadata().getUid());
    }

    /** kubectl delete, then apply of the same manifests: the same names, new objects. */
    private static MachinePool madeAgain(Names n) {
        kube.resources(MachinePool.class).inNamespace(n.namespace()).withName(n.pool()).delete();
        kube.resources(AWSMachinePool.class).inNamespace(n.namespace()).withName(n.pool()).delete();
        return objects.pool(n, 2, Map.of());
    }

    private static PoolSpec infrastructureMissing(Names n) {
        return withInfrastructure(spec(n, 2), InfrastructurePool.unresolved(ClusterApi.INFRASTRUCTURE_GROUP,
                ClusterApi.KIND_AWS_MACHINE_POOL, n.pool(), new dev.poolstream.events.Failure(
                        InfrastructurePool.REASON_NOT_FOUND, "AWSMachinePool " + NAMESPACE + "/" + n.pool()
                        + " does not exist")));
    }

    private static Map<String, Object> status(GenericKubernetesResource object) {
        return map(object.getAdditionalProperties().get("status"));
    }

    private static List<io.fabric8.kubernetes.api.model.events.v1.Event> warnings(GenericKubernetesResource object) {
        return RealApiObjects.eventsOn(kube, object).stream().filter(e -> "Warning".equals(e.getType())).toList();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(StatusProperties.Mode.class)
    void shouldWriteWhyWhenTheInfrastructurePoolDoesNotExistAndRecoverOnceItDoes(StatusProperties.Mode mode) {
        Names n = new Names(NAMESPACE, "no-infra-" + mode.ordinal(), CLUSTER, "wr-noinfra-" + mode.ordinal());
        machinePoolAlone(n);
        StatusWriter writer = writer(mode);
        StatusCalculator.Look missing = StatusCalculator.look(n.poolKey(),
                new PoolInputs(infrastructureMissing(n), null, Map.of()), null, PoolShape.T0);

        writer.write(missing.status());

        GenericKubernetesResource pool = objects.machinePool(n);
        if (mode == StatusProperties.Mode.OWNER) {
            assertThat(status(pool)).containsEntry("phase", "Provisioning");
            assertThat(RealApiObjects.conditions(pool)).filteredOn(c -> "InfrastructureReady".equals(c.get("type")))
                    .singleElement().satisfies(c -> assertThat(c).containsEntry("status", "False")
                            .containsEntry("reason", "InfrastructureNotFound")
                            .containsEntry("message", "AWSMachinePool " + NAMESPACE + "/" + n.pool()
                                    + " does not exist"));
        }
        assertThat(warnings(pool)).singleElement().satisfies(e -> {
            assertThat(e.getReason()).isEqualTo("InfrastructureNotFound");
            assertThat(e.getNote()).isEqualTo("AWSMachinePool " + NAMESPACE + "/" + n.pool() + " does not exist");
        });

        // The user creates it: the next status computed is written, nothing is stuck.
        var infra = new dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool();
        infra.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace(NAMESPACE)
                .withName(n.pool()).build());
        infra.setSpec(PoolShapes.awsSpec());
        kube.resource(infra).create();
        StatusCalculator.Look found = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)), missing.view(),
                PoolShape.T0.plusSeconds(60));
        writer.write(found.status());

        assertThat(RealApiObjects.condition(objects.awsMachinePool(n), "Ready")).containsEntry("status", "True");
        assertThat(status(objects.awsMachinePool(n))).containsEntry("ready", true).containsEntry("replicas", 2);
        if (mode == StatusProperties.Mode.OWNER) {
            assertThat(status(objects.machinePool(n))).containsEntry("phase", "Running");
            assertThat(RealApiObjects.condition(objects.machinePool(n), "InfrastructureReady"))
                    .containsEntry("status", "True");
        }
        assertThat(server.refusedWrites()).filteredOn(r -> NAMESPACE.equals(r.namespace())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(StatusProperties.Mode.class)
    void shouldNameTheMissingBootstrapSecretOnceTheProviderGivesUpAndRecoverOnceItExists(StatusProperties.Mode mode) {
        Names n = new Names(NAMESPACE, "no-bootstrap-" + mode.ordinal(), CLUSTER, "wr-noboot-" + mode.ordinal());
        objects.pool(n, 2, Map.of()); // its bootstrap Secret, <pool>-bootstrap, is never made
        StatusWriter writer = writer(mode);
        String secretMissing = "BootstrapDataSecretNotFound: Secret " + NAMESPACE + "/" + n.pool()
                + "-bootstrap does not exist (yet)";
        StatusCalculator.Look waiting = StatusCalculator.look(n.poolKey(), new PoolInputs(spec(n, 2), null, Map.of()),
                null, PoolShape.T0);
        // What the provider publishes when its retries of EnsureGroup ran out.
        StatusCalculator.Look gaveUp = StatusCalculator.look(n.poolKey(), new PoolInputs(spec(n, 2),
                new dev.poolstream.events.ScalingGroupState(n.poolKey(), dev.poolstream.events.Cloud.AWS, n.pool(),
                        false, 0, 0, 0, null, false, 0, null,
                        new dev.poolstream.events.Failure("RetriesExhausted", secretMissing)), Map.of()),
                waiting.view(), PoolShape.T0.plusSeconds(10));

        writer.write(waiting.status());
        writer.write(gaveUp.status());

        GenericKubernetesResource infra = objects.awsMachinePool(n);
        for (String type : List.of("Ready", "ASGReady")) {
            assertThat(RealApiObjects.condition(infra, type)).as(type).containsEntry("status", "False")
                    .containsEntry("reason", "RetriesExhausted").containsEntry("message", secretMissing);
        }
        if (mode == StatusProperties.Mode.OWNER) {
            assertThat(RealApiObjects.condition(objects.machinePool(n), "InfrastructureReady"))
                    .containsEntry("status", "False").containsEntry("reason", "RetriesExhausted")
                    .containsEntry("message", secretMissing);
        }
        assertThat(warnings(objects.machinePool(n))).singleElement()
                .satisfies(e -> assertThat(e.getNote()).isEqualTo(secretMissing));

        // The bootstrap provider writes the Secret, the provider makes the group: written, the error gone.
        StatusCalculator.Look made = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)), gaveUp.view(),
                PoolShape.T0.plusSeconds(60));
        writer.write(made.status());

        assertThat(RealApiObjects.condition(objects.awsMachinePool(n), "ASGReady")).containsEntry("status", "True");
        if (mode == StatusProperties.Mode.OWNER) {
            assertThat(RealApiObjects.condition(objects.machinePool(n), "InfrastructureReady"))
                    .containsEntry("status", "True");
        }
        assertThat(server.refusedWrites()).filteredOn(r -> NAMESPACE.equals(r.namespace())).isEmpty();
    }

    /** A Cluster whose kubeconfig Secret holds {@code value}. */
    private static void kubeconfig(String cluster, String value) {
        kube.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withNamespace(NAMESPACE)
                .withName(ClusterApi.kubeconfigSecretName(cluster))
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, cluster).endMetadata()
                .addToData(ClusterApi.KUBECONFIG_SECRET_KEY, java.util.Base64.getEncoder().encodeToString(
                        value.getBytes(java.nio.charset.StandardCharsets.UTF_8))).build()).createOr(e -> e.update());
    }

    private static final String GARBAGE = "this is no kubeconfig: {{ secret-token-4711";

    @Test
    void shouldWriteThePoolsStatusSayWhyItsNodesAreUnseenAndTendThemOnceTheKubeconfigIsFixed() {
        Names n = new Names(NAMESPACE, "garbage", "garbage", "wr-garbage");
        kubeconfig(n.cluster(), GARBAGE);
        objects.pool(n, 2, Map.of());
        // Its Nodes exist (and were seen: the watcher keeps what it published, or another cluster's watch sees
        // them), but the watcher cannot watch this cluster and says why on the pool's record.
        PoolShapes.ready(n, 2).values().forEach(m -> objects.node(m.node()));
        String why = "the Nodes of workload cluster " + n.clusterKey() + " cannot be watched: the kubeconfig in "
                + "Secret " + n.clusterKey() + "-kubeconfig cannot be used (MismatchedInputException)";
        PoolSpec unwatchable = spec(n, 2).withWorkloadCluster(new dev.poolstream.events.Failure(
                "WorkloadClusterUnreachable", why));
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);
        StatusCalculator.Look look = StatusCalculator.look(n.poolKey(),
                new PoolInputs(unwatchable, group(n, 2, "1", null), ready(n, 2)), null, PoolShape.T0);

        // Only the Nodes fail: to be tried again; the message names the Secret and never quotes it.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.write(look.status()))
                .isInstanceOf(dev.poolstream.status.kube.StatusWriteException.class)
                .hasMessageContaining("the Nodes in workload cluster " + n.clusterKey())
                .hasMessageContaining("the kubeconfig in Secret " + n.clusterKey() + "-kubeconfig cannot be used")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("secret-token-4711"));

        GenericKubernetesResource pool = objects.machinePool(n);
        assertThat(status(pool)).containsEntry("phase", "Running").containsEntry("readyReplicas", 2);
        assertThat(RealApiObjects.condition(pool, "MachinesReady")).containsEntry("status", "Unknown")
                .containsEntry("reason", "WorkloadClusterUnreachable").containsEntry("message", why);
        assertThat(map(pool.getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(List.of(n.providerId(1), n.providerId(2)));
        assertThat(status(objects.awsMachinePool(n))).containsEntry("ready", true).containsEntry("replicas", 2);
        assertThat(warnings(pool)).singleElement().satisfies(e -> {
            assertThat(e.getReason()).isEqualTo("WorkloadClusterUnreachable");
            assertThat(e.getNote()).isEqualTo(why);
        });
        assertThat(adopted(objects.node(n.nodeName(1)), n)).isFalse();

        // Fixed: the write tried again goes through, and the Nodes are tended.
        kubeconfig(n.cluster(), server.kubeconfig());
        writer.write(look.status());
        assertThat(adopted(objects.node(n.nodeName(1)), n)).isTrue();
        assertThat(adopted(objects.node(n.nodeName(2)), n)).isTrue();
        // And the watcher's next record: the pool's Nodes are seen again.
        StatusCalculator.Look seen = StatusCalculator.look(n.poolKey(),
                new PoolInputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)), look.view(),
                PoolShape.T0.plusSeconds(60));
        writer.write(seen.status());
        assertThat(RealApiObjects.condition(objects.machinePool(n), "MachinesReady")).containsEntry("status", "True");
        assertThat(server.refusedWrites()).filteredOn(r -> NAMESPACE.equals(r.namespace())).isEmpty();
    }

    @Test
    void shouldWriteThePoolsStatusAndFailOnlyItsNodesQuicklyWhenTheWorkloadClusterDoesNotAnswer() {
        Names n = new Names(NAMESPACE, "unreachable", "unreachable", "wr-unreachable");
        // A kubeconfig that parses, for a server nothing listens on.
        kubeconfig(n.cluster(), server.kubeconfig().replaceAll("server: *\\S+", "server: https://127.0.0.1:1"));
        objects.pool(n, 1, Map.of());
        PoolStatus status = look(new PoolInputs(spec(n, 1), group(n, 1, "1", null), ready(n, 1)));
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);

        long started = System.nanoTime();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.write(status))
                .isInstanceOf(dev.poolstream.status.kube.StatusWriteException.class)
                .hasMessageContaining("the Nodes in workload cluster " + n.clusterKey());
        // One attempt, under a second here, not fabric8's retries with backoff (about 20 s against a closed port,
        // minutes against one that does not answer): the retrying is the listener's, off the consumer thread.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));

        assertThat(status(objects.machinePool(n))).containsEntry("phase", "Running");
        assertThat(status(objects.awsMachinePool(n))).containsEntry("ready", true);
    }

    @Test
    void shouldWriteTheOtherPartsWhenTheServerRefusesOneAndSayWhichFailed() {
        // Its own namespace: the refusal here is on purpose, the other tests check there is none in theirs.
        String namespace = "status-writer-refused";
        server.namespace(namespace);
        Names n = new Names(namespace, "refused", CLUSTER, "wr-refused");
        objects.pool(n, 1, Map.of());
        PoolStatus status = look(new PoolInputs(spec(n, 1), group(n, 1, "1", null), ready(n, 1)));
        // A reason metav1.Condition's pattern refuses: the API server answers 422 to the MachinePool's status.
        status.status().getConditions().get(0).setReason("not a reason!");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer(StatusProperties.Mode.OWNER).write(status))
                .isInstanceOf(dev.poolstream.status.kube.StatusWriteException.class)
                .hasMessageContaining("the MachinePool's status: ")
                .hasMessageContaining("422")
                .hasMessageNotContaining("the status of AWSMachinePool");

        // The infrastructure pool's part is written all the same.
        assertThat(status(objects.awsMachinePool(n))).containsEntry("ready", true).containsEntry("replicas", 1);
        assertThat(server.refusedWrites()).filteredOn(r -> namespace.equals(r.namespace()))
                .extracting(r -> r.code()).containsOnly(422);
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter out = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }

    private static PoolStatus look(PoolInputs inputs) {
        String pool = inputs.spec().namespace() + "/" + inputs.spec().name();
        StatusCalculator.Look look = StatusCalculator.look(pool, inputs, (PoolView) null, PoolShape.T0);
        return look.status();
    }

    private static PoolSpec withInfrastructure(PoolSpec s, InfrastructurePool infrastructure) {
        return new PoolSpec(s.namespace(), s.name(), s.uid(), s.generation(), s.labels(), s.annotations(),
                s.finalizers(), s.deletionTimestamp(), s.spec(), infrastructure, s.clusterPaused());
    }

    private static int index(String providerId) {
        return Integer.parseInt(providerId.substring(providerId.lastIndexOf('-') + 1));
    }
}
