package dev.poolstream.provider.aws.cloud;

import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.provider.aws.domain.AwsInstances;
import dev.poolstream.provider.aws.domain.CapaTags;
import dev.poolstream.provider.domain.InvalidTemplateException;
import dev.poolstream.provider.aws.domain.LaunchTemplateSpec;
import dev.poolstream.provider.aws.domain.Placement;
import dev.poolstream.provider.cloud.BootstrapData;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.ScalingGroup;
import dev.poolstream.provider.domain.GroupShape;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.GroupUpdate;
import dev.poolstream.provider.domain.InstanceSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.autoscaling.model.Tag;
import software.amazon.awssdk.services.autoscaling.model.UpdateAutoScalingGroupRequest;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;

/**
 * A pool's group as an AWS Auto Scaling Group named as the command's group, launching from a launch template of
 * the same name whose versions are numbered, and whose version the group names explicitly.
 */
public class AwsScalingGroup implements ScalingGroup {

    private static final Logger log = LoggerFactory.getLogger(AwsScalingGroup.class);
    private static final String DELETE_IN_PROGRESS = "Delete in progress";

    private final AutoScalingClient autoScaling;
    private final LaunchTemplates templates;
    private final BootstrapData bootstrapData;

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
    public Optional<GroupSnapshot> describe(String group) {
        List<AutoScalingGroup> groups = AwsErrors.call("DescribeAutoScalingGroups " + group,
                () -> autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames(group)).autoScalingGroups());
        if (groups.isEmpty()) {
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
        for (Instance i : g.instances()) {
            instances.add(new InstanceSnapshot(i.instanceId(), AwsInstances.providerId(i.availabilityZone(),
                    i.instanceId()), i.availabilityZone(), AwsInstances.lifecycle(i.lifecycleStateAsString(),
                    i.healthStatus()), i.lifecycleStateAsString(), i.launchTemplate() == null ? null
                    : i.launchTemplate().version(), launchTimes.get(i.instanceId())));
        }
        String version = g.launchTemplate() == null ? null : g.launchTemplate().version();
        return Optional.of(new GroupSnapshot(g.autoScalingGroupName(), DELETE_IN_PROGRESS.equals(g.status()),
                g.desiredCapacity(), g.minSize(), g.maxSize(), version, placement, tags, false, instances));
    }

    @Override
    public GroupShape shapeOf(String pool, String group, GroupTemplate template) {
        try {
            AWSMachinePoolSpec spec = awsSpec(template);
            return new GroupShape(Placement.of(template), CapaTags.of(template.clusterName(), group, template.tags(),
                    spec.getAdditionalTags()));
        } catch (InvalidTemplateException e) {
            throw new CommandRefusedException(e.failure());
        }
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
        byte[] userData = bootstrapData.read(template.bootstrapDataSecret());
        String fingerprint = spec.fingerprint(userData);
        LinkedHashSet<String> wanted = new LinkedHashSet<>();
        currentVersion.filter(v -> v.chars().allMatch(Character::isDigit)).ifPresent(wanted::add);
        wanted.add("$Latest");
        Optional<List<LaunchTemplateVersion>> versions = templates.versions(group, wanted);
        if (versions.isEmpty()) {
            long created = templates.create(group, fingerprint, spec, userData);
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
                    .tags(tags);
            if (subnets.isEmpty()) {
                b.availabilityZones(shape.placement());
            } else {
                b.vpcZoneIdentifier(String.join(",", subnets));
            }
        }));
        log.info("created Auto Scaling Group {} (desired {}, min {}, max {}, launch template version {})", group,
                capacity.desired(), capacity.min(), capacity.max(), templateVersion);
    }

    @Override
    public void update(String group, GroupUpdate update) {
        if (update.changesGroup()) {
            UpdateAutoScalingGroupRequest.Builder b = UpdateAutoScalingGroupRequest.builder()
                    .autoScalingGroupName(group)
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
    }

    @Override
    public void terminate(String group, List<String> instanceIds) {
        for (String id : instanceIds) {
            try {
                AwsErrors.run("TerminateInstanceInAutoScalingGroup " + id, () -> autoScaling
                        .terminateInstanceInAutoScalingGroup(b -> b.instanceId(id).shouldDecrementDesiredCapacity(true)));
                log.info("group {}: terminating instance {} and lowering desired capacity", group, id);
            } catch (CommandRefusedException e) {
                // Gone between describe and terminate: nothing left to do for it.
                if (!(e.getCause() instanceof AwsServiceException aws && "ValidationError".equals(AwsErrors.code(aws))
                        && String.valueOf(aws.awsErrorDetails().errorMessage()).toLowerCase().contains("not found"))) {
                    throw e;
                }
            }
        }
    }

    @Override
    public void delete(String group) {
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
