package dev.poolstream.provider.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    @Test
    void shouldHoldCallersBackToRateWhenBurstIsSpent() {
        RateLimiter limiter = new RateLimiter(20, 1);
        long start = System.nanoTime();

        long first = limiter.acquire();
        long second = limiter.acquire();
        long third = limiter.acquire();

        assertThat(first).isZero();
        // One token every 50 ms: each caller after the first waits about that long for its own.
        assertThat(Duration.ofNanos(second)).isBetween(Duration.ofMillis(30), Duration.ofMillis(50));
        assertThat(Duration.ofNanos(third)).isBetween(Duration.ofMillis(30), Duration.ofMillis(50));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(90));
    }
}
