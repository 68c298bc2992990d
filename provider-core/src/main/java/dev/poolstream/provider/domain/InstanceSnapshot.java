package dev.poolstream.provider.domain;

import dev.poolstream.events.InstanceLifecycle;
import java.time.Instant;
import java.util.Objects;

/**
 * One instance of a group as the cloud describes it.
 *
 * @param providerID     the provider ID exactly as the Node will carry it (MACHINEPOOL-SEMANTICS.md §2)
 * @param cloudState     the cloud's own word for the state ({@code InService}, {@code Pending}, ...)
 * @param templateVersion the template version or model the instance was launched from; null when unknown
 * @param launchTime     null when the cloud has not told yet
 */
public record InstanceSnapshot(String instanceId, String providerID, String zone, InstanceLifecycle lifecycle,
                               String cloudState, String templateVersion, Instant launchTime) {

    public InstanceSnapshot {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(providerID, "providerID");
        Objects.requireNonNull(lifecycle, "lifecycle");
    }
}
