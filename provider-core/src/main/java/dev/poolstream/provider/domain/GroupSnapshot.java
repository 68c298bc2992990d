package dev.poolstream.provider.domain;

import dev.poolstream.events.Copies;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import java.util.HashSet;
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
 * @param launchFailure   why the cloud's latest launch into the group failed, read only while the group is short of
 *                        its desired capacity; null when it is not short, the launch did not fail, or it was not read
 * @param suspendedProcesses the cloud's processes suspended on the group (AWS Auto Scaling's names), sorted; empty on
 *                        a cloud without them
 */
public record GroupSnapshot(String group, boolean deleting, int desired, int min, int max, String templateVersion,
                            List<String> placement, Map<String, String> tags, boolean rolloutInFlight,
                            List<InstanceSnapshot> instances, Failure launchFailure, List<String> suspendedProcesses) {

    /** Without a launch failure, on a cloud without processes to suspend. */
    public GroupSnapshot(String group, boolean deleting, int desired, int min, int max, String templateVersion,
                         List<String> placement, Map<String, String> tags, boolean rolloutInFlight,
                         List<InstanceSnapshot> instances) {
        this(group, deleting, desired, min, max, templateVersion, placement, tags, rolloutInFlight, instances, null,
                List.of());
    }

    public GroupSnapshot {
        Objects.requireNonNull(group, "group");
        placement = Copies.list(placement).stream().sorted().toList();
        tags = Copies.map(tags);
        instances = Copies.list(instances);
        suspendedProcesses = Copies.list(suspendedProcesses).stream().distinct().sorted().toList();
    }

    public Optional<InstanceSnapshot> instanceByProviderId(String providerID) {
        return instances.stream().filter(i -> i.providerID().equals(providerID)).findFirst();
    }

    /**
     * Fewer live instances than the desired capacity: what a launch failure is read for, and shown only while it is
     * (the AWS and Azure adapters).
     */
    public boolean isShort() {
        return liveInstances() < desired;
    }

    /** The same description, with what the cloud says of its latest launch. */
    public GroupSnapshot withLaunchFailure(Failure failure) {
        return new GroupSnapshot(group, deleting, desired, min, max, templateVersion, placement, tags, rolloutInFlight,
                instances, failure, suspendedProcesses);
    }

    /** Whether the group is placed exactly in {@code placement} (compared as a set, as the cloud keeps it). */
    public boolean isPlacedAt(List<String> placement) {
        return new HashSet<>(this.placement).equals(new HashSet<>(placement));
    }

    /** The same description, with the processes suspended on the group. */
    public GroupSnapshot withSuspendedProcesses(List<String> processes) {
        return new GroupSnapshot(group, deleting, desired, min, max, templateVersion, placement, tags, rolloutInFlight,
                instances, launchFailure, processes);
    }

    /** Instances the cloud counts towards the group's size and is not already removing. */
    public long liveInstances() {
        return instances.stream().filter(i -> i.lifecycle() == InstanceLifecycle.PENDING
                || i.lifecycle() == InstanceLifecycle.RUNNING).count();
    }
}
