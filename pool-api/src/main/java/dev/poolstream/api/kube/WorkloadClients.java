package dev.poolstream.api.kube;

import dev.poolstream.api.ClusterApi;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Clients of workload clusters, built from the Cluster's {@code <cluster>-kubeconfig} Secret when there is work to
 * do there, and kept while the Secret's resourceVersion holds. The kubeconfig is never logged.
 */
public final class WorkloadClients implements AutoCloseable {

    private record Cached(String resourceVersion, KubernetesClient client) {
    }

    private final KubernetesClient management;
    private final Map<String, Cached> clients = new ConcurrentHashMap<>();

    public WorkloadClients(KubernetesClient management) {
        this.management = management;
    }

    /** @param cluster {@code <namespace>/<name>}; empty when the cluster has no kubeconfig Secret */
    public Optional<KubernetesClient> client(String cluster) {
        int slash = cluster.indexOf('/');
        String namespace = cluster.substring(0, slash);
        String name = cluster.substring(slash + 1);
        Secret secret = management.secrets().inNamespace(namespace).withName(ClusterApi.kubeconfigSecretName(name))
                .get();
        if (secret == null || secret.getData() == null || secret.getData().get(ClusterApi.KUBECONFIG_SECRET_KEY) == null) {
            close(cluster);
            return Optional.empty();
        }
        String version = secret.getMetadata().getResourceVersion();
        Cached cached = clients.get(cluster);
        if (cached != null && cached.resourceVersion().equals(version)) {
            return Optional.of(cached.client());
        }
        close(cluster);
        String kubeconfig = new String(Base64.getDecoder().decode(secret.getData().get(ClusterApi.KUBECONFIG_SECRET_KEY)),
                StandardCharsets.UTF_8);
        Config config = Config.fromKubeconfig(kubeconfig);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        clients.put(cluster, new Cached(version, client));
        return Optional.of(client);
    }

    private void close(String cluster) {
        Cached cached = clients.remove(cluster);
        if (cached != null) {
            cached.client().close();
        }
    }

    @Override
    public void close() {
        clients.keySet().forEach(this::close);
    }
}
