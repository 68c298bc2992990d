package dev.poolstream.reconciler.config;

import dev.poolstream.reconciler.domain.Retries;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param mode             {@code owner} also handles Cluster API's MachinePool finalizer (DESIGN.md §1)
 * @param awaitTimeout     how long a sent capacity command may stay not carried out before it counts as failed (and
 *                         is tried again)
 * @param drainRetry       the pause between drain rounds, and the first backoff while a PodDisruptionBudget refuses
 *                         or the workload cluster's API fails
 * @param drainRetryMax    the longest such backoff
 * @param drainThreads     threads that run the drains' rounds (every victim's drain runs at once)
 * @param catchUpTimeout   how long reading the topics back after an assignment may take
 * @param recheck          how long until a pool waiting on the management cluster is looked at again: a bootstrap
 *                         config without its data Secret yet (owner mode), a write that failed
 * @param retryBackoff     the pause before a failed (dead-lettered or timed-out) command's next attempt, doubling
 *                         for each failure; also before a failed drain is started again
 * @param retryBackoffMax  the longest such pause
 * @param retryAttempts    attempts of one command at that growing backoff, the first included. A command is never
 *                         given up: past them it is still tried again, as long as the pool needs it
 * @param retryBackoffAfterAttempts the longest pause once {@code retryAttempts} attempts have failed: a cause
 *                         fixed meanwhile (a bootstrap Secret created, a quota raised) is picked up within it
 * @param scaleDownSettle  how long a lowered {@code replicas} waits for the instances asked to go (cluster-autoscaler's
 *                         marked Node) before it takes others by the delete policy: the marks can arrive after the
 *                         replicas. Those asked to go go at once
 * @param stallLimit       how long the consumer's loop may go without polling, or the reconcile loop without
 *                         answering, before liveness says DOWN and the pod is restarted: a thread stuck for good is
 *                         as dead as one that ended. Kafka's own bound on a poll loop, {@code max.poll.interval.ms},
 *                         is 5 minutes too
 */
@Validated
@ConfigurationProperties("poolstream.reconciler")
public record ReconcilerProperties(
        @DefaultValue("infrastructure-provider") @NotNull Mode mode,
        @DefaultValue("2m") @NotNull @DurationMin(nanos = 1) Duration awaitTimeout,
        @DefaultValue("2s") @NotNull @DurationMin(nanos = 1) Duration drainRetry,
        @DefaultValue("30s") @NotNull @DurationMin(nanos = 1) Duration drainRetryMax,
        @DefaultValue("4") @Min(1) int drainThreads,
        @DefaultValue("2m") @NotNull @DurationMin(nanos = 1) Duration catchUpTimeout,
        @DefaultValue("10s") @NotNull @DurationMin(nanos = 1) Duration recheck,
        @DefaultValue("10s") @NotNull @DurationMin(nanos = 1) Duration retryBackoff,
        @DefaultValue("5m") @NotNull @DurationMin(nanos = 1) Duration retryBackoffMax,
        @DefaultValue("5") @Min(1) int retryAttempts,
        @DefaultValue("60s") @NotNull Duration retryBackoffAfterAttempts,
        @DefaultValue("5s") @NotNull Duration scaleDownSettle,
        @DefaultValue("5m") @NotNull @DurationMin(nanos = 1) Duration stallLimit) {

    public enum Mode { INFRASTRUCTURE_PROVIDER, OWNER }

    public Retries retries() {
        return new Retries(retryBackoff, retryBackoffMax.compareTo(retryBackoff) < 0 ? retryBackoff : retryBackoffMax,
                retryAttempts, retryBackoffAfterAttempts);
    }
}
