package dev.poolstream.watcher.domain;

import dev.poolstream.api.ClusterApi;
import java.util.Map;
import java.util.Optional;

/**
 * Which Secret holds a workload cluster's kubeconfig. Cluster API names it {@code <cluster>-kubeconfig} and labels
 * it {@code cluster.x-k8s.io/cluster-name=<cluster>}; it labels the cluster's CA, etcd, service-account and proxy
 * Secrets the same way, and providers add others ({@code <cluster>-user-kubeconfig}). Only a Secret whose name is
 * its label's cluster followed by {@code -kubeconfig} is ever read: the others are known by name and labels only.
 */
public final class KubeconfigSecretNames {

    private KubeconfigSecretNames() {
    }

    /** The cluster whose kubeconfig this Secret is, or empty when it is any other Secret. */
    public static Optional<String> clusterOf(String secretName, Map<String, String> labels) {
        String cluster = labels == null ? null : labels.get(ClusterApi.CLUSTER_NAME_LABEL);
        if (secretName == null || cluster == null || cluster.isEmpty()) {
            return Optional.empty();
        }
        return secretName.equals(ClusterApi.kubeconfigSecretName(cluster)) ? Optional.of(cluster) : Optional.empty();
    }
}
