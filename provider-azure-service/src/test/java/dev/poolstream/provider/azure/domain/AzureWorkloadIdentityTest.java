package dev.poolstream.provider.azure.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AzureWorkloadIdentityTest {

    private static final String TOKEN = "/var/run/secrets/azure/tokens/azure-identity-token";
    private final Map<String, String> settings = new HashMap<>(Map.of(
            AzureWorkloadIdentity.CLIENT_ID, "11111111-2222-3333-4444-555555555555",
            AzureWorkloadIdentity.TENANT_ID, "66666666-7777-8888-9999-000000000000",
            AzureWorkloadIdentity.TOKEN_FILE, TOKEN));
    private Set<String> readable = Set.of(TOKEN);

    private AzureWorkloadIdentity.Choice choose() {
        return AzureWorkloadIdentity.choose(settings::get, readable::contains);
    }

    @Test
    void shouldChooseFederatedIdentityWhenAllThreeSettingsAreThere() {
        settings.put(AzureWorkloadIdentity.CLIENT_ID, " 11111111-2222-3333-4444-555555555555\n");

        assertThat(choose()).isEqualTo(new AzureWorkloadIdentity.Federated("11111111-2222-3333-4444-555555555555",
                "66666666-7777-8888-9999-000000000000", TOKEN));
    }

    @ParameterizedTest
    @ValueSource(strings = {AzureWorkloadIdentity.CLIENT_ID, AzureWorkloadIdentity.TENANT_ID,
            AzureWorkloadIdentity.TOKEN_FILE})
    void shouldNameTheOneSettingMissing(String name) {
        settings.put(name, " ");

        assertThat(((AzureWorkloadIdentity.Missing) choose()).message()).startsWith("no Azure workload identity: "
                + name + " is not set (the workload identity webhook injects all three")
                .contains("does not fall back to the node's managed identity",
                        "poolstream.provider.azure.credentials.source=default-chain");
    }

    @Test
    void shouldNameEverySettingMissingWhenNoneIsSet() {
        settings.clear();

        assertThat(((AzureWorkloadIdentity.Missing) choose()).message()).startsWith("no Azure workload identity: "
                + "AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE are not set");
    }

    @Test
    void shouldNameTheTokenFileThatCannotBeRead() {
        readable = Set.of();

        assertThat(((AzureWorkloadIdentity.Missing) choose()).message()).startsWith("no Azure workload identity: the "
                + "federated token file " + TOKEN + " (AZURE_FEDERATED_TOKEN_FILE) cannot be read");
    }
}
