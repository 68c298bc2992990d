package dev.poolstream.provider.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.provider.domain.TokenBucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Driven by a fake clock and a fake parker: no wall-clock time passes and nothing sleeps. */
class RateLimiterTest {

    private static final long MS = 1_000_000L;

    /** The injected clock; parking on it advances it by what the parker says passed. */
    private long now = 1_000 * MS;
    private final List<Long> parks = new ArrayList<>();

    @AfterEach
    void clearInterruptFlag() {
        Thread.interrupted();
    }

    private RateLimiter limiter(double requestsPerSecond, int burst, LongConsumer parker) {
        return new RateLimiter(new TokenBucket(requestsPerSecond, burst), () -> now, parker);
    }

    /** Parks exactly as long as asked. */
    private RateLimiter limiter(double requestsPerSecond, int burst) {
        return limiter(requestsPerSecond, burst, nanos -> {
            parks.add(nanos);
            now += nanos;
        });
    }

    @Test
    void shouldHoldCallersBackToRateWhenBurstIsSpent() {
        RateLimiter limiter = limiter(20, 1);
        long start = now;

        long first = limiter.acquire();
        long second = limiter.acquire();
        long third = limiter.acquire();

        // One token every 50 ms: each caller after the first waits exactly that long for its own.
        assertThat(first).isZero();
        assertThat(Duration.ofNanos(second)).isEqualTo(Duration.ofMillis(50));
        assertThat(Duration.ofNanos(third)).isEqualTo(Duration.ofMillis(50));
        assertThat(parks).containsExactly(50 * MS, 50 * MS);
        assertThat(Duration.ofNanos(now - start)).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void shouldLetTheBurstGoWithoutParkingWhenTokensAreInTheBucket() {
        RateLimiter limiter = limiter(1, 3);

        assertThat(List.of(limiter.acquire(), limiter.acquire(), limiter.acquire())).containsOnly(0L);
        assertThat(parks).isEmpty();
    }

    @Test
    void shouldNotWaitWhenTheClockHasRefilledTheBucket() {
        RateLimiter limiter = limiter(20, 1);
        limiter.acquire();

        now += 50 * MS;

        assertThat(limiter.acquire()).isZero();
        assertThat(parks).isEmpty();
    }

    @Test
    void shouldParkAgainForWhatIsLeftWhenWokenEarly() {
        // The first park wakes after 20 ms (a spurious wake-up), every later one after as long as asked.
        RateLimiter limiter = limiter(20, 1, nanos -> {
            parks.add(nanos);
            now += parks.size() == 1 ? 20 * MS : nanos;
        });
        limiter.acquire();
        long start = now;

        long waited = limiter.acquire();

        assertThat(waited).isEqualTo(50 * MS);
        assertThat(parks).containsExactly(50 * MS, 30 * MS);
        assertThat(now - start).isEqualTo(50 * MS);
    }

    @Test
    void shouldThrowRetryableAndKeepTheInterruptWhenInterruptedWhileWaiting() {
        RateLimiter limiter = limiter(20, 1, nanos -> {
            parks.add(nanos);
            Thread.currentThread().interrupt();
        });
        limiter.acquire();

        assertThatThrownBy(limiter::acquire)
                .isInstanceOf(RetryableCommandException.class)
                .extracting(e -> ((RetryableCommandException) e).reason())
                .isEqualTo("Interrupted");
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        assertThat(parks).containsExactly(50 * MS);
    }
}
