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
                new AzureProperties.Network("{cluster}-vnet", null, "node-subnet", "capi"));
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
}
