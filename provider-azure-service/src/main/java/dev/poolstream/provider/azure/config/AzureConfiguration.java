package dev.poolstream.provider.azure.config;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.CredentialUnavailableException;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import dev.poolstream.provider.azure.domain.AzureWorkloadIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

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
 * and the adapter built on it. Credentials: the pod's workload identity ({@code AZURE_CLIENT_ID},
 * {@code AZURE_TENANT_ID}, {@code AZURE_FEDERATED_TOKEN_FILE}) and nothing else, unless DefaultAzureCredential is
 * asked for ({@link #credential}).
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
@org.springframework.context.annotation.Import(BootstrapDataConfiguration.class)
@EnableConfigurationProperties(AzureProperties.class)
public class AzureConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AzureConfiguration.class);

    @Bean
    HttpClient azureHttpClient(AzureProperties azure) {
        return new JdkHttpClientBuilder()
                .connectionTimeout(azure.connectTimeout())
                .responseTimeout(azure.responseTimeout())
                .build();
    }

    @Bean
    TokenCredential azureCredential(AzureProperties azure) {
        return credential(azure, name -> Configuration.getGlobalConfiguration().get(name), file ->
                Files.isRegularFile(Path.of(file)) && Files.isReadable(Path.of(file)));
    }

    /**
     * The pod's workload identity, or DefaultAzureCredential when {@code credentials.source} asks for it. A missing
     * identity does not stop the start (the service stays up, as beside docker-compose without credentials): it is
     * logged at start, and every token request fails with the same message, so commands fail naming it.
     *
     * @param settings a setting by its environment variable's name (azure-core's configuration: environment, then
     *                 system properties); {@code tenant-id}, when set, stands for AZURE_TENANT_ID
     */
    static TokenCredential credential(AzureProperties azure, Function<String, String> settings,
                                      Predicate<String> readableFile) {
        boolean tenantSet = azure.tenantId() != null && !azure.tenantId().isBlank();
        if (azure.credentials().source() == AzureProperties.Source.DEFAULT_CHAIN) {
            DefaultAzureCredentialBuilder builder = new DefaultAzureCredentialBuilder();
            if (tenantSet) {
                builder.tenantId(azure.tenantId());
            }
            return builder.build();
        }
        AzureWorkloadIdentity.Choice choice = AzureWorkloadIdentity.choose(name -> tenantSet
                && name.equals(AzureWorkloadIdentity.TENANT_ID) ? azure.tenantId() : settings.apply(name), readableFile);
        if (choice instanceof AzureWorkloadIdentity.Federated federated) {
            return new WorkloadIdentityCredentialBuilder()
                    .clientId(federated.clientId())
                    .tenantId(federated.tenantId())
                    .tokenFilePath(federated.tokenFile())
                    .build();
        }
        String message = ((AzureWorkloadIdentity.Missing) choice).message();
        log.warn(message);
        return new MissingIdentity(message);
    }

    /** No identity: every token request fails, naming what is missing. */
    record MissingIdentity(String message) implements TokenCredential {
        @Override
        public Mono<AccessToken> getToken(TokenRequestContext request) {
            return Mono.error(new CredentialUnavailableException(message));
        }
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
