package dev.poolstream.events;

import java.time.Instant;

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
        String providerID,
        String pool,
        Cloud cloud,
        String instanceId,
        String zone,
        InstanceLifecycle lifecycle,
        String cloudState,
        String templateVersion,
        boolean latestModel,
        Instant launchTime) implements Keyed {

    public InstanceState {
        if (providerID == null || providerID.isEmpty()) {
            throw new IllegalArgumentException("instance " + instanceId + " of pool " + pool + " has no provider ID");
        }
    }

    @Override
    public String key() {
        return providerID;
    }
}
