package dev.poolstream.reconciler.kube;

import dev.poolstream.api.kube.WorkloadClients;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Cordons a Node, then evicts its pods through the Eviction API, round after round while a PodDisruptionBudget
 * refuses, leaving DaemonSet and mirror pods; it stops when the Node is empty or {@code nodeDrainTimeoutSeconds}
 * has passed (as Cluster API does, the instance is then terminated anyway). A Node that is gone is drained.
 *
 * <p>An evicted pod is deleted gracefully: it stays, terminating, until its kubelet has stopped it. Such a pod is
 * waited for, not evicted again. A refusal (429) is seen at once: the evictions go through a client that does not
 * retry, since fabric8 otherwise retries a 429 itself, with backoff, for about 20 seconds per pod, holding a drain
 * thread and hiding the refusal; the rounds ({@code drain-retry}) are the retries.
 */
public final class Drainer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Drainer.class);
    static final String MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

    private final WorkloadClients workloads;
    private final Duration retry;
    private final MeterRegistry registry;
    private final ScheduledExecutorService executor;
    /** Per workload client, one that shares its connections but never retries a request itself. */
    private final Map<KubernetesClient, KubernetesClient> withoutRetries = new WeakHashMap<>();

    public Drainer(WorkloadClients workloads, Duration retry, int threads, MeterRegistry registry) {
        this.workloads = workloads;
        this.retry = retry;
        this.registry = registry;
        this.executor = Executors.newScheduledThreadPool(threads, r -> {
            Thread thread = new Thread(r, "drain");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * @param cluster {@code <namespace>/<name>}
     * @param timeout zero or negative: no limit
     * @return completes when the Node is drained, gone, or out of time; never exceptionally
     */
    public CompletableFuture<Void> drain(String pool, String cluster, String nodeName, Duration timeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Instant deadline = timeout.isZero() || timeout.isNegative() ? Instant.MAX : Instant.now().plus(timeout);
        executor.execute(() -> round(pool, cluster, nodeName, deadline, true, done));
        return done;
    }

    private void round(String pool, String cluster, String nodeName, Instant deadline, boolean first,
                       CompletableFuture<Void> done) {
        try (var ignored = MDC.putCloseable("pool", pool)) {
            Optional<KubernetesClient> client = workloads.client(cluster);
            if (client.isEmpty()) {
                log.warn("cannot drain Node {}: cluster {} has no kubeconfig Secret; retrying", nodeName, cluster);
                again(pool, cluster, nodeName, deadline, done);
                return;
            }
            Node node = client.get().nodes().withName(nodeName).get();
            if (node == null) {
                done.complete(null);
                return;
            }
            if (first && !Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
                client.get().nodes().withName(nodeName).edit(n -> {
                    n.getSpec().setUnschedulable(true);
                    return n;
                });
                log.info("cordoned Node {}", nodeName);
            }
            List<Pod> evictable = client.get().pods().inAnyNamespace().withField("spec.nodeName", nodeName).list()
                    .getItems().stream().filter(p -> nodeName.equals(p.getSpec().getNodeName()))
                    .filter(Drainer::evictable).toList();
            if (evictable.isEmpty()) {
                log.info("drained Node {}", nodeName);
                registry.counter("poolstream.reconciler.drains", "outcome", "drained").increment();
                done.complete(null);
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                log.warn("drain of Node {} timed out with {} pods left; terminating it anyway", nodeName,
                        evictable.size());
                registry.counter("poolstream.reconciler.drains", "outcome", "timed-out").increment();
                done.complete(null);
                return;
            }
            KubernetesClient evictions = withoutRetries(client.get());
            for (Pod pod : evictable) {
                if (pod.getMetadata().getDeletionTimestamp() != null) {
                    continue;
                }
                boolean evicted;
                try {
                    evicted = evictions.pods().inNamespace(pod.getMetadata().getNamespace())
                            .withName(pod.getMetadata().getName()).evict();
                } catch (KubernetesClientException e) {
                    if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                        throw e;
                    }
                    continue;
                }
                if (!evicted) {
                    registry.counter("poolstream.reconciler.evictions", "outcome", "refused").increment();
                    log.info("eviction of pod {}/{} from Node {} refused (a PodDisruptionBudget); retrying",
                            pod.getMetadata().getNamespace(), pod.getMetadata().getName(), nodeName);
                } else {
                    registry.counter("poolstream.reconciler.evictions", "outcome", "evicted").increment();
                }
            }
            again(pool, cluster, nodeName, deadline, done);
        } catch (KubernetesClientException e) {
            log.warn("draining Node {} of cluster {} failed ({}); retrying", nodeName, cluster, e.getMessage());
            again(pool, cluster, nodeName, deadline, done);
        } catch (RuntimeException e) {
            log.error("draining Node {} of cluster {} failed; giving up on it", nodeName, cluster, e);
            done.complete(null);
        }
    }

    private synchronized KubernetesClient withoutRetries(KubernetesClient client) {
        return withoutRetries.computeIfAbsent(client, c -> c.newClient(new RequestConfigBuilder(
                c.getConfiguration().getRequestConfig()).withRequestRetryBackoffLimit(0).build())
                .adapt(KubernetesClient.class));
    }

    private void again(String pool, String cluster, String nodeName, Instant deadline, CompletableFuture<Void> done) {
        executor.schedule(() -> round(pool, cluster, nodeName, deadline, false, done), retry.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Not DaemonSet pods (they would come back), not mirror pods (the kubelet owns them), not finished ones. A pod
     * already terminating is still on the Node: it is waited for, not evicted again.
     */
    static boolean evictable(Pod pod) {
        var annotations = pod.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey(MIRROR_POD_ANNOTATION)) {
            return false;
        }
        List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
        if (owners != null && owners.stream().anyMatch(o -> "DaemonSet".equals(o.getKind()))) {
            return false;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
