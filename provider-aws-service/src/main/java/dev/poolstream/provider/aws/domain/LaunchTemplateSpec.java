package dev.poolstream.provider.aws.domain;

import dev.poolstream.provider.domain.InvalidTemplateException;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.AwsLaunchTemplate;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.awslaunchtemplate.AdditionalSecurityGroups;
import dev.poolstream.events.Copies;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.command.GroupTemplate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What a pool's launch template holds, taken from the AWSMachinePool spec (CAPA's {@code awsLaunchTemplate}): AMI,
 * instance type, instance profile, SSH key, root volume, security groups, instance metadata options, and the tags its
 * instances and volumes get. The user data is not part of it: it is read from the bootstrap Secret when the command
 * runs.
 */
public record LaunchTemplateSpec(String imageId, String instanceType, String instanceProfile, String sshKeyName,
                                 RootVolume rootVolume, List<String> securityGroupIds, MetadataOptions metadataOptions,
                                 Map<String, String> tags) {

    /**
     * {@code awsLaunchTemplate.instanceMetadataOptions}, as CAPA puts them in the launch template's
     * {@code MetadataOptions}: a pool that asks for IMDSv2 ({@code httpTokens: required}) must not get the account's
     * default, under which any pod could read the node role's credentials and the user data.
     */
    public record MetadataOptions(String httpEndpoint, String httpProtocolIpv6, Long httpPutResponseHopLimit,
                                  String httpTokens, String instanceMetadataTags) {
    }

    /** Prefix of the version description that carries the content fingerprint. */
    public static final String FINGERPRINT_PREFIX = "poolstream/sha256:";

    public LaunchTemplateSpec {
        securityGroupIds = Copies.list(securityGroupIds).stream().distinct().sorted().toList();
        tags = Copies.map(tags);
    }

    /** The spec of a pool's template; refuses what Poolstream cannot build (no AMI id, filters without ids). */
    public static LaunchTemplateSpec from(GroupTemplate template, Map<String, String> tags) {
        AWSMachinePoolSpec spec = awsSpec(template);
        AwsLaunchTemplate lt = spec.getAwsLaunchTemplate();
        if (lt == null) {
            throw new InvalidTemplateException("InvalidTemplate", "the AWSMachinePool has no awsLaunchTemplate");
        }
        if (lt.getAmi() == null || blank(lt.getAmi().getId())) {
            throw new InvalidTemplateException("AmiLookupUnsupported", "awsLaunchTemplate.ami.id is not set; "
                    + "looking an AMI up by imageLookup fields or EKS type is not supported yet: set ami.id");
        }
        if (blank(lt.getInstanceType())) {
            throw new InvalidTemplateException("InvalidTemplate", "awsLaunchTemplate.instanceType is not set");
        }
        List<String> groups = new ArrayList<>();
        for (AdditionalSecurityGroups group : Copies.list(lt.getAdditionalSecurityGroups())) {
            if (blank(group.getId())) {
                throw new InvalidTemplateException("SecurityGroupFiltersUnsupported", "an additionalSecurityGroups "
                        + "entry has no id; selecting security groups by filters is not supported yet");
            }
            groups.add(group.getId());
        }
        RootVolume root = null;
        var rv = lt.getRootVolume();
        if (rv != null) {
            root = new RootVolume(blankToNull(rv.getDeviceName()), rv.getSize(), blankToNull(rv.getType()),
                    rv.getIops(), rv.getThroughput(), rv.getEncrypted(), blankToNull(rv.getEncryptionKey()));
        }
        MetadataOptions metadata = null;
        var imds = lt.getInstanceMetadataOptions();
        if (imds != null) {
            metadata = new MetadataOptions(
                    imds.getHttpEndpoint() == null ? null : imds.getHttpEndpoint().getValue(),
                    imds.getHttpProtocolIpv6() == null ? null : imds.getHttpProtocolIpv6().getValue(),
                    imds.getHttpPutResponseHopLimit(),
                    imds.getHttpTokens() == null ? null : imds.getHttpTokens().getValue(),
                    imds.getInstanceMetadataTags() == null ? null : imds.getInstanceMetadataTags().getValue());
        }
        return new LaunchTemplateSpec(lt.getAmi().getId(), lt.getInstanceType(), blankToNull(lt.getIamInstanceProfile()),
                blankToNull(lt.getSshKeyName()), root, groups, metadata, tags);
    }

    static AWSMachinePoolSpec awsSpec(GroupTemplate template) {
        if (!(template.infrastructure() instanceof InfraSpec.Aws aws) || aws.spec() == null) {
            throw new InvalidTemplateException("InvalidTemplate", "the template's infrastructure is not an "
                    + "AWSMachinePool spec");
        }
        return aws.spec();
    }

    /**
     * A fingerprint of everything the template holds, user data included (as its own hash): equal content, equal
     * fingerprint. It goes in the version's description, so the provider can tell whether a version already holds
     * what a command asks for without comparing what AWS echoes back field by field.
     */
    public String fingerprint(byte[] userData) {
        String canonical = String.join("\n", "imageId=" + imageId, "instanceType=" + instanceType,
                "instanceProfile=" + instanceProfile, "sshKeyName=" + sshKeyName, "rootVolume=" + rootVolume,
                "securityGroupIds=" + securityGroupIds, "tags=" + tags, "userData=" + sha256(userData))
                // Only when set: the versions written before the options were applied keep their fingerprint, and
                // their pools no roll-out.
                + (metadataOptions == null ? "" : "\nmetadataOptions=" + metadataOptions);
        return FINGERPRINT_PREFIX + sha256(canonical.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes == null ? new byte[0]
                    : bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String blankToNull(String s) {
        return blank(s) ? null : s;
    }
}
