package dev.poolstream.reconciler.domain;

import java.time.Duration;

/**
 * How a command that failed or was not carried out in time is tried again, and a drain that failed: after
 * {@code backoff}, doubling up to {@code maxBackoff}. A command is never given up: once {@code attempts} attempts
 * have failed its pause is also capped at {@code maxBackoffAfterAttempts}, so that a cause fixed meanwhile (a Secret
 * created, a quota raised) is picked up within that time.
 */
public record Retries(Duration backoff, Duration maxBackoff, int attempts, Duration maxBackoffAfterAttempts) {

    public static final Retries DEFAULT = new Retries(Duration.ofSeconds(10), Duration.ofMinutes(5), 5,
            Duration.ofSeconds(60));

    public Retries {
        if (backoff.isNegative() || maxBackoff.compareTo(backoff) < 0 || attempts < 1
                || maxBackoffAfterAttempts.isNegative()) {
            throw new IllegalArgumentException("invalid retries: " + backoff + ", " + maxBackoff + ", " + attempts
                    + ", " + maxBackoffAfterAttempts);
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

    /** The pause before a command's next attempt once {@code failed} attempts have failed (1 for the first). */
    public Duration attemptDelay(int failed) {
        Duration delay = delay(failed);
        return beyondAttempts(failed) && delay.compareTo(maxBackoffAfterAttempts) > 0 ? maxBackoffAfterAttempts
                : delay;
    }

    /** Whether {@code failed} failed attempts have used up the attempts at the growing backoff. */
    public boolean beyondAttempts(int failed) {
        return failed >= attempts;
    }
}
