package dev.poolstream.provider.aws.cloud;

import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.provider.aws.domain.AwsCommandRules;
import dev.poolstream.provider.aws.domain.AwsInstances;
import dev.poolstream.provider.aws.domain.CapaTags;
import dev.poolstream.provider.domain.InvalidTemplateException;
import dev.poolstream.provider.aws.domain.LaunchTemplateSpec;
import dev.poolstream.provider.aws.domain.Placement;
import dev.poolstream.provider.aws.domain.SuspendedProcesses;
import dev.poolstream.provider.cloud.BootstrapData;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.cloud.ScalingGroup;
import dev.poolstream.provider.cloud.ThrottledWarnings;
import dev.poolstream.provider.domain.CommandRules;
import dev.poolstream.provider.domain.GroupOwnership;
import dev.poolstream.provider.domain.GroupShape;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.GroupUpdate;
import dev.poolstream.provider.domain.InstanceSnapshot;
import dev.poolstream.provider.domain.Reasons;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.Activity;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.autoscaling.model.ScalingActivityStatusCode;
import software.amazon.awssdk.services.autoscaling.model.SuspendedProcess;
import software.amazon.awssdk.services.autoscaling.model.Tag;
import software.amazon.awssdk.services.autoscaling.model.UpdateAutoScalingGroupRequest;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;

/**
 * A pool's group as an AWS Auto Scaling Group named as the command's group, launching from a launch template of
 * the same name whose versions are numbered, and whose version the group names explicitly.
 */
public class AwsScalingGroup implements ScalingGroup {

    private static final CommandRules RULES = new AwsCommandRules();

    private static final Logger log = LoggerFactory.getLogger(AwsScalingGroup.class);
    private static final String DELETE_IN_PROGRESS = "Delete in progress";

    private final AutoScalingClient autoScaling;
    private final LaunchTemplates templates;
    private final BootstrapData bootstrapData;
    /**
     * Each group as the last describe saw it (the engine always describes a group just before it writes to it):
     * terminate picks the call by an instance's state, update protects the unprotected ones before lowering desired
     * capacity, delete ends those still running after it.
     */
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    /** A short group's activities are read at every describe: one that cannot be read is warned of now and then. */
    private final ThrottledWarnings unreadable = new ThrottledWarnings(Duration.ofMinutes(10), Clock.systemUTC());

    /**
     * @param instances   the group's instances by id, each with its Auto Scaling lifecycle state (its cloud state)
     * @param desired     the group's desired capacity
     * @param unprotected the in-service instances not protected from scale-in (a group made before Poolstream
     *                    protected its instances, or by CAPA and taken over)
     */
    /** @param poolValue the group's {@code poolstream.dev/pool} tag */
    private record Seen(Map<String, InstanceSnapshot> instances, int desired, int min, List<String> unprotected,
                        String poolValue, List<String> placement) {

        static final Seen NOTHING = new Seen(Map.of(), 0, 0, List.of(), null, List.of());

        /** The instance's Auto Scaling lifecycle state, null when the group did not list it. */
        String state(String instanceId) {
            InstanceSnapshot instance = instances.get(instanceId);
            return instance == null ? null : instance.cloudState();
        }
    }

    /**
     * Per group, the instances this adapter detached from it whose EC2 terminate has not succeeded yet: they run on
     * outside the group, which no longer lists them, and a describe that left them out would have the poller publish
     * their tombstones (the status service then deletes their Nodes, and a kubelet may register one again, schedulable,
     * before the retried command ends the instance). The describe lists them as terminating until they are ended.
     * In memory: after a restart, the command carried out again finds them (finishTerminate).
     */
    private final Map<String, Map<String, InstanceSnapshot>> detachedRunning = new ConcurrentHashMap<>();

    public AwsScalingGroup(AutoScalingClient autoScaling, software.amazon.awssdk.services.ec2.Ec2Client ec2,
                           BootstrapData bootstrapData) {
        this.autoScaling = autoScaling;
        this.templates = new LaunchTemplates(ec2);
        this.bootstrapData = bootstrapData;
    }

    @Override
    public Cloud cloud() {
        return Cloud.AWS;
    }

    @Override
    public CommandRules rules() {
        return RULES;
    }

    /** CAPA's cluster-owned tag and {@code poolstream.dev/pool}, on the group and on its launch template. */
    @Override
    public Optional<GroupOwnership.TagNames> ownership() {
        return Optional.of(CapaTags.OWNERSHIP);
    }

    /** The launch template's own tags (one {@code DescribeLaunchTemplates}), when it exists. */
    @Override
    public Optional<Map<String, String>> templateTags(String group) {
        return templates.tags(group);
    }

    @Override
    public Optional<GroupSnapshot> describe(String group) {
        List<AutoScalingGroup> groups = AwsErrors.call("DescribeAutoScalingGroups " + group,
                () -> autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames(group)).autoScalingGroups());
        if (groups.isEmpty()) {
            seen.remove(group);
            return Optional.empty();
        }
        AutoScalingGroup g = groups.get(0);
        List<String> placement = g.vpcZoneIdentifier() != null && !g.vpcZoneIdentifier().isBlank()
                ? Arrays.stream(g.vpcZoneIdentifier().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()
                : g.availabilityZones();
        Map<String, String> tags = new TreeMap<>();
        g.tags().forEach(t -> tags.put(t.key(), t.value()));
        Map<String, Instant> launchTimes = templates.launchTimes(g.instances().stream().map(Instance::instanceId)
                .toList());
        List<InstanceSnapshot> instances = new ArrayList<>();
        List<String> unprotectedIds = new ArrayList<>();
        Map<String, InstanceSnapshot> byId = new HashMap<>();
        for (Instance i : g.instances()) {
            if (AwsInstances.detachable(i.lifecycleStateAsString()) && !Boolean.TRUE.equals(i.protectedFromScaleIn())) {
                unprotectedIds.add(i.instanceId());
            }
            instances.add(new InstanceSnapshot(i.instanceId(), AwsInstances.providerId(i.availabilityZone(),
                    i.instanceId()), i.availabilityZone(), AwsInstances.lifecycle(i.lifecycleStateAsString(),
                    i.healthStatus()), i.lifecycleStateAsString(), i.launchTemplate() == null ? null
                    : i.launchTemplate().version(), launchTimes.get(i.instanceId())));
            byId.put(i.instanceId(), instances.get(instances.size() - 1));
        }
        detachedRunning.getOrDefault(group, Map.of()).forEach((id, detached) -> {
            if (!byId.containsKey(id)) {
                instances.add(detached);
            }
        });
        seen.put(group, new Seen(Map.copyOf(byId), g.desiredCapacity() == null ? 0 : g.desiredCapacity(),
                g.minSize() == null ? 0 : g.minSize(), List.copyOf(unprotectedIds), tags.get(CapaTags.POOL),
                List.copyOf(placement)));
        String version = g.launchTemplate() == null ? null : g.launchTemplate().version();
        List<String> suspended = g.suspendedProcesses().stream().map(SuspendedProcess::processName).toList();
        GroupSnapshot snapshot = new GroupSnapshot(g.autoScalingGroupName(), DELETE_IN_PROGRESS.equals(g.status()),
                g.desiredCapacity(), g.minSize(), g.maxSize(), version, placement, tags, false, instances)
                .withSuspendedProcesses(suspended);
        if (snapshot.deleting() || !snapshot.isShort()) {
            return Optional.of(snapshot);
        }
        // With Launch suspended, Auto Scaling tries no launch, and no activity would say why the group stays short.
        return Optional.of(snapshot.withLaunchFailure(suspended.contains(SuspendedProcesses.LAUNCH)
                ? new Failure(LAUNCH_SUSPENDED, "Auto Scaling's Launch process is suspended on group " + group
                        + " (by the AWSMachinePool's suspendProcesses, or outside Poolstream): no instance is started, "
                        + "and the group stays at " + snapshot.liveInstances() + " of its desired "
                        + snapshot.desired())
                : launchFailure(group)));
    }

    static final String LAUNCH_SUSPENDED = "LaunchSuspended";

    /**
     * The group's latest launch activity, when it failed: how Auto Scaling says it cannot launch (an AMI gone, no
     * capacity of the type in the zone, a quota reached), which nothing in the group's description shows. Read only
     * while the group is short of its desired capacity, so a steady fleet pays no call for it. Without the timestamp,
     * so that the same failure retried reads the same. A failure to read the activities is logged and taken as none:
     * it must not stop the group's description, on which every command waits.
     */
    private Failure launchFailure(String group) {
        List<Activity> activities;
        try {
            activities = AwsErrors.call("DescribeScalingActivities " + group, () -> autoScaling
                    .describeScalingActivities(b -> b.autoScalingGroupName(group).maxRecords(LAUNCH_ACTIVITIES))
                    .activities());
        } catch (RuntimeException e) {
            log.atLevel(unreadable.level(group)).log("group {}: its scaling activities could not be read, so a "
                    + "failure to launch instances into it is not shown: {}", group, e.getMessage());
            return null;
        }
        return activities.stream().filter(a -> a.description() != null && a.description().startsWith(LAUNCHING))
                .findFirst()
                .filter(a -> a.statusCode() == ScalingActivityStatusCode.FAILED
                        || a.statusCode() == ScalingActivityStatusCode.CANCELLED)
                .map(a -> new Failure(Reasons.LAUNCH_FAILED, "Auto Scaling could not launch an instance into group "
                        + group + ": " + (a.statusMessage() == null || a.statusMessage().isBlank()
                        ? a.description() : a.statusMessage())))
                .orElse(null);
    }

    /** How Auto Scaling describes a launch activity, successful or not ("Launching a new EC2 instance: i-..."). */
    private static final String LAUNCHING = "Launching a new EC2 instance";
    /** The latest activities read for the latest launch: newest first, terminations and launches mixed. */
    private static final int LAUNCH_ACTIVITIES = 20;

    @Override
    public GroupShape shapeOf(String pool, String group, GroupTemplate template) {
        AWSMachinePoolSpec spec;
        try {
            spec = awsSpec(template);
        } catch (InvalidTemplateException e) {
            throw new CommandRefusedException(e.failure());
        }
        Map<String, String> tags = CapaTags.of(template.clusterName(), group, template.tags(), spec.getAdditionalTags());
        List<String> suspended = SuspendedProcesses.of(spec);
        try {
            return new GroupShape(Placement.of(template), tags, suspended);
        } catch (InvalidTemplateException e) {
            return GroupShape.unplaced(e.failure(), tags, suspended);
        }
    }

    /**
     * Subnets to subnets, or zones to zones: a group placed by subnets (a VPC) given zones alone, or one placed by
     * zones given subnets, is not moved by an update (its instances would launch outside the network they ran in).
     */
    @Override
    public boolean canMovePlacement(List<String> from, List<String> to) {
        return from.stream().allMatch(Placement::isSubnet) == to.stream().allMatch(Placement::isSubnet);
    }

    @Override
    public TemplateVersion ensureTemplate(String pool, String group, GroupTemplate template,
                                          Optional<String> currentVersion) {
        LaunchTemplateSpec spec;
        try {
            AWSMachinePoolSpec aws = awsSpec(template);
            spec = LaunchTemplateSpec.from(template, CapaTags.of(template.clusterName(), group, template.tags(),
                    aws.getAdditionalTags()));
        } catch (InvalidTemplateException e) {
            throw new CommandRefusedException(e.failure());
        }
        byte[] userData = bootstrapData.read(pool, template.bootstrapDataSecret());
        String fingerprint = spec.fingerprint(userData);
        LinkedHashSet<String> wanted = new LinkedHashSet<>();
        currentVersion.filter(v -> v.chars().allMatch(Character::isDigit)).ifPresent(wanted::add);
        wanted.add("$Latest");
        Optional<List<LaunchTemplateVersion>> versions = templates.versions(group, wanted);
        if (versions.isEmpty()) {
            // The template itself carries the ownership tags (its versions' instance tags do not: they are part of
            // the fingerprint, and the instances get the pool tag from the group).
            long created = templates.create(group, fingerprint, spec, userData,
                    GroupOwnership.tags(CapaTags.OWNERSHIP, pool, template.clusterName()));
            log.info("created launch template {} (version {})", group, created);
            return new TemplateVersion(Long.toString(created), true);
        }
        for (LaunchTemplateVersion version : versions.get()) {
            if (fingerprint.equals(version.versionDescription())) {
                return new TemplateVersion(Long.toString(version.versionNumber()), false);
            }
        }
        long added = templates.addVersion(group, fingerprint, spec, userData);
        log.info("launch template {}: new version {}", group, added);
        return new TemplateVersion(Long.toString(added), true);
    }

    @Override
    public void create(String pool, String group, GroupShape shape, String templateVersion, Capacity capacity) {
        List<String> subnets = shape.placement().stream().filter(Placement::isSubnet).toList();
        List<Tag> tags = new ArrayList<>();
        shape.tags().forEach((k, v) -> tags.add(tag(group, k, v)));
        AwsErrors.run("CreateAutoScalingGroup " + group, () -> autoScaling.createAutoScalingGroup(b -> {
            b.autoScalingGroupName(group)
                    .launchTemplate(template(group, templateVersion))
                    .minSize(capacity.min()).maxSize(capacity.max()).desiredCapacity(capacity.desired())
                    .newInstancesProtectedFromScaleIn(true)
                    .tags(tags);
            if (subnets.isEmpty()) {
                b.availabilityZones(shape.placement());
            } else {
                b.vpcZoneIdentifier(String.join(",", subnets));
            }
        }));
        log.info("created Auto Scaling Group {} (desired {}, min {}, max {}, launch template version {})", group,
                capacity.desired(), capacity.min(), capacity.max(), templateVersion);
        // A group is created with every process running. Should this fail, the command is tried again and finds the
        // group without them suspended (GroupPlanner.ensure).
        suspend(group, shape.suspendedProcesses());
    }

    /** SuspendProcesses of the named processes; none named, no call (an empty list would suspend every process). */
    private void suspend(String group, List<String> processes) {
        if (!processes.isEmpty()) {
            AwsErrors.run("SuspendProcesses " + group + " " + processes, () -> autoScaling.suspendProcesses(b -> b
                    .autoScalingGroupName(group).scalingProcesses(processes)));
            log.info("group {}: suspended processes {}", group, processes);
        }
    }

    /** ResumeProcesses of the named processes; none named, no call (an empty list would resume every process). */
    private void resume(String group, List<String> processes) {
        if (!processes.isEmpty()) {
            AwsErrors.run("ResumeProcesses " + group + " " + processes, () -> autoScaling.resumeProcesses(b -> b
                    .autoScalingGroupName(group).scalingProcesses(processes)));
            log.info("group {}: resumed processes {}", group, processes);
        }
    }

    /**
     * Every instance is protected from scale-in ({@code NewInstancesProtectedFromScaleIn} on the group), so that a
     * lower desired capacity never lets Auto Scaling end an instance of its own choice: the engine lowers it only to
     * the instances it saw, and one launched between that describe and this update would otherwise make Auto Scaling
     * end another, undrained. Instances leave only by name ({@link #terminate}), which protection does not stop.
     * Before lowering it, or changing the group's subnets or zones, on a group whose in-service instances are not all
     * protected (made before this, or by CAPA), they are protected first.
     */
    @Override
    public void update(String group, GroupUpdate update) {
        List<String> placed = seen.getOrDefault(group, Seen.NOTHING).placement();
        if (update.placement() != null && !placed.isEmpty() && !canMovePlacement(placed, update.placement())) {
            // An EnsureGroup of a group taken over (a RollOut keeps the placement it cannot move): the group unchanged.
            throw new CommandRefusedException(new Failure(PLACEMENT_IMMOVABLE, "group " + group + " is placed in "
                    + placed + " and the pool asks for " + update.placement() + ": an update cannot move a group "
                    + "between subnets and zones. The group was not changed. Name the group's subnets in the "
                    + "AWSMachinePool's subnets, or delete the pool's group and let it be made again"));
        }
        // Suspended first, resumed last: zone rebalancing must not start on a change of subnets made with it.
        suspend(group, update.suspend());
        if (update.changesGroup()) {
            if (update.placement() != null) {
                protectTheOthers(group, seen.getOrDefault(group, Seen.NOTHING), List.of(), "changing its placement");
            } else {
                protectBeforeLowering(group, update.desired(), update.max());
            }
            UpdateAutoScalingGroupRequest.Builder b = UpdateAutoScalingGroupRequest.builder()
                    .autoScalingGroupName(group).newInstancesProtectedFromScaleIn(true)
                    .minSize(update.min()).maxSize(update.max()).desiredCapacity(update.desired());
            if (update.templateVersion() != null) {
                b.launchTemplate(template(group, update.templateVersion()));
            }
            if (update.placement() != null) {
                List<String> subnets = update.placement().stream().filter(Placement::isSubnet).toList();
                if (subnets.isEmpty()) {
                    b.availabilityZones(update.placement());
                } else {
                    b.vpcZoneIdentifier(String.join(",", subnets));
                }
            }
            AwsErrors.run("UpdateAutoScalingGroup " + group, () -> autoScaling.updateAutoScalingGroup(b.build()));
            log.info("updated Auto Scaling Group {}: {}", group, update);
        }
        if (!update.tags().isEmpty()) {
            List<Tag> tags = new ArrayList<>();
            update.tags().forEach((k, v) -> tags.add(tag(group, k, v)));
            AwsErrors.run("CreateOrUpdateTags " + group, () -> autoScaling.createOrUpdateTags(b -> b.tags(tags)));
        }
        resume(group, update.resume());
    }

    /**
     * A max below the desired capacity lowers it too (an autoscaled pool's max lowered): Auto Scaling then ends
     * instances of its choosing, so they are protected first all the same.
     */
    private void protectBeforeLowering(String group, Integer desired, Integer max) {
        Seen last = seen.getOrDefault(group, Seen.NOTHING);
        int after = desired != null ? desired : last.desired();
        if (max != null) {
            after = Math.min(after, max);
        }
        if (after < last.desired()) {
            protectTheOthers(group, last, List.of(), "lowering desired capacity to " + after);
        }
    }

    /**
     * Protects the group's unprotected in-service instances but {@code going} from scale-in, before a write after
     * which Auto Scaling may end instances of its own choosing: a lower desired capacity, and whatever leaves the
     * zones uneven (instances taken out of some zones, a change of subnets), which its zone rebalancing evens out by
     * ending instances in the others.
     */
    private void protectTheOthers(String group, Seen last, List<String> going, String before) {
        List<String> others = last.unprotected().stream().filter(id -> !going.contains(id)).toList();
        if (others.isEmpty()) {
            return;
        }
        for (List<String> batch : AwsInstances.batches(others, AwsInstances.PROTECT_BATCH)) {
            AwsErrors.run("SetInstanceProtection " + group + " " + batch, () -> autoScaling.setInstanceProtection(b -> b
                    .autoScalingGroupName(group).instanceIds(batch).protectedFromScaleIn(true)));
        }
        log.info("group {}: protected instances {} from scale-in before {}", group, others, before);
    }

    /**
     * Two writes for up to 20 instances (one more per further 20): {@code DetachInstances} with
     * {@code ShouldDecrementDesiredCapacity} (up to 20 per call) takes the in-service ones out of the group and lowers
     * desired capacity by as many, then one EC2 {@code TerminateInstances} (up to 1,000) ends them. Instances Auto
     * Scaling does not let detach (not in service, or a detach refused as invalid, e.g. an instance gone meanwhile)
     * are terminated through the group one by one, as before. A provider stopped between the two writes leaves
     * detached instances running; the command is then carried out again and {@link #finishTerminate} ends them. So
     * does an in-service instance the group no longer has when its detach is refused (a detach that took effect, its
     * answer lost): the command fails to be tried again.
     */
    @Override
    public void terminate(String group, List<String> instanceIds) {
        Seen last = seen.getOrDefault(group, Seen.NOTHING);
        List<String> inService = instanceIds.stream().filter(id -> AwsInstances.detachable(last.state(id))).toList();
        List<String> others = instanceIds.stream().filter(id -> !inService.contains(id)).toList();
        markForFinding(group, last, inService);
        protectTheOthers(group, last, instanceIds, "taking " + instanceIds + " out");
        lowerMinFor(group, last, instanceIds.size());
        List<String> detached = new ArrayList<>();
        List<String> notInGroup = new ArrayList<>();
        try {
            for (List<String> batch : AwsInstances.batches(inService, AwsInstances.DETACH_BATCH)) {
                if (detach(group, batch)) {
                    detached.addAll(batch);
                    runningDetached(group, last, batch);
                } else {
                    notInGroup.addAll(terminateInGroup(group, batch));
                }
            }
        } catch (RuntimeException e) {
            // What is detached already must not outlive the failure.
            try {
                terminateOutside(group, detached, DETACHED);
            } catch (RuntimeException also) {
                e.addSuppressed(also);
            }
            throw e;
        }
        terminateOutside(group, detached, DETACHED);
        terminateInGroup(group, others);
        if (!notInGroup.isEmpty()) {
            // In service at the last describe, then neither detachable nor in the group: gone, or detached by this
            // very detach when its answer was lost and the SDK's retry met "not part of the group". Which, only a look
            // outside the group tells: the command carried out again finds them left out and ends those still running
            // with the pool's tags (finishTerminate). Until then they are listed as detached, as those this call
            // detached: missing from the describes, they were published gone while they may still run.
            runningDetached(group, last, notInGroup);
            throw new RetryableCommandException(Reasons.CLOUD_REJECTED, "group " + group + ": instances " + notInGroup
                    + " were in service, and now Auto Scaling has them neither to detach nor to terminate; they may "
                    + "run outside the group: looking for them", null);
        }
    }

    /**
     * Ends named instances that run outside the group, detached by a {@link #terminate} that stopped before its EC2
     * terminate: one {@code DescribeInstances} of those the group no longer lists (or lists as detaching), then one
     * {@code TerminateInstances} of those still running that carry the group's {@code Name} tag and the pool's
     * {@code poolstream.dev/pool} tag (propagated from the group at launch): the group may be gone, so the instances'
     * own tags say whose they are.
     */
    @Override
    public boolean finishTerminate(String pool, String group, Optional<GroupSnapshot> described,
                                   List<String> providerIDs) {
        List<String> candidates = new ArrayList<>();
        for (String providerID : providerIDs) {
            Optional<String> state = described.flatMap(g -> g.instanceByProviderId(providerID))
                    .map(InstanceSnapshot::cloudState);
            if (AwsInstances.mayRunOutsideGroup(state)) {
                AwsInstances.instanceId(providerID).ifPresent(candidates::add);
            }
        }
        if (candidates.isEmpty()) {
            return false;
        }
        List<String> running = templates.runningOfPool(group, GroupOwnership.poolValue(pool), candidates);
        ended(group, candidates.stream().filter(id -> !running.contains(id)).toList());
        if (running.isEmpty()) {
            return false;
        }
        log.warn("group {}: instances {} were detached from it but are still running; terminating them", group,
                running);
        terminateOutside(group, running, DETACHED);
        return true;
    }

    /**
     * Before any is detached: instances that lack the tags a detached instance is found again by (launched before
     * the group was the pool's, a CAPA group taken over) get them, so that a terminate cut short after its detach and
     * carried out again after a restart ends them instead of leaving them running outside any group. No write for a
     * group Poolstream made. A tag refused (a role without {@code ec2:CreateTags} on instances, an instance gone
     * meanwhile) does not hold the scale-down up: it is said, and only that restart case is left open.
     */
    private void markForFinding(String group, Seen last, List<String> inService) {
        if (last.poolValue() == null || inService.isEmpty()) {
            return;
        }
        List<String> unmarked = templates.unmarked(group, last.poolValue(), inService);
        if (!unmarked.isEmpty()) {
            try {
                templates.mark(group, last.poolValue(), unmarked);
            } catch (RuntimeException e) {
                log.warn("group {}: could not tag instances {} before detaching them ({}); if this terminate is cut "
                        + "short by a restart, they may run on outside the group", group, unmarked, e.getMessage());
                return;
            }
            log.info("group {}: tagged instances {} Name={} and {}={} before detaching them, so that they are found "
                    + "again if the terminate is cut short", group, unmarked, group, CapaTags.POOL, last.poolValue());
        }
    }

    /**
     * Both ways of ending a named instance lower the desired capacity, and AWS refuses to take it below the group's min
     * ("will violate group's min size constraint"): a pool at its {@code minSize} replacing an instance (a deleting
     * Machine, a remediation, a roll-out without surge) would be refused for good, its Node drained. So the min goes
     * down with it first; the next capacity command, which replaces the instance, sets it back.
     */
    private void lowerMinFor(String group, Seen last, int ending) {
        int left = Math.max(0, last.desired() - ending);
        if (left >= last.min()) {
            return;
        }
        AwsErrors.run("UpdateAutoScalingGroup " + group, () -> autoScaling.updateAutoScalingGroup(b -> b
                .autoScalingGroupName(group).minSize(left)));
        log.info("group {}: min size lowered from {} to {} to end {} instance(s); the next capacity sets it back",
                group, last.min(), left, ending);
    }

    /** Detaches the instances, lowering desired capacity; false when Auto Scaling refused them as invalid. */
    private boolean detach(String group, List<String> ids) {
        try {
            AwsErrors.run("DetachInstances " + group + " " + ids, () -> autoScaling.detachInstances(b -> b
                    .autoScalingGroupName(group).instanceIds(ids).shouldDecrementDesiredCapacity(true)));
            log.info("group {}: detached instances {} and lowered desired capacity by {}", group, ids, ids.size());
            return true;
        } catch (CommandRefusedException e) {
            if (e.getCause() instanceof AwsServiceException aws && "ValidationError".equals(AwsErrors.code(aws))) {
                log.info("group {}: DetachInstances refused ({}); terminating {} through the group one by one",
                        group, aws.awsErrorDetails().errorMessage(), ids);
                return false;
            }
            throw e;
        }
    }

    private static final String DETACHED = "detached from the group";
    static final String PLACEMENT_IMMOVABLE = "PlacementImmovable";
    /** The cloud state published for an instance detached from the group and not yet ended. */
    static final String DETACHED_STATE = "Detached";
    private static final String OF_DELETED_GROUP = "left running by the group's deletion";

    /**
     * EC2 TerminateInstances of instances out of the group ({@code how}: detached from it, or left by its deletion). A
     * failure is worth retrying whatever AWS said: the instances run outside the group until it succeeds, and the
     * retried command finds and ends them.
     */
    private void terminateOutside(String group, List<String> ids, String how) {
        for (List<String> batch : AwsInstances.batches(ids, AwsInstances.TERMINATE_BATCH)) {
            try {
                templates.terminate(group, batch, how);
            } catch (CommandRefusedException e) {
                throw new RetryableCommandException(Reasons.CLOUD_REJECTED, e.failure().message()
                        + "; the instances are out of the group and still running", e.getCause());
            }
            log.info("group {}: terminating instances {} {}", group, batch, how);
            ended(group, batch);
        }
    }

    /** Instances just detached from the group, running outside it until ended: described as terminating. */
    private void runningDetached(String group, Seen last, List<String> ids) {
        Map<String, InstanceSnapshot> detached = detachedRunning.computeIfAbsent(group, g -> new ConcurrentHashMap<>());
        for (String id : ids) {
            InstanceSnapshot i = last.instances().get(id);
            if (i != null) {
                detached.put(id, new InstanceSnapshot(i.instanceId(), i.providerID(), i.zone(),
                        InstanceLifecycle.TERMINATING, DETACHED_STATE, i.templateVersion(), i.launchTime()));
            }
        }
    }

    /** Instances detached from the group that no longer run outside it: ended, or found gone. */
    private void ended(String group, List<String> ids) {
        detachedRunning.computeIfPresent(group, (g, detached) -> {
            ids.forEach(detached::remove);
            return detached.isEmpty() ? null : detached;
        });
    }

    /**
     * TerminateInstanceInAutoScalingGroup, lowering desired capacity, one call per instance; those the group does not
     * have (gone between describe and terminate, or detached) are returned.
     */
    private List<String> terminateInGroup(String group, List<String> instanceIds) {
        List<String> notInGroup = new ArrayList<>();
        for (String id : instanceIds) {
            try {
                AwsErrors.run("TerminateInstanceInAutoScalingGroup " + id, () -> autoScaling
                        .terminateInstanceInAutoScalingGroup(b -> b.instanceId(id).shouldDecrementDesiredCapacity(true)));
                log.info("group {}: terminating instance {} and lowering desired capacity", group, id);
            } catch (CommandRefusedException e) {
                if (!(e.getCause() instanceof AwsServiceException aws && "ValidationError".equals(AwsErrors.code(aws))
                        && String.valueOf(aws.awsErrorDetails().errorMessage()).toLowerCase().contains("not found"))) {
                    throw e;
                }
                notInGroup.add(id);
            }
        }
        return notInGroup;
    }

    /**
     * {@code DeleteAutoScalingGroup} with {@code ForceDelete}, which ends every instance of the group, protected from
     * scale-in or not (the API reference). Then the instances the last describe listed that still run under the
     * group's name are ended by name (one {@code DescribeInstances}; a {@code TerminateInstances} only for those still
     * running): AWS starts ending them before it answers, so this finds none or one it has not reached yet, while an
     * emulator that deletes the group as a scale-in to zero (moto 5.2.1) leaves the protected ones running.
     */
    @Override
    public void delete(String group) {
        List<String> listed = List.copyOf(seen.getOrDefault(group, Seen.NOTHING).instances().keySet());
        try {
            AwsErrors.run("DeleteAutoScalingGroup " + group, () -> autoScaling.deleteAutoScalingGroup(b -> b
                    .autoScalingGroupName(group).forceDelete(true)));
            log.info("deleting Auto Scaling Group {} with its instances", group);
        } catch (CommandRefusedException e) {
            if (!(e.getCause() instanceof AwsServiceException aws
                    && String.valueOf(aws.awsErrorDetails().errorMessage()).contains("not found"))) {
                throw e;
            }
        }
        if (!listed.isEmpty()) {
            List<String> running = templates.runningOfGroup(group, listed);
            if (!running.isEmpty()) {
                terminateOutside(group, running, OF_DELETED_GROUP);
            }
        }
    }

    @Override
    public boolean deleteTemplate(String group) {
        boolean deleted = templates.deleteIfPresent(group);
        if (deleted) {
            log.info("deleted launch template {}", group);
        }
        return deleted;
    }

    private static AWSMachinePoolSpec awsSpec(GroupTemplate template) {
        if (template == null || !(template.infrastructure() instanceof dev.poolstream.events.InfraSpec.Aws aws)
                || aws.spec() == null) {
            throw new InvalidTemplateException("InvalidTemplate", "the template carries no AWSMachinePool spec");
        }
        return aws.spec();
    }

    private static LaunchTemplateSpecification template(String group, String version) {
        return LaunchTemplateSpecification.builder().launchTemplateName(group).version(version).build();
    }

    private static Tag tag(String group, String key, String value) {
        return Tag.builder().resourceId(group).resourceType("auto-scaling-group").key(key).value(value)
                .propagateAtLaunch(true).build();
    }
}
