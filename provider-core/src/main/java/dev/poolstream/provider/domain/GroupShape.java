package dev.poolstream.provider.domain;

import dev.poolstream.events.Copies;
import java.util.List;
import java.util.Map;

/**
 * Where a group's instances go and how the group is tagged, as the cloud adapter derives them from a template.
 *
 * @param placement subnets or zones in the cloud's own terms (compared as a set)
 * @param tags      tags the group must carry; tags it carries beyond these are left alone
 */
public record GroupShape(List<String> placement, Map<String, String> tags) {

    public GroupShape {
        placement = Copies.list(placement).stream().distinct().sorted().toList();
        tags = Copies.map(tags);
    }
}
