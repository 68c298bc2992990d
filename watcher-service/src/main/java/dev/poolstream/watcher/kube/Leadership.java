package dev.poolstream.watcher.kube;

import dev.poolstream.watcher.config.WatcherProperties;
import dev.poolstream.watcher.domain.Causes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One publisher per management cluster: leader election on a coordination.k8s.io Lease. A replica that loses the
 * lease stops publishing at once and stands in the election again; a standby takes over within the lease duration.
 */
public final class Leadership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Leadership.class);

    public interface Listener {
        void startLeading();

        void stopLeading();
    }

    private final KubernetesClient client;
    private final WatcherProperties.Lease lease;
    private final Listener listener;
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(1, r -> {
        Thread thread = new Thread(r, "leader-election");
        thread.setDaemon(true);
        return thread;
    });
    private volatile CompletableFuture<?> election;
    private volatile boolean closed;
    private volatile boolean leader;
    private volatile String currentLeader;
    private volatile String failure;

    public Leadership(KubernetesClient client, WatcherProperties.Lease lease, Listener listener) {
        this.client = client;
        this.lease = lease;
        this.listener = listener;
    }

    /**
     * Stands in the election, and again whenever it ends while this replica is not closed. A failure to stand is
     * kept for {@link #failure()} (the liveness health) and logged: nothing else reads it, least of all when a
     * restart scheduled on the election's own thread fails.
     */
    public void start() {
        if (closed) {
            return;
        }
        CompletableFuture<?> started;
        try {
            LeaderElector elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                    .withName(lease.name())
                    .withLock(new LeaseLock(lease.namespace(), lease.name(), lease.identity()))
                    .withLeaseDuration(lease.duration())
                    .withRenewDeadline(lease.renewDeadline())
                    .withRetryPeriod(lease.retryPeriod())
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(new LeaderCallbacks(this::started, this::stopped, this::newLeader))
                    .build()).build();
            started = elector.start();
        } catch (RuntimeException | LinkageError e) {
            failure = "could not stand for leadership of lease " + lease.namespace() + "/" + lease.name() + ": "
                    + Causes.chain(e);
            log.error("{}: this replica will never lead", failure, e);
            return;
        }
        failure = null;
        election = started;
        // The elector returns when this replica loses the lease (or fails to reach the API server): stand again.
        started.whenComplete((ignored, error) -> {
            if (!closed) {
                log.info("leader election of lease {}/{} ended{}; standing again", lease.namespace(), lease.name(),
                        error == null ? "" : " (" + error.getClass().getSimpleName() + ")");
                executor.schedule(this::start, lease.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    /** Why this replica does not stand for leadership, if it could not: empty while it stands or before it starts. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    public boolean leader() {
        return leader;
    }

    public String currentLeader() {
        return currentLeader;
    }

    private void started() {
        leader = true;
        log.info("{} leads: this watcher publishes", lease.identity());
        listener.startLeading();
    }

    private void stopped() {
        leader = false;
        log.info("{} no longer leads: this watcher stops publishing", lease.identity());
        listener.stopLeading();
    }

    private void newLeader(String identity) {
        currentLeader = identity;
        log.info("the leader of lease {}/{} is {}", lease.namespace(), lease.name(), identity);
    }

    /** Gives the lease up (the standby takes over at once) and stops standing. */
    @Override
    public void close() {
        closed = true;
        CompletableFuture<?> running = election;
        if (running != null) {
            running.cancel(true);
        }
        executor.shutdownNow();
    }
}
