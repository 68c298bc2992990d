package dev.poolstream.status.realapi;

import static dev.poolstream.status.realapi.RealApiObjects.map;
import static dev.poolstream.status.shapes.PoolShapes.group;
import static dev.poolstream.status.shapes.PoolShapes.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.KubeTime;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolMachine;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachine;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.kube.WorkloadClients;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolDeparture;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.status.config.StatusProperties;
import dev.poolstream.status.domain.InstanceMachines;
import dev.poolstream.status.domain.Member;
import dev.poolstream.status.domain.PoolInputs;
import dev.poolstream.status.domain.PoolView;
import dev.poolstream.status.domain.StatusCalculator;
import dev.poolstream.status.domain.StatusPosition;
import dev.poolstream.status.kube.StatusWriter;
import dev.poolstream.status.shapes.PoolShape;
import dev.poolstream.status.shapes.PoolShape.Names;
import dev.poolstream.status.shapes.PoolShapes;
import dev.poolstream.testing.AuditedRequest;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.MachinePoolSpecs;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real tier: the per-instance objects (docs/machines.md) the {@link StatusWriter} keeps, through the real CRDs'
 * validation and the status service's RBAC: they appear with the members, hold their finalizers while the instance
 * is a member, and go when it leaves; Machines only in owner mode.
 */
class InstanceMachinesRealApiIT {

    private static final String NAMESPACE = "instance-machines";
    private static final String CLUSTER = "machines";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Set<String> MACHINE_RESOURCES = Set.of("awsmachines", "azuremachinepoolmachines",
            "machines");

    private static KubeApiServer server;
    private static KubernetesClient kube;
    private static KubernetesClient management;
    private static RealApiObjects objects;
    private final List<StatusWriter> writers = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = KubeApiServer.shared().namespace(NAMESPACE);
        kube = server.client();
        objects = new RealApiObjects(server);
        objects.kubeconfigSecret(server, NAMESPACE, CLUSTER);
        management = RealApiObjects.asStatusService(server);
    }

    @AfterAll
    static void stop() {
        if (management != null) {
            management.close();
        }
    }

    @AfterEach
    void closeWriters() {
        writers.forEach(StatusWriter::close);
    }

    private StatusWriter writer(StatusProperties.Mode mode) {
        return writer(management, mode);
    }

    private StatusWriter writer(KubernetesClient as, StatusProperties.Mode mode) {
        StatusWriter writer = new StatusWriter(as, new WorkloadClients(as), mode, RealApiObjects.events(as),
                new SimpleMeterRegistry());
        writers.add(writer);
        return writer;
    }

    @Test
    void shouldKeepAnAwsMachineAndAMachinePerMemberHoldThemWhileItIsOneAndLetThemGoWhenItLeavesWhenOwner() {
        Names n = new Names(NAMESPACE, "owner-aws", CLUSTER, "im-owner");
        objects.pool(n, 2, Map.of());
        kube.genericKubernetesResources(context(MachinePool.class)).inNamespace(NAMESPACE).withName(n.pool())
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"template\":{\"metadata\":{"
                        + "\"labels\":{\"team\":\"a\"},\"annotations\":{\"note\":\"from the template\"}}}}}");
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);
        // Instance 1 has a Ready Node; instance 2 is still booting.
        PoolStatus both = look(spec(n, 2), members(n, 2));
        String one = PoolMachines.machineName(n.pool(), n.providerId(1));
        String two = PoolMachines.machineName(n.pool(), n.providerId(2));

        writer.write(both);

        GenericKubernetesResource infraPool = objects.awsMachinePool(n);
        assertThat(map(infraPool.getAdditionalProperties().get("status")))
                .containsEntry("infrastructureMachineKind", "AWSMachine");
        GenericKubernetesResource aws1 = get(AWSMachine.class, one);
        assertThat(aws1.getMetadata().getLabels()).containsEntry(ClusterApi.CLUSTER_NAME_LABEL, CLUSTER)
                .containsEntry(ClusterApi.POOL_NAME_LABEL, n.pool());
        assertThat(aws1.getMetadata().getFinalizers()).containsExactly(ClusterApi.INSTANCE_FINALIZER);
        assertThat(aws1.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("AWSMachinePool");
            assertThat(o.getUid()).isEqualTo(infraPool.getMetadata().getUid());
            assertThat(o.getBlockOwnerDeletion()).isTrue();
            assertThat(o.getController()).isNull();
        });
        assertThat(map(aws1.getAdditionalProperties().get("spec"))).containsEntry("providerID", n.providerId(1))
                .containsEntry("instanceID", "i-im-owner-1").containsEntry("instanceType", "m5.large");
        assertThat(status(aws1)).containsEntry("ready", true).containsEntry("instanceState", "running");
        assertThat(status(get(AWSMachine.class, two))).containsEntry("ready", false)
                .containsEntry("instanceState", "pending");

        GenericKubernetesResource machine1 = get(Machine.class, one);
        GenericKubernetesResource pool = objects.machinePool(n);
        assertThat(machine1.getMetadata().getLabels()).containsEntry("team", "a")
                .containsEntry(ClusterApi.CLUSTER_NAME_LABEL, CLUSTER).containsEntry(ClusterApi.POOL_NAME_LABEL, n.pool());
        assertThat(machine1.getMetadata().getAnnotations()).containsEntry("note", "from the template");
        assertThat(machine1.getMetadata().getFinalizers()).containsExactly(ClusterApi.MACHINE_FINALIZER);
        assertThat(machine1.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("MachinePool");
            assertThat(o.getUid()).isEqualTo(pool.getMetadata().getUid());
            assertThat(o.getController()).isTrue();
            assertThat(o.getBlockOwnerDeletion()).isTrue();
        });
        assertThat(map(machine1.getAdditionalProperties().get("spec"))).containsEntry("clusterName", CLUSTER)
                .containsEntry("providerID", n.providerId(1)).containsEntry("version", PoolShapes.KUBELET)
                .containsEntry("bootstrap", Map.of("dataSecretName", ""))
                .containsEntry("infrastructureRef", Map.of("apiGroup", ClusterApi.INFRASTRUCTURE_GROUP,
                        "kind", "AWSMachine", "name", one));
        assertThat(status(machine1)).containsEntry("phase", "Running")
                .containsEntry("nodeRef", Map.of("name", n.nodeName(1)));
        assertThat(RealApiObjects.condition(machine1, "Ready")).containsEntry("status", "True");
        GenericKubernetesResource machine2 = get(Machine.class, two);
        assertThat(map(machine2.getAdditionalProperties().get("spec"))).doesNotContainKey("version");
        assertThat(status(machine2)).containsEntry("phase", "Provisioning").doesNotContainKey("nodeRef");

        // The same status again: the objects say it already, not one request.
        Map<String, String> versions = versions(one, two);
        long requests = machineRequests(n).size();
        writer.write(both);
        assertThat(versions(one, two)).isEqualTo(versions);
        assertThat(machineRequests(n)).hasSize((int) requests);

        // Someone asks for instance 1's objects to go (a remediation): while it is a member they stay, held.
        kube.genericKubernetesResources(context(Machine.class)).inNamespace(NAMESPACE).withName(one).delete();
        kube.genericKubernetesResources(context(AWSMachine.class)).inNamespace(NAMESPACE).withName(one).delete();
        await().atMost(WAIT).untilAsserted(() -> {
            writer.write(both);
            assertThat(status(get(Machine.class, one))).containsEntry("phase", "Deleting");
        });
        for (Class<? extends HasMetadata> type : List.of(AWSMachine.class, Machine.class)) {
            GenericKubernetesResource held = get(type, one);
            assertThat(held.getMetadata().getDeletionTimestamp()).as(type.getSimpleName()).isNotNull();
            assertThat(held.getMetadata().getFinalizers()).as(type.getSimpleName()).isNotEmpty();
        }

        // Instance 2's Node joins: its Machine gets the kubelet's version and its status in two requests, the status
        // written on the version's write (one before it made the API server answer 409 and was sent again).
        writer.write(look(spec(n, 2), PoolShapes.ready(n, 2)));
        assertThat(map(get(Machine.class, two).getAdditionalProperties().get("spec")))
                .containsEntry("version", PoolShapes.KUBELET);
        assertThat(status(get(Machine.class, two))).containsEntry("nodeRef", Map.of("name", n.nodeName(2)));
        assertThat(machineRequests(n)).filteredOn(r -> two.equals(r.name()) && r.code() >= 400).isEmpty();

        // The cloud ends instance 2 on its own (a spot interruption) and reports it terminating, a termination
        // handler draining its Node meanwhile: its objects stay, held, until the instance is gone.
        Map<String, Member> twoTerminating = new LinkedHashMap<>(members(n, 1));
        twoTerminating.put(n.providerId(2), PoolShapes.member(PoolShapes.instance(n, 2, InstanceLifecycle.TERMINATING,
                "1"), PoolShapes.ready(n, 2).get(n.providerId(2)).node()));
        PoolStatus terminating = look(spec(n, 1), twoTerminating);
        assertThat(terminating.members()).extracting(PoolMember::providerID).containsExactly(n.providerId(1));
        writer.write(terminating);
        assertThat(get(AWSMachine.class, two).getMetadata().getDeletionTimestamp()).isNull();
        assertThat(get(Machine.class, two).getMetadata().getDeletionTimestamp()).isNull();
        assertThat(get(Machine.class, two).getMetadata().getFinalizers()).containsExactly(ClusterApi.MACHINE_FINALIZER);

        // Instance 2 leaves: its objects go. Instance 1 is still a member: its objects stay.
        writer.write(look(spec(n, 1), members(n, 1), n.providerId(2)));
        await().atMost(WAIT).until(() -> get(AWSMachine.class, two) == null && get(Machine.class, two) == null);
        assertThat(get(AWSMachine.class, one)).isNotNull();
        assertThat(get(Machine.class, one)).isNotNull();

        // The reconciler terminated instance 1: its tombstone lets the objects whose deletion was asked go.
        writer.write(look(spec(n, 0), Map.of(), n.providerId(1), n.providerId(2)));
        await().atMost(WAIT).until(() -> get(AWSMachine.class, one) == null && get(Machine.class, one) == null);

        List<String> lifetime = machineRequests(n).stream().filter(r -> two.equals(r.name()))
                .map(r -> r.verb() + " " + r.resource()
                        + (r.subresource() == null || r.subresource().isEmpty() ? "" : "/" + r.subresource()))
                .toList();
        System.out.println("API requests in the life of one instance (created, booting, joined, left): " + lifetime);
        assertThat(lifetime).containsExactlyInAnyOrder("create awsmachines", "update awsmachines/status",
                "update awsmachines/status", "patch awsmachines", "delete awsmachines", "create machines",
                "update machines/status", "patch machines", "update machines/status", "patch machines",
                "delete machines");
        assertThat(server.refusedWrites()).filteredOn(r -> NAMESPACE.equals(r.namespace())).isEmpty();
    }

    /**
     * Owner mode: an instance that vanished on its own (a spot interruption) whose Machine carries a pre-terminate
     * deletion hook. As Cluster API's Machine controller, the Machine is deleted but held by its finalizer while the
     * hook is there (said with an Event), and goes once the hook's owner removes it, without another status.
     */
    @Test
    void shouldHoldTheMachineOfAVanishedInstanceForItsDeletionHooksAndLetItGoOnceTheyAreRemoved() {
        Names n = inNamespaceOfItsOwn("hooks", "hooked", "im-hooks");
        String namespace = n.namespace();
        objects.pool(n, 2, Map.of());
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);
        writer.write(look(spec(n, 2), PoolShapes.ready(n, 2)));
        String two = PoolMachines.machineName(n.pool(), n.providerId(2));
        String hook = ClusterApi.PRE_TERMINATE_HOOK_PREFIX + "/volume-backup";
        kube.genericKubernetesResources(context(Machine.class)).inNamespace(namespace).withName(two)
                .edit(m -> {
                    m.getMetadata().getAnnotations().put(hook, "backup-controller");
                    return m;
                });

        writer.write(look(spec(n, 1), PoolShapes.ready(n, 1), n.providerId(2)));

        GenericKubernetesResource held = get(namespace, Machine.class, two);
        assertThat(held.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(held.getMetadata().getFinalizers()).containsExactly(ClusterApi.MACHINE_FINALIZER);
        assertThat(held.getMetadata().getAnnotations()).containsEntry(InstanceMachines.INSTANCE_GONE_ANNOTATION,
                n.providerId(2));
        assertThat(RealApiObjects.eventsOn(kube, held)).filteredOn(e -> "WaitingForDeletionHooks".equals(
                e.getReason())).singleElement().satisfies(e -> assertThat(e.getNote()).contains(hook));
        await().atMost(WAIT).until(() -> get(namespace, AWSMachine.class, two) == null);
        // Another status of the pool while the hook is there: still held, and said once.
        writer.write(look(spec(n, 1), PoolShapes.ready(n, 1), n.providerId(2)));
        assertThat(get(namespace, Machine.class, two)).isNotNull();
        assertThat(RealApiObjects.eventsOn(kube, held)).filteredOn(e -> "WaitingForDeletionHooks".equals(
                e.getReason())).hasSize(1);

        kube.genericKubernetesResources(context(Machine.class)).inNamespace(namespace).withName(two)
                .edit(m -> {
                    m.getMetadata().getAnnotations().remove(hook);
                    return m;
                });

        await().atMost(WAIT).until(() -> get(namespace, Machine.class, two) == null);
        assertThat(get(namespace, Machine.class, PoolMachines.machineName(n.pool(), n.providerId(1)))).isNotNull();
    }

    @Test
    void shouldMakeAwsMachinesButNoMachineInInfrastructureProviderMode() {
        Names n = new Names(NAMESPACE, "infra-aws", CLUSTER, "im-infra");
        objects.pool(n, 1, Map.of());
        StatusWriter writer = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);
        String one = PoolMachines.machineName(n.pool(), n.providerId(1));

        writer.write(look(spec(n, 1), members(n, 1)));

        assertThat(status(get(AWSMachine.class, one))).containsEntry("ready", true);
        assertThat(map(objects.awsMachinePool(n).getAdditionalProperties().get("status")))
                .containsEntry("infrastructureMachineKind", "AWSMachine");
        assertThat(get(Machine.class, one)).isNull();
        assertThat(kube.genericKubernetesResources(context(Machine.class)).inNamespace(NAMESPACE)
                .withLabel(ClusterApi.POOL_NAME_LABEL, n.pool()).list().getItems()).isEmpty();

        // A tombstone older than the object (read again from an older offset; the pool made again since) lets go of
        // nothing; the pool gone now (its status tombstoned): nothing of it hangs on a finalizer.
        Instant made = KubeTime.parse(get(AWSMachine.class, one).getMetadata().getCreationTimestamp());
        writer.forget(n.poolKey(), StatusPosition.at(made.minusSeconds(60)));
        assertThat(get(AWSMachine.class, one)).as("made after that tombstone").isNotNull()
                .satisfies(o -> assertThat(o.getMetadata().getDeletionTimestamp()).isNull());
        writer.forget(n.poolKey(), afterTheObjects());
        await().atMost(WAIT).until(() -> get(AWSMachine.class, one) == null);
    }

    /**
     * A management cluster with one provider's CRDs alone (CAPA, no AzureMachinePoolMachine), on a server of its own:
     * a deleted pool's objects are let go all the same. The kind not served once failed the forget for good.
     */
    @Test
    void shouldLetADeletedPoolsObjectsGoWhereTheOtherProvidersKindIsNotServed() {
        String crd = "azuremachinepoolmachines." + ClusterApi.INFRASTRUCTURE_GROUP;
        try (KubeApiServer alone = KubeApiServer.startWithout(crd)) {
            KubernetesClient admin = alone.client();
            assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(crd).get()).isNull();
            alone.namespace(NAMESPACE);
            RealApiObjects solo = new RealApiObjects(alone);
            solo.kubeconfigSecret(alone, NAMESPACE, CLUSTER);
            Names n = new Names(NAMESPACE, "capa-alone", CLUSTER, "im-alone");
            solo.pool(n, 1, Map.of());
            try (KubernetesClient asService = RealApiObjects.asStatusService(alone)) {
                StatusWriter writer = writer(asService, StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);
                String one = PoolMachines.machineName(n.pool(), n.providerId(1));
                Instant computed = Instant.now();
                writer.write(look(spec(n, 1), members(n, 1)), new StatusPosition(computed, "status-0", 1));
                assertThat(admin.genericKubernetesResources(context(AWSMachine.class)).inNamespace(NAMESPACE)
                        .withName(one).get()).isNotNull();

                writer.forget(n.poolKey(), new StatusPosition(computed.plusMillis(5), "status-0", 2));

                await().atMost(WAIT).until(() -> admin.genericKubernetesResources(context(AWSMachine.class))
                        .inNamespace(NAMESPACE).withName(one).get() == null);
            }
        }
    }

    @Test
    void shouldLetAnInstancesObjectsGoOnlyForAStatusAfterTheirsOnTheTopicAndInTime() {
        Names n = new Names(NAMESPACE, "replayed", CLUSTER, "im-replayed");
        objects.pool(n, 2, Map.of());
        StatusWriter writer = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);
        String two = PoolMachines.machineName(n.pool(), n.providerId(2));
        String partition = "machinepool.status.v1-5";
        Instant computed = Instant.now();
        writer.write(look(spec(n, 2), members(n, 2)), new StatusPosition(computed, partition, 20, 4));
        assertThat(get(AWSMachine.class, two)).isNotNull().satisfies(o -> assertThat(o.getMetadata().getAnnotations())
                .containsEntry(InstanceMachines.MADE_AT_ANNOTATION, computed.toString())
                .containsEntry(InstanceMachines.MADE_FOR_RECORD_ANNOTATION, partition + "@20")
                .containsEntry(InstanceMachines.MADE_FOR_LOOK_ANNOTATION, "4"));

        // The status from before instance 2 joined, read again after a restart: its objects are none of its business,
        // though the replica that computed it, its clock 4.3 s ahead of the next one's, stamped it later.
        writer.write(look(spec(n, 1), members(n, 1), n.providerId(2)),
                new StatusPosition(computed.plusMillis(4300), partition, 19));
        assertThat(get(AWSMachine.class, two)).as("made for a later status").isNotNull()
                .satisfies(o -> assertThat(o.getMetadata().getDeletionTimestamp()).isNull());
        // Nor a status from before it that reached the topic after it: a replica that lost the pool's task.
        writer.write(look(spec(n, 1), members(n, 1), n.providerId(2)),
                new StatusPosition(computed.minusSeconds(6), partition, 21));
        assertThat(get(AWSMachine.class, two)).as("made for a status computed later").isNotNull()
                .satisfies(o -> assertThat(o.getMetadata().getDeletionTimestamp()).isNull());

        // Instance 2 gone, said by the status after the one its objects were made for: they go (their
        // creationTimestamp alone would not tell, in the same second).
        // Only missing from a status (a crash lost its join): not gone.
        writer.write(look(spec(n, 1), members(n, 1)), new StatusPosition(computed.plusMillis(1), partition, 22));
        assertThat(get(AWSMachine.class, two)).as("only missing").isNotNull()
                .satisfies(o -> assertThat(o.getMetadata().getDeletionTimestamp()).isNull());
        writer.write(look(spec(n, 1), members(n, 1), n.providerId(2)),
                new StatusPosition(computed.plusMillis(2), partition, 23));
        await().atMost(WAIT).until(() -> get(AWSMachine.class, two) == null);
    }

    @Test
    void shouldKeepAnAzureMachinePoolMachinePerMemberAndLetItGoWhenItLeaves() {
        Names n = new Names(NAMESPACE, "azure", CLUSTER, "im-azure");
        azurePool(n, 2);
        PoolSpec azure = azure(spec(n, 2), n);
        StatusWriter writer = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);
        String one = PoolMachines.machineName(n.pool(), n.providerId(1));
        String two = PoolMachines.machineName(n.pool(), n.providerId(2));

        writer.write(look(azure, members(n, 2)));

        GenericKubernetesResource ampm = get(AzureMachinePoolMachine.class, one);
        assertThat(ampm.getMetadata().getFinalizers()).containsExactly(ClusterApi.INSTANCE_FINALIZER);
        assertThat(ampm.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getKind()).isEqualTo("AzureMachinePool"));
        assertThat(map(ampm.getAdditionalProperties().get("spec"))).containsEntry("providerID", n.providerId(1));
        assertThat(status(ampm)).containsEntry("ready", true).containsEntry("provisioningState", "Succeeded")
                .containsEntry("latestModelApplied", true).containsEntry("version", PoolShapes.KUBELET)
                .containsEntry("nodeRef", Map.of("apiVersion", "v1", "kind", "Node", "name", n.nodeName(1),
                        "uid", "uid-" + n.nodeName(1)));
        assertThat(status(get(AzureMachinePoolMachine.class, two))).containsEntry("ready", false)
                .containsEntry("provisioningState", "Creating").doesNotContainKey("nodeRef");
        assertThat(map(kube.genericKubernetesResources(context(AzureMachinePool.class)).inNamespace(NAMESPACE)
                .withName(n.pool()).get().getAdditionalProperties().get("status")))
                .containsEntry("infrastructureMachineKind", "AzureMachinePoolMachine");
        assertThat(get(Machine.class, one)).isNull();

        writer.write(look(azure(spec(n, 1), n), members(n, 1), n.providerId(2)));

        await().atMost(WAIT).until(() -> get(AzureMachinePoolMachine.class, two) == null);
        assertThat(get(AzureMachinePoolMachine.class, one).getMetadata().getFinalizers())
                .containsExactly(ClusterApi.INSTANCE_FINALIZER);
        assertThat(server.refusedWrites()).filteredOn(r -> NAMESPACE.equals(r.namespace())).isEmpty();
    }

    @Test
    void shouldTellAnAwsMachineTheApiServerRefusesAndStillWriteTheRestOfThePool() {
        Names n = inNamespaceOfItsOwn("refused", "no-type", "im-refused");
        String namespace = n.namespace();
        objects.pool(n, 1, Map.of());
        // No instance type: the AWSMachine CRD requires one.
        kube.genericKubernetesResources(context(AWSMachinePool.class)).inNamespace(namespace).withName(n.pool())
                .patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"awsLaunchTemplate\":{\"instanceType\":null}}}");
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);
        PoolStatus status = look(spec(n, 1), members(n, 1));

        writer.write(status);
        writer.write(status);

        GenericKubernetesResource infra = objects.awsMachinePool(n);
        assertThat(map(infra.getAdditionalProperties().get("status"))).containsEntry("replicas", 1);
        assertThat(map(objects.machinePool(n).getAdditionalProperties().get("status"))).containsEntry("replicas", 1);
        assertThat(RealApiObjects.eventsOn(kube, infra)).filteredOn(e -> "MachineWriteRefused".equals(e.getReason()))
                .singleElement().satisfies(e -> {
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getNote()).contains("AWSMachine " + namespace + "/"
                            + PoolMachines.machineName(n.pool(), n.providerId(1))).contains("instanceType");
                });
        // Refused as it is, it is not sent again; the Machine, on its own, was written.
        assertThat(server.refusedWrites()).filteredOn(r -> namespace.equals(r.namespace()))
                .singleElement().satisfies(r -> assertThat(r.resource()).isEqualTo("awsmachines"));
        assertThat(get(namespace, Machine.class, PoolMachines.machineName(n.pool(), n.providerId(1)))).isNotNull();
    }

    /**
     * The name an instance's AWSMachine would have is taken by another's (a pool whose name differs only where the
     * name rule maps '.' to '-', or labels changed): the create's 409 is not taken as "already there". It is said,
     * once, on the infrastructure pool, and the other's object is left as it was.
     */
    @Test
    void shouldSayOnceThatAnInstancesObjectNameIsTakenByAnotherAndLeaveThatObjectAlone() {
        Names n = inNamespaceOfItsOwn("taken", "taken", "im-taken");
        String namespace = n.namespace();
        objects.pool(n, 1, Map.of());
        String name = PoolMachines.machineName(n.pool(), n.providerId(1));
        anothers(namespace, AWSMachine.class, ClusterApi.INFRASTRUCTURE_GROUP + "/v1beta2",
                ClusterApi.KIND_AWS_MACHINE, name, Map.of("instanceType", "m5.large",
                        "providerID", "aws:///eu-west-1a/i-another"));
        StatusWriter writer = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);
        PoolStatus status = look(spec(n, 1), members(n, 1));

        writer.write(status);
        writer.write(status);

        GenericKubernetesResource infra = objects.awsMachinePool(n);
        assertThat(RealApiObjects.eventsOn(kube, infra)).filteredOn(e -> "MachineNameTaken".equals(e.getReason()))
                .singleElement().satisfies(e -> {
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getNote()).isEqualTo("AWSMachine " + namespace + "/" + name + " exists and is not"
                            + " instance " + n.providerId(1) + " of pool " + namespace + "/" + n.pool() + "'s (its pool"
                            + " label another, its provider ID aws:///eu-west-1a/i-another): left alone, and this"
                            + " instance has none");
                });
        GenericKubernetesResource other = get(namespace, AWSMachine.class, name);
        assertThat(other.getMetadata().getLabels()).containsEntry(ClusterApi.POOL_NAME_LABEL, "another");
        assertThat(other.getMetadata().getFinalizers()).isEmpty();
        assertThat(other.getAdditionalProperties().get("status")).isNull();
    }

    /** The same in owner mode, for the Machine: its AWSMachine is made, its Machine's name is another's. */
    @Test
    void shouldSayThatAnInstancesMachineNameIsTakenByAnotherInOwnerMode() {
        Names n = inNamespaceOfItsOwn("taken-owner", "taken", "im-taken-owner");
        String namespace = n.namespace();
        objects.pool(n, 1, Map.of());
        String name = PoolMachines.machineName(n.pool(), n.providerId(1));
        anothers(namespace, Machine.class, "cluster.x-k8s.io/v1beta2", ClusterApi.KIND_MACHINE, name,
                Map.of("clusterName", CLUSTER, "bootstrap", Map.of("dataSecretName", "another-bootstrap"),
                        "infrastructureRef", Map.of("apiGroup", ClusterApi.INFRASTRUCTURE_GROUP,
                                "kind", ClusterApi.KIND_AWS_MACHINE, "name", "another")));
        StatusWriter writer = writer(StatusProperties.Mode.OWNER);

        writer.write(look(spec(n, 1), members(n, 1)));

        assertThat(get(namespace, AWSMachine.class, name)).isNotNull();
        assertThat(RealApiObjects.eventsOn(kube, objects.awsMachinePool(n)))
                .filteredOn(e -> "MachineNameTaken".equals(e.getReason())).singleElement()
                .satisfies(e -> assertThat(e.getNote()).startsWith("Machine " + namespace + "/" + name
                        + " exists and is not instance " + n.providerId(1)));
        assertThat(get(namespace, Machine.class, name).getMetadata().getLabels())
                .containsEntry(ClusterApi.POOL_NAME_LABEL, "another");
    }

    /** The same for an Azure pool: the name its AzureMachinePoolMachine would have is another's. */
    @Test
    void shouldSayThatAnAzureInstancesObjectNameIsTakenByAnother() {
        Names n = inNamespaceOfItsOwn("taken-azure", "taken", "im-taken-azure");
        String namespace = n.namespace();
        azurePool(n, 1);
        String name = PoolMachines.machineName(n.pool(), n.providerId(1));
        String another = "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets"
                + "/another/virtualMachines/0";
        anothers(namespace, AzureMachinePoolMachine.class, ClusterApi.INFRASTRUCTURE_GROUP + "/v1beta1",
                ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE, name, Map.of("providerID", another));
        StatusWriter writer = writer(StatusProperties.Mode.INFRASTRUCTURE_PROVIDER);

        writer.write(look(azure(spec(n, 1), n), members(n, 1)));

        GenericKubernetesResource infra = get(namespace, AzureMachinePool.class, n.pool());
        assertThat(RealApiObjects.eventsOn(kube, infra)).filteredOn(e -> "MachineNameTaken".equals(e.getReason()))
                .singleElement().satisfies(e -> assertThat(e.getNote()).isEqualTo("AzureMachinePoolMachine "
                        + namespace + "/" + name + " exists and is not instance " + n.providerId(1) + " of pool "
                        + namespace + "/" + n.pool() + "'s (its pool label another, its provider ID " + another
                        + "): left alone, and this instance has none"));
        GenericKubernetesResource other = get(namespace, AzureMachinePoolMachine.class, name);
        assertThat(other.getMetadata().getLabels()).containsEntry(ClusterApi.POOL_NAME_LABEL, "another");
        assertThat(other.getMetadata().getFinalizers()).isEmpty();
        assertThat(other.getAdditionalProperties().get("status")).isNull();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    /** The names of a pool in a namespace of its own on the server, {@code <NAMESPACE>-<suffix>}. */
    private static Names inNamespaceOfItsOwn(String suffix, String pool, String instances) {
        String namespace = NAMESPACE + "-" + suffix;
        server.namespace(namespace);
        return new Names(namespace, pool, CLUSTER, instances);
    }

    /** An object of {@code name} that is another pool's (its pool label says "another"), with {@code spec}. */
    private static void anothers(String namespace, Class<? extends HasMetadata> type, String apiVersion, String kind,
                                 String name, Map<String, Object> spec) {
        kube.genericKubernetesResources(context(type)).inNamespace(namespace)
                .resource(new GenericKubernetesResourceBuilder().withApiVersion(apiVersion).withKind(kind)
                        .withNewMetadata().withNamespace(namespace).withName(name)
                        .addToLabels(ClusterApi.POOL_NAME_LABEL, "another").endMetadata()
                        .addToAdditionalProperties("spec", spec).build()).create();
    }

    /** An AzureMachinePool and its MachinePool of {@code replicas}. */
    private static void azurePool(Names n, int replicas) {
        kube.genericKubernetesResources(context(AzureMachinePool.class)).inNamespace(n.namespace())
                .resource(new GenericKubernetesResourceBuilder()
                        .withApiVersion(ClusterApi.INFRASTRUCTURE_GROUP + "/v1beta1")
                        .withKind(ClusterApi.KIND_AZURE_MACHINE_POOL)
                        .withNewMetadata().withNamespace(n.namespace()).withName(n.pool()).endMetadata()
                        .addToAdditionalProperties("spec", Map.of("location", "westeurope", "template",
                                Map.of("vmSize", "Standard_D2s_v3", "osDisk", Map.of("osType", "Linux"))))
                        .build()).create();
        var machinePool = MachinePoolSpecs.machinePool(n.namespace(), n.pool(), CLUSTER, replicas);
        machinePool.getSpec().getTemplate().getSpec().getInfrastructureRef()
                .setKind(ClusterApi.KIND_AZURE_MACHINE_POOL);
        kube.resource(machinePool).create();
    }


    /** Instance 1 with a Ready Node; instance 2 booting, without one. */
    private static Map<String, Member> members(Names n, int count) {
        Map<String, Member> members = new LinkedHashMap<>(PoolShapes.ready(n, 1));
        if (count > 1) {
            members.put(n.providerId(2), PoolShapes.member(PoolShapes.instance(n, 2, InstanceLifecycle.PENDING, "1"),
                    null));
        }
        return members;
    }

    /**
     * The pool's status with these members, and {@code left} seen leaving after every object here was made (objects
     * made without a status's place are compared by their creationTimestamp).
     */
    private static PoolStatus look(PoolSpec spec, Map<String, Member> members, String... left) {
        Names anyGroup = new Names(spec.namespace(), spec.name(), CLUSTER, "g");
        Map<String, PoolDeparture> departures = dev.poolstream.status.domain.Pools.left(afterTheObjects().at(), left);
        return StatusCalculator.look(spec.namespace() + "/" + spec.name(),
                new PoolInputs(spec, group(anyGroup, members.size(), "1", null), members, departures),
                (PoolView) null, PoolShape.T0).status();
    }

    private static PoolSpec azure(PoolSpec s, Names n) {
        return new PoolSpec(s.namespace(), s.name(), s.uid(), s.generation(), s.labels(), s.annotations(),
                s.finalizers(), s.deletionTimestamp(), s.spec(), new InfrastructurePool(
                ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AZURE_MACHINE_POOL, n.pool(), null, 1, List.of(), null,
                new InfraSpec.Azure(new dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec()), null),
                s.clusterPaused());
    }

    private static ResourceDefinitionContext context(Class<? extends HasMetadata> type) {
        return ResourceDefinitionContext.fromResourceType(type);
    }

    private static GenericKubernetesResource get(Class<? extends HasMetadata> type, String name) {
        return get(NAMESPACE, type, name);
    }

    private static GenericKubernetesResource get(String namespace, Class<? extends HasMetadata> type, String name) {
        return kube.genericKubernetesResources(context(type)).inNamespace(namespace).withName(name).get();
    }

    private static Map<String, Object> status(GenericKubernetesResource object) {
        return map(object.getAdditionalProperties().get("status"));
    }

    private static Map<String, String> versions(String... names) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (String name : names) {
            for (Class<? extends HasMetadata> type : List.of(AWSMachine.class, Machine.class)) {
                versions.put(type.getSimpleName() + "/" + name, get(type, name).getMetadata().getResourceVersion());
            }
        }
        return versions;
    }

    /** The status service's requests on the pool's per-instance objects, from the API server's audit log. */
    private static List<AuditedRequest> machineRequests(Names n) {
        return server.requests().stream().filter(r -> n.namespace().equals(r.namespace())
                        && r.user().endsWith(":" + RealApiObjects.SERVICE_ACCOUNT)
                        && MACHINE_RESOURCES.contains(r.resource()) && r.name() != null
                        && r.name().startsWith(n.pool() + "-"))
                .toList();
    }

    /** A status surely after the objects made until now: their creationTimestamps are whole seconds. */
    private static StatusPosition afterTheObjects() {
        return StatusPosition.at(Instant.now().plus(InstanceMachines.CREATED_UNCERTAINTY).plusSeconds(1));
    }
}
