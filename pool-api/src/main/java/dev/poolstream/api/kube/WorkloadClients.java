package dev.poolstream.api.kube;

import dev.poolstream.api.ClusterApi;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Clients of workload clusters, built from the Cluster's {@code <cluster>-kubeconfig} Secret when there is work to
 * do there, and kept while the Secret's resourceVersion holds.
 *
 * <p>Every request is bounded in time and made once: trying again belongs to the caller, with its backoff and off
 * its consumer thread. A workload cluster that does not answer costs an attempt a few seconds, not fabric8's default
 * of ten retries with backoff (minutes, during which a single-threaded caller serves no other pool). The kubeconfig is
 * never logged or quoted: a kubeconfig that cannot be used is named by its Secret ({@link WorkloadClusterException}),
 * since a parser's message can hold the file. Its requests carry the management client's {@code User-Agent}, which
 * names the service ({@link ManagementClients#userAgent}).
 */
public final class WorkloadClients implements AutoCloseable {

    /** How long one request may take to connect, and to be answered, unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private record Cached(String resourceVersion, KubernetesClient client) {
    }

    private final KubernetesClient management;
    private final Duration timeout;
    private final Map<String, Cached> clients = new ConcurrentHashMap<>();

    public WorkloadClients(KubernetesClient management) {
        this(management, DEFAULT_TIMEOUT);
    }

    /** @param timeout how long one request to a workload cluster may take to connect, and to be answered */
    public WorkloadClients(KubernetesClient management, Duration timeout) {
        this.management = management;
        this.timeout = timeout;
    }

    /**
     * @param cluster {@code <namespace>/<name>}
     * @return empty when the cluster has no kubeconfig Secret
     * @throws WorkloadClusterException when the Secret cannot be read, or its kubeconfig cannot be used
     */
    public Optional<KubernetesClient> client(String cluster) {
        int slash = cluster.indexOf('/');
        String namespace = cluster.substring(0, slash);
        String name = cluster.substring(slash + 1);
        Secret secret;
        try {
            secret = management.secrets().inNamespace(namespace).withName(ClusterApi.kubeconfigSecretName(name)).get();
        } catch (KubernetesClientException e) {
            throw new WorkloadClusterException("reading Secret " + secret(cluster) + " failed: "
                    + (e.getCode() > 0 ? "HTTP " + e.getCode() : e.getClass().getSimpleName()));
        }
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
        KubernetesClient client;
        try {
            String kubeconfig = new String(Base64.getDecoder().decode(
                    secret.getData().get(ClusterApi.KUBECONFIG_SECRET_KEY)), StandardCharsets.UTF_8);
            client = new KubernetesClientBuilder().withConfig(WorkloadKubeconfig.forOneTry(
                    WorkloadKubeconfig.parse(kubeconfig), timeout,
                    management.getConfiguration().getUserAgent())).build();
        } catch (WorkloadKubeconfig.Refused e) {
            throw new WorkloadClusterException("the kubeconfig in Secret " + secret(cluster) + " " + e.getMessage());
        } catch (RuntimeException e) {
            throw new WorkloadClusterException("the kubeconfig in Secret " + secret(cluster) + " cannot be used ("
                    + e.getClass().getSimpleName() + ")");
        }
        clients.put(cluster, new Cached(version, client));
        return Optional.of(client);
    }

    private static String secret(String cluster) {
        int slash = cluster.indexOf('/');
        return cluster.substring(0, slash + 1) + ClusterApi.kubeconfigSecretName(cluster.substring(slash + 1));
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
