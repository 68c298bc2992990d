package dev.poolstream.status.realapi;

import static dev.poolstream.status.realapi.RealApiObjects.adopted;
import static dev.poolstream.status.realapi.RealApiObjects.json;
import static dev.poolstream.status.realapi.RealApiObjects.map;
import static dev.poolstream.status.shapes.PoolShapes.group;
import static dev.poolstream.status.shapes.PoolShapes.instance;
import static dev.poolstream.status.shapes.PoolShapes.member;
import static dev.poolstream.status.shapes.PoolShapes.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.kube.WorkloadClients;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.status.config.StatusProperties;
import dev.poolstream.status.domain.Member;
import dev.poolstream.status.domain.PoolInputs;
import dev.poolstream.status.domain.StatusCalculator;
import dev.poolstream.status.kube.StatusWriter;
import dev.poolstream.status.shapes.PoolShape;
import dev.poolstream.status.shapes.PoolShape.Names;
import dev.poolstream.status.shapes.PoolShapes;
import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real tier: a paused pool (its {@code cluster.x-k8s.io/paused} annotation, or its Cluster's {@code spec.paused}) is
 * changed in nothing but its Paused condition, in either mode, however its instances and Nodes move meanwhile; and
 * once it resumes, what was held back is done.
 */
class PausedPoolRealApiIT {

    private static final String NAMESPACE = "status-paused";
    private static final String CLUSTER = "paused";

    private static KubeApiServer server;
    private static RealApiObjects objects;
    private static KubernetesClient management;
    private static WorkloadClients workloads;

    @BeforeAll
    static void start() {
        server = KubeApiServer.shared().namespace(NAMESPACE);
        objects = new RealApiObjects(server);
        objects.kubeconfigSecret(server, NAMESPACE, CLUSTER);
        // The writers as the status service's ServiceAccount, with the RBAC of k8s/.
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

    @ParameterizedTest(name = "paused by the Cluster: {0}")
    @ValueSource(booleans = {false, true})
    void shouldChangeNothingButThePausedConditionWhenThePoolIsPaused(boolean byCluster) {
        Names n = new Names(NAMESPACE, byCluster ? "by-cluster" : "by-annotation", CLUSTER,
                byCluster ? "paused-cluster" : "paused-annotation");
        objects.pool(n, 3, Map.of());
        for (int i = 1; i <= 4; i++) {
            objects.node(node(n, i, ConditionStatus.TRUE, PoolShapes.KUBELET));
        }
        StatusWriter owner = new StatusWriter(management, workloads, StatusProperties.Mode.OWNER,
                RealApiObjects.events(management), new SimpleMeterRegistry());
        StatusWriter infrastructureProvider = new StatusWriter(management, workloads,
                StatusProperties.Mode.INFRASTRUCTURE_PROVIDER, RealApiObjects.events(management),
                new SimpleMeterRegistry());

        // Running unpaused: instances 1 and 2 of 3 wanted, their Nodes adopted. Phase ScalingUp.
        StatusCalculator.Look scalingUp = look(n, spec(n, false, byCluster), members(n, 1, 2), null, PoolShape.T0);
        owner.write(scalingUp.status());
        GenericKubernetesResource before = objects.machinePool(n);
        GenericKubernetesResource infraBefore = objects.awsMachinePool(n);
        Map<String, Object> statusBefore = map(before.getAdditionalProperties().get("status"));
        assertThat(statusBefore).containsEntry("phase", "ScalingUp");
        assertThat(adopted(objects.node(n.nodeName(1)), n)).isTrue();

        // Paused: instance 2 leaves (its Node retired), 3 and 4 join with Nodes not yet adopted. Unpaused, the phase
        // would move to Running, Nodes 3 and 4 be adopted, Node 2 deleted, the provider ID lists change.
        StatusCalculator.Look paused = look(n, spec(n, true, byCluster), members(n, 1, 3, 4), scalingUp.view(),
                PoolShape.T0.plusSeconds(60));
        assertThat(paused.status().status().getPhase().getValue()).isEqualTo("Running");
        assertThat(paused.status().retired()).extracting(m -> m.nodeName()).containsExactly(n.nodeName(2));

        infrastructureProvider.write(paused.status());
        assertThat(objects.machinePool(n).getMetadata().getResourceVersion())
                .isEqualTo(before.getMetadata().getResourceVersion());
        assertThat(objects.awsMachinePool(n).getMetadata().getResourceVersion())
                .isEqualTo(infraBefore.getMetadata().getResourceVersion());

        owner.write(paused.status());

        GenericKubernetesResource after = objects.machinePool(n);
        Map<String, Object> statusAfter = map(after.getAdditionalProperties().get("status"));
        assertThat(conditions(statusAfter)).filteredOn(c -> "Paused".equals(c.get("type"))).singleElement()
                .satisfies(c -> {
                    assertThat(c.get("status")).isEqualTo("True");
                    assertThat(c.get("reason")).isEqualTo("Paused");
                });
        // Everything else as it was: phase, counts, nodeRefs, versions, the other conditions.
        Map<String, Object> othersAfter = new LinkedHashMap<>(statusAfter);
        Map<String, Object> othersBefore = new LinkedHashMap<>(statusBefore);
        othersAfter.put("conditions", conditions(statusAfter).stream().filter(c -> !"Paused".equals(c.get("type")))
                .toList());
        othersBefore.put("conditions", conditions(statusBefore).stream().filter(c -> !"Paused".equals(c.get("type")))
                .toList());
        assertThat(othersAfter).isEqualTo(othersBefore);
        assertThat(statusAfter).containsEntry("phase", "ScalingUp");
        assertThat(map(after.getAdditionalProperties().get("spec")).get("providerIDList"))
                .isEqualTo(List.of(n.providerId(1), n.providerId(2)));
        assertThat(objects.awsMachinePool(n).getMetadata().getResourceVersion())
                .isEqualTo(infraBefore.getMetadata().getResourceVersion());
        assertThat(objects.node(n.nodeName(2))).as("the retired Node").isNotNull();
        for (int i = 3; i <= 4; i++) {
            assertThat(objects.node(n.nodeName(i)).getMetadata().getAnnotations()).isNullOrEmpty();
            assertThat(objects.node(n.nodeName(i)).getSpec().getTaints()).extracting(t -> t.getKey())
                    .contains(ClusterApi.UNINITIALIZED_TAINT_KEY);
        }
        // Said once: the same paused status again is no write.
        owner.write(paused.status());
        assertThat(objects.machinePool(n).getMetadata().getResourceVersion())
                .isEqualTo(after.getMetadata().getResourceVersion());

        // Still paused at the look the retired Node's time calls for, and resumed later, past the time a retired
        // Node is kept: its clock stood still while paused, so what was held back is done now.
        Instant due = paused.view().nextLook();
        assertThat(due).isEqualTo(PoolShape.T0.plusSeconds(60).plus(java.time.Duration.ofMinutes(10)));
        StatusCalculator.Look stillPaused = look(n, spec(n, true, byCluster), members(n, 1, 3, 4), paused.view(), due);
        StatusCalculator.Look resumed = look(n, spec(n, false, byCluster), members(n, 1, 3, 4), stillPaused.view(),
                PoolShape.T0.plusSeconds(1200));
        owner.write(resumed.status());

        Map<String, Object> statusResumed = map(objects.machinePool(n).getAdditionalProperties().get("status"));
        assertThat(statusResumed).isEqualTo(json(resumed.status().status()));
        assertThat(statusResumed).containsEntry("phase", "Running");
        assertThat(objects.node(n.nodeName(2))).as("the retired Node").isNull();
        for (int i = 3; i <= 4; i++) {
            assertThat(adopted(objects.node(n.nodeName(i)), n)).isTrue();
        }
    }

    /** The members of the previous look that are none now were seen leaving a second before. */
    private static StatusCalculator.Look look(Names n, PoolSpec spec, Map<String, Member> members,
                                              dev.poolstream.status.domain.PoolView previous, Instant now) {
        Map<String, dev.poolstream.events.PoolDeparture> departures = new java.util.HashMap<>();
        if (previous != null) {
            previous.status().members().stream().filter(m -> !members.containsKey(m.providerID()))
                    .forEach(m -> departures.put(m.providerID(), new dev.poolstream.events.PoolDeparture(
                            m.providerID(), now.minusSeconds(1), previous.status().look())));
        }
        return StatusCalculator.look(n.poolKey(), new PoolInputs(spec, group(n, 3, "1", null), members, departures),
                previous, now);
    }

    private static PoolSpec spec(Names n, boolean paused, boolean byCluster) {
        return PoolShapes.spec(n, 3, 0, paused && !byCluster ? Map.of(ClusterApi.PAUSED_ANNOTATION, "") : Map.of(),
                false, paused && byCluster, true);
    }

    private static Map<String, Member> members(Names n, int... indexes) {
        Map<String, Member> members = new LinkedHashMap<>();
        for (int i : indexes) {
            members.put(n.providerId(i), member(instance(n, i, InstanceLifecycle.RUNNING, "1"),
                    node(n, i, ConditionStatus.TRUE, PoolShapes.KUBELET)));
        }
        return members;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> conditions(Map<String, Object> status) {
        return status.get("conditions") instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
    }
}
