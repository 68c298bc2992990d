package dev.poolstream.watcher.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubeconfigSecretNamesTest {

    private static final Map<String, String> OF_DEMO = Map.of(ClusterApi.CLUSTER_NAME_LABEL, "demo");

    @Test
    void shouldNameTheClusterOfItsKubeconfigSecret() {
        assertThat(KubeconfigSecretNames.clusterOf("demo-kubeconfig", OF_DEMO)).contains("demo");
        assertThat(KubeconfigSecretNames.clusterOf("my-demo-kubeconfig",
                Map.of(ClusterApi.CLUSTER_NAME_LABEL, "my-demo"))).contains("my-demo");
    }

    @Test
    void shouldNotReadTheOtherSecretsClusterApiLabelsWithTheCluster() {
        for (String name : new String[] {"demo-ca", "demo-etcd", "demo-sa", "demo-proxy", "demo-user-kubeconfig",
                "demo-kubeconfig-old", "demo"}) {
            assertThat(KubeconfigSecretNames.clusterOf(name, OF_DEMO)).as(name).isEmpty();
        }
    }

    @Test
    void shouldNotReadAKubeconfigSecretLabelledForAnotherCluster() {
        // "demo-user-kubeconfig" would be the kubeconfig of a cluster "demo-user", but it says it is demo's.
        assertThat(KubeconfigSecretNames.clusterOf("other-kubeconfig", OF_DEMO)).isEmpty();
        assertThat(KubeconfigSecretNames.clusterOf("demo-user-kubeconfig", OF_DEMO)).isEmpty();
    }

    @Test
    void shouldNotReadASecretWithoutTheClusterLabel() {
        assertThat(KubeconfigSecretNames.clusterOf("demo-kubeconfig", null)).isEmpty();
        assertThat(KubeconfigSecretNames.clusterOf("demo-kubeconfig", Map.of())).isEmpty();
        assertThat(KubeconfigSecretNames.clusterOf("demo-kubeconfig", Map.of("app", "demo"))).isEmpty();
        assertThat(KubeconfigSecretNames.clusterOf("-kubeconfig", Map.of(ClusterApi.CLUSTER_NAME_LABEL, "")))
                .isEmpty();
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put(ClusterApi.CLUSTER_NAME_LABEL, null);
        assertThat(KubeconfigSecretNames.clusterOf("null-kubeconfig", nullValue)).isEmpty();
        assertThat(KubeconfigSecretNames.clusterOf(null, OF_DEMO)).isEmpty();
    }
}
