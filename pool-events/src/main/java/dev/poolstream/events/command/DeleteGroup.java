package dev.poolstream.events.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.util.Objects;

/**
 * Delete the group with all its instances, then its template.
 *
 * @param cluster the pool's cluster: the provider acts only on a group that cluster owns (its tag), so that a
 *                pool of another cluster never acts on it by name (null in a record of a reconciler
 *                from before it: the group's one owner, whichever it is)
 */
@CloudEventType("dev.poolstream.scalinggroup.command.deletegroup.v1")
public record DeleteGroup(
        @JsonProperty(required = true) String id,
        @JsonProperty(required = true) String pool,
        long generation,
        @JsonProperty(required = true) String group,
        String cluster) implements ScalingGroupCommand {

    public DeleteGroup {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(group, "group");
    }

    public static DeleteGroup of(String pool, long generation, String group) {
        return new DeleteGroup(CommandIds.derive("DeleteGroup", pool, generation, group), pool, generation, group,
                null);
    }

    @Override
    public DeleteGroup forPoolUid(String uid) {
        return new DeleteGroup(CommandIds.ofIncarnation(id, uid), pool, generation, group, cluster);
    }

    @Override
    public DeleteGroup inCluster(String name) {
        return new DeleteGroup(id, pool, generation, group, name);
    }
}
