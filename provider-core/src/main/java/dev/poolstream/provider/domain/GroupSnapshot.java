package dev.poolstream.provider.domain;

import dev.poolstream.events.Copies;
import dev.poolstream.events.InstanceLifecycle;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A cloud group as described by one read: its size, template version, placement, tags and instances.
 *
 * @param deleting        the cloud is deleting the group (AWS: status {@code Delete in progress})
 * @param templateVersion the template version or model new instances get; null when the group has none
 * @param placement       subnets or zones, in the cloud's own terms, sorted
 * @param tags            the tags on the group
 * @param rolloutInFlight the cloud itself is replacing instances (an instance refresh, a VMSS upgrade)
 */
public record GroupSnapshot(String group, boolean deleting, int desired, int min, int max, String templateVersion,
                            List<String> placement, Map<String, String> tags, boolean rolloutInFlight,
                            List<InstanceSnapshot> instances) {

    public GroupSnapshot {
        Objects.requireNonNull(group, "group");
        placement = Copies.list(placement).stream().sorted().toList();
        tags = Copies.map(tags);
        instances = Copies.list(instances);
    }

    public Optional<InstanceSnapshot> instanceByProviderId(String providerID) {
        return instances.stream().filter(i -> i.providerID().equals(providerID)).findFirst();
    }

    /** Instances the cloud counts towards the group's size and is not already removing. */
    public long liveInstances() {
        return instances.stream().filter(i -> i.lifecycle() == InstanceLifecycle.PENDING
                || i.lifecycle() == InstanceLifecycle.RUNNING).count();
    }
}
