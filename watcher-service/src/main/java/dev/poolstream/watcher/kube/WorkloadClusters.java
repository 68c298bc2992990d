package dev.poolstream.watcher.kube;

import dev.poolstream.api.kube.WorkloadClusterException;
import dev.poolstream.api.kube.WorkloadKubeconfig;
import dev.poolstream.watcher.config.WatcherProperties;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Node informer on every workload cluster this replica watches that has a kubeconfig: started when the cluster
 * is this replica's (its {@code workloadcluster.v1} partition is) and its {@code <cluster>-kubeconfig} Secret exists,
 * restarted when the kubeconfig changes, stopped when either is no longer so.
 * An unreachable cluster is retried with exponential backoff. The kubeconfig is held only by the client built
 * from it; it is never logged: errors name the Secret, not its content.
 *
 * <p>Starting and stopping happen on one thread, so a cluster never has two informers.
 */
public final class WorkloadClusters implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkloadClusters.class);
    static final long LIST_PAGE_SIZE = 100;
    private static final Duration LOST_RECHECK = Duration.ofSeconds(1);

    public interface Listener {
        void nodeChanged(String cluster, Node node);

        void nodeDeleted(String cluster, Node node);

        /** The informer of {@code cluster} holds a full list: its Nodes are authoritative from now on. */
        void clusterSynced(String cluster);

        /** The Node informer of {@code cluster} lists again, after its watch expired (410 Gone) or failed. */
        void nodesRelisting(String cluster);

        /** What {@link #problem} says of {@code cluster} may have changed: it failed, or a new attempt began. */
        void watchChanged(String cluster);
    }

    /** Where the watch of one workload cluster stands. */
    public enum State { CONNECTING, WATCHING, RETRYING, NO_KUBECONFIG }

    /** What health and metrics show of a cluster; nothing here comes from the kubeconfig. */
    public record ClusterHealth(State state, boolean watching, int failedAttempts, String lastError,
                                Instant nextRetry) {
    }

    /** What the caller knows about clusters: which are this replica's, and their kubeconfigs. */
    public interface Clusters {
        /** Whether this replica watches the Nodes of the Cluster (it exists, and is on one of our partitions). */
        boolean watched(String namespace, String name);

        Optional<String> kubeconfig(String namespace, String name);
    }

    private final Clusters clusters;
    private final Listener listener;
    private final WatcherProperties properties;
    private final String userAgent;
    private final ScheduledExecutorService lifecycle = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "workload-clusters");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();

    /** @param userAgent the {@code User-Agent} of the Node watches' requests, the management client's */
    public WorkloadClusters(Clusters clusters, Listener listener, WatcherProperties properties, String userAgent) {
        this.clusters = clusters;
        this.listener = listener;
        this.properties = properties;
        this.userAgent = userAgent;
    }

    /** Looks at one cluster again: starts, restarts or stops its watch as its Cluster and Secret now say. */
    public void reconcile(String namespace, String name) {
        lifecycle.execute(() -> guarded(namespace + "/" + name, () -> reconcileNow(namespace, name)));
    }

    /** A task on the lifecycle thread must not die silently: its executor would swallow the exception. */
    private static void guarded(String cluster, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("managing the Node watch of workload cluster {} failed", cluster, e);
        }
    }

    /**
     * The Nodes of {@code cluster} from its informer's cache (stripped, {@link StrippedNodeStore}), when that cache is a
     * full, current list: its first list done and the informer not stopped since. Empty otherwise (no kubeconfig,
     * connecting, retrying, stopped): a Node missing from such a cache may well exist, so nothing can be said of
     * which are gone. The next sync says it ({@link Listener#clusterSynced}).
     */
    public Optional<List<Node>> nodes(String cluster) {
        return whileSynced(cluster, Store::list);
    }

    /**
     * One Node of {@code cluster} as a full, current list holds it ({@link #nodes}): {@link SyncedNode#node()} empty
     * when the Node is gone; empty itself when the cluster's cache is no such list.
     */
    public Optional<SyncedNode> node(String cluster, String name) {
        return whileSynced(cluster, store -> new SyncedNode(Optional.ofNullable(store.getByKey(name))));
    }

    /** What a synced informer's cache holds of one Node: present, or gone. */
    public record SyncedNode(Optional<Node> node) {
    }

    /**
     * Reads the cache of a synced watch, then checks that the watch was still synced and running: the lifecycle
     * thread stops and replaces watches meanwhile (a kubeconfig rotated or deleted), and a read of a cache being
     * replaced would take every Node for gone.
     */
    private <T> Optional<T> whileSynced(String cluster, Function<Store<Node>, T> read) {
        Watch watch = watches.get(cluster);
        SharedIndexInformer<Node> informer = watch == null ? null : watch.informer;
        if (informer == null || watch.state != State.WATCHING) {
            return Optional.empty();
        }
        T value = read.apply(informer.getStore());
        return watch.closed || watch.state != State.WATCHING || watches.get(cluster) != watch ? Optional.empty()
                : Optional.of(value);
    }

    /** Clusters whose Node list is complete and current. */
    public Set<String> syncedClusters() {
        return watches.entrySet().stream().filter(e -> e.getValue().state == State.WATCHING)
                .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    /**
     * Why the Nodes of {@code cluster} cannot be watched: its kubeconfig Secret is missing or unusable, or the cluster
     * does not answer (at first, or after its watch was lost). Empty while they are watched, while the first attempt is
     * under way, and for the connect timeout after a watch is lost (the informer is getting it back).
     */
    public Optional<String> problem(String cluster) {
        Watch watch = watches.get(cluster);
        if (watch == null) {
            return Optional.empty();
        }
        return switch (watch.state) {
            case NO_KUBECONFIG -> Optional.of(noKubeconfig(cluster));
            // Connecting again after a failure: the failure stands until the attempt succeeds.
            case RETRYING, CONNECTING -> Optional.ofNullable(watch.lastError);
            // Watched once, and the watch lost for longer than the connect timeout.
            case WATCHING -> watch.lost ? Optional.ofNullable(watch.lastError) : Optional.empty();
        };
    }

    /** The problem of a cluster without a usable kubeconfig Secret, the same whichever replica says it. */
    public static String noKubeconfig(String cluster) {
        return "its kubeconfig Secret " + cluster + "-kubeconfig does not exist (or has no key \"value\")";
    }

    public Map<String, ClusterHealth> health() {
        return watches.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().health()));
    }

    private void reconcileNow(String namespace, String name) {
        String cluster = namespace + "/" + name;
        if (!clusters.watched(namespace, name)) {
            if (stop(cluster)) {
                log.info("stopped watching the Nodes of workload cluster {}: gone, or watched by another replica",
                        cluster);
            }
            return;
        }
        Optional<String> kubeconfig = clusters.kubeconfig(namespace, name);
        if (kubeconfig.isEmpty()) {
            if (stop(cluster)) {
                log.warn("Secret {}/{}-kubeconfig is gone: stopped watching the Nodes of {}", namespace, name, cluster);
            }
            Watch previous = watches.put(cluster, new Watch(null, State.NO_KUBECONFIG));
            if (previous == null || previous.state != State.NO_KUBECONFIG) {
                listener.watchChanged(cluster);
            }
            return;
        }
        String digest = sha256(kubeconfig.get());
        Watch current = watches.get(cluster);
        if (current != null && digest.equals(current.digest) && current.state != State.NO_KUBECONFIG) {
            return;
        }
        if (current != null && current.informer != null) {
            log.info("kubeconfig of {} changed: restarting its Node informer", cluster);
        }
        stop(cluster);
        connect(cluster, namespace, name, digest, kubeconfig.get(), 0, null);
    }

    private void connect(String cluster, String namespace, String name, String digest, String kubeconfig,
                         int failedAttempts, String lastError) {
        Watch watch = new Watch(digest, State.CONNECTING);
        watch.failedAttempts = failedAttempts;
        watch.lastError = lastError;
        watches.put(cluster, watch);
        if (lastError == null) {
            // A fresh attempt (a new or changed kubeconfig): whatever problem stood before no longer does.
            listener.watchChanged(cluster);
        }
        try {
            Config config;
            try {
                config = WorkloadKubeconfig.parse(kubeconfig);
            } catch (WorkloadKubeconfig.Refused e) {
                failed(cluster, namespace, name, watch, "the kubeconfig in Secret " + namespace + "/" + name
                        + "-kubeconfig " + e.getMessage());
                return;
            }
            watch.server = config.getMasterUrl();
            // One try per attempt: the backoff between attempts is this class's, and shows in health.
            watch.client = new KubernetesClientBuilder().withConfig(WorkloadKubeconfig.forOneTry(config,
                    properties.workload().connectTimeout(), userAgent)).build();
        } catch (RuntimeException e) {
            // Say which Secret, never what it holds: a parser's message can quote the file.
            failed(cluster, namespace, name, watch, "the kubeconfig in Secret " + namespace + "/" + name
                    + "-kubeconfig cannot be used (" + e.getClass().getSimpleName() + ")");
            return;
        }
        SharedIndexInformer<Node> informer = watch.client.nodes()
                // Lists in pages: fabric8 can hold on to the last page of whole Nodes after the sync; a page
                // bounds that, and the peak of a first list, whatever the cluster's size.
                .withLimit(LIST_PAGE_SIZE)
                .runnableInformer(properties.resyncPeriod().toMillis())
                // Cache only what the records are made of: a whole Node is mostly managedFields and images.
                .itemStore(new StrippedNodeStore())
                // Nodes have no namespace: the default index would only hold every key once more.
                .removeNamespaceIndex();
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onBeforeList(String lastSyncResourceVersion) {
                if (lastSyncResourceVersion != null) {
                    listener.nodesRelisting(cluster);
                }
            }

            @Override
            public void onAdd(Node node) {
                listener.nodeChanged(cluster, node);
            }

            @Override
            public void onUpdate(Node before, Node after) {
                listener.nodeChanged(cluster, after);
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
                listener.nodeDeleted(cluster, node);
            }
        });
        // Before the first list, give up and let this class retry with its backoff (and show it in health);
        // after it, let the informer list and watch again on its own, and say so if it cannot (watchFailed).
        informer.exceptionHandler((started, error) -> {
            if (started) {
                lifecycle.execute(() -> guarded(cluster, () -> watchFailed(cluster, watch, error)));
            }
            return started;
        });
        watch.informer = informer;
        informer.start().whenComplete((ignored, error) -> lifecycle.execute(() -> guarded(cluster, () -> {
            if (watches.get(cluster) != watch) {
                return;
            }
            if (error == null) {
                watch.state = State.WATCHING;
                watch.failedAttempts = 0;
                watch.lastError = null;
                log.info("watching the Nodes of workload cluster {}", cluster);
                listener.clusterSynced(cluster);
            } else {
                // Neither the server's address nor the client's message (it can quote the URL): both come from
                // the kubeconfig, whose content never reaches a log, a topic or a condition.
                failed(cluster, namespace, name, watch, "cannot reach the API server its kubeconfig names: "
                        + WorkloadClusterException.describe(error));
            }
        })));
    }

    /**
     * The watch of a synced cluster failed (it did not merely expire: fabric8 handles a 410 by itself). fabric8 lists
     * and watches again with its own backoff; if it does not have the watch back within the connect timeout (the
     * server gone, the credentials revoked, the network cut), the cluster has a problem, as one that never answered
     * has, until it does: otherwise the Nodes' records would stand still with nothing saying why.
     */
    private void watchFailed(String cluster, Watch watch, Throwable error) {
        if (watches.get(cluster) != watch || watch.closed || watch.state != State.WATCHING) {
            return;
        }
        watch.failedAttempts++;
        watch.lastError = "lost the watch of its Nodes: " + WorkloadClusterException.describe(error);
        log.warn("the Node watch of workload cluster {} failed (attempt {}): {}; listing and watching again", cluster,
                watch.failedAttempts, watch.lastError);
        if (watch.recheck == null) {
            recheckLost(cluster, watch, properties.workload().connectTimeout());
        }
    }

    private void recheckLost(String cluster, Watch watch, Duration after) {
        watch.recheck = lifecycle.schedule(() -> guarded(cluster, () -> whileLost(cluster, watch)), after.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Until the informer watches again: the problem shown, looked at again each second. */
    private void whileLost(String cluster, Watch watch) {
        if (watches.get(cluster) != watch || watch.closed) {
            return;
        }
        SharedIndexInformer<Node> informer = watch.informer;
        if (informer != null && informer.isWatching()) {
            boolean shown = watch.lost;
            watch.recheck = null;
            watch.lost = false;
            watch.failedAttempts = 0;
            watch.lastError = null;
            log.info("watching the Nodes of workload cluster {} again", cluster);
            if (shown) {
                listener.watchChanged(cluster);
            }
            return;
        }
        if (!watch.lost) {
            watch.lost = true;
            log.warn("the Nodes of workload cluster {} are not watched: {}", cluster, watch.lastError);
            listener.watchChanged(cluster);
        }
        recheckLost(cluster, watch, LOST_RECHECK);
    }

    private void failed(String cluster, String namespace, String name, Watch watch, String reason) {
        boolean news = !reason.equals(watch.lastError);
        watch.close();
        watch.state = State.RETRYING;
        watch.failedAttempts++;
        watch.lastError = reason;
        Duration backoff = backoff(watch.failedAttempts);
        watch.nextRetry = Instant.now().plus(backoff);
        log.warn("cannot watch the Nodes of workload cluster {} (attempt {}): {}; retrying in {}", cluster,
                watch.failedAttempts, reason, backoff);
        if (news) {
            listener.watchChanged(cluster);
        }
        watch.retry = lifecycle.schedule(() -> guarded(cluster, () -> {
            if (watches.get(cluster) != watch) {
                return;
            }
            Optional<String> kubeconfig = clusters.kubeconfig(namespace, name);
            if (!clusters.watched(namespace, name) || kubeconfig.isEmpty()) {
                reconcileNow(namespace, name);
            } else {
                connect(cluster, namespace, name, sha256(kubeconfig.get()), kubeconfig.get(), watch.failedAttempts,
                        watch.lastError);
            }
        }), backoff.toMillis(), TimeUnit.MILLISECONDS);
    }

    Duration backoff(int failedAttempts) {
        Duration initial = properties.workload().initialBackoff();
        Duration max = properties.workload().maxBackoff();
        int doublings = Math.min(failedAttempts - 1, 30);
        Duration wait = initial.multipliedBy(1L << doublings);
        return wait.compareTo(max) > 0 || wait.isNegative() ? max : wait;
    }

    /** Stops and forgets the watch of {@code cluster}; true if there was a running one. */
    private boolean stop(String cluster) {
        Watch watch = watches.remove(cluster);
        if (watch == null) {
            return false;
        }
        boolean running = watch.informer != null;
        watch.close();
        return running;
    }

    @Override
    public void close() {
        lifecycle.shutdownNow();
        watches.values().forEach(Watch::close);
        watches.clear();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Watch {
        final String digest;
        volatile State state;
        volatile int failedAttempts;
        volatile String lastError;
        volatile Instant nextRetry;
        /** The API server's URL from the kubeconfig (an address, not a credential). */
        volatile String server;
        volatile KubernetesClient client;
        volatile SharedIndexInformer<Node> informer;
        ScheduledFuture<?> retry;
        /** While a synced watch is lost: the next look at whether it is back. */
        volatile ScheduledFuture<?> recheck;
        /** A synced watch lost for longer than the connect timeout: {@link #problem} says so. */
        volatile boolean lost;
        /** Set before its informer stops: what its cache held is no longer a current list. */
        volatile boolean closed;

        Watch(String digest, State state) {
            this.digest = digest;
            this.state = state;
        }

        ClusterHealth health() {
            return new ClusterHealth(state, informer != null && informer.isWatching(), failedAttempts, lastError,
                    state == State.RETRYING ? nextRetry : null);
        }

        void close() {
            closed = true;
            if (retry != null) {
                retry.cancel(false);
            }
            if (recheck != null) {
                recheck.cancel(false);
            }
            if (informer != null) {
                informer.stop();
                informer = null;
            }
            if (client != null) {
                client.close();
                client = null;
            }
        }
    }
}
