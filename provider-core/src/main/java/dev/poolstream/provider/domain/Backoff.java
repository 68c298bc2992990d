package dev.poolstream.provider.domain;

import java.time.Duration;
import java.util.Objects;

/**
 * Exponential backoff with "equal jitter": after the n-th consecutive failure wait between half and all of
 * {@code min(max, base * 2^(n-1))}, so that many pools failing together do not retry in step.
 */
public record Backoff(Duration base, Duration max) {

    public Backoff {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(max, "max");
        if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= max, got base " + base + " and max " + max);
        }
    }

    /**
     * @param failures consecutive failures so far, at least 1
     * @param random   a number in [0, 1) that picks the jitter
     */
    public Duration delay(int failures, double random) {
        if (failures < 1) {
            return Duration.ZERO;
        }
        double exponential = base.toMillis() * Math.pow(2, Math.min(failures - 1, 40));
        long ceiling = (long) Math.min(max.toMillis(), exponential);
        long half = ceiling / 2;
        return Duration.ofMillis(half + (long) ((ceiling - half) * Math.max(0, Math.min(random, 1))));
    }
}
