package dev.poolstream.events.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import dev.poolstream.events.Copies;
import java.util.List;
import java.util.Objects;

/**
 * Terminate the named instances, already drained, and lower the group's desired size by as many.
 *
 * @param providerIDs the instances, by provider ID exactly as on {@code scalinggroup.instances.v1}
 * @param cluster     the pool's cluster: the provider acts only on a group that cluster owns (its tag), so that a
 *                    pool of another cluster never acts on it by name (null in a record of a reconciler
 *                    from before it: the group's one owner, whichever it is)
 */
@CloudEventType("dev.poolstream.scalinggroup.command.terminateinstances.v1")
public record TerminateInstances(
        @JsonProperty(required = true) String id,
        @JsonProperty(required = true) String pool,
        long generation,
        @JsonProperty(required = true) String group,
        List<String> providerIDs,
        String cluster) implements ScalingGroupCommand {

    public TerminateInstances {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(group, "group");
        providerIDs = Copies.list(providerIDs);
    }

    public static TerminateInstances of(String pool, long generation, String group, List<String> providerIDs) {
        List<String> sorted = providerIDs.stream().sorted().toList();
        return new TerminateInstances(CommandIds.derive("TerminateInstances", pool, generation, group, sorted),
                pool, generation, group, sorted, null);
    }

    @Override
    public TerminateInstances forPoolUid(String uid) {
        return new TerminateInstances(CommandIds.ofIncarnation(id, uid), pool, generation, group, providerIDs,
                cluster);
    }

    @Override
    public TerminateInstances inCluster(String name) {
        return new TerminateInstances(id, pool, generation, group, providerIDs, name);
    }
}
