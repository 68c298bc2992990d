package dev.poolstream.events.command;

import dev.poolstream.events.CloudEventType;

/** Delete the group with all its instances, then its template. */
@CloudEventType("dev.poolstream.scalinggroup.command.deletegroup.v1")
public record DeleteGroup(String id, String pool, long generation, String group) implements ScalingGroupCommand {

    public static DeleteGroup of(String pool, long generation, String group) {
        return new DeleteGroup(CommandIds.derive("DeleteGroup", pool, generation, group), pool, generation, group);
    }
}
