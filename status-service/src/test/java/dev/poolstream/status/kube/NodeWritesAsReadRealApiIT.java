package dev.poolstream.status.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolKey;
import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

/**
 * Owner mode writes a Node on what it read of it: a retired Node changed between that read and the delete (here,
 * adopted by another pool) stays; a Node gone before its adoption is skipped. On the real API server, which enforces
 * the delete's precondition.
 */
class NodeWritesAsReadRealApiIT {

    @Test
    void shouldDeleteARetiredNodeOnlyAsItWasRead() {
        KubernetesClient kube = KubeApiServer.shared().client();
        Node read = kube.nodes().resource(new NodeBuilder().withNewMetadata().withName("retired-changed")
                .addToAnnotations(ClusterApi.NODE_OWNER_NAME_ANNOTATION, "this-pool").endMetadata().build()).create();
        kube.nodes().withName("retired-changed").edit(n -> {
            n.getMetadata().getAnnotations().put(ClusterApi.NODE_OWNER_NAME_ANNOTATION, "other-pool");
            return n;
        });

        assertThat(StatusWriter.deleteAsRead(kube, read)).isFalse();
        assertThat(kube.nodes().withName("retired-changed").get()).as("the Node changed since it was read")
                .isNotNull();

        Node now = kube.nodes().withName("retired-changed").get();
        assertThat(StatusWriter.deleteAsRead(kube, now)).isTrue();
        assertThat(kube.nodes().withName("retired-changed").get()).isNull();
        assertThat(StatusWriter.deleteAsRead(kube, now)).as("already gone").isFalse();
    }

    @Test
    void shouldAdoptANodeAsReadAndGoOnWhenItWentSince() {
        KubernetesClient kube = KubeApiServer.shared().client();
        Node read = kube.nodes().resource(new NodeBuilder().withNewMetadata().withName("adopted-gone").endMetadata()
                .build()).create();
        PoolKey pool = PoolKey.parse("team-a/workers");

        assertThat(StatusWriter.adoptAsRead(kube, read, pool, "demo")).isTrue();
        assertThat(kube.nodes().withName("adopted-gone").get().getMetadata().getAnnotations())
                .containsEntry(ClusterApi.NODE_OWNER_NAME_ANNOTATION, "workers");

        Node again = kube.nodes().withName("adopted-gone").get();
        kube.nodes().withName("adopted-gone").delete();
        kube.nodes().withName("adopted-gone").waitUntilCondition(java.util.Objects::isNull, 30,
                java.util.concurrent.TimeUnit.SECONDS);
        // Gone between the read and the patch: nothing to adopt, and the pool's write goes on.
        assertThat(StatusWriter.adoptAsRead(kube, again, pool, "demo")).isFalse();
    }
}
