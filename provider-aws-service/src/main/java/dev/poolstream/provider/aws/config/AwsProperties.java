package dev.poolstream.provider.aws.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code poolstream.provider.aws.*}: the AWS account and region this provider serves.
 *
 * @param region             the region of the pools' groups
 * @param endpoint           an endpoint override for both Auto Scaling and EC2 (an emulator); unset in production
 * @param credentials        static keys (an emulator), else where credentials come from: by default the pod's
 *                           workload identity only (IRSA, else EKS Pod Identity; none is a startup error, never the
 *                           node's instance profile), or the SDK's whole default chain when asked for
 * @param apiCallTimeout     time for one API call, retries included
 * @param apiCallAttemptTimeout time for one HTTP attempt
 * @param stsEndpoint        an endpoint override for STS, where IRSA assumes its role (a VPC endpoint, a test's
 *                           stand-in); unset = the region's STS endpoint
 */
@Validated
@ConfigurationProperties("poolstream.provider.aws")
public record AwsProperties(
        @NotBlank String region,
        URI endpoint,
        @Valid @NotNull @DefaultValue Credentials credentials,
        @NotNull @DefaultValue("60s") @DurationMin(nanos = 1) Duration apiCallTimeout,
        @NotNull @DefaultValue("15s") @DurationMin(nanos = 1) Duration apiCallAttemptTimeout,
        URI stsEndpoint) {

    /** Where credentials come from when no static keys are set. */
    public enum Source {
        /**
         * The pod's workload identity: IRSA (web identity) first, else EKS Pod Identity; neither fails the start with
         * what is missing. Never the node's instance profile.
         */
        WORKLOAD_IDENTITY,
        /** The SDK's default chain: environment, system properties, web identity, profile, container, instance role. */
        DEFAULT_CHAIN
    }

    /**
     * Both keys or neither; without keys, {@code source} says where credentials come from.
     *
     * @param source unset = {@link Source#WORKLOAD_IDENTITY}
     */
    public record Credentials(String accessKeyId, String secretAccessKey,
                              @DefaultValue("workload-identity") Source source) {

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
            return "Credentials[" + (isStatic() ? "static " + accessKeyId : source()) + "]";
        }

        /** Where credentials come from without static keys. */
        public Source source() {
            return source == null ? Source.WORKLOAD_IDENTITY : source;
        }
    }
}
