package dev.poolstream.provider.aws.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.provider.config.ProviderProperties;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AwsConfigurationTest {

    @Test
    void shouldRetryAsOftenAsConfiguredWhenBuildingRetryStrategy() {
        var strategy = AwsConfiguration.retryStrategy(new ProviderProperties.Retry(7, Duration.ofMillis(10),
                Duration.ofSeconds(1)));

        assertThat(strategy.maxAttempts()).isEqualTo(7);
    }

    @Test
    void shouldTellStaticCredentialsFromDefaultChain() {
        assertThat(new AwsProperties.Credentials("id", "secret", null).isStatic()).isTrue();
        assertThat(new AwsProperties.Credentials(null, null, null).isStatic()).isFalse();
        assertThat(new AwsProperties.Credentials("id", null, null).isComplete()).isFalse();
        assertThat(new AwsProperties.Credentials("id", "secret", null).toString()).doesNotContain("secret");
    }
}
