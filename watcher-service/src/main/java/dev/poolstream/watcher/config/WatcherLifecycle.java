package dev.poolstream.watcher.config;

import dev.poolstream.watcher.kube.Leadership;
import dev.poolstream.watcher.kube.ManagementCache;
import dev.poolstream.watcher.kube.WorkloadClusters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the caches, and stands for leadership once they hold their first full list, so that a new leader's
 * snapshot is complete. Stops in reverse: gives the lease up first, so the standby takes over at once.
 */
final class WatcherLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WatcherLifecycle.class);

    private final ManagementCache cache;
    private final Leadership leadership;
    private final WorkloadClusters workloads;
    private volatile boolean running;

    WatcherLifecycle(ManagementCache cache, Leadership leadership, WorkloadClusters workloads) {
        this.cache = cache;
        this.leadership = leadership;
        this.workloads = workloads;
    }

    @Override
    public void start() {
        running = true;
        cache.start().whenComplete((ignored, error) -> {
            if (error != null) {
                if (running) {
                    log.error("the management-cluster caches could not start: {}", error.getMessage());
                }
            } else if (running) {
                log.info("management-cluster caches synced; standing for leadership");
                leadership.start();
            }
        });
    }

    @Override
    public void stop() {
        running = false;
        leadership.close();
        workloads.close();
        cache.stop();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
