package dev.poolstream.provider.azure.config;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.ExponentialBackoff;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Configuration;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.implementation.ComputeManagementClientBuilder;
import com.azure.resourcemanager.resources.fluentcore.utils.HttpPipelineProvider;
import dev.poolstream.provider.azure.cloud.AzureScalingGroup;
import dev.poolstream.provider.azure.cloud.RateLimitPolicy;
import dev.poolstream.provider.azure.domain.ModelSettings;
import dev.poolstream.provider.cloud.BootstrapData;
import dev.poolstream.provider.kube.BootstrapDataConfiguration;
import dev.poolstream.provider.cloud.RateLimiter;
import dev.poolstream.provider.config.ProviderProperties;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The ARM client (JDK HTTP client, the SDK's retry policy with exponential backoff that honours {@code Retry-After}
 * on 429 and 5xx, the account's rate limit before every attempt, a short poll interval for long-running operations)
 * and the adapter built on it. Credentials come from azure-identity's DefaultAzureCredential: workload identity
 * ({@code AZURE_FEDERATED_TOKEN_FILE}, {@code AZURE_CLIENT_ID}, {@code AZURE_TENANT_ID}) or environment variables
 * in production.
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
@org.springframework.context.annotation.Import(BootstrapDataConfiguration.class)
@EnableConfigurationProperties(AzureProperties.class)
public class AzureConfiguration {

    @Bean
    HttpClient azureHttpClient(AzureProperties azure) {
        return new JdkHttpClientBuilder()
                .connectionTimeout(azure.connectTimeout())
                .responseTimeout(azure.responseTimeout())
                .build();
    }

    @Bean
    TokenCredential azureCredential(AzureProperties azure) {
        DefaultAzureCredentialBuilder builder = new DefaultAzureCredentialBuilder();
        if (azure.tenantId() != null && !azure.tenantId().isBlank()) {
            builder.tenantId(azure.tenantId());
        }
        return builder.build();
    }

    @Bean
    ComputeManagementClient computeManagementClient(AzureProperties azure, ProviderProperties provider,
                                                    TokenCredential credential, HttpClient httpClient,
                                                    RateLimiter limiter,
                                                    ObjectProvider<HttpPipelinePolicy> extraPolicies) {
        AzureEnvironment environment = environment(azure);
        AzureProfile profile = new AzureProfile(azure.tenantId(), azure.subscriptionId(), environment);
        List<HttpPipelinePolicy> policies = new ArrayList<>();
        policies.add(new RateLimitPolicy(limiter));
        extraPolicies.orderedStream().forEach(policies::add);
        HttpPipeline pipeline = HttpPipelineProvider.buildHttpPipeline(credential, profile, null,
                new HttpLogOptions(), Configuration.getGlobalConfiguration(), retryPolicy(provider.retry()),
                policies, httpClient);
        return new ComputeManagementClientBuilder()
                .pipeline(pipeline)
                .endpoint(environment.getResourceManagerEndpoint())
                .environment(environment)
                .subscriptionId(azure.subscriptionId())
                .defaultPollInterval(azure.pollInterval())
                .buildClient();
    }

    @Bean
    AzureScalingGroup azureScalingGroup(ComputeManagementClient compute, AzureProperties azure,
                                        BootstrapData bootstrapData) {
        return new AzureScalingGroup(compute, modelSettings(azure), bootstrapData, azure.operationWait());
    }

    static ModelSettings modelSettings(AzureProperties azure) {
        AzureProperties.Network network = azure.network();
        String vnetGroup = network.virtualNetworkResourceGroup() == null || network.virtualNetworkResourceGroup()
                .isBlank() ? azure.resourceGroup() : network.virtualNetworkResourceGroup();
        return new ModelSettings(azure.subscriptionId(), azure.resourceGroup(), azure.location(),
                network.virtualNetwork(), vnetGroup, network.subnet(), network.adminUsername());
    }

    /**
     * Azure's public cloud, or the same with the Resource Manager endpoint replaced. A custom environment must
     * still carry every endpoint the SDK looks up (e.g. {@code microsoftGraphResourceId}), hence the copy.
     */
    static AzureEnvironment environment(AzureProperties azure) {
        if (azure.endpoint() == null) {
            return AzureEnvironment.AZURE;
        }
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        String url = azure.endpoint().toString();
        endpoints.put("resourceManagerEndpointUrl", url.endsWith("/") ? url : url + "/");
        return new AzureEnvironment(endpoints);
    }

    /** The SDK's retry: maxAttempts - 1 retries, exponential backoff, {@code Retry-After} honoured when present. */
    static RetryPolicy retryPolicy(ProviderProperties.Retry retry) {
        return new RetryPolicy(new ExponentialBackoff(retry.maxAttempts() - 1, retry.baseDelay(), retry.maxDelay()));
    }
}
