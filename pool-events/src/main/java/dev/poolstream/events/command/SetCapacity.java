package dev.poolstream.events.command;

import dev.poolstream.events.CloudEventType;

/** Change the group's size. On Azure a scale-down arrives as {@link TerminateInstances} instead. */
@CloudEventType("dev.poolstream.scalinggroup.command.setcapacity.v1")
public record SetCapacity(String id, String pool, long generation, String group, Capacity capacity)
        implements ScalingGroupCommand {

    public static SetCapacity of(String pool, long generation, String group, Capacity capacity) {
        return new SetCapacity(CommandIds.derive("SetCapacity", pool, generation, group, capacity),
                pool, generation, group, capacity);
    }
}
