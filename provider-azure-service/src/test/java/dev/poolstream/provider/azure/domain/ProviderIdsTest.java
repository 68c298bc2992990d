package dev.poolstream.provider.azure.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProviderIdsTest {

    private static final String SUB = "0b1f6471-1bf0-4dda-aec3-111122223333";

    @Test
    void shouldLowerCaseOnlyTheResourceGroupWhenFormattingUniformIds() {
        assertThat(ProviderIds.uniform(SUB, "My-Cluster-RG", "my-cluster-mp-0", "12")).isEqualTo("azure:///subscriptions/"
                + SUB + "/resourceGroups/my-cluster-rg/providers/Microsoft.Compute/virtualMachineScaleSets/"
                + "my-cluster-mp-0/virtualMachines/12");
    }

    @Test
    void shouldFormatFlexibleIdsAsPlainVirtualMachinesWhenOrchestrationIsFlexible() {
        assertThat(ProviderIds.flexible(SUB, "RG", "mp-0_1234abcd")).isEqualTo("azure:///subscriptions/" + SUB
                + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/mp-0_1234abcd");
    }

    @Test
    void shouldNormaliseCaseWhenArmReturnsUpperCasedResourceGroupAndSegments() {
        String armId = "/subscriptions/" + SUB + "/resourceGroups/POOL-RG/providers/microsoft.compute/"
                + "VIRTUALMACHINESCALESETS/np1/virtualMachines/0";
        assertThat(ProviderIds.fromResourceId(armId)).isEqualTo(ProviderIds.uniform(SUB, "pool-rg", "np1", "0"));
    }

    @Test
    void shouldMapFlexibleVmResourceIdsToFlexibleProviderIds() {
        String armId = "/subscriptions/" + SUB + "/resourceGroups/Pool-RG/providers/Microsoft.Compute/virtualMachines/np_ab";
        assertThat(ProviderIds.fromResourceId(armId)).isEqualTo(ProviderIds.flexible(SUB, "pool-rg", "np_ab"));
    }

    @Test
    void shouldKeepPoolsApartWhenTheyShareATrailingInstanceNumber() {
        assertThat(ProviderIds.uniform(SUB, "rg", "nodepool1", "0"))
                .isNotEqualTo(ProviderIds.uniform(SUB, "rg", "nodepool2", "0"));
    }

    @Test
    void shouldRejectIdsThatNameNoVirtualMachine() {
        assertThatThrownBy(() -> ProviderIds.fromResourceId("/subscriptions/" + SUB
                + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/np1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProviderIds.fromResourceId(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
