package dev.poolstream.provider.domain;

import dev.poolstream.events.Copies;
import java.util.List;
import java.util.Map;

/**
 * What to change on an existing group. A null component stays as it is; an empty {@code tags} sets none.
 */
public record GroupUpdate(Integer desired, Integer min, Integer max, String templateVersion, List<String> placement,
                          Map<String, String> tags) {

    public GroupUpdate {
        placement = placement == null ? null : List.copyOf(placement);
        tags = Copies.map(tags);
    }

    /** Whether the group itself (size, template, placement) changes, as opposed to its tags only. */
    public boolean changesGroup() {
        return desired != null || min != null || max != null || templateVersion != null || placement != null;
    }

    public boolean isEmpty() {
        return !changesGroup() && tags.isEmpty();
    }
}
