package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldLetBurstThroughWithoutWaiting() {
        TokenBucket bucket = new TokenBucket(2, 3);

        assertThat(bucket.reserve(0)).isZero();
        assertThat(bucket.reserve(0)).isZero();
        assertThat(bucket.reserve(0)).isZero();
    }

    @Test
    void shouldMakeCallersQueueAtRateWhenBurstIsSpent() {
        TokenBucket bucket = new TokenBucket(2, 1);
        bucket.reserve(0);

        assertThat(bucket.reserve(0)).isEqualTo(SECOND / 2);
        assertThat(bucket.reserve(0)).isEqualTo(SECOND);
    }

    @Test
    void shouldRefillWithTimeButNotBeyondBurst() {
        TokenBucket bucket = new TokenBucket(10, 2);
        bucket.reserve(0);
        bucket.reserve(0);

        assertThat(bucket.reserve(100 * SECOND)).isZero();
        assertThat(bucket.reserve(100 * SECOND)).isZero();
        assertThat(bucket.reserve(100 * SECOND)).isEqualTo(SECOND / 10);
    }

    @Test
    void shouldRefillFromTheFirstReadingWhenTheClockStartsBelowZero() {
        // System.nanoTime() has an arbitrary origin and may be negative.
        TokenBucket bucket = new TokenBucket(10, 1);
        long start = -50 * SECOND;
        bucket.reserve(start);

        assertThat(bucket.reserve(start + SECOND / 10)).isZero();
        assertThat(bucket.reserve(start + SECOND / 10)).isEqualTo(SECOND / 10);
    }

    @Test
    void shouldRejectNonPositiveRate() {
        assertThatThrownBy(() -> new TokenBucket(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
