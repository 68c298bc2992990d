package dev.poolstream.provider.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.testing.MovableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class ThrottledWarningsTest {

    private final MovableClock clock = MovableClock.at(Instant.parse("2026-12-04T12:00:00Z"));
    private final ThrottledWarnings warnings = new ThrottledWarnings(Duration.ofMinutes(10), clock);

    @Test
    void shouldWarnOnceInEachPeriodPerKeyAndDebugBetween() {
        assertThat(warnings.level("a")).isEqualTo(Level.WARN);
        assertThat(warnings.level("b")).as("another key").isEqualTo(Level.WARN);
        clock.advance(Duration.ofMinutes(10).minusMillis(1));
        assertThat(warnings.level("a")).isEqualTo(Level.DEBUG);

        clock.advance(Duration.ofMillis(1));
        assertThat(warnings.level("a")).isEqualTo(Level.WARN);
        assertThat(warnings.level("a")).isEqualTo(Level.DEBUG);
        assertThat(warnings.level("b")).isEqualTo(Level.WARN);
    }
}
