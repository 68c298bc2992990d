package dev.poolstream.provider.azure.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AzureCommandRulesTest {

    private static final String SUB = "00000000-0000-0000-0000-000000000001";
    private final AzureCommandRules rules = new AzureCommandRules(SUB, "capz-rg");

    private static String uniform(String sub, String rg, String vmss, String id) {
        return "azure:///subscriptions/" + sub + "/resourceGroups/" + rg
                + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + vmss + "/virtualMachines/" + id;
    }

    private static String flexible(String sub, String rg, String vm) {
        return "azure:///subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/"
                + "virtualMachines/" + vm;
    }

    /** provider ID named for scale set "workers", the problem (null: none). */
    static Stream<Arguments> providerIds() {
        return Stream.of(
                Arguments.of(uniform(SUB, "capz-rg", "workers", "3"), null),
                // ARM's and cloud-provider-azure's cases differ; names compare without case.
                Arguments.of(uniform(SUB.toUpperCase(), "CAPZ-RG", "WORKERS", "3"), null),
                Arguments.of(flexible(SUB, "capz-rg", "workers_1a2b3c4d"), null),
                Arguments.of(uniform(SUB, "capz-rg", "others", "3"), "it is a VM of another scale set"),
                Arguments.of(uniform(SUB, "other-rg", "workers", "3"),
                        "it is in another resource group than this provider's"),
                Arguments.of(flexible(SUB, "other-rg", "workers_1"),
                        "it is in another resource group than this provider's"),
                Arguments.of(uniform("11111111-0000-0000-0000-000000000001", "capz-rg", "workers", "3"),
                        "it is in another subscription than this provider's"),
                Arguments.of(flexible("other", "capz-rg", "workers_1"),
                        "it is in another subscription than this provider's"),
                Arguments.of("aws:///us-east-1a/i-0123456789abcdef0", NOT_AZURE),
                Arguments.of(uniform(SUB, "capz-rg", "workers", "3").substring("azure://".length()), NOT_AZURE),
                Arguments.of(uniform(SUB, "capz-rg", "workers", "3") + "/extra", NOT_AZURE),
                Arguments.of("azure:///subscriptions/" + SUB + "/resourceGroups/capz-rg/providers/Microsoft.Network/"
                        + "networkInterfaces/nic", NOT_AZURE));
    }

    private static final String NOT_AZURE = "it is not an Azure VM's provider ID (azure:///subscriptions/<sub>/"
            + "resourceGroups/<rg>/providers/Microsoft.Compute/...)";

    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("providerIds")
    void shouldAcceptOnlyVmsOfThisSubscriptionResourceGroupAndScaleSet(String providerID, String problem) {
        assertThat(rules.instanceProblem("workers", providerID)).isEqualTo(Optional.ofNullable(problem));
    }

    @ParameterizedTest
    @ValueSource(strings = {"workers-49a3af1caa", "w", "a.b_c-d", "ends_"})
    void shouldAcceptScaleSetNames(String group) {
        assertThat(rules.groupNameProblem(group)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-workers", "workers-", "workers.", "work ers", "work/ers"})
    void shouldRefuseWhatCannotNameAScaleSet(String group) {
        assertThat(rules.groupNameProblem(group)).hasValueSatisfying(p -> assertThat(p)
                .startsWith("cannot name a VM Scale Set (1-64 letters"));
    }

    @Test
    void shouldRefuseScaleSetNameLongerThan64() {
        assertThat(rules.groupNameProblem("w".repeat(64))).isEmpty();
        assertThat(rules.groupNameProblem("w".repeat(65))).isPresent();
    }

    @Test
    void shouldRequireTheAzureMachinePoolSpecInTemplates() {
        assertThat(rules.requiresInfrastructure()).isTrue();
    }

    @Test
    void shouldParseBothFormsIntoTheirParts() {
        assertThat(ProviderIds.parse(uniform(SUB, "rg", "vmss", "7")))
                .contains(new ProviderIds.Parts(SUB, "rg", "vmss", "7"));
        assertThat(ProviderIds.parse(flexible(SUB, "rg", "vm-1"))).contains(new ProviderIds.Parts(SUB, "rg", null,
                "vm-1"));
        assertThat(ProviderIds.parse(null)).isEmpty();
    }
}
