package dev.poolstream.provider.config;

import dev.poolstream.events.Cloud;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code poolstream.provider.*}: what every cloud provider service shares.
 *
 * @param cloud        the cloud this service runs (selects {@code scalinggroup.commands.<cloud>.v1})
 * @param poll         inventory polling
 * @param rateLimit    requests per second to the cloud account
 * @param retry        retries of single cloud requests on throttling and 5xx (by the cloud client)
 * @param commandRetry retries of a whole command that failed for a transient reason, before it goes to the DLT
 * @param recentCommandIds how many command ids to remember as done
 * @param restoreTimeout how long reading back the state and instance topics may take at start
 * @param topics       creation of the topics this service writes
 */
@Validated
@ConfigurationProperties("poolstream.provider")
public record ProviderProperties(
        @NotNull Cloud cloud,
        @Valid @NotNull @DefaultValue Poll poll,
        @Valid @NotNull @DefaultValue RateLimit rateLimit,
        @Valid @NotNull @DefaultValue Retry retry,
        @Valid @NotNull @DefaultValue CommandRetry commandRetry,
        @Min(1) @DefaultValue("10000") int recentCommandIds,
        @NotNull @DefaultValue("60s") @DurationMin(nanos = 1) Duration restoreTimeout,
        @Valid @NotNull @DefaultValue Topics topics) {

    /**
     * @param fast   interval while a change is in flight
     * @param slow   interval at rest
     * @param settle how long after a command a group is polled fast even if it looks at rest
     * @param tick   how often the poller looks for groups that are due
     */
    public record Poll(@NotNull @DefaultValue("2s") @DurationMin(nanos = 1) Duration fast, @NotNull @DefaultValue("60s") @DurationMin(nanos = 1) Duration slow,
                       @NotNull @DefaultValue("2m") Duration settle, @NotNull @DefaultValue("500ms") @DurationMin(nanos = 1) Duration tick,
                       @NotNull @DefaultValue("1s") @DurationMin(nanos = 1) Duration failureBackoffBase,
                       @NotNull @DefaultValue("5m") @DurationMin(nanos = 1) Duration failureBackoffMax) {
    }

    /** A token bucket per cloud account: {@code burst} at once, then {@code requestsPerSecond}. */
    public record RateLimit(@DecimalMin(value = "0", inclusive = false) @DefaultValue("10") double requestsPerSecond,
                            @Min(1) @DefaultValue("20") int burst) {
    }

    /** Attempts per cloud request (1 = no retry) and the exponential backoff between them. */
    public record Retry(@Min(1) @Max(20) @DefaultValue("5") int maxAttempts,
                        @NotNull @DefaultValue("200ms") @DurationMin(nanos = 1) Duration baseDelay,
                        @NotNull @DefaultValue("20s") @DurationMin(nanos = 1) Duration maxDelay) {
    }

    /** Retries of a whole command (exponential backoff), after which the command goes to the DLT. */
    public record CommandRetry(@Min(0) @Max(20) @DefaultValue("3") int maxRetries,
                               @NotNull @DefaultValue("1s") @DurationMin(nanos = 1) Duration initialInterval,
                               @DecimalMin("1.0") @DefaultValue("2.0") double multiplier,
                               @NotNull @DefaultValue("30s") @DurationMin(nanos = 1) Duration maxInterval) {
    }

    /**
     * @param create            create the topics this service writes (and its command topic) at start
     * @param replicationFactor -1 for the broker's default
     */
    public record Topics(@DefaultValue("true") boolean create, @DefaultValue("-1") short replicationFactor) {
    }
}
