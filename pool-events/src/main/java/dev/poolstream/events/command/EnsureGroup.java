package dev.poolstream.events.command;

import dev.poolstream.events.CloudEventType;

/** Create the group and its template, or bring both up to date. A group that already matches sees no write. */
@CloudEventType("dev.poolstream.scalinggroup.command.ensuregroup.v1")
public record EnsureGroup(String id, String pool, long generation, String group, GroupTemplate template,
                          Capacity capacity) implements ScalingGroupCommand {

    public static EnsureGroup of(String pool, long generation, String group, GroupTemplate template,
                                 Capacity capacity) {
        String id = CommandIds.derive("EnsureGroup", pool, generation, group, template.fingerprint(), capacity);
        return new EnsureGroup(id, pool, generation, group, template, capacity);
    }
}
