package dev.poolstream.status.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.testing.AuditedRequest;
import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-instance objects cache limited to namespaces lists and watches in those namespaces only, never across the
 * cluster, and refuses the pools of other namespaces; unlimited, it watches all namespaces. Run as the status
 * service's ServiceAccount with the RBAC of {@code k8s/}, on the real API server, whose audit log says where it
 * listed and watched.
 */
class MachineCacheNamespacesRealApiIT {

    private static final String LISTED = "cache-listed";
    private static final String OTHER = "cache-other";
    private static final String POOL = "cache-pool";
    private static final String SERVICE_ACCOUNT = "status-service";

    private static KubeApiServer server;
    private static KubernetesClient management;

    @BeforeAll
    static void start() {
        server = KubeApiServer.shared().namespace(LISTED).namespace(OTHER)
                .applyRbac(Path.of("..", "k8s", "base", "status-service.yaml"));
        KubernetesClient kube = server.client();
        kube.resource(awsMachine(LISTED, "in-listed")).create();
        kube.resource(awsMachine(OTHER, "in-other")).create();
        management = server.clientAs(SERVICE_ACCOUNT);
    }

    @AfterAll
    static void stop() {
        if (management != null) {
            management.close();
        }
    }

    @Test
    void shouldListAndWatchOnlyInItsNamespacesAndRefuseThePoolsOfOthers() {
        int before = server.requests().size();
        try (MachineCache cache = new MachineCache(management, List.of(LISTED, "cache-unused"))) {
            assertThat(cache.objects(LISTED, POOL, ClusterApi.KIND_AWS_MACHINE))
                    .extracting(o -> o.getMetadata().getName()).containsExactly("in-listed");
            assertThatThrownBy(() -> cache.objects(OTHER, POOL, ClusterApi.KIND_AWS_MACHINE))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("limited to the namespaces [" + LISTED + ", cache-unused]");
        }
        assertThat(machineReads(before)).as("where it listed and watched")
                .extracting(AuditedRequest::namespace).containsOnly(LISTED)
                .hasSizeGreaterThanOrEqualTo(1);
        assertThat(machineReads(before)).extracting(AuditedRequest::verb).contains("list");
    }

    @Test
    void shouldWatchAllNamespacesWhenNotLimited() {
        int before = server.requests().size();
        try (MachineCache cache = new MachineCache(management)) {
            assertThat(cache.objects(OTHER, POOL, ClusterApi.KIND_AWS_MACHINE))
                    .extracting(o -> o.getMetadata().getName()).containsExactly("in-other");
            assertThat(cache.objects(LISTED, POOL, ClusterApi.KIND_AWS_MACHINE))
                    .extracting(o -> o.getMetadata().getName()).containsExactly("in-listed");
        }
        assertThat(machineReads(before)).extracting(AuditedRequest::namespace).containsOnly("");
    }

    /** The ServiceAccount's lists and watches of AWSMachines since {@code from}. */
    private static List<AuditedRequest> machineReads(int from) {
        List<AuditedRequest> requests = server.requests();
        return requests.subList(from, requests.size()).stream()
                .filter(r -> r.user().endsWith(":" + SERVICE_ACCOUNT) && r.resource().equals("awsmachines"))
                .filter(r -> r.verb().equals("list") || r.verb().equals("watch")).toList();
    }

    private static GenericKubernetesResource awsMachine(String namespace, String name) {
        return awsMachine(namespace, name, POOL);
    }

    /** An AWSMachine of a pool, as the cache selects them (by label). */
    static GenericKubernetesResource awsMachine(String namespace, String name, String pool) {
        return new GenericKubernetesResourceBuilder()
                .withApiVersion("infrastructure.cluster.x-k8s.io/v1beta2").withKind(ClusterApi.KIND_AWS_MACHINE)
                .withNewMetadata().withNamespace(namespace).withName(name)
                .withLabels(new java.util.HashMap<>(Map.of(ClusterApi.POOL_NAME_LABEL, pool,
                        ClusterApi.CLUSTER_NAME_LABEL, "cache")))
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("instanceType", "t3.large")))
                .build();
    }
}
