package dev.poolstream.events.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.util.Objects;

/** Create the group and its template, or bring both up to date. A group that already matches sees no write. */
@CloudEventType("dev.poolstream.scalinggroup.command.ensuregroup.v1")
public record EnsureGroup(
        @JsonProperty(required = true) String id,
        @JsonProperty(required = true) String pool,
        long generation,
        @JsonProperty(required = true) String group,
        @JsonProperty(required = true) GroupTemplate template,
        @JsonProperty(required = true) Capacity capacity) implements ScalingGroupCommand {

    public EnsureGroup {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(capacity, "capacity");
    }

    public static EnsureGroup of(String pool, long generation, String group, GroupTemplate template,
                                 Capacity capacity) {
        return of(pool, generation, group, template, capacity, null);
    }

    /**
     * @param after the group's last carried-out command, as the state of the group gone reports it: a group deleted
     *              out of band again in the same generation is created again by a new command, not by the earlier
     *              one's repeat, which the provider would drop; the same decision made again from the same picture
     *              keeps its id
     */
    public static EnsureGroup of(String pool, long generation, String group, GroupTemplate template,
                                 Capacity capacity, String after) {
        String id = CommandIds.derive("EnsureGroup", pool, generation, group, template.fingerprint(), capacity,
                after);
        return new EnsureGroup(id, pool, generation, group, template, capacity);
    }

    @Override
    public EnsureGroup forPoolUid(String uid) {
        return new EnsureGroup(CommandIds.ofIncarnation(id, uid), pool, generation, group, template, capacity);
    }

    /** Its template names the cluster already. */
    @Override
    public EnsureGroup inCluster(String name) {
        return this;
    }
}
