package dev.poolstream.provider.cloud;

import dev.poolstream.provider.domain.TokenBucket;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Limits the requests one provider makes to its cloud account: every API request, retries included, takes a token
 * first (cloud adapters call {@link #acquire()} from their HTTP pipeline).
 */
public class RateLimiter {

    private final TokenBucket bucket;
    private final LongSupplier nanoClock;
    private final LongConsumer parker;

    public RateLimiter(double requestsPerSecond, int burst) {
        this(new TokenBucket(requestsPerSecond, burst), System::nanoTime, LockSupport::parkNanos);
    }

    /** The clock and the way to wait are arguments so that tests drive both (a parker may wake early). */
    RateLimiter(TokenBucket bucket, LongSupplier nanoClock, LongConsumer parker) {
        this.bucket = bucket;
        this.nanoClock = nanoClock;
        this.parker = parker;
    }

    /** Blocks until the request may go; returns the nanoseconds waited. */
    public long acquire() {
        long wait = bucket.reserve(nanoClock.getAsLong());
        long deadline = nanoClock.getAsLong() + wait;
        long left = wait;
        while (left > 0) {
            parker.accept(left);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new RetryableCommandException("Interrupted", "interrupted while waiting for the rate limit", null);
            }
            left = deadline - nanoClock.getAsLong();
        }
        return wait;
    }
}
