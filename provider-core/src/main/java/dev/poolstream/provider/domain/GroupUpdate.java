package dev.poolstream.provider.domain;

import dev.poolstream.events.Copies;
import java.util.List;
import java.util.Map;

/**
 * What to change on an existing group. A null component stays as it is; an empty {@code tags}, {@code suspend} or
 * {@code resume} changes none.
 *
 * @param suspend processes to suspend on the group (the cloud's names)
 * @param resume  processes suspended on the group to resume
 */
public record GroupUpdate(Integer desired, Integer min, Integer max, String templateVersion, List<String> placement,
                          Map<String, String> tags, List<String> suspend, List<String> resume) {

    public GroupUpdate {
        placement = placement == null ? null : List.copyOf(placement);
        tags = Copies.map(tags);
        suspend = Copies.list(suspend);
        resume = Copies.list(resume);
    }

    /** An update that suspends or resumes no process. */
    public GroupUpdate(Integer desired, Integer min, Integer max, String templateVersion, List<String> placement,
                       Map<String, String> tags) {
        this(desired, min, max, templateVersion, placement, tags, List.of(), List.of());
    }

    /** Whether the group itself (size, template, placement) changes, as opposed to its tags or processes only. */
    public boolean changesGroup() {
        return desired != null || min != null || max != null || templateVersion != null || placement != null;
    }

    public boolean isEmpty() {
        return !changesGroup() && tags.isEmpty() && suspend.isEmpty() && resume.isEmpty();
    }
}
