package dev.poolstream.status.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

/**
 * Owner mode deletes a retired Node on what it read of it: a Node changed between that read and the delete (here,
 * adopted by another pool) stays. On the real API server, which enforces the delete's precondition.
 */
class RetiredNodeDeleteRealApiIT {

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
}
