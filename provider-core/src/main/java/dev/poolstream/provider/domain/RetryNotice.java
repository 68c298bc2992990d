package dev.poolstream.provider.domain;

import dev.poolstream.events.Failure;
import java.time.Duration;

/**
 * What a pool's condition says while one of its commands waits for another attempt: the problem as its reason (as
 * {@code InfrastructureNotFound} or {@code WorkloadClusterUnreachable} are), and in its message that it is retrying,
 * which attempt failed, when the next comes, and why.
 */
public final class RetryNotice {

    /**
     * @param command        the command's kind, e.g. {@code SetCapacity}
     * @param failedAttempts how many attempts failed so far (the one just made included)
     * @param next           how long until the next attempt
     * @param reason         the problem's CamelCase reason, e.g. {@code CloudThrottled}; {@link Reasons#RETRYING}
     *                       when there is none
     * @param error          why the attempt failed, as the cloud (or the provider) said it
     */
    public static Failure of(String command, int failedAttempts, Duration next, String reason, String error) {
        return new Failure(reason == null || reason.isBlank() ? Reasons.RETRYING : reason, "retrying " + command
                + " (attempt " + failedAttempts + ", next in " + human(next) + ")"
                + (error == null || error.isBlank() ? "" : ": " + error));
    }

    /** A short duration as a person writes it: {@code 250ms}, {@code 4s}, {@code 1.5s}, {@code 2m}, {@code 1m30s}. */
    public static String human(Duration d) {
        long millis = Math.max(0, d.toMillis());
        if (millis < 1_000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            long tenths = Math.round(millis / 100.0);
            return tenths % 10 == 0 ? tenths / 10 + "s" : tenths / 10 + "." + tenths % 10 + "s";
        }
        long seconds = Math.round(millis / 1_000.0);
        return seconds % 60 == 0 ? seconds / 60 + "m" : seconds / 60 + "m" + seconds % 60 + "s";
    }

    private RetryNotice() {
    }
}
