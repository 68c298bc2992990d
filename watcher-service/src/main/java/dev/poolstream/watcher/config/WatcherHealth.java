package dev.poolstream.watcher.config;

import dev.poolstream.watcher.kafka.ClusterAssignment;
import dev.poolstream.watcher.kafka.WatchReports;
import dev.poolstream.watcher.kube.Leadership;
import dev.poolstream.watcher.kube.ManagementCache;
import dev.poolstream.watcher.kube.WorkloadClusters;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Health of the watcher's sources. Part of readiness: the caches must hold their first full list. */
final class WatcherHealth {

    /** Ready when the management-cluster caches are synced; shows who leads. */
    @Component("cachesHealthIndicator")
    static final class Caches implements HealthIndicator {
        private final ManagementCache cache;
        private final Leadership leadership;
        private final ClusterAssignment assignment;
        private final WatchReports reports;

        Caches(ManagementCache cache, Leadership leadership, ClusterAssignment assignment, WatchReports reports) {
            this.cache = cache;
            this.leadership = leadership;
            this.assignment = assignment;
            this.reports = reports;
        }

        @Override
        public Health health() {
            Health.Builder builder = cache.synced() ? Health.up() : Health.outOfService();
            return builder.withDetail("synced", cache.synced())
                    .withDetail("kindsNotServed", cache.kindsNotServed())
                    .withDetail("leader", leadership.leader())
                    .withDetail("currentLeader", String.valueOf(leadership.currentLeader()))
                    // The workloadcluster.v1 partitions the group gave this replica, and their clusters.
                    .withDetail("partitions", assignment.partitions())
                    .withDetail("watchedClusters", assignment.clusters().size())
                    // The reader of workloadcluster.watch.v1, whose problems the leader puts on the pools.
                    .withDetail("watchReports", reports.state())
                    .build();
        }
    }

    /**
     * Part of liveness: DOWN once this replica is out of the workload clusters' group for good (its consumer could not
     * be made, or it stopped on an error), so that it is restarted instead of watching no cluster with its health UP.
     */
    @Component("workloadClusterGroupHealthIndicator")
    static final class WorkloadClusterGroup implements HealthIndicator {
        private final ClusterAssignment assignment;

        WorkloadClusterGroup(ClusterAssignment assignment) {
            this.assignment = assignment;
        }

        @Override
        public Health health() {
            return downIf(assignment.failure()).withDetail("partitions", assignment.partitions())
                    .build();
        }
    }

    /**
     * Part of liveness: DOWN once this replica could not stand for leadership (it would never lead, and if every
     * replica fails alike no one publishes the management cluster's objects).
     */
    @Component("leaderElectionHealthIndicator")
    static final class LeaderElection implements HealthIndicator {
        private final Leadership leadership;

        LeaderElection(Leadership leadership) {
            this.leadership = leadership;
        }

        @Override
        public Health health() {
            return downIf(leadership.failure()).withDetail("leader", leadership.leader())
                    .build();
        }
    }

    /**
     * One entry per workload cluster with the state of its Node watch. Always UP: an unreachable workload cluster
     * is retried, and must not take the watcher of every other cluster out of service.
     */
    @Component("workloadClustersHealthIndicator")
    static final class Workloads implements HealthIndicator {
        private final WorkloadClusters workloads;

        Workloads(WorkloadClusters workloads) {
            this.workloads = workloads;
        }

        @Override
        public Health health() {
            Map<String, Object> details = new LinkedHashMap<>();
            workloads.health().forEach((cluster, health) -> {
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("state", health.state());
                detail.put("watching", health.watching());
                if (health.failedAttempts() > 0) {
                    detail.put("failedAttempts", health.failedAttempts());
                    detail.put("lastError", health.lastError());
                    detail.put("nextRetry", String.valueOf(health.nextRetry()));
                }
                details.put(cluster, detail);
            });
            return Health.up().withDetails(details).build();
        }
    }

    /** DOWN, saying why, when something failed for good; else UP. */
    private static Health.Builder downIf(Optional<String> failure) {
        return failure.map(why -> Health.down().withDetail("why", why)).orElseGet(Health::up);
    }

    private WatcherHealth() {
    }
}
