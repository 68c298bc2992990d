package dev.poolstream.status.config;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param mode         what this service writes in Kubernetes (DESIGN.md §1, "two modes")
 * @param lookInterval            how long a pool's changes are taken together: a changed pool is looked at at
 *                                once, or at the end of this when it was looked at within it; also how often the
 *                                pools whose status changes with time alone (minReadySeconds) are checked
 * @param maxLookDelay            the longest a changed pool's look waits while the topology is behind: a change that
 *                                reaches it later than {@code lookInterval} after it was written makes the pool's
 *                                look wait as long as the change was late beyond {@code lookInterval}, up to
 *                                this, and the pool's changes meanwhile join that look (a backlog is worked off in
 *                                far fewer looks than changes)
 * @param threadReplacements      how many dead stream threads are replaced within {@code threadReplacementWindow}
 *                                before Kafka Streams is shut down and liveness goes DOWN (a thread that dies on
 *                                every try makes no progress)
 * @param threadReplacementWindow see {@code threadReplacements}
 * @param writeRetryInitial       the first wait before a pool's failed status write is tried again; it doubles on
 *                                each failure, up to {@code writeRetryMax}, for as long as the write fails (a status
 *                                write failing is taken as transient: nothing goes to the DLT for it)
 * @param writeRetryMax           see {@code writeRetryInitial}
 * @param writers                 how many consumers write statuses at once, each its own partitions of
 *                                {@code machinepool.status.v1} (a pool's writes stay in order): a status that arrives
 *                                while another pool's write is in flight need not wait for it
 * @param workloadTimeout         how long one request to a workload cluster (tending Nodes) may take to connect and
 *                                to answer; it is made once, the write is tried again with backoff
 * @param machines                the per-instance objects (docs/machines.md)
 * @param namespaces              the management-cluster namespaces whose pools this service writes, each listed and
 *                                watched on its own (so Roles there suffice); empty for all namespaces
 */
@Validated
@ConfigurationProperties("poolstream.status")
public record StatusProperties(
        @DefaultValue("infrastructure-provider") @NotNull Mode mode,
        @DefaultValue("100ms") @NotNull @DurationMin(nanos = 1) Duration lookInterval,
        @DefaultValue("2s") @NotNull Duration maxLookDelay,
        @DefaultValue("5") @Min(0) int threadReplacements,
        @DefaultValue("10m") @NotNull Duration threadReplacementWindow,
        @DefaultValue("500ms") @NotNull @DurationMin(nanos = 1) Duration writeRetryInitial,
        @DefaultValue("30s") @NotNull @DurationMin(nanos = 1) Duration writeRetryMax,
        @DefaultValue("4") @Min(1) int writers,
        @DefaultValue("5s") @NotNull @DurationMin(nanos = 1) Duration workloadTimeout,
        @DefaultValue @NotNull Machines machines,
        @DefaultValue({}) List<@NotBlank String> namespaces) {

    /**
     * @param enabled keep an infrastructure machine per instance (and in owner mode a Machine), and name its kind in
     *                the infrastructure pool's {@code status.infrastructureMachineKind}; in infrastructure-provider
     *                mode that makes Cluster API core make and count Machines for the pool
     */
    public record Machines(@DefaultValue("true") boolean enabled) {
    }

    public enum Mode {
        /**
         * Cluster API core runs and writes MachinePool status: Poolstream writes the infrastructure pool's status
         * and provider ID list (the InfraMachinePool contract) and publishes its own richer view to Kafka.
         */
        INFRASTRUCTURE_PROVIDER,
        /** No Cluster API controllers: Poolstream also writes MachinePool status and tends the pool's Nodes. */
        OWNER
    }
}
