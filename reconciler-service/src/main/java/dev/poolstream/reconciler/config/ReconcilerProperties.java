package dev.poolstream.reconciler.config;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param mode             {@code owner} also handles Cluster API's MachinePool finalizer (DESIGN.md §1)
 * @param awaitTimeout     how long a sent capacity command may stay not carried out before it is decided again
 * @param drainRetry       the pause between eviction rounds while a PodDisruptionBudget refuses
 * @param drainThreads     Nodes drained at once
 * @param catchUpTimeout   how long reading the topics back after an assignment may take
 * @param recheck          how long until a pool waiting on the management cluster is looked at again: a bootstrap
 *                         config without its data Secret yet (owner mode), a write that failed
 */
@Validated
@ConfigurationProperties("poolstream.reconciler")
public record ReconcilerProperties(
        @DefaultValue("infrastructure-provider") @NotNull Mode mode,
        @DefaultValue("2m") @NotNull Duration awaitTimeout,
        @DefaultValue("2s") @NotNull Duration drainRetry,
        @DefaultValue("4") @Min(1) int drainThreads,
        @DefaultValue("2m") @NotNull Duration catchUpTimeout,
        @DefaultValue("10s") @NotNull Duration recheck) {

    public enum Mode { INFRASTRUCTURE_PROVIDER, OWNER }
}
