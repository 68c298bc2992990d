package dev.poolstream.status.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.kube.WorkloadClients;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The clients the writer tends Nodes with: those of {@link WorkloadClients} (built from the Cluster's
 * {@code <cluster>-kubeconfig} Secret, rebuilt when it changes), with every request bounded in time and made once.
 * Trying again is the writer's, with backoff and off the consumer thread: a workload cluster that does not answer
 * costs an attempt a few seconds, not fabric8's default of ten retries with backoff (minutes, during which no other
 * pool's status would be written). A kubeconfig that cannot be used is named by its Secret and never quoted: a
 * parser's message can hold the file.
 */
final class BoundedWorkloadClients implements AutoCloseable {

    /** A client of {@link WorkloadClients}, and the bounded one made from its configuration. */
    private record Bounded(KubernetesClient source, KubernetesClient client) {
    }

    private final WorkloadClients workloads;
    private final int timeoutMillis;
    private final Map<String, Bounded> clients = new ConcurrentHashMap<>();

    BoundedWorkloadClients(WorkloadClients workloads, Duration timeout) {
        this.workloads = workloads;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    /**
     * @param cluster {@code <namespace>/<name>}
     * @return empty when the cluster has no kubeconfig Secret
     * @throws WorkloadClusterException when the Secret cannot be read, or its kubeconfig cannot be used
     */
    Optional<KubernetesClient> client(String cluster) {
        Optional<KubernetesClient> source;
        try {
            source = workloads.client(cluster);
        } catch (KubernetesClientException e) {
            throw new WorkloadClusterException(e.getCode() > 0
                    ? "reading Secret " + secret(cluster) + " failed: HTTP " + e.getCode()
                    + (e.getStatus() == null || e.getStatus().getMessage() == null ? ""
                    : " (" + e.getStatus().getMessage() + ")")
                    : unusable(cluster, e));
        } catch (RuntimeException e) {
            throw new WorkloadClusterException(unusable(cluster, e));
        }
        if (source.isEmpty()) {
            close(cluster);
            return Optional.empty();
        }
        Bounded bounded = clients.compute(cluster, (key, old) -> {
            if (old != null && old.source() == source.get()) {
                return old;
            }
            if (old != null) {
                old.client().close();
            }
            return new Bounded(source.get(), bound(source.get().getConfiguration()));
        });
        return Optional.of(bounded.client());
    }

    private KubernetesClient bound(Config config) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(config)
                .withConnectionTimeout(timeoutMillis)
                .withRequestTimeout(timeoutMillis)
                .withRequestRetryBackoffLimit(0)
                .build()).build();
    }

    /** Says which Secret and what kind of failure, never the message: it can quote the kubeconfig. */
    private static String unusable(String cluster, RuntimeException e) {
        return "the kubeconfig in Secret " + secret(cluster) + " cannot be used (" + e.getClass().getSimpleName()
                + ")";
    }

    private static String secret(String cluster) {
        int slash = cluster.indexOf('/');
        return cluster.substring(0, slash + 1) + ClusterApi.kubeconfigSecretName(cluster.substring(slash + 1));
    }

    private void close(String cluster) {
        Bounded old = clients.remove(cluster);
        if (old != null) {
            old.client().close();
        }
    }

    @Override
    public void close() {
        clients.keySet().forEach(this::close);
    }
}
