package dev.poolstream.watcher;

import dev.poolstream.api.PoolKey;
import dev.poolstream.events.NodeState;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.events.Failure;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.watcher.config.WatcherProperties;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.watcher.domain.Change;
import dev.poolstream.watcher.domain.HealthChecks;
import dev.poolstream.watcher.domain.LastPublished;
import dev.poolstream.watcher.domain.MachineRequests;
import dev.poolstream.watcher.domain.NodeRecords;
import dev.poolstream.watcher.domain.NodeStates;
import dev.poolstream.watcher.domain.PoolSpecs;
import dev.poolstream.watcher.kafka.RecordSender;
import dev.poolstream.watcher.kafka.TopicReader;
import dev.poolstream.watcher.kube.Leadership;
import dev.poolstream.watcher.kube.ManagementCache;
import dev.poolstream.watcher.kube.WorkloadClusters;
import io.fabric8.kubernetes.api.model.Node;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Decides what to publish. Every informer event only says which object to look at again; the decision reads the
 * current state from the caches and compares it with what was last published, on one thread, so records follow
 * the caches whatever the order of events, and nothing but a real change makes a record.
 *
 * <p>Only the leader publishes. When it becomes the leader it reads back what the topics hold and publishes what
 * differs from the caches, tombstones included: after a failover the topics again describe the clusters exactly.
 */
public final class Watcher implements ManagementCache.Listener, WorkloadClusters.Listener, Leadership.Listener {

    private static final Logger log = LoggerFactory.getLogger(Watcher.class);
    private static final long RETRY_MILLIS = 1_000;

    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "watcher-publish");
        thread.setDaemon(true);
        return thread;
    });
    private final LastPublished<PoolSpec> pools = new LastPublished<>();
    private final NodeRecords nodes = new NodeRecords();
    /** Bad input already logged (a malformed selector...): said once, not at every look at every pool. */
    private final Set<String> reportedProblems = new HashSet<>();
    private final WatcherProperties properties;
    private final RecordSender sender;
    private final TopicReader reader;
    private final MeterRegistry registry;
    private ManagementCache cache;
    private WorkloadClusters workloads;
    private volatile boolean leading;

    public Watcher(WatcherProperties properties, RecordSender sender, TopicReader reader, MeterRegistry registry) {
        this.properties = properties;
        this.sender = sender;
        this.reader = reader;
        this.registry = registry;
    }

    /** Wired after construction: the caches report to this watcher, and this watcher reads them. */
    public void bind(ManagementCache cache, WorkloadClusters workloads) {
        this.cache = cache;
        this.workloads = workloads;
    }

    public boolean leading() {
        return leading;
    }

    // --- management cluster ---------------------------------------------------------------------------------

    @Override
    public void poolChanged(PoolKey pool) {
        loop.execute(() -> publishPool(pool));
    }

    @Override
    public void infrastructureChanged(String namespace, String kind, String name) {
        loop.execute(() -> cache.poolsReferencing(namespace, kind, name).forEach(p -> publishPool(PoolKey.of(p))));
    }

    @Override
    public void clusterChanged(String namespace, String name) {
        loop.execute(() -> cache.poolsOfCluster(namespace, name).forEach(p -> publishPool(PoolKey.of(p))));
        workloads.reconcile(namespace, name);
    }

    @Override
    public void kubeconfigChanged(String namespace, String clusterName) {
        workloads.reconcile(namespace, clusterName);
    }

    @Override
    public void resynced(String kind) {
        // The look it triggers publishes nothing unless something differs.
        registry.counter("poolstream.watcher.informer.resyncs", "kind", kind).increment();
    }

    @Override
    public void relisting(String kind) {
        // An expired watch (410 Gone): what the list finds is looked at again, and publishes only what differs.
        log.info("the {} informer lists again: its watch expired or failed", kind);
        registry.counter("poolstream.watcher.informer.relists", "kind", kind).increment();
    }

    private void publishPool(PoolKey key) {
        if (!leading) {
            return;
        }
        try (var ignored = MDC.putCloseable("pool", key.toString())) {
            Optional<Change<PoolSpec>> change = cache.pool(key)
                    .map(pool -> pools.upsert(key.toString(), specOf(pool)))
                    .orElseGet(() -> pools.delete(key.toString()));
            change.ifPresentOrElse(c -> sendPool(c), () -> sender.unchanged(Topics.MACHINEPOOL_SPEC));
            change.filter(c -> c instanceof Change.Upsert<PoolSpec> u && !u.value().infrastructure().resolved())
                    .ifPresent(c -> log.warn("pool {} published without its infrastructure: {}", key,
                            ((Change.Upsert<PoolSpec>) c).value().infrastructure().error().message()));
        }
    }

    /**
     * A pool's record: the MachinePool with its infrastructure pool and Cluster, what its Machines ask, the health
     * checks that select them, and whether its Nodes are seen.
     */
    private PoolSpec specOf(MachinePool pool) {
        List<Machine> machines = cache.machinesOf(pool);
        PoolSpec spec = PoolSpecs.of(pool, cache.infrastructureOf(pool), cache.clusterOf(pool).orElse(null))
                .withMachines(
                        MachineRequests.of(pool, machines, cache.infrastructureMachinesOf(pool, machines),
                                problem -> reportOnce(pool, problem)),
                        HealthChecks.of(pool, cache.healthChecksOf(pool), problem -> reportOnce(pool, problem)));
        String cluster = spec.spec() == null || spec.spec().getClusterName() == null ? null
                : spec.namespace() + "/" + spec.spec().getClusterName();
        return cluster == null ? spec : workloads.problem(cluster)
                .map(why -> spec.withWorkloadCluster(new Failure(PoolSpec.REASON_WORKLOAD_CLUSTER_UNREACHABLE,
                        "the Nodes of workload cluster " + cluster + " cannot be watched: " + why)))
                .orElse(spec);
    }

    private void reportOnce(MachinePool pool, String problem) {
        if (reportedProblems.add(problem)) {
            try (var ignored = MDC.putCloseable("pool", PoolKey.of(pool).toString())) {
                log.warn("pool {}: {}", PoolKey.of(pool), problem);
            }
        }
    }

    private void sendPool(Change<PoolSpec> change) {
        sender.send(Topics.MACHINEPOOL_SPEC, change, error -> loop.execute(() -> {
            try (var ignored = MDC.putCloseable("pool", change.key())) {
                log.error("could not publish pool {}: {}; trying again", change.key(), error.getMessage());
            }
            pools.undo(change);
            loop.schedule(() -> publishPool(PoolKey.parse(change.key())), RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }));
    }

    // --- workload clusters -------------------------------------------------------------------------------------

    @Override
    public void nodeChanged(String cluster, Node node) {
        // The name only: a queued look must not hold on to the whole Node the informer handed over.
        String name = node.getMetadata().getName();
        loop.execute(() -> publishNode(cluster, name));
    }

    @Override
    public void nodeDeleted(String cluster, Node node) {
        String name = node.getMetadata().getName();
        loop.execute(() -> publishNode(cluster, name));
    }

    @Override
    public void clusterSynced(String cluster) {
        loop.execute(() -> {
            if (leading) {
                sendNodes(nodes.reconcile(currentNodes(Set.of(cluster)), Set.of(cluster)));
                publishPoolsOf(cluster); // a problem they showed is over
            }
        });
    }

    @Override
    public void clusterUnwatchable(String cluster) {
        loop.execute(() -> publishPoolsOf(cluster));
    }

    /** Publishes the pools of a workload cluster again (only those whose record differs go out). */
    private void publishPoolsOf(String cluster) {
        PoolKey key = PoolKey.parse(cluster);
        cache.poolsOfCluster(key.namespace(), key.name()).forEach(p -> publishPool(PoolKey.of(p)));
    }

    @Override
    public void clusterGone(String cluster) {
        loop.execute(() -> {
            if (leading) {
                sendNodes(nodes.deleteCluster(cluster));
            }
        });
    }

    @Override
    public void nodesRelisting(String cluster) {
        log.info("the Node informer of workload cluster {} lists again: its watch expired or failed", cluster);
        registry.counter("poolstream.watcher.informer.relists", "kind", "Node").increment();
    }

    /** Looks at one Node again, in the cache of its cluster: present, changed, or gone. */
    private void publishNode(String cluster, String name) {
        if (!leading) {
            return;
        }
        List<Change<NodeState>> changes = workloads.node(cluster, name)
                .map(node -> nodes.upsert(NodeStates.of(cluster, node)))
                .orElseGet(() -> nodes.delete(cluster, name));
        if (changes.isEmpty()) {
            sender.unchanged(Topics.NODE);
        }
        sendNodes(changes);
    }

    private void sendNodes(List<Change<NodeState>> changes) {
        for (Change<NodeState> change : changes) {
            sender.send(Topics.NODE, change, error -> loop.execute(() -> {
                log.error("could not publish Node record {}: {}; trying again", change.key(), error.getMessage());
                nodes.undo(change);
                NodeState node = change instanceof Change.Upsert<NodeState> u ? u.value()
                        : ((Change.Delete<NodeState>) change).previous();
                loop.schedule(() -> publishNode(node.cluster(), node.name()), RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }));
        }
    }

    private List<NodeState> currentNodes(Set<String> clusters) {
        return clusters.stream().flatMap(c -> workloads.nodes(c).stream().map(n -> NodeStates.of(c, n))).toList();
    }

    // --- leadership --------------------------------------------------------------------------------------------

    @Override
    public void startLeading() {
        loop.execute(this::takeOver);
    }

    @Override
    public void stopLeading() {
        leading = false;
        loop.execute(() -> {
            pools.clear();
            nodes.clear();
        });
    }

    /** Makes the topics describe the caches: reads back what they hold, then publishes only the differences. */
    private void takeOver() {
        try {
            pools.seed(reader.readAll(Topics.MACHINEPOOL_SPEC, PoolSpec.class, properties.snapshotTimeout()));
            nodes.seed(reader.readAll(Topics.NODE, NodeState.class, properties.snapshotTimeout()));
        } catch (TimeoutException | RuntimeException e) {
            // Without the topics' content, publish everything current; vanished keys keep their records until the
            // next takeover. Better a full snapshot than none.
            log.error("could not read back what the topics hold ({}); publishing a full snapshot without tombstones",
                    e.getMessage());
            pools.clear();
            nodes.clear();
        }
        Map<String, PoolSpec> currentPools = new HashMap<>();
        cache.pools().forEach(pool -> currentPools.put(PoolKey.of(pool).toString(), specOf(pool)));
        List<Change<PoolSpec>> poolChanges = pools.reconcile(currentPools, any -> true);
        poolChanges.forEach(this::sendPool);

        // Nodes are authoritative for clusters whose informer is synced, and for clusters that no longer exist.
        Set<String> authoritative = new HashSet<>(workloads.syncedClusters());
        Set<String> existing = new HashSet<>();
        cache.clusters().forEach(c -> existing.add(c.getMetadata().getNamespace() + "/" + c.getMetadata().getName()));
        Set<String> published = new HashSet<>();
        nodes.clusters().forEach(published::add);
        published.stream().filter(c -> !existing.contains(c)).forEach(authoritative::add);
        List<Change<NodeState>> nodeChanges = nodes.reconcile(currentNodes(authoritative), authoritative);
        sendNodes(nodeChanges);
        leading = true;
        registry.counter("poolstream.watcher.takeovers").increment();
        log.info("took over publishing: {} pool records and {} Node records differed from the topics",
                poolChanges.size(), nodeChanges.size());
    }

    public void close() {
        leading = false;
        loop.shutdownNow();
    }
}
