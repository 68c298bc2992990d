package dev.poolstream.provider.aws.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code poolstream.provider.aws.*}: the AWS account and region this provider serves.
 *
 * @param region             the region of the pools' groups
 * @param endpoint           an endpoint override for both Auto Scaling and EC2 (an emulator); unset in production
 * @param credentials        static credentials; unset in production, where the default credentials chain applies
 *                           (environment, web identity / IRSA, profile, container or instance role)
 * @param apiCallTimeout     time for one API call, retries included
 * @param apiCallAttemptTimeout time for one HTTP attempt
 */
@Validated
@ConfigurationProperties("poolstream.provider.aws")
public record AwsProperties(
        @NotBlank String region,
        URI endpoint,
        @Valid @NotNull @DefaultValue Credentials credentials,
        @NotNull @DefaultValue("60s") Duration apiCallTimeout,
        @NotNull @DefaultValue("15s") Duration apiCallAttemptTimeout) {

    /** Both keys or neither. */
    public record Credentials(String accessKeyId, String secretAccessKey) {

        public boolean isStatic() {
            return accessKeyId != null && !accessKeyId.isBlank();
        }

        @AssertTrue(message = "set both access-key-id and secret-access-key, or neither for the default chain")
        public boolean isComplete() {
            boolean hasId = accessKeyId != null && !accessKeyId.isBlank();
            boolean hasSecret = secretAccessKey != null && !secretAccessKey.isBlank();
            return hasId == hasSecret;
        }

        @Override
        public String toString() {
            return "Credentials[" + (isStatic() ? "static " + accessKeyId : "default chain") + "]";
        }
    }
}
