package dev.poolstream.status.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * After a write meets a 409, the writer takes the object as the other writer left it from the cache's informer
 * (no request, no {@code get} grant): the cache hands out the newer version once its watch brings it, and nothing
 * when the watch brings none in time. On the real API server, whose watch is the one the informer follows.
 */
class MachineCacheConflictRealApiIT {

    private static final String NS = "cache-conflict";
    private static final String POOL = "conflict-pool";

    @Test
    void shouldHandOutTheVersionAnotherWriterLeftOnceTheWatchBringsIt() throws Exception {
        KubeApiServer server = KubeApiServer.shared().namespace(NS);
        KubernetesClient admin = server.client();
        GenericKubernetesResource created = admin.resource(awsMachine("conflicted")).create();
        String conflicted = created.getMetadata().getResourceVersion();

        try (MachineCache cache = new MachineCache(admin, List.of(NS))) {
            assertThat(cache.objects(NS, POOL, ClusterApi.KIND_AWS_MACHINE)).hasSize(1);
            CompletableFuture<GenericKubernetesResource> newer = CompletableFuture.supplyAsync(() -> {
                try {
                    return cache.newerThan(ClusterApi.KIND_AWS_MACHINE, NS, "conflicted", conflicted,
                            Duration.ofSeconds(20));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            // Another writer (a health check, CAPA) changes it after this service read it.
            GenericKubernetesResource changed = admin.resource(awsMachine("conflicted")).edit(o -> {
                o.getMetadata().getLabels().put("changed-by", "another-writer");
                return o;
            });

            GenericKubernetesResource handedOut = newer.get(30, TimeUnit.SECONDS);
            assertThat(handedOut.getMetadata().getResourceVersion())
                    .isEqualTo(changed.getMetadata().getResourceVersion());
            assertThat(handedOut.getMetadata().getLabels()).containsEntry("changed-by", "another-writer");

            // Nothing newer than what the informer holds: none within the time.
            assertThat(cache.newerThan(ClusterApi.KIND_AWS_MACHINE, NS, "conflicted",
                    changed.getMetadata().getResourceVersion(), Duration.ofMillis(300))).isNull();
        }
    }

    private static GenericKubernetesResource awsMachine(String name) {
        return MachineCacheNamespacesRealApiIT.awsMachine(NS, name, POOL);
    }
}
