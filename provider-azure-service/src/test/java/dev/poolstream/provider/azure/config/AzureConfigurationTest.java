package dev.poolstream.provider.azure.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.management.AzureEnvironment;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AzureConfigurationTest {

    private static AzureProperties properties(URI endpoint) {
        return new AzureProperties("sub", "rg", "westeurope", null, endpoint, Duration.ofSeconds(5),
                Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(60),
                new AzureProperties.Network("{cluster}-vnet", null, "node-subnet", "capi"),
                new AzureProperties.Credentials(AzureProperties.Source.WORKLOAD_IDENTITY));
    }

    @Test
    void shouldUseAzurePublicCloudWhenNoEndpointIsSet() {
        assertThat(AzureConfiguration.environment(properties(null))).isSameAs(AzureEnvironment.AZURE);
    }

    @Test
    void shouldReplaceOnlyResourceManagerAndKeepGraphResourceWhenEndpointIsOverridden() {
        AzureEnvironment env = AzureConfiguration.environment(properties(URI.create("https://127.0.0.1:8443")));
        assertThat(env.getResourceManagerEndpoint()).isEqualTo("https://127.0.0.1:8443/");
        assertThat(env.getEndpoints().get("microsoftGraphResourceId"))
                .isEqualTo(AzureEnvironment.AZURE.getEndpoints().get("microsoftGraphResourceId")).isNotBlank();
        assertThat(env.getActiveDirectoryEndpoint()).isEqualTo(AzureEnvironment.AZURE.getActiveDirectoryEndpoint());
    }

    @Test
    void shouldRejectAPlainHttpEndpointWhenValidating() {
        Validator validator = Validation.buildDefaultValidatorFactory().getValidator();
        assertThat(validator.validate(properties(URI.create("http://127.0.0.1:8080"))))
                .extracting(v -> v.getPropertyPath().toString()).containsExactly("endpointHttps");
        assertThat(validator.validate(properties(URI.create("https://127.0.0.1:8443")))).isEmpty();
    }

    @Test
    void shouldPutTheNetworkResourceGroupDefaultToTheScaleSetsGroupWhenUnset() {
        var settings = AzureConfiguration.modelSettings(properties(null));
        assertThat(settings.virtualNetworkResourceGroup()).isEqualTo("rg");
        assertThat(settings.subnetId("prod", "node-subnet")).isEqualTo("/subscriptions/sub/resourceGroups/rg/"
                + "providers/Microsoft.Network/virtualNetworks/prod-vnet/subnets/node-subnet");
    }

    // --- credentials: the pod's workload identity, or nothing ---------------------------------------------------

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    private static AzureProperties withCredentials(String tenantId, AzureProperties.Source source) {
        return new AzureProperties("sub", "rg", "westeurope", tenantId, null, Duration.ofSeconds(5),
                Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(60),
                new AzureProperties.Network("{cluster}-vnet", null, "node-subnet", "capi"),
                new AzureProperties.Credentials(source));
    }

    private java.util.Map<String, String> workloadIdentity() throws java.io.IOException {
        java.nio.file.Path token = java.nio.file.Files.writeString(dir.resolve("azure-identity-token"), "sa-token");
        return new java.util.HashMap<>(java.util.Map.of("AZURE_CLIENT_ID", "client", "AZURE_TENANT_ID", "tenant",
                "AZURE_FEDERATED_TOKEN_FILE", token.toString()));
    }

    private static boolean readable(String path) {
        return java.nio.file.Files.isReadable(java.nio.file.Path.of(path));
    }

    @Test
    void shouldResolveWorkloadIdentityCredentialWhenItsThreeSettingsAreSet() throws Exception {
        var settings = workloadIdentity();

        assertThat(AzureConfiguration.credential(withCredentials(null, AzureProperties.Source.WORKLOAD_IDENTITY),
                settings::get, AzureConfigurationTest::readable))
                .isInstanceOf(com.azure.identity.WorkloadIdentityCredential.class);
    }

    @Test
    void shouldFailEveryTokenRequestNamingTheMissingSettingInsteadOfUsingManagedIdentity() throws Exception {
        var settings = workloadIdentity();
        settings.remove("AZURE_CLIENT_ID");

        com.azure.core.credential.TokenCredential credential = AzureConfiguration.credential(withCredentials(null,
                AzureProperties.Source.WORKLOAD_IDENTITY), settings::get, AzureConfigurationTest::readable);

        assertThat(credential).isNotInstanceOf(com.azure.identity.DefaultAzureCredential.class)
                .isNotInstanceOf(com.azure.identity.ManagedIdentityCredential.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> credential.getToken(
                        new com.azure.core.credential.TokenRequestContext().addScopes(
                                "https://management.azure.com/.default")).block())
                .isInstanceOf(com.azure.identity.CredentialUnavailableException.class)
                .hasMessageStartingWith("no Azure workload identity: AZURE_CLIENT_ID is not set");
    }

    @Test
    void shouldTakeTheTenantFromPropertiesWhenTheEnvironmentHasNone() throws Exception {
        var settings = workloadIdentity();
        settings.remove("AZURE_TENANT_ID");

        assertThat(AzureConfiguration.credential(withCredentials("tenant", AzureProperties.Source.WORKLOAD_IDENTITY),
                settings::get, AzureConfigurationTest::readable))
                .isInstanceOf(com.azure.identity.WorkloadIdentityCredential.class);
        assertThat(AzureConfiguration.credential(withCredentials(" ", AzureProperties.Source.WORKLOAD_IDENTITY),
                settings::get, AzureConfigurationTest::readable))
                .isInstanceOf(AzureConfiguration.MissingIdentity.class);
    }

    @Test
    void shouldUseDefaultAzureCredentialOnlyWhenAskedFor() {
        assertThat(AzureConfiguration.credential(withCredentials("tenant", AzureProperties.Source.DEFAULT_CHAIN),
                name -> null, path -> false)).isInstanceOf(com.azure.identity.DefaultAzureCredential.class);
    }
}
