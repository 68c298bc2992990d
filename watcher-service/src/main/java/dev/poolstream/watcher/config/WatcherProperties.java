package dev.poolstream.watcher.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param namespaces   the management-cluster namespaces to watch; empty for all
 * @param resyncPeriod how often informers replay their caches (each replay publishes nothing unless it differs)
 * @param lease        leader election: one watcher publishes per management cluster
 * @param workload     how workload clusters are connected to
 * @param snapshotTimeout how long a new leader, or a replica taking workload clusters over, may take to read back
 *                        what the topics hold
 * @param nodes        how the replicas share the workload clusters' Node watches
 */
@Validated
@ConfigurationProperties("poolstream.watcher")
public record WatcherProperties(
        @DefaultValue({}) List<@NotBlank String> namespaces,
        @DefaultValue("10m") @NotNull Duration resyncPeriod,
        @DefaultValue @Valid Lease lease,
        @DefaultValue @Valid Workload workload,
        @DefaultValue("60s") @NotNull @DurationMin(nanos = 1) Duration snapshotTimeout,
        @DefaultValue @Valid Nodes nodes) {

    /**
     * @param namespace   where the Lease lives (the watcher's own namespace)
     * @param identity    this replica's name in the Lease; the pod name in Kubernetes
     */
    public record Lease(
            @DefaultValue("poolstream-watcher") @NotBlank String name,
            @DefaultValue("poolstream") @NotBlank String namespace,
            @DefaultValue("${HOSTNAME:watcher}") @NotBlank String identity,
            @DefaultValue("15s") @NotNull Duration duration,
            @DefaultValue("10s") @NotNull Duration renewDeadline,
            @DefaultValue("2s") @NotNull Duration retryPeriod) {

        /**
         * What fabric8's elector requires, checked at boot: its own check runs only once the caches are synced, and a
         * replica that cannot stand would run without ever leading.
         */
        public Lease {
            if (duration != null && renewDeadline != null && retryPeriod != null) {
                // The elector waits up to retryPeriod plus 1.2 times it between tries (its jitter).
                Duration longestTry = retryPeriod.plusMillis((long) Math.ceil(retryPeriod.toMillis() * 1.2));
                if (retryPeriod.isNegative() || retryPeriod.isZero()) {
                    throw new IllegalArgumentException("poolstream.watcher.lease.retry-period must be greater than 0");
                }
                if (renewDeadline.compareTo(longestTry) <= 0) {
                    throw new IllegalArgumentException("poolstream.watcher.lease.renew-deadline (" + renewDeadline
                            + ") must be greater than 2.2 times retry-period (" + retryPeriod + "): " + longestTry);
                }
                if (duration.compareTo(renewDeadline) <= 0) {
                    throw new IllegalArgumentException("poolstream.watcher.lease.duration (" + duration
                            + ") must be greater than renew-deadline (" + renewDeadline + ")");
                }
            }
        }
    }

    /**
     * @param initialBackoff first wait before reconnecting to an unreachable workload cluster; doubles up to
     *                       {@code maxBackoff}
     */
    public record Workload(
            @DefaultValue("1s") @NotNull @DurationMin(nanos = 1) Duration initialBackoff,
            @DefaultValue("5m") @NotNull @DurationMin(nanos = 1) Duration maxBackoff,
            @DefaultValue("10s") @NotNull @DurationMin(nanos = 1) Duration connectTimeout) {
    }

    /**
     * The consumer group on {@code workloadcluster.v1} through which the replicas share the workload clusters.
     *
     * @param sessionTimeout how long the group waits for a silent replica before its clusters go to the others
     */
    public record Nodes(
            @DefaultValue("poolstream-watcher-nodes") @NotBlank String group,
            @DefaultValue("6s") @NotNull @DurationMin(nanos = 1) Duration sessionTimeout,
            @DefaultValue("2s") @NotNull @DurationMin(nanos = 1) Duration heartbeatInterval) {
    }
}
