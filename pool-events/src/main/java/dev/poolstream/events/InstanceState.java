package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Objects;

/**
 * One cloud instance of a pool's group on {@code scalinggroup.instances.v1}, keyed by provider ID exactly as the
 * Node will carry it, so that the status join needs no repartition.
 *
 * @param cloudState       the cloud's own word for the state ({@code InService}, {@code Succeeded}, ...)
 * @param templateVersion  the launch template version (AWS) or model the instance runs
 * @param latestModel      whether the instance runs the group's current template or model
 */
@CloudEventType("dev.poolstream.scalinggroup.instance.v1")
public record InstanceState(
        @JsonProperty(required = true) String providerID,
        @JsonProperty(required = true) String pool,
        Cloud cloud,
        @JsonProperty(required = true) String instanceId,
        String zone,
        @JsonProperty(required = true) InstanceLifecycle lifecycle,
        String cloudState,
        String templateVersion,
        boolean latestModel,
        Instant launchTime) implements Keyed {

    public InstanceState {
        if (providerID == null || providerID.isEmpty()) {
            throw new IllegalArgumentException("instance " + instanceId + " of pool " + pool + " has no provider ID");
        }
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(lifecycle, "lifecycle");
    }

    @Override
    public String key() {
        return providerID;
    }
}
