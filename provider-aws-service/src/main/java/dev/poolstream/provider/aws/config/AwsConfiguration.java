package dev.poolstream.provider.aws.config;

import dev.poolstream.provider.aws.cloud.AwsScalingGroup;
import dev.poolstream.provider.aws.domain.WorkloadIdentity;
import dev.poolstream.provider.cloud.BootstrapData;
import dev.poolstream.provider.kube.BootstrapDataConfiguration;
import dev.poolstream.provider.aws.cloud.RateLimitInterceptor;
import dev.poolstream.provider.cloud.RateLimiter;
import dev.poolstream.provider.config.ProviderProperties;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The AWS clients (URLConnection HTTP client, the SDK's standard retry strategy with exponential backoff on
 * throttling and 5xx, the account's rate limit before every attempt) and the adapter built on them.
 */
@Configuration(proxyBeanMethods = false)
@Import(BootstrapDataConfiguration.class)
@EnableConfigurationProperties(AwsProperties.class)
public class AwsConfiguration {

    /**
     * The credentials both clients sign with: static keys, else the pod's workload identity (or the SDK's default
     * chain when configured). Built at start, so that a missing identity fails the start, naming what is missing.
     */
    @Bean
    AwsCredentialsProvider awsCredentials(AwsProperties aws) {
        return credentials(aws, WorkloadIdentityCredentials::setting, WorkloadIdentityCredentials::readable);
    }

    @Bean(destroyMethod = "close")
    AutoScalingClient autoScalingClient(AwsProperties aws, ProviderProperties provider, RateLimiter limiter,
                                        AwsCredentialsProvider awsCredentials,
                                        ObjectProvider<ExecutionInterceptor> interceptors) {
        return configure(AutoScalingClient.builder(), aws, provider, limiter, awsCredentials,
                interceptors.orderedStream().toList()).build();
    }

    @Bean(destroyMethod = "close")
    Ec2Client ec2Client(AwsProperties aws, ProviderProperties provider, RateLimiter limiter,
                        AwsCredentialsProvider awsCredentials, ObjectProvider<ExecutionInterceptor> interceptors) {
        return configure(Ec2Client.builder(), aws, provider, limiter, awsCredentials,
                interceptors.orderedStream().toList()).build();
    }

    @Bean
    AwsScalingGroup awsScalingGroup(AutoScalingClient autoScaling, Ec2Client ec2, BootstrapData bootstrapData) {
        return new AwsScalingGroup(autoScaling, ec2, bootstrapData);
    }

    static RetryStrategy retryStrategy(ProviderProperties.Retry retry) {
        BackoffStrategy backoff = BackoffStrategy.exponentialDelay(retry.baseDelay(), retry.maxDelay());
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(retry.maxAttempts())
                .backoffStrategy(backoff)
                .throttlingBackoffStrategy(backoff)
                .build();
    }

    private static <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(
            B builder, AwsProperties aws, ProviderProperties provider, RateLimiter limiter,
            AwsCredentialsProvider credentials, List<ExecutionInterceptor> extra) {
        ClientOverrideConfiguration.Builder overrides = ClientOverrideConfiguration.builder()
                .retryStrategy(retryStrategy(provider.retry()))
                .apiCallTimeout(aws.apiCallTimeout())
                .apiCallAttemptTimeout(aws.apiCallAttemptTimeout())
                .addExecutionInterceptor(new RateLimitInterceptor(limiter));
        extra.forEach(overrides::addExecutionInterceptor);
        builder.region(Region.of(aws.region()))
                .credentialsProvider(credentials)
                .overrideConfiguration(overrides.build())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(aws.apiCallAttemptTimeout())
                        .socketTimeout(aws.apiCallAttemptTimeout()));
        if (aws.endpoint() != null) {
            builder.endpointOverride(aws.endpoint());
        }
        return builder;
    }

    /**
     * Static keys when set; else, by {@code credentials.source}, the pod's workload identity
     * ({@link WorkloadIdentityCredentials}) or the SDK's default chain.
     *
     * @throws IllegalStateException when the workload identity is missing, naming what is missing
     */
    static AwsCredentialsProvider credentials(AwsProperties aws, Function<String, String> settings,
                                              Predicate<String> readableFile) {
        AwsProperties.Credentials credentials = aws.credentials();
        if (credentials.isStatic()) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(credentials.accessKeyId(),
                    credentials.secretAccessKey()));
        }
        if (credentials.source() == AwsProperties.Source.DEFAULT_CHAIN) {
            return DefaultCredentialsProvider.builder().build();
        }
        return WorkloadIdentityCredentials.create(WorkloadIdentity.choose(settings, readableFile),
                Region.of(aws.region()), aws.stsEndpoint(), aws.apiCallAttemptTimeout());
    }
}
