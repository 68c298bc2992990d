package dev.poolstream.events.command;

import dev.poolstream.events.CloudEventType;

/**
 * Make a new template version (AWS) or model (Azure) the one new instances get. Existing instances are replaced
 * by the reconciler, within the pool's surge and unavailability budget, through drain and {@link TerminateInstances}.
 */
@CloudEventType("dev.poolstream.scalinggroup.command.rollout.v1")
public record RollOut(String id, String pool, long generation, String group, GroupTemplate template)
        implements ScalingGroupCommand {

    public static RollOut of(String pool, long generation, String group, GroupTemplate template) {
        String id = CommandIds.derive("RollOut", pool, generation, group, template.fingerprint());
        return new RollOut(id, pool, generation, group, template);
    }
}
