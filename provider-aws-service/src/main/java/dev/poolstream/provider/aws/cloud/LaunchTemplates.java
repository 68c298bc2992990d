package dev.poolstream.provider.aws.cloud;

import dev.poolstream.provider.aws.domain.AwsInstances;
import dev.poolstream.provider.aws.domain.CapaTags;
import dev.poolstream.provider.aws.domain.LaunchTemplateSpec;
import dev.poolstream.provider.aws.domain.RootVolume;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeLaunchTemplateVersionsResponse;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateBlockDeviceMappingRequest;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateEbsBlockDeviceRequest;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateTagSpecificationRequest;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;
import software.amazon.awssdk.services.ec2.model.RequestLaunchTemplateData;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * The EC2 side of a group: its launch template (one per group, named as the group), instance launch times, and the
 * instances detached from it.
 */
class LaunchTemplates {

    private static final String NOT_FOUND = "InvalidLaunchTemplateName.NotFoundException";
    private static final String NOT_FOUND_ID = "InvalidLaunchTemplateId.NotFound";

    private final Ec2Client ec2;
    /**
     * Launch times never change: remember them so that a describe asks EC2 only about new instances. With each, the
     * instance's tags from that read (or as this adapter tagged it since).
     */
    private final Map<String, Launched> launched = new java.util.concurrent.ConcurrentHashMap<>();

    /** The two tags by which an instance detached from its group is found again ({@link #runningOfPool}). */
    private record Marks(String name, String pool) {
    }

    private record Launched(Instant time, Marks marks) {
    }

    LaunchTemplates(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    /** The version numbers among {@code versions} (numbers or {@code $Latest}) with their fingerprints. */
    Optional<List<LaunchTemplateVersion>> versions(String name, Collection<String> versions) {
        try {
            DescribeLaunchTemplateVersionsResponse response = AwsErrors.call("DescribeLaunchTemplateVersions "
                    + name, () -> ec2.describeLaunchTemplateVersions(b -> b.launchTemplateName(name)
                    .versions(versions)));
            return Optional.of(response.launchTemplateVersions());
        } catch (RuntimeException e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Creates the template with its first version; returns the version number. The template is tagged with the
     * spec's tags and {@code ownTags} (the pool's ownership tags).
     */
    long create(String name, String fingerprint, LaunchTemplateSpec spec, byte[] userData,
                Map<String, String> ownTags) {
        Map<String, String> templateTags = new java.util.TreeMap<>(spec.tags());
        templateTags.putAll(ownTags);
        return AwsErrors.call("CreateLaunchTemplate " + name, () -> ec2.createLaunchTemplate(b -> b
                .launchTemplateName(name).versionDescription(fingerprint).launchTemplateData(data(spec, userData))
                .tagSpecifications(t -> t.resourceType(ResourceType.LAUNCH_TEMPLATE).tags(tags(templateTags)))))
                .launchTemplate().latestVersionNumber();
    }

    /** The template's own tags, when it exists (one {@code DescribeLaunchTemplates}). */
    Optional<Map<String, String>> tags(String name) {
        try {
            List<software.amazon.awssdk.services.ec2.model.LaunchTemplate> found = AwsErrors.call(
                    "DescribeLaunchTemplates " + name, () -> ec2.describeLaunchTemplates(b -> b
                            .launchTemplateNames(name))).launchTemplates();
            if (found.isEmpty()) {
                return Optional.empty();
            }
            Map<String, String> tags = new java.util.TreeMap<>();
            found.get(0).tags().forEach(t -> tags.put(t.key(), t.value()));
            return Optional.of(tags);
        } catch (RuntimeException e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Adds a version; returns its number. */
    long addVersion(String name, String fingerprint, LaunchTemplateSpec spec, byte[] userData) {
        return AwsErrors.call("CreateLaunchTemplateVersion " + name, () -> ec2.createLaunchTemplateVersion(b -> b
                .launchTemplateName(name).versionDescription(fingerprint).launchTemplateData(data(spec, userData))))
                .launchTemplateVersion().versionNumber();
    }

    /** Deletes the template if there is one; says whether there was. */
    boolean deleteIfPresent(String name) {
        try {
            AwsErrors.call("DescribeLaunchTemplates " + name,
                    () -> ec2.describeLaunchTemplates(b -> b.launchTemplateNames(name)));
        } catch (RuntimeException e) {
            if (notFound(e)) {
                return false;
            }
            throw e;
        }
        try {
            AwsErrors.run("DeleteLaunchTemplate " + name, () -> ec2.deleteLaunchTemplate(b -> b.launchTemplateName(name)));
        } catch (RuntimeException e) {
            if (notFound(e)) {
                return false; // deleted meanwhile
            }
            throw e;
        }
        return true;
    }

    /** Launch times of the instances, from memory or one DescribeInstances for those not known yet. */
    Map<String, Instant> launchTimes(Collection<String> instanceIds) {
        List<String> missing = instanceIds.stream().filter(id -> !launched.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            try {
                AwsErrors.run("DescribeInstances", () -> ec2.describeInstancesPaginator(b -> b.instanceIds(missing))
                        .reservations().stream().flatMap(r -> r.instances().stream())
                        .filter(i -> i.launchTime() != null)
                        .forEach(i -> launched.put(i.instanceId(), new Launched(i.launchTime(),
                                new Marks(tag(i, "Name"), tag(i, CapaTags.POOL))))));
            } catch (RuntimeException e) {
                if (!(e.getCause() instanceof AwsServiceException aws
                        && AwsErrors.code(aws).startsWith("InvalidInstanceID"))) {
                    throw e;
                }
                // A new instance EC2 does not list yet: its launch time comes with the next describe.
            }
            if (launched.size() > 50_000) {
                launched.keySet().retainAll(instanceIds);
            }
        }
        Map<String, Instant> times = new HashMap<>();
        instanceIds.forEach(id -> {
            Launched l = launched.get(id);
            if (l != null) {
                times.put(id, l.time());
            }
        });
        return times;
    }

    /**
     * Those of the instances seen without {@code Name=group} and {@code poolstream.dev/pool=poolValue}: launched before
     * the group was the pool's (a CAPA group taken over). Every instance of a group Poolstream made carries both from
     * its launch template; one whose tags were not read (EC2 did not list it yet) is not counted.
     */
    List<String> unmarked(String group, String poolValue, List<String> instanceIds) {
        Marks own = new Marks(group, poolValue);
        return instanceIds.stream().filter(id -> {
            Launched l = launched.get(id);
            return l != null && !own.equals(l.marks());
        }).toList();
    }

    /**
     * Tags the instances {@code Name=group} and {@code poolstream.dev/pool=poolValue} (one {@code CreateTags} per
     * {@link AwsInstances#TERMINATE_BATCH}): once detached, the group no longer lists them, and these tags are what
     * a terminate carried out again after a restart finds them by.
     */
    void mark(String group, String poolValue, List<String> instanceIds) {
        for (List<String> batch : AwsInstances.batches(instanceIds, AwsInstances.TERMINATE_BATCH)) {
            AwsErrors.run("CreateTags " + batch, () -> ec2.createTags(b -> b.resources(batch).tags(
                    Tag.builder().key("Name").value(group).build(),
                    Tag.builder().key(CapaTags.POOL).value(poolValue).build())));
            batch.forEach(id -> launched.computeIfPresent(id, (k, l) -> new Launched(l.time(),
                    new Marks(group, poolValue))));
        }
    }

    private static String tag(software.amazon.awssdk.services.ec2.model.Instance instance, String key) {
        return instance.tags().stream().filter(t -> key.equals(t.key())).map(Tag::value).findFirst().orElse(null);
    }

    /**
     * Those of the instances that are still pending, running, stopping or stopped and carry the group's {@code Name}
     * tag (which every instance of the group has from its launch template and the group's tags, and keeps when
     * detached). For ids the group itself listed. Asks by filter, so unknown or long-gone ids are no error.
     */
    List<String> runningOfGroup(String group, List<String> instanceIds) {
        return running(group, null, instanceIds);
    }

    /**
     * As {@link #runningOfGroup}, and carrying the pool tag with {@code poolValue} too (propagated from the group's
     * tags at launch): for ids that may no longer be the group's, whose own tags must say whose they are.
     */
    List<String> runningOfPool(String group, String poolValue, List<String> instanceIds) {
        return running(group, Objects.requireNonNull(poolValue, "poolValue"), instanceIds);
    }

    private List<String> running(String group, String poolValue, List<String> instanceIds) {
        List<String> running = new ArrayList<>();
        for (List<String> batch : AwsInstances.batches(instanceIds, AwsInstances.FILTER_BATCH)) {
            List<Filter> filters = new ArrayList<>(List.of(
                    Filter.builder().name("instance-id").values(batch).build(),
                    Filter.builder().name("instance-state-name").values("pending", "running", "stopping", "stopped")
                            .build(),
                    Filter.builder().name("tag:Name").values(group).build()));
            if (poolValue != null) {
                filters.add(Filter.builder().name("tag:" + CapaTags.POOL)
                        .values(poolValue).build());
            }
            AwsErrors.call("DescribeInstances " + batch, () -> ec2.describeInstancesPaginator(b -> b.filters(filters))
                    .reservations().stream().flatMap(r -> r.instances().stream())
                    .map(software.amazon.awssdk.services.ec2.model.Instance::instanceId).toList())
                    .forEach(running::add);
        }
        return running;
    }

    /**
     * EC2 TerminateInstances of instances out of the group, {@code how} (at most {@link AwsInstances#TERMINATE_BATCH}).
     */
    void terminate(String group, List<String> instanceIds, String how) {
        AwsErrors.run("TerminateInstances " + instanceIds + " of " + group + " (" + how + ")",
                () -> ec2.terminateInstances(b -> b.instanceIds(instanceIds)));
    }

    private RequestLaunchTemplateData data(LaunchTemplateSpec spec, byte[] userData) {
        RequestLaunchTemplateData.Builder data = RequestLaunchTemplateData.builder()
                .imageId(spec.imageId())
                .instanceType(spec.instanceType())
                .userData(Base64.getEncoder().encodeToString(userData))
                .tagSpecifications(
                        LaunchTemplateTagSpecificationRequest.builder().resourceType(ResourceType.INSTANCE)
                                .tags(tags(spec)).build(),
                        LaunchTemplateTagSpecificationRequest.builder().resourceType(ResourceType.VOLUME)
                                .tags(tags(spec)).build());
        if (spec.instanceProfile() != null) {
            data.iamInstanceProfile(p -> p.name(spec.instanceProfile()));
        }
        if (spec.sshKeyName() != null) {
            data.keyName(spec.sshKeyName());
        }
        if (!spec.securityGroupIds().isEmpty()) {
            data.securityGroupIds(spec.securityGroupIds());
        }
        if (spec.rootVolume() != null) {
            data.blockDeviceMappings(rootDevice(spec.imageId(), spec.rootVolume()));
        }
        LaunchTemplateSpec.MetadataOptions imds = spec.metadataOptions();
        if (imds != null) {
            data.metadataOptions(m -> m.httpEndpoint(imds.httpEndpoint()).httpProtocolIpv6(imds.httpProtocolIpv6())
                    .httpPutResponseHopLimit(imds.httpPutResponseHopLimit() == null ? null
                            : imds.httpPutResponseHopLimit().intValue())
                    .httpTokens(imds.httpTokens()).instanceMetadataTags(imds.instanceMetadataTags()));
        }
        return data.build();
    }

    private LaunchTemplateBlockDeviceMappingRequest rootDevice(String imageId, RootVolume root) {
        String device = root.deviceName() != null ? root.deviceName() : AwsErrors.call("DescribeImages " + imageId,
                () -> ec2.describeImages(b -> b.imageIds(imageId))).images().stream().findFirst()
                .map(Image::rootDeviceName).orElse("/dev/xvda");
        LaunchTemplateEbsBlockDeviceRequest.Builder ebs = LaunchTemplateEbsBlockDeviceRequest.builder()
                .deleteOnTermination(true);
        if (root.sizeGiB() != null) {
            ebs.volumeSize(root.sizeGiB().intValue());
        }
        if (root.type() != null) {
            ebs.volumeType(root.type());
        }
        if (root.iops() != null) {
            ebs.iops(root.iops().intValue());
        }
        if (root.throughput() != null) {
            ebs.throughput(root.throughput().intValue());
        }
        if (root.encrypted() != null) {
            ebs.encrypted(root.encrypted());
        }
        if (root.kmsKeyId() != null) {
            ebs.kmsKeyId(root.kmsKeyId());
        }
        return LaunchTemplateBlockDeviceMappingRequest.builder().deviceName(device).ebs(ebs.build()).build();
    }

    private static List<Tag> tags(LaunchTemplateSpec spec) {
        return tags(spec.tags());
    }

    private static List<Tag> tags(Map<String, String> map) {
        List<Tag> tags = new ArrayList<>();
        map.forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
        return tags;
    }

    private static boolean notFound(RuntimeException e) {
        return e.getCause() instanceof AwsServiceException aws
                && (NOT_FOUND.equals(AwsErrors.code(aws)) || NOT_FOUND_ID.equals(AwsErrors.code(aws)));
    }
}
