package dev.poolstream.status.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kind's CRD deleted and installed again while the cache watches it (as an upgrade of CAPA may do): the watch ends,
 * its reconnections meet 404s for a while, and the cache sees the objects written once the kind is back, with no
 * restart. fabric8 reconnects such a watch by itself: this path does not reach the cache's exception handler (which
 * keeps the informer where fabric8's would stop it, on a watch that ended with an error of a kind fabric8 does not
 * handle), and the test stays green without it. On a server of its own: the CRD goes away for a while, which the
 * tests sharing a server must not see.
 */
class MachineCacheWatchFailureRealApiIT {

    private static final String NS = "cache-watch-failure";
    private static final String POOL = "recovering-pool";
    private static final String CRD = "awsmachines.infrastructure.cluster.x-k8s.io";

    @Test
    void shouldSeeTheObjectsWrittenOnceTheKindIsInstalledAgain() {
        try (KubeApiServer server = KubeApiServer.start().namespace(NS)) {
            KubernetesClient admin = server.client();
            admin.resource(MachineCacheNamespacesRealApiIT.awsMachine(NS, "before", POOL)).create();
            CustomResourceDefinition crd = admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get();

            try (MachineCache cache = new MachineCache(admin, List.of(NS))) {
                assertThat(cache.objects(NS, POOL, ClusterApi.KIND_AWS_MACHINE)).extracting(o -> o.getMetadata()
                        .getName()).containsExactly("before");

                // The kind goes away (its objects with it): the watch ends, and watching again meets 404s.
                admin.apiextensions().v1().customResourceDefinitions().withName(CRD).delete();
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get() == null);
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> cache.objects(NS, POOL, ClusterApi.KIND_AWS_MACHINE).isEmpty());

                crd.getMetadata().setResourceVersion(null);
                crd.getMetadata().setUid(null);
                crd.getMetadata().setCreationTimestamp(null);
                crd.getMetadata().setManagedFields(null);
                crd.setStatus(null);
                admin.apiextensions().v1().customResourceDefinitions().resource(crd).create();
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                    admin.resource(MachineCacheNamespacesRealApiIT.awsMachine(NS, "after", POOL)).create();
                    return true;
                });

                await().atMost(Duration.ofSeconds(90)).until(() -> cache.objects(NS, POOL,
                        ClusterApi.KIND_AWS_MACHINE).stream().anyMatch(o -> o.getMetadata().getName().equals("after")));
            }
        }
    }
}
