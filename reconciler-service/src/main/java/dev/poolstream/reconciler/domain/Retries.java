package dev.poolstream.reconciler.domain;

import java.time.Duration;

/**
 * How a command that failed or was not carried out in time is tried again, and a drain that failed: after
 * {@code backoff}, doubling up to {@code maxBackoff}, at most {@code attempts} times in all for a command.
 */
public record Retries(Duration backoff, Duration maxBackoff, int attempts) {

    public static final Retries DEFAULT = new Retries(Duration.ofSeconds(10), Duration.ofMinutes(5), 5);

    public Retries {
        if (backoff.isNegative() || maxBackoff.compareTo(backoff) < 0 || attempts < 1) {
            throw new IllegalArgumentException("invalid retries: " + backoff + ", " + maxBackoff + ", " + attempts);
        }
    }

    /** The pause after the {@code failures}-th failure in a row (1 for the first). */
    public Duration delay(int failures) {
        Duration delay = backoff;
        for (int i = 1; i < failures && delay.compareTo(maxBackoff) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxBackoff) > 0 ? maxBackoff : delay;
    }
}
