package dev.poolstream.status.realapi;

import static dev.poolstream.status.realapi.RealApiObjects.json;
import static dev.poolstream.status.realapi.RealApiObjects.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.kube.WorkloadClients;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.status.config.StatusProperties;
import dev.poolstream.status.domain.WritePlan;
import dev.poolstream.status.kube.StatusWriter;
import dev.poolstream.status.shapes.PoolShape;
import dev.poolstream.status.shapes.PoolShape.Names;
import dev.poolstream.status.shapes.PoolShapes;
import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real tier: every status the real calculator computes for the table of pool shapes ({@link PoolShapes}, the same
 * table the unit tier checks against the schema) is written by the real writer in owner mode to a real
 * kube-apiserver, which validates it as Cluster API's users' servers do: no 422, and the object then says exactly
 * what was computed. Writing the same status again changes nothing.
 */
class CalculatedStatusRealApiIT {

    private static final String NAMESPACE = "status-shapes";
    private static final String CLUSTER = "shapes";

    private static KubeApiServer server;
    private static RealApiObjects objects;
    private static KubernetesClient management;
    private static WorkloadClients workloads;
    private static StatusWriter writer;

    @BeforeAll
    static void start() {
        server = KubeApiServer.shared().namespace(NAMESPACE);
        objects = new RealApiObjects(server);
        objects.kubeconfigSecret(server, NAMESPACE, CLUSTER);
        // The writer as the status service's ServiceAccount, with the RBAC of k8s/.
        management = RealApiObjects.asStatusService(server);
        workloads = new WorkloadClients(management);
        writer = new StatusWriter(management, workloads, StatusProperties.Mode.OWNER,
                RealApiObjects.events(management), new SimpleMeterRegistry());
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

    static Stream<Arguments> shapes() {
        AtomicInteger index = new AtomicInteger();
        return PoolShapes.all().map(shape -> Arguments.of(shape, index.incrementAndGet()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void shouldAcceptEveryComputedStatusWhenTheWriterWritesItInOwnerMode(PoolShape shape, int index) {
        Names names = new Names(NAMESPACE, "shape-" + index, CLUSTER, "shape" + index);
        List<PoolStatus> statuses = shape.statuses(names);
        boolean annotatedPaused = statuses.stream().anyMatch(WritePlan::paused);
        objects.pool(names, 1, annotatedPaused ? Map.of(ClusterApi.PAUSED_ANNOTATION, "") : Map.of());
        shape.nodes(names).forEach(objects::node);

        for (PoolStatus status : statuses) {
            // A 422 (or any other refusal) is thrown here.
            writer.write(status);

            GenericKubernetesResource pool = objects.machinePool(names);
            Map<String, Object> written = map(pool.getAdditionalProperties().get("status"));
            if (WritePlan.paused(status)) {
                assertThat(conditions(written)).filteredOn(c -> "Paused".equals(c.get("type"))).singleElement()
                        .satisfies(c -> assertThat(c.get("status")).isEqualTo("True"));
            } else {
                assertThat(written).isEqualTo(json(status.status()));
                assertThat(map(pool.getAdditionalProperties().get("spec")).getOrDefault("providerIDList", List.of()))
                        .isEqualTo(status.providerIDList());
            }
        }

        // Written already: a second write of the last status is no request at all.
        PoolStatus last = statuses.get(statuses.size() - 1);
        String poolVersion = objects.machinePool(names).getMetadata().getResourceVersion();
        String infraVersion = objects.awsMachinePool(names).getMetadata().getResourceVersion();
        writer.write(last);
        assertThat(objects.machinePool(names).getMetadata().getResourceVersion()).isEqualTo(poolVersion);
        assertThat(objects.awsMachinePool(names).getMetadata().getResourceVersion()).isEqualTo(infraVersion);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> conditions(Map<String, Object> status) {
        return status.get("conditions") instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
    }
}
