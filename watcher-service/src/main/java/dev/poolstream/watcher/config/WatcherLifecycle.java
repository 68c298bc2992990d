package dev.poolstream.watcher.config;

import dev.poolstream.watcher.kafka.ClusterAssignment;
import dev.poolstream.watcher.kafka.WatchReports;
import dev.poolstream.watcher.kube.Leadership;
import dev.poolstream.watcher.kube.ManagementCache;
import dev.poolstream.watcher.kube.WorkloadClusters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the caches, and once they hold their first full list stands for leadership and joins the group that shares
 * the workload clusters, so that a new leader's snapshot is complete and a taken cluster's kubeconfig is known.
 * Stops in reverse: leaves the clusters and gives the lease up first, so that the others take over.
 */
final class WatcherLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WatcherLifecycle.class);

    private final ManagementCache cache;
    private final Leadership leadership;
    private final ClusterAssignment assignment;
    private final WorkloadClusters workloads;
    private final WatchReports reports;
    private volatile boolean running;

    WatcherLifecycle(ManagementCache cache, Leadership leadership, ClusterAssignment assignment,
                     WorkloadClusters workloads, WatchReports reports) {
        this.cache = cache;
        this.reports = reports;
        this.leadership = leadership;
        this.assignment = assignment;
        this.workloads = workloads;
    }

    @Override
    public void start() {
        running = true;
        reports.start(); // read before leading: a new leader's first pool records say what replicas reported
        cache.start().whenComplete((ignored, error) -> {
            if (error != null) {
                if (running) {
                    log.error("the management-cluster caches could not start: {}", error.getMessage());
                }
            } else if (running) {
                log.info("management-cluster caches synced; standing for leadership and joining the workload"
                        + " clusters' group");
                // Each start on its own: a replica that cannot lead still watches its share of the workload
                // clusters. Both say a failure in the liveness health (leaderElection, workloadClusterGroup); a
                // failure here would otherwise end in a future no one reads.
                leadership.start();
                try {
                    assignment.start();
                } catch (RuntimeException | LinkageError e) {
                    log.error("the watcher could not join the workload clusters' group", e);
                }
            }
        });
    }

    @Override
    public void stop() {
        running = false;
        assignment.close();
        leadership.close();
        workloads.close();
        reports.close();
        cache.stop();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
