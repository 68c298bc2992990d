package dev.poolstream.provider.aws.domain;

import dev.poolstream.provider.domain.InvalidTemplateException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.awslaunchtemplate.AdditionalSecurityGroups;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.provider.aws.AwsPools;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaunchTemplateSpecTest {

    private static final byte[] USER_DATA = "#cloud-config".getBytes(StandardCharsets.UTF_8);

    private static GroupTemplate template(AWSMachinePoolSpec spec) {
        return AwsPools.template("c1", spec, 1, new SecretRef("ns", "boot"));
    }

    private static LaunchTemplateSpec spec(AWSMachinePoolSpec spec) {
        return LaunchTemplateSpec.from(template(spec), Map.of("Name", "g"));
    }

    @Test
    void shouldTakeEveryLaunchTemplateFieldFromAwsMachinePool() {
        LaunchTemplateSpec lt = spec(AwsPools.spec("ami-1", "m5.large", "sg-1"));

        assertThat(lt.imageId()).isEqualTo("ami-1");
        assertThat(lt.instanceType()).isEqualTo("m5.large");
        assertThat(lt.instanceProfile()).isEqualTo("nodes.cluster-api-provider-aws.sigs.k8s.io");
        assertThat(lt.sshKeyName()).isEqualTo("poolstream");
        assertThat(lt.securityGroupIds()).containsExactly("sg-1");
        assertThat(lt.rootVolume()).isEqualTo(new RootVolume(null, 50L, "gp3", null, null, null, null));
        assertThat(lt.tags()).containsEntry("Name", "g");
    }

    @Test
    void shouldKeepFingerprintWhenNothingChanges() {
        assertThat(spec(AwsPools.spec("ami-1", "m5.large", "sg-1")).fingerprint(USER_DATA))
                .isEqualTo(spec(AwsPools.spec("ami-1", "m5.large", "sg-1")).fingerprint(USER_DATA.clone()))
                .startsWith(LaunchTemplateSpec.FINGERPRINT_PREFIX).hasSizeLessThan(255);
    }

    @Test
    void shouldChangeFingerprintWhenAnyFieldOrUserDataChanges() {
        String base = spec(AwsPools.spec("ami-1", "m5.large", "sg-1")).fingerprint(USER_DATA);

        assertThat(spec(AwsPools.spec("ami-2", "m5.large", "sg-1")).fingerprint(USER_DATA)).isNotEqualTo(base);
        assertThat(spec(AwsPools.spec("ami-1", "m5.xlarge", "sg-1")).fingerprint(USER_DATA)).isNotEqualTo(base);
        assertThat(spec(AwsPools.spec("ami-1", "m5.large", "sg-2")).fingerprint(USER_DATA)).isNotEqualTo(base);
        assertThat(spec(AwsPools.spec("ami-1", "m5.large", "sg-1"))
                .fingerprint("#cloud-config rotated".getBytes(StandardCharsets.UTF_8))).isNotEqualTo(base);
        AWSMachinePoolSpec bigger = AwsPools.spec("ami-1", "m5.large", "sg-1");
        bigger.getAwsLaunchTemplate().getRootVolume().setSize(100L);
        assertThat(spec(bigger).fingerprint(USER_DATA)).isNotEqualTo(base);
    }

    @Test
    void shouldTakeTheInstanceMetadataOptionsAndFingerprintThemOnlyWhenSet() {
        AWSMachinePoolSpec hardened = AwsPools.spec("ami-1", "m5.large", "sg-1");
        hardened.getAwsLaunchTemplate().setInstanceMetadataOptions(AwsPools.imdsV2(2));

        assertThat(spec(hardened).metadataOptions()).isEqualTo(new LaunchTemplateSpec.MetadataOptions("enabled",
                "disabled", 2L, "required", "disabled"));
        assertThat(spec(AwsPools.spec("ami-1", "m5.large", "sg-1")).metadataOptions()).isNull();
        String base = spec(AwsPools.spec("ami-1", "m5.large", "sg-1")).fingerprint(USER_DATA);
        assertThat(spec(hardened).fingerprint(USER_DATA)).isNotEqualTo(base);
        // Unset, the fingerprint is the one written before the options were applied: no roll-out on upgrade.
        assertThat(base).isEqualTo(LaunchTemplateSpec.FINGERPRINT_PREFIX + LaunchTemplateSpec.sha256(String.join("\n",
                "imageId=ami-1", "instanceType=m5.large", "instanceProfile=nodes.cluster-api-provider-aws.sigs.k8s.io",
                "sshKeyName=poolstream", "rootVolume=" + new RootVolume(null, 50L, "gp3", null, null, null, null),
                "securityGroupIds=[sg-1]", "tags={Name=g}", "userData=" + LaunchTemplateSpec.sha256(USER_DATA))
                .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldNotCarryUserDataInFingerprintReadably() {
        byte[] secret = "token-abcdef".getBytes(StandardCharsets.UTF_8);

        assertThat(spec(AwsPools.spec("ami-1", "m5.large", null)).fingerprint(secret)).doesNotContain("token");
    }

    @Test
    void shouldRefuseWhenAmiIdIsMissing() {
        AWSMachinePoolSpec lookup = AwsPools.spec("ami-1", "m5.large", null);
        lookup.getAwsLaunchTemplate().getAmi().setId(null);

        assertThatThrownBy(() -> spec(lookup)).isInstanceOfSatisfying(InvalidTemplateException.class,
                e -> assertThat(e.failure().reason()).isEqualTo("AmiLookupUnsupported"));
    }

    @Test
    void shouldRefuseWhenInstanceTypeIsMissing() {
        AWSMachinePoolSpec spec = AwsPools.spec("ami-1", " ", null);

        assertThatThrownBy(() -> spec(spec)).isInstanceOf(InvalidTemplateException.class)
                .hasMessageContaining("instanceType");
    }

    @Test
    void shouldRefuseSecurityGroupsGivenByFiltersOnly() {
        AWSMachinePoolSpec spec = AwsPools.spec("ami-1", "m5.large", null);
        spec.getAwsLaunchTemplate().setAdditionalSecurityGroups(List.of(new AdditionalSecurityGroups()));

        assertThatThrownBy(() -> spec(spec)).isInstanceOfSatisfying(InvalidTemplateException.class,
                e -> assertThat(e.failure().reason()).isEqualTo("SecurityGroupFiltersUnsupported"));
    }

    @Test
    void shouldRefuseTemplateWithoutAwsSpec() {
        GroupTemplate azure = new GroupTemplate("c1", "v1", new InfraSpec.Azure(null), 1, null, List.of(), Map.of());

        assertThatThrownBy(() -> LaunchTemplateSpec.from(azure, Map.of())).isInstanceOf(InvalidTemplateException.class);
    }
}
