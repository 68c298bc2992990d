package dev.poolstream.provider.domain;

import dev.poolstream.events.Copies;
import java.util.List;
import java.util.Map;

/**
 * Where a group's instances go, how the group is tagged, and which of the cloud's own processes it must not run, as
 * the cloud adapter derives them from a template.
 *
 * @param placement          subnets or zones in the cloud's own terms (compared as a set)
 * @param tags               tags the group must carry; tags it carries beyond these are left alone
 * @param suspendedProcesses the cloud's processes suspended on the group, by the cloud's names (AWS Auto Scaling's
 *                           {@code AZRebalance}...), exactly these: others suspended are resumed; empty on a cloud
 *                           without such processes
 */
public record GroupShape(List<String> placement, Map<String, String> tags, List<String> suspendedProcesses) {

    public GroupShape {
        placement = Copies.list(placement).stream().distinct().sorted().toList();
        tags = Copies.map(tags);
        suspendedProcesses = Copies.list(suspendedProcesses).stream().distinct().sorted().toList();
    }

    /** A shape on a cloud without processes to suspend. */
    public GroupShape(List<String> placement, Map<String, String> tags) {
        this(placement, tags, List.of());
    }

    public GroupShape withTags(Map<String, String> tags) {
        return new GroupShape(placement, tags, suspendedProcesses);
    }
}
