package dev.poolstream.provider.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.command.Capacity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides what each command needs from the cloud, given the group as described. A command the cloud already
 * satisfies gets {@link Plan.NoChange}: the provider then makes no write.
 */
public final class GroupPlanner {

    /**
     * EnsureGroup: create the group, or bring size, template version, placement, tags and suspended processes up to
     * date.
     */
    public static Plan ensure(Optional<GroupSnapshot> current, GroupShape shape, String templateVersion,
                              Capacity capacity) {
        Optional<Failure> invalid = CapacityRules.check(capacity);
        if (invalid.isPresent()) {
            return new Plan.Refuse(invalid.get());
        }
        if (shape.unplaced() != null) {
            return new Plan.Refuse(shape.unplaced());
        }
        if (current.isEmpty() || current.get().deleting()) {
            return new Plan.Create(shape, templateVersion, capacity);
        }
        GroupSnapshot group = current.get();
        SizeChange size = size(group, capacity);
        Optional<Failure> shrinks = shrinks(group, size);
        if (shrinks.isPresent()) {
            return new Plan.Refuse(shrinks.get());
        }
        GroupUpdate update = shapeChange(group, shape, templateVersion, size);
        return update.isEmpty() ? new Plan.NoChange("the group already matches the template and capacity")
                : new Plan.Update(update);
    }

    /** What brings the group's template version and shape to the template's, with a change of size. */
    private static GroupUpdate shapeChange(GroupSnapshot group, GroupShape shape, String templateVersion,
                                           SizeChange size) {
        String version = Objects.equals(group.templateVersion(), templateVersion) ? null : templateVersion;
        List<String> placement = group.isPlacedAt(shape.placement()) ? null : shape.placement();
        List<String> suspend = shape.suspendedProcesses().stream()
                .filter(p -> !group.suspendedProcesses().contains(p)).toList();
        List<String> resume = group.suspendedProcesses().stream()
                .filter(p -> !shape.suspendedProcesses().contains(p)).toList();
        return new GroupUpdate(size.desired, size.min, size.max, version, placement,
                missingTags(group.tags(), shape.tags()), suspend, resume);
    }

    /** SetCapacity: change min, max and (unless externally managed) desired where they differ. */
    public static Plan capacity(Optional<GroupSnapshot> current, Capacity capacity) {
        Optional<Failure> invalid = CapacityRules.check(capacity);
        if (invalid.isPresent()) {
            return new Plan.Refuse(invalid.get());
        }
        if (current.isEmpty() || current.get().deleting()) {
            return notFound(current);
        }
        SizeChange size = size(current.get(), capacity);
        Optional<Failure> shrinks = shrinks(current.get(), size);
        if (shrinks.isPresent()) {
            return new Plan.Refuse(shrinks.get());
        }
        GroupUpdate update = new GroupUpdate(size.desired, size.min, size.max, null, null, null);
        return update.isEmpty() ? new Plan.NoChange("the group already has this capacity") : new Plan.Update(update);
    }

    /** Whether a RollOut can be carried out on the group as described: it must exist. */
    public static Optional<Plan> rollOutRefused(Optional<GroupSnapshot> current) {
        return current.isEmpty() || current.get().deleting() ? Optional.of(notFound(current)) : Optional.empty();
    }

    /**
     * RollOut: put the (already ensured) template version on the group, and bring its placement, tags and suspended
     * processes to the template's shape. Its size stays: that is SetCapacity's.
     */
    public static Plan rollOut(Optional<GroupSnapshot> current, GroupShape shape, String templateVersion) {
        Optional<Plan> refused = rollOutRefused(current);
        if (refused.isPresent()) {
            return refused.get();
        }
        GroupUpdate update = shapeChange(current.get(), shape, templateVersion, new SizeChange(null, null, null));
        return update.isEmpty() ? new Plan.NoChange("the group already uses template version " + templateVersion
                + " and has the template's shape") : new Plan.Update(update);
    }

    /**
     * TerminateInstances: the named instances the group still holds and is not already terminating, each once. Names
     * the group does not hold (already gone) need nothing. A name given twice is one instance: counted twice, AWS would
     * lower the group's min size by one too many to end it, and an Azure delete would name a VM twice.
     */
    public static Plan terminate(Optional<GroupSnapshot> current, List<String> providerIDs) {
        if (current.isEmpty()) {
            return new Plan.NoChange("the group is gone, and its instances with it");
        }
        List<String> ids = new ArrayList<>();
        for (String providerID : new LinkedHashSet<>(providerIDs)) {
            current.get().instanceByProviderId(providerID)
                    .filter(i -> i.lifecycle() != InstanceLifecycle.TERMINATING)
                    .ifPresent(i -> ids.add(i.instanceId()));
        }
        return ids.isEmpty() ? new Plan.NoChange("none of the named instances is still running in the group")
                : new Plan.Terminate(ids);
    }

    /**
     * The named instances a {@link #terminate} plan leaves out: those the group does not hold, or holds as already
     * terminating. A cloud whose terminate takes two writes may have left them running outside the group
     * ({@code ScalingGroup.finishTerminate}).
     */
    public static List<String> leftOut(Optional<GroupSnapshot> current, List<String> providerIDs) {
        return providerIDs.stream().distinct()
                .filter(providerID -> current.flatMap(g -> g.instanceByProviderId(providerID))
                        .filter(i -> i.lifecycle() != InstanceLifecycle.TERMINATING).isEmpty())
                .toList();
    }

    /** DeleteGroup: delete unless the group is gone or already being deleted. */
    public static Plan delete(Optional<GroupSnapshot> current) {
        if (current.isEmpty()) {
            return new Plan.NoChange("the group does not exist");
        }
        if (current.get().deleting()) {
            return new Plan.NoChange("the cloud is already deleting the group");
        }
        return new Plan.Delete();
    }

    private static Plan notFound(Optional<GroupSnapshot> current) {
        String why = current.isPresent() ? " is being deleted" : " does not exist";
        return new Plan.Refuse(new Failure(Reasons.GROUP_NOT_FOUND, "the group" + why
                + "; an EnsureGroup must create it first"));
    }

    private record SizeChange(Integer desired, Integer min, Integer max) {
    }

    private static SizeChange size(GroupSnapshot group, Capacity capacity) {
        Integer min = group.min() == capacity.min() ? null : capacity.min();
        Integer max = group.max() == capacity.max() ? null : capacity.max();
        // An external autoscaler owns desired: never push it (MACHINEPOOL-SEMANTICS.md §1).
        Integer desired = capacity.externallyManaged() || group.desired() == capacity.desired()
                ? null : capacity.desired();
        return new SizeChange(desired, min, max);
    }

    /**
     * Why a new desired size may not be written: it is below the instances the group holds and is not already ending.
     * The cloud would then end instances of its own choosing (AWS's termination policy, Azure's scale-in policy),
     * undrained. Below what the instances fill it only starts fewer. A max size below the group's desired size lowers
     * the desired size with it (AWS sets it to the new max), so it counts as that desired size: with an autoscaler
     * that raised the group since the reconciler last saw it, the max alone once scaled it in.
     */
    private static Optional<Failure> shrinks(GroupSnapshot group, SizeChange size) {
        boolean byMax = size.desired == null && size.max != null && size.max < group.desired();
        Integer desired = byMax ? size.max : size.desired;
        if (desired == null) {
            return Optional.empty();
        }
        long holding = group.instances().stream().filter(i -> i.lifecycle() != InstanceLifecycle.TERMINATING).count();
        if (desired >= holding) {
            return Optional.empty();
        }
        return Optional.of(new Failure(Reasons.SCALE_DOWN_NEEDS_NAMED_INSTANCES, "group " + group.group()
                + " holds " + holding + " instances; lowering its " + (byMax ? "max size" : "desired size") + " to "
                + desired + " would let the cloud end undrained instances of its own choice. Send TerminateInstances "
                + "with the " + (holding - desired) + " drained instances to remove instead"));
    }

    private static Map<String, String> missingTags(Map<String, String> current, Map<String, String> wanted) {
        Map<String, String> missing = new LinkedHashMap<>();
        wanted.forEach((k, v) -> {
            if (!v.equals(current.get(k))) {
                missing.put(k, v);
            }
        });
        return missing;
    }

    private GroupPlanner() {
    }
}
