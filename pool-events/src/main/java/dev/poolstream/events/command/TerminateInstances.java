package dev.poolstream.events.command;

import dev.poolstream.events.CloudEventType;
import dev.poolstream.events.Copies;
import java.util.List;

/**
 * Terminate the named instances, already drained, and lower the group's desired size by as many.
 *
 * @param providerIDs the instances, by provider ID exactly as on {@code scalinggroup.instances.v1}
 */
@CloudEventType("dev.poolstream.scalinggroup.command.terminateinstances.v1")
public record TerminateInstances(String id, String pool, long generation, String group, List<String> providerIDs)
        implements ScalingGroupCommand {

    public TerminateInstances {
        providerIDs = Copies.list(providerIDs);
    }

    public static TerminateInstances of(String pool, long generation, String group, List<String> providerIDs) {
        List<String> sorted = providerIDs.stream().sorted().toList();
        return new TerminateInstances(CommandIds.derive("TerminateInstances", pool, generation, group, sorted),
                pool, generation, group, sorted);
    }
}
