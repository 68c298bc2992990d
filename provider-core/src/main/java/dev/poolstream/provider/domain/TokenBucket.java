package dev.poolstream.provider.domain;

/**
 * A token bucket: {@code burst} requests at once, then {@code ratePerSecond} on average. It only computes; the
 * caller waits. Thread-safe.
 */
public final class TokenBucket {

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long lastNanos;
    private boolean started;

    public TokenBucket(double ratePerSecond, int burst) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a token bucket needs a positive rate and a burst of at least 1, got "
                    + ratePerSecond + "/s and " + burst);
        }
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
    }

    /**
     * Takes one token and says how long the caller must wait before using it (0 when one was in the bucket).
     * Tokens are taken in order, so waiting callers queue up fairly.
     */
    public synchronized long reserve(long nowNanos) {
        if (!started) {
            lastNanos = nowNanos;
            started = true;
        }
        if (nowNanos > lastNanos) {
            tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * ratePerNano);
            lastNanos = nowNanos;
        }
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / ratePerNano);
    }
}
