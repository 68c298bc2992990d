package dev.poolstream.watcher.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.watcher.domain.KubeconfigSecretNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubeconfigs of the workload clusters, and no other Secret's content. The labelled Secrets are known by their
 * metadata alone ({@link SecretMetadata}); of those, the {@code <cluster>-kubeconfig} ones
 * ({@link KubeconfigSecretNames}) are read by name, once per change (resourceVersion), and only their
 * {@code value} is kept. A cluster's CA, etcd or service-account Secret is never read.
 *
 * <p>Reads and forgets run on one thread, in the order the metadata events came, so a read that answers after its
 * Secret's deletion cannot bring the content back: the forget runs after it. A read that fails is tried again with
 * backoff (1 s doubling to 32 s, as the informers); meanwhile the cluster keeps the kubeconfig it had.
 */
final class KubeconfigSecrets {

    private static final Logger log = LoggerFactory.getLogger(KubeconfigSecrets.class);
    private static final long FIRST_RETRY_MILLIS = 1_000;
    private static final long MAX_RETRY_MILLIS = 32_000;

    /** What the watcher is told: the kubeconfig of a cluster may have changed. */
    interface Listener {
        void kubeconfigChanged(String namespace, String clusterName);
    }

    /** One Secret read by name from the management cluster: null when it does not exist. */
    interface Reader {
        Secret get(String namespace, String name);
    }

    /** @param kubeconfig the Secret's {@code value}, decoded; null when it has none */
    private record Held(String resourceVersion, String kubeconfig) {
    }

    private final Reader reader;
    private final Listener listener;
    /** namespace/cluster → the kubeconfig read last. */
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    /** namespace/cluster of the reads queued and not started: a burst of changes makes one read. */
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "watcher-kubeconfigs");
        thread.setDaemon(true);
        return thread;
    });

    KubeconfigSecrets(Reader reader, Listener listener) {
        this.reader = reader;
        this.listener = listener;
    }

    /** A labelled Secret was added or changed (or replayed by a resync): its metadata, never its data. */
    void seen(HasMetadata secret) {
        String namespace = secret.getMetadata().getNamespace();
        Optional<String> cluster = KubeconfigSecretNames.clusterOf(secret.getMetadata().getName(),
                secret.getMetadata().getLabels());
        if (cluster.isEmpty()) {
            return;
        }
        Held current = held.get(key(namespace, cluster.get()));
        if (current != null && Objects.equals(current.resourceVersion(), secret.getMetadata().getResourceVersion())) {
            listener.kubeconfigChanged(namespace, cluster.get()); // a resync: looked at again, not read again
            return;
        }
        queueRead(namespace, cluster.get(), 0);
    }

    /** A labelled Secret was deleted. */
    void gone(HasMetadata secret) {
        String namespace = secret.getMetadata().getNamespace();
        KubeconfigSecretNames.clusterOf(secret.getMetadata().getName(), secret.getMetadata().getLabels())
                .ifPresent(cluster -> run(() -> {
                    held.remove(key(namespace, cluster));
                    listener.kubeconfigChanged(namespace, cluster);
                }, 0));
    }

    /** The kubeconfig of a workload cluster, or empty; the content never leaves the caller. */
    Optional<String> kubeconfig(String namespace, String clusterName) {
        return Optional.ofNullable(held.get(key(namespace, clusterName))).map(Held::kubeconfig);
    }

    /**
     * Reads the kubeconfig Secrets among {@code secrets} (a first list) that are not read yet; completes once each
     * read has been made, or has failed and waits for its next try.
     */
    CompletableFuture<Void> read(List<? extends HasMetadata> secrets) {
        secrets.forEach(this::seen);
        CompletableFuture<Void> done = new CompletableFuture<>();
        run(() -> done.complete(null), 0);
        return done;
    }

    void stop() {
        thread.shutdownNow();
    }

    private void queueRead(String namespace, String cluster, long retryMillis) {
        if (queued.add(key(namespace, cluster))) {
            run(() -> read(namespace, cluster, retryMillis), retryMillis);
        }
    }

    private void read(String namespace, String cluster, long retryMillis) {
        queued.remove(key(namespace, cluster));
        String name = ClusterApi.kubeconfigSecretName(cluster);
        Secret secret;
        try {
            secret = reader.get(namespace, name);
        } catch (KubernetesClientException e) {
            long next = Math.min(Math.max(retryMillis * 2, FIRST_RETRY_MILLIS), MAX_RETRY_MILLIS);
            // The Secret's name and the HTTP status only: nothing of what the Secret holds.
            log.warn("cannot read Secret {}/{} (HTTP {}, {}); reading it again in {} ms", namespace, name,
                    e.getCode(), e.getClass().getSimpleName(), next);
            queueRead(namespace, cluster, next);
            return;
        }
        if (secret == null) {
            held.remove(key(namespace, cluster)); // deleted since: its delete event follows
        } else {
            held.put(key(namespace, cluster), new Held(secret.getMetadata().getResourceVersion(), value(secret)));
        }
        listener.kubeconfigChanged(namespace, cluster);
    }

    private static String value(Secret secret) {
        String encoded = secret.getData() == null ? null : secret.getData().get(ClusterApi.KUBECONFIG_SECRET_KEY);
        if (encoded == null) {
            return null;
        }
        try {
            return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null; // the API server stores data base64-encoded: not reached
        }
    }

    private void run(Runnable task, long delayMillis) {
        try {
            thread.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // An executor would swallow it; the message cannot hold the Secret's data (none is read here).
                    log.error("handling a kubeconfig Secret failed ({})", e.getClass().getSimpleName());
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopped
        }
    }

    private static String key(String namespace, String cluster) {
        return namespace + "/" + cluster;
    }
}
