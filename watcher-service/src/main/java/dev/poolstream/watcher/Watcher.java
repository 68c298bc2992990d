package dev.poolstream.watcher;

import dev.poolstream.api.PoolKey;
import dev.poolstream.events.NodeState;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.events.Failure;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.events.WorkloadCluster;
import dev.poolstream.events.WorkloadClusterWatch;
import dev.poolstream.watcher.config.WatcherProperties;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.watcher.domain.Change;
import dev.poolstream.watcher.domain.HealthChecks;
import dev.poolstream.watcher.domain.LastPublished;
import dev.poolstream.watcher.domain.MachineRequests;
import dev.poolstream.watcher.domain.NodeRecords;
import dev.poolstream.watcher.domain.NodeStates;
import dev.poolstream.watcher.domain.PoolSpecs;
import dev.poolstream.watcher.kafka.ClusterAssignment;
import dev.poolstream.watcher.kafka.LeaderSender;
import dev.poolstream.watcher.kafka.RecordSender;
import dev.poolstream.watcher.kafka.TopicReader;
import dev.poolstream.watcher.kafka.WatchReports;
import dev.poolstream.watcher.kube.Leadership;
import dev.poolstream.watcher.kube.ManagementCache;
import dev.poolstream.watcher.kube.WorkloadClusters;
import io.fabric8.kubernetes.api.model.Node;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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
 * <p>Only the leader publishes pools and the workload clusters to watch. The Nodes of a workload cluster are
 * published by the replica whose {@code workloadcluster.v1} partition holds it ({@link ClusterAssignment}). Either
 * way, taking something over starts by reading back what its topic holds and publishing only what differs from the
 * caches, tombstones included: after a failover the topics again describe the clusters exactly.
 *
 * <p>The replica that watches a cluster reports how its watch stands on {@code workloadcluster.watch.v1}; the leader
 * reads every report ({@link WatchReports}) and says in the cluster's pools why their Nodes cannot be watched.
 */
public final class Watcher implements ManagementCache.Listener, WorkloadClusters.Listener, Leadership.Listener,
        ClusterAssignment.Listener, WatchReports.Listener {

    private static final Logger log = LoggerFactory.getLogger(Watcher.class);
    private static final long RETRY_MILLIS = 1_000;

    private final ScheduledExecutorService loop = new ScheduledThreadPoolExecutor(1, r -> {
        Thread thread = new Thread(r, "watcher-publish");
        thread.setDaemon(true);
        return thread;
    }) {
        @Override
        protected void afterExecute(Runnable task, Throwable thrown) {
            // A task's exception is kept in its future, which nobody reads: said here, or it is lost without a word.
            if (task instanceof Future<?> future && future.isDone() && !future.isCancelled()) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    log.error("a publishing task failed", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    };
    private final LastPublished<PoolSpec> pools = new LastPublished<>();
    private final LastPublished<WorkloadCluster> clusters = new LastPublished<>();
    private final NodeRecords nodes = new NodeRecords();
    /** The reports of the clusters this replica watches, as last written to workloadcluster.watch.v1. */
    private final LastPublished<WorkloadClusterWatch> watchReports = new LastPublished<>();
    /** Bad input already logged (a malformed selector...): said once, not at every look at every pool. */
    private final Set<String> reportedProblems = new HashSet<>();
    private final WatcherProperties properties;
    private final RecordSender sender;
    /** The leader's records, in transactions that fence a deposed leader; used on the publishing thread only. */
    private final LeaderSender leaderSender;
    private final TopicReader reader;
    private final MeterRegistry registry;
    private ManagementCache cache;
    private WorkloadClusters workloads;
    private WatchReports reports;
    /** Between the elector's startLeading and stopLeading: this replica holds the lease, as far as it knows. */
    private volatile boolean elected;
    /** Elected, taken over, and not fenced since: this replica publishes the management cluster. */
    private volatile boolean leading;
    /** The workload clusters whose Nodes this replica publishes; changed on the publishing thread only. */
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    /**
     * Clusters deleted while on this replica's partitions: their tombstones are this replica's to send, again when a
     * send fails, until a partition goes or the cluster comes back. Never one of {@link #watched}. Publishing thread
     * only.
     */
    private final Set<String> deleted = new HashSet<>();
    /** Deleted clusters whose Nodes could not be read back from {@code node.v1} yet. Publishing thread only. */
    private final Set<String> goneUnread = new TreeSet<>();
    /** Whether a read of them is scheduled or running. Publishing thread only. */
    private boolean goneReadPending;
    /** Reads {@code node.v1} back for {@link #goneUnread} off the publishing thread. */
    private final ExecutorService readBack = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "watcher-read-back");
        thread.setDaemon(true);
        return thread;
    });

    public Watcher(WatcherProperties properties, RecordSender sender, LeaderSender leaderSender, TopicReader reader,
                   MeterRegistry registry) {
        this.properties = properties;
        this.sender = sender;
        this.leaderSender = leaderSender;
        this.reader = reader;
        this.registry = registry;
        // At 0 from the start, so that an alert on its increase has a series to look at before the first fencing.
        registry.counter("poolstream.watcher.fenced");
        registry.counter("poolstream.watcher.takeovers");
    }

    /** Wired after construction: the caches and the reports report to this watcher, and this watcher reads them. */
    public void bind(ManagementCache cache, WorkloadClusters workloads, WatchReports reports) {
        this.cache = cache;
        this.workloads = workloads;
        this.reports = reports;
    }

    public boolean leading() {
        return leading;
    }

    /** Whether this replica watches (and publishes) the Nodes of {@code cluster}: it is on one of its partitions. */
    public boolean watches(String cluster) {
        return watched.contains(cluster);
    }

    /** The workload clusters whose Nodes this replica publishes, sorted. */
    public Set<String> watchedClusters() {
        return new TreeSet<>(watched);
    }

    // --- management cluster ---------------------------------------------------------------------------------

    @Override
    public void poolChanged(PoolKey pool) {
        loop.execute(() -> publishPool(pool));
    }

    @Override
    public void infrastructureChanged(String namespace, String kind, String name) {
        loop.execute(() -> publishPools(keysOf(cache.poolsReferencing(namespace, kind, name))));
    }

    @Override
    public void clusterChanged(String namespace, String name) {
        loop.execute(() -> {
            publishPools(keysOf(cache.poolsOfCluster(namespace, name)));
            publishCluster(namespace + "/" + name);
        });
        workloads.reconcile(namespace, name);
    }

    @Override
    public void kubeconfigChanged(String namespace, String clusterName) {
        // The pools say whether their cluster has a kubeconfig, whichever replica watches it.
        loop.execute(() -> publishPoolsOf(namespace + "/" + clusterName));
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
        publishPools(List.of(key));
    }

    /** Looks at the pools again, and publishes what changed of them in one transaction (a cluster's pools at once). */
    private void publishPools(List<PoolKey> keys) {
        if (!leading) {
            return;
        }
        List<Change<PoolSpec>> changes = new ArrayList<>();
        for (PoolKey key : keys) {
            try (var ignored = MDC.putCloseable("pool", key.toString())) {
                Optional<Change<PoolSpec>> change;
                try {
                    change = cache.pool(key).map(pool -> pools.upsert(key.toString(), specOf(pool)))
                            .orElseGet(() -> pools.delete(key.toString()));
                } catch (RuntimeException e) {
                    // One pool's record that cannot be made holds back neither the others nor their batch.
                    log.error("pool {}: could not make its record; it keeps the one published before", key, e);
                    continue;
                }
                change.ifPresentOrElse(changes::add, () -> sender.unchanged(Topics.MACHINEPOOL_SPEC));
                change.filter(c -> c instanceof Change.Upsert<PoolSpec> u && !u.value().infrastructure().resolved())
                        .ifPresent(c -> log.warn("pool {} published without its infrastructure: {}", key,
                                ((Change.Upsert<PoolSpec>) c).value().infrastructure().error().message()));
            }
        }
        if (!changes.isEmpty()) {
            sendAsLeader(changes.stream().map(c -> new LeaderSender.Outgoing(Topics.MACHINEPOOL_SPEC, c)).toList(),
                    () -> changes.forEach(pools::undo),
                    () -> publishPools(changes.stream().map(c -> PoolKey.parse(c.key())).toList()));
        }
    }

    private static List<PoolKey> keysOf(List<MachinePool> machinePools) {
        return machinePools.stream().map(PoolKey::of).toList();
    }

    /**
     * A pool's record: the MachinePool with its infrastructure pool and Cluster, what its Machines ask, the health
     * checks that select them, and whether its Nodes are seen.
     */
    private PoolSpec specOf(MachinePool pool) {
        List<Machine> machines = cache.machinesOf(pool);
        PoolSpec spec = PoolSpecs.of(pool, cache.infrastructureOf(pool), cache.clusterOf(pool).orElse(null),
                        cache.poolsNamingTheInfrastructureOf(pool))
                .withMachines(
                        MachineRequests.of(pool, machines, cache.infrastructureMachinesOf(pool, machines),
                                problem -> reportOnce(pool, problem)),
                        HealthChecks.of(pool, cache.healthChecksOf(pool), cache.poolsOfClusterOf(pool),
                                problem -> reportOnce(pool, problem)));
        String clusterName = spec.spec() == null ? null : spec.spec().getClusterName();
        // A name no Cluster can have (in owner mode no webhook refuses it) names no workload cluster to look at.
        String cluster = clusterName == null || clusterName.indexOf('/') >= 0 ? null
                : spec.namespace() + "/" + clusterName;
        return cluster == null ? spec : workloadProblem(cluster)
                .map(why -> spec.withWorkloadCluster(new Failure(PoolSpec.REASON_WORKLOAD_CLUSTER_UNREACHABLE,
                        "the Nodes of workload cluster " + cluster + " cannot be watched: " + why)))
                .orElse(spec);
    }

    /**
     * Why a workload cluster's Nodes cannot be watched: no kubeconfig Secret, as the leader's own cache shows, or what
     * the replica that watches the cluster reported, this one included.
     */
    private Optional<String> workloadProblem(String cluster) {
        PoolKey key = PoolKey.parse(cluster);
        return cache.kubeconfig(key.namespace(), key.name()).isEmpty()
                ? Optional.of(WorkloadClusters.noKubeconfig(cluster)) : reports.problem(cluster);
    }

    private void reportOnce(MachinePool pool, String problem) {
        if (reportedProblems.add(problem)) {
            try (var ignored = MDC.putCloseable("pool", PoolKey.of(pool).toString())) {
                log.warn("pool {}: {}", PoolKey.of(pool), problem);
            }
        }
    }

    /** The record that says a workload cluster's Nodes must be watched, or its tombstone once the Cluster goes. */
    private void publishCluster(String cluster) {
        if (!leading) {
            return;
        }
        PoolKey key = PoolKey.parse(cluster);
        cache.cluster(key.namespace(), key.name())
                .map(c -> clusters.upsert(cluster, WorkloadCluster.of(key.namespace(), key.name())))
                .orElseGet(() -> clusters.delete(cluster))
                .ifPresentOrElse(this::sendCluster, () -> sender.unchanged(Topics.WORKLOAD_CLUSTER));
    }

    private void sendCluster(Change<WorkloadCluster> change) {
        sendAsLeader(List.of(new LeaderSender.Outgoing(Topics.WORKLOAD_CLUSTER, change)), () -> clusters.undo(change),
                () -> publishCluster(change.key()));
    }

    /**
     * Sends the leader's records in one transaction. Aborted: they are undone and looked at again a second later.
     * Fenced (another replica took over while this one was stalled), or a producer that cannot go on: it stops
     * publishing, and takes over again (registering the id anew) only if its elector still says it leads a lease
     * duration later. By then a stalled replica's elector has failed to renew for longer than the renew deadline and
     * stopped leading, so it cannot fence the replica that holds the lease.
     */
    private void sendAsLeader(List<LeaderSender.Outgoing> batch, Runnable undo, Runnable retry) {
        LeaderSender.Outcome outcome = leaderSender.send(batch);
        switch (outcome) {
            case SENT -> {
            }
            case FAILED -> {
                log.error("could not publish {} leader record(s) ({}); trying again", batch.size(),
                        batch.stream().map(o -> o.change().key()).limit(5).toList());
                undo.run();
                loop.schedule(retry, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
            case FENCED, BROKEN -> {
                if (outcome == LeaderSender.Outcome.FENCED) {
                    registry.counter("poolstream.watcher.fenced").increment();
                    log.warn("another replica took over publishing: this one stops, and stands as its elector says");
                } else {
                    log.error("the leader's producer cannot go on: this replica stops publishing, and takes over "
                            + "again in {} if it still leads", properties.lease().duration());
                }
                standDown();
                loop.schedule(this::takeOverIfStillElected, properties.lease().duration().toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Publishes nothing more as the leader, and forgets what it published: a takeover reads the topics back. */
    private void standDown() {
        leading = false;
        pools.clear();
        clusters.clear();
    }

    private void takeOverIfStillElected() {
        if (elected && !leading) {
            takeOver();
        }
    }

    private Map<String, WorkloadCluster> currentClusters() {
        Map<String, WorkloadCluster> current = new HashMap<>();
        cache.clusters().forEach(c -> {
            WorkloadCluster cluster = WorkloadCluster.of(c.getMetadata().getNamespace(), c.getMetadata().getName());
            current.put(cluster.key(), cluster);
        });
        return current;
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
            // The takeover of one cluster: its Nodes were read back from node.v1 when it was taken. A sync whose
            // watch was replaced or stopped since (a kubeconfig rotated or deleted) says nothing: the next one will.
            Optional<List<Node>> synced = workloads.nodes(cluster);
            if (watched.contains(cluster) && synced.isPresent()) {
                List<NodeState> current = synced.get().stream().map(n -> NodeStates.of(cluster, n)).toList();
                sendNodes(nodes.reconcile(current, Set.of(cluster)));
                publishWatchReport(cluster); // a problem it had is over
            }
        });
    }

    @Override
    public void watchChanged(String cluster) {
        loop.execute(() -> publishWatchReport(cluster));
    }

    /** Reports how the watch of a cluster this replica watches stands, when that differs from the last report. */
    private void publishWatchReport(String cluster) {
        if (!watched.contains(cluster)) {
            return;
        }
        PoolKey key = PoolKey.parse(cluster);
        watchReports.upsert(cluster, new WorkloadClusterWatch(key.namespace(), key.name(),
                        workloads.problem(cluster).orElse(null), properties.lease().identity()))
                .ifPresentOrElse(this::sendWatchReport, () -> sender.unchanged(Topics.WORKLOAD_CLUSTER_WATCH));
    }

    private void sendWatchReport(Change<WorkloadClusterWatch> change) {
        sender.send(Topics.WORKLOAD_CLUSTER_WATCH, change, error -> loop.execute(() -> {
            log.error("could not report the watch of workload cluster {}: {}; trying again", change.key(),
                    error.getMessage());
            watchReports.undo(change);
            loop.schedule(() -> {
                if (deleted.contains(change.key())) {
                    watchReports.delete(change.key()).ifPresent(this::sendWatchReport);
                } else {
                    publishWatchReport(change.key());
                }
            }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }));
    }

    /** A report read back: the pools of its cluster say the problem, or no longer do (leader only). */
    @Override
    public void watchReported(String cluster) {
        loop.execute(() -> publishPoolsOf(cluster));
    }

    /** Publishes the pools of a workload cluster again (only those whose record differs go out). */
    private void publishPoolsOf(String cluster) {
        PoolKey key = PoolKey.parse(cluster);
        publishPools(keysOf(cache.poolsOfCluster(key.namespace(), key.name())));
    }

    @Override
    public void nodesRelisting(String cluster) {
        log.info("the Node informer of workload cluster {} lists again: its watch expired or failed", cluster);
        registry.counter("poolstream.watcher.informer.relists", "kind", "Node").increment();
    }

    /**
     * Looks at one Node again, in the cache of its cluster: present, changed, or gone. Only a synced cache can say
     * gone: while the cluster's watch connects, retries or has no kubeconfig, nothing is published, and its next sync
     * publishes what changed meanwhile.
     */
    private void publishNode(String cluster, String name) {
        if (!watched.contains(cluster)) {
            return;
        }
        Optional<WorkloadClusters.SyncedNode> synced = workloads.node(cluster, name);
        if (synced.isEmpty()) {
            return;
        }
        List<Change<NodeState>> changes = synced.get().node()
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
                loop.schedule(() -> {
                    if (deleted.contains(node.cluster())) {
                        sendNodes(nodes.deleteCluster(node.cluster())); // what is still to be tombstoned
                    } else {
                        publishNode(node.cluster(), node.name());
                    }
                }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }));
        }
    }

    // --- the clusters this replica watches ------------------------------------------------------------------------

    @Override
    public void clustersAssigned(Set<String> taken, Set<String> gone) {
        loop.execute(() -> takeClusters(taken, gone));
    }

    /**
     * Takes workload clusters over: reads back what {@code node.v1} holds of them (as a new leader reads its topics),
     * so that once a cluster's informer is synced only what differs is published ({@link #clusterSynced}). The
     * Nodes of clusters that are gone get their tombstones.
     */
    private void takeClusters(Set<String> taken, Set<String> gone) {
        Set<String> reading = new TreeSet<>(taken);
        reading.addAll(gone);
        reading.removeAll(watched);
        if (!reading.isEmpty()) {
            try {
                nodes.seed(reader.readAll(Topics.NODE, NodeState.class, properties.snapshotTimeout()), reading);
            } catch (TimeoutException | RuntimeException e) {
                // As a leader does: publish every current Node; vanished ones keep their records until next time.
                log.error("could not read back the Nodes of workload clusters {} ({}); publishing them without"
                        + " tombstones", reading, e.getMessage());
                nodes.forget(reading);
                // A deleted cluster's Nodes are known only from the topic: without the read they would stay on it.
                gone.stream().filter(reading::contains).forEach(goneUnread::add);
                readGoneLater(1);
            }
            try {
                watchReports.seed(reader.readAll(Topics.WORKLOAD_CLUSTER_WATCH, WorkloadClusterWatch.class,
                        properties.snapshotTimeout()), r -> reading.contains(r.key()));
            } catch (TimeoutException | RuntimeException e) {
                // The next report goes out whatever the last one said; a gone cluster's report stays until then.
                log.error("could not read back the watch reports of workload clusters {} ({})", reading,
                        e.getMessage());
                watchReports.forget(r -> reading.contains(r.key()));
            }
        }
        watched.addAll(taken);
        deleted.removeAll(taken);
        int tombstones = 0;
        for (String cluster : gone) {
            watched.remove(cluster);
            deleted.add(cluster);
            List<Change<NodeState>> changes = nodes.deleteCluster(cluster);
            tombstones += changes.size();
            sendNodes(changes);
            watchReports.delete(cluster).ifPresent(this::sendWatchReport);
        }
        Set<String> changed = new TreeSet<>(taken);
        changed.addAll(gone);
        for (String cluster : changed) {
            PoolKey key = PoolKey.parse(cluster);
            workloads.reconcile(key.namespace(), key.name());
        }
        registry.counter("poolstream.watcher.clusters.taken").increment(taken.size());
        log.info("watching the Nodes of workload clusters {}; {} gone ({} Node tombstones)", taken, gone, tombstones);
    }

    /**
     * Reads {@code node.v1} back again, a pause after {@code failures} failed reads (1 s, then growing up to a minute),
     * for the deleted clusters whose Nodes could not be read when their tombstone came; one read at a time, on a thread
     * of its own (it can take {@code snapshot-timeout}), the result taken in on the publishing thread.
     */
    private void readGoneLater(int failures) {
        if (goneReadPending || goneUnread.isEmpty()) {
            return;
        }
        goneReadPending = true;
        long pause = Math.min(60_000, RETRY_MILLIS << Math.min(failures - 1, 6));
        loop.schedule(() -> {
            goneUnread.retainAll(deleted); // made again, or its partition gone: no longer this replica's to tombstone
            if (goneUnread.isEmpty()) {
                goneReadPending = false;
                return;
            }
            Set<String> clusters = new TreeSet<>(goneUnread);
            readBack.execute(() -> {
                Map<String, NodeState> onTopic = null;
                Exception failure = null;
                try {
                    onTopic = reader.readAll(Topics.NODE, NodeState.class, properties.snapshotTimeout());
                } catch (TimeoutException | RuntimeException e) {
                    failure = e;
                }
                Map<String, NodeState> read = onTopic;
                Exception failed = failure;
                try {
                    loop.execute(() -> goneRead(clusters, read, failed, failures));
                } catch (RejectedExecutionException e) {
                    // shutting down: nothing publishes any more
                }
            });
        }, pause, TimeUnit.MILLISECONDS);
    }

    /** On the publishing thread: tombstones the Nodes read back of those of {@code clusters} still gone. */
    private void goneRead(Set<String> clusters, Map<String, NodeState> onTopic, Exception failure, int failures) {
        goneReadPending = false;
        if (failure != null) {
            log.error("could not read back the Nodes of deleted workload clusters {} (failure {}: {}); their records"
                    + " stay on {} until it succeeds", clusters, failures + 1, failure.getMessage(),
                    Topics.NODE.name());
            readGoneLater(failures + 1);
            return;
        }
        goneUnread.retainAll(deleted); // as before the read: those made again or let go meanwhile are not tombstoned
        Set<String> still = new TreeSet<>(clusters);
        still.retainAll(goneUnread);
        goneUnread.removeAll(clusters);
        nodes.seed(onTopic, still);
        int tombstones = 0;
        for (String cluster : still) {
            List<Change<NodeState>> changes = nodes.deleteCluster(cluster);
            tombstones += changes.size();
            sendNodes(changes);
        }
        log.info("read back the Nodes of deleted workload clusters {} after {} failed read(s): {} Node tombstones",
                still, failures, tombstones);
        readGoneLater(1); // clusters gone unread while this read ran
    }

    @Override
    public void clustersReleased(Set<String> released) {
        try {
            // Wait: the partitions go to another replica once this returns, and it must not see us publish.
            loop.submit(() -> {
                watched.removeAll(released);
                deleted.removeAll(released);
                nodes.forget(released);
                watchReports.forget(r -> released.contains(r.key()));
            }).get();
        } catch (RejectedExecutionException e) {
            return; // shutting down: nothing publishes any more
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException e) {
            log.error("could not release workload clusters {}", released, e.getCause());
        }
        released.forEach(cluster -> {
            PoolKey key = PoolKey.parse(cluster);
            workloads.reconcile(key.namespace(), key.name());
        });
        // What was sent for them is on node.v1 before the next owner reads it back.
        sender.flush();
        log.info("stopped watching the Nodes of workload clusters {}", released);
    }

    // --- leadership --------------------------------------------------------------------------------------------

    @Override
    public void startLeading() {
        elected = true;
        loop.execute(this::takeOver);
    }

    @Override
    public void stopLeading() {
        elected = false;
        leading = false;
        loop.execute(() -> {
            standDown();
            leaderSender.close();
        });
    }

    /** Makes the topics describe the caches: reads back what they hold, then publishes only the differences. */
    private void takeOver() {
        if (!elected) {
            return;
        }
        try {
            // First: the deposed leader's open transaction is aborted and its producer fenced, so what is read back
            // next is all it will ever have written.
            leaderSender.fence();
        } catch (RuntimeException e) {
            log.error("could not register as the leader's transactional producer ({}); trying again", e.getMessage());
            loop.schedule(this::takeOverIfStillElected, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        try {
            // The pools' records say what the replicas reported of their clusters: read it all first.
            if (!reports.awaitCaughtUp(properties.snapshotTimeout())) {
                log.warn("{} not read within {}: pools say their cluster's problem once it is",
                        Topics.WORKLOAD_CLUSTER_WATCH.name(), properties.snapshotTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            pools.seed(reader.readAll(Topics.MACHINEPOOL_SPEC, PoolSpec.class, properties.snapshotTimeout()));
            clusters.seed(reader.readAll(Topics.WORKLOAD_CLUSTER, WorkloadCluster.class,
                    properties.snapshotTimeout()));
        } catch (TimeoutException | RuntimeException e) {
            // Without the topics' content, publish everything current; vanished keys keep their records until the
            // next takeover. Better a full snapshot than none.
            log.error("could not read back what the topics hold ({}); publishing a full snapshot without tombstones",
                    e.getMessage());
            pools.clear();
            clusters.clear();
        }
        Map<String, PoolSpec> currentPools = new HashMap<>();
        try {
            cache.pools().forEach(pool -> currentPools.put(PoolKey.of(pool).toString(), specOf(pool)));
        } catch (RuntimeException e) {
            // Elected but not leading publishes nothing: said, and tried again, never left so in silence.
            log.error("could not make the pools' records to take over publishing; trying again", e);
            pools.clear();
            clusters.clear();
            loop.schedule(this::takeOverIfStillElected, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        List<Change<PoolSpec>> poolChanges = pools.reconcile(currentPools, any -> true);
        // A cluster deleted while no leader ran gets its tombstone: its owner then tombstones its Nodes.
        List<Change<WorkloadCluster>> clusterChanges = clusters.reconcile(currentClusters(), any -> true);
        List<LeaderSender.Outgoing> snapshot = new ArrayList<>();
        poolChanges.forEach(c -> snapshot.add(new LeaderSender.Outgoing(Topics.MACHINEPOOL_SPEC, c)));
        clusterChanges.forEach(c -> snapshot.add(new LeaderSender.Outgoing(Topics.WORKLOAD_CLUSTER, c)));
        leading = true;
        // One transaction: a new leader's differences are seen all at once, or (aborted) not at all and taken over
        // again.
        sendAsLeader(snapshot, this::standDown, this::takeOverIfStillElected);
        if (!leading) {
            return;
        }
        registry.counter("poolstream.watcher.takeovers").increment();
        log.info("took over publishing: {} pool records and {} workload cluster records differed from the topics",
                poolChanges.size(), clusterChanges.size());
    }

    public void close() {
        elected = false;
        leading = false;
        loop.shutdownNow();
        readBack.shutdownNow();
        leaderSender.close();
    }
}
