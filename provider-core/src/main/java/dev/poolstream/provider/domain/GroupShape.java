package dev.poolstream.provider.domain;

import dev.poolstream.events.Copies;
import dev.poolstream.events.Failure;
import java.util.List;
import java.util.Map;

/**
 * Where a group's instances go, how the group is tagged, and which of the cloud's own processes it must not run, as
 * the cloud adapter derives them from a template.
 *
 * @param placement          subnets or zones in the cloud's own terms (compared as a set); empty when unplaced
 * @param tags               tags the group must carry; tags it carries beyond these are left alone
 * @param suspendedProcesses the cloud's processes suspended on the group, by the cloud's names (AWS Auto Scaling's
 *                           {@code AZRebalance}...), exactly these: others suspended are resumed; empty on a cloud
 *                           without such processes
 * @param unplaced           why the template's placement cannot be read (subnets given by filters), null when it can:
 *                           no group is made or moved from it, while its tags and processes still hold
 */
public record GroupShape(List<String> placement, Map<String, String> tags, List<String> suspendedProcesses,
                         Failure unplaced) {

    public GroupShape {
        placement = Copies.list(placement).stream().distinct().sorted().toList();
        tags = Copies.map(tags);
        suspendedProcesses = Copies.list(suspendedProcesses).stream().distinct().sorted().toList();
    }

    public GroupShape(List<String> placement, Map<String, String> tags, List<String> suspendedProcesses) {
        this(placement, tags, suspendedProcesses, null);
    }

    /** A shape on a cloud without processes to suspend. */
    public GroupShape(List<String> placement, Map<String, String> tags) {
        this(placement, tags, List.of(), null);
    }

    /** A shape whose placement cannot be read from the template, for the reason given. */
    public static GroupShape unplaced(Failure why, Map<String, String> tags, List<String> suspendedProcesses) {
        return new GroupShape(List.of(), tags, suspendedProcesses, why);
    }

    public GroupShape withTags(Map<String, String> tags) {
        return new GroupShape(placement, tags, suspendedProcesses, unplaced);
    }

    /** The same shape, placed where given. */
    public GroupShape at(List<String> placement) {
        return new GroupShape(placement, tags, suspendedProcesses, null);
    }
}
