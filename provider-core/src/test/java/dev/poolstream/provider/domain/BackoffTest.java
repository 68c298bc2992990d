package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));

    @Test
    void shouldDoubleCeilingWithEachFailure() {
        assertThat(backoff.delay(1, 0.999999)).isEqualTo(Duration.ofMillis(99));
        assertThat(backoff.delay(2, 0.999999)).isEqualTo(Duration.ofMillis(199));
        assertThat(backoff.delay(4, 0.999999)).isEqualTo(Duration.ofMillis(799));
    }

    @Test
    void shouldWaitAtLeastHalfTheCeilingWhenJitterIsZero() {
        assertThat(backoff.delay(3, 0)).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void shouldCapAtMaxWhenFailuresPileUp() {
        assertThat(backoff.delay(50, 0.999999)).isLessThanOrEqualTo(Duration.ofSeconds(10))
                .isGreaterThan(Duration.ofMillis(9_990));
        assertThat(backoff.delay(Integer.MAX_VALUE, 0)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldNotWaitBeforeFirstFailure() {
        assertThat(backoff.delay(0, 0.5)).isZero();
    }

    @Test
    void shouldAcceptBaseEqualToMaxAndThenWaitTheSameCeilingEveryTime() {
        Backoff flat = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1));

        assertThat(flat.delay(1, 0)).isEqualTo(Duration.ofMillis(500));
        assertThat(flat.delay(9, 0)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void shouldRejectBaseAboveMax() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
