package dev.poolstream.events.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.util.Objects;

/**
 * Change the group's size. On Azure a scale-down arrives as {@link TerminateInstances} instead.
 *
 * @param cluster the pool's cluster: the provider acts only on a group that cluster owns (its tag), so that a
 *                pool of another cluster never acts on it by name (null in a record of a reconciler
 *                from before it: the group's one owner, whichever it is)
 */
@CloudEventType("dev.poolstream.scalinggroup.command.setcapacity.v1")
public record SetCapacity(
        @JsonProperty(required = true) String id,
        @JsonProperty(required = true) String pool,
        long generation,
        @JsonProperty(required = true) String group,
        @JsonProperty(required = true) Capacity capacity,
        String cluster) implements ScalingGroupCommand {

    public SetCapacity {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(capacity, "capacity");
    }

    public static SetCapacity of(String pool, long generation, String group, Capacity capacity) {
        return of(pool, generation, group, capacity, null);
    }

    /**
     * @param after the group's last carried-out command when this one was decided: a roll-out asks for the same
     *              capacity more than once in one generation, and each time is a new command (the same decision
     *              made again from the same picture, as after a restart, keeps its id)
     */
    public static SetCapacity of(String pool, long generation, String group, Capacity capacity, String after) {
        return new SetCapacity(CommandIds.derive("SetCapacity", pool, generation, group, capacity, after),
                pool, generation, group, capacity, null);
    }

    @Override
    public SetCapacity forPoolUid(String uid) {
        return new SetCapacity(CommandIds.ofIncarnation(id, uid), pool, generation, group, capacity, cluster);
    }

    @Override
    public SetCapacity inCluster(String name) {
        return new SetCapacity(id, pool, generation, group, capacity, name);
    }
}
