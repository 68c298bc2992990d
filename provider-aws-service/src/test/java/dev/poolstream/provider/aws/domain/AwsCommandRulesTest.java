package dev.poolstream.provider.aws.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AwsCommandRulesTest {

    private final AwsCommandRules rules = new AwsCommandRules();

    @ParameterizedTest
    @ValueSource(strings = {"workers-49a3af1caa", "abc", "a.b/c_d(e)-f"})
    void shouldAcceptGroupNameThatCanNameGroupAndLaunchTemplate(String group) {
        assertThat(rules.groupNameProblem(group)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab", "workers pool", "workers:1", "wörkers"})
    void shouldRefuseGroupNameLaunchTemplatesCannotHave(String group) {
        assertThat(rules.groupNameProblem(group)).contains("cannot name an Auto Scaling Group and its launch template "
                + "(3-128 of A-Z a-z 0-9 ( ) . - / _)");
    }

    @Test
    void shouldAcceptGroupNamesUpTo128Characters() {
        assertThat(rules.groupNameProblem("x".repeat(128))).isEmpty();
        assertThat(rules.groupNameProblem("x".repeat(129))).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"aws:///us-east-1a/i-0123456789abcdef0", "aws:///eu-west-1c/i-12345678",
            "aws:////i-0abc"})
    void shouldAcceptEc2ProviderIds(String providerID) {
        assertThat(rules.instanceProblem("workers", providerID)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"i-0123456789abcdef0", "aws://us-east-1a/i-0123", "aws:///us-east-1a/sir-0123",
            "aws:///us-east-1a/i-0123/extra", "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/"
            + "virtualMachineScaleSets/workers/virtualMachines/0", "aws:///us-east-1a/i-XYZ"})
    void shouldRefuseWhatIsNoEc2ProviderId(String providerID) {
        assertThat(rules.instanceProblem("workers", providerID))
                .contains("it is not an EC2 instance's provider ID (aws:///<zone>/i-<hex>)");
    }

    @Test
    void shouldRequireTheAwsMachinePoolSpecInTemplates() {
        assertThat(rules.requiresInfrastructure()).isTrue();
    }
}
