package dev.poolstream.provider.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class ThrottledWarningsTest {

    private static final Instant T0 = Instant.parse("2026-12-04T12:00:00Z");

    private Instant now = T0;
    private final ThrottledWarnings warnings = new ThrottledWarnings(Duration.ofMinutes(10), new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    });

    @Test
    void shouldWarnOnceInEachPeriodPerKeyAndDebugBetween() {
        assertThat(warnings.level("a")).isEqualTo(Level.WARN);
        assertThat(warnings.level("b")).as("another key").isEqualTo(Level.WARN);
        now = T0.plus(Duration.ofMinutes(10)).minusMillis(1);
        assertThat(warnings.level("a")).isEqualTo(Level.DEBUG);

        now = T0.plus(Duration.ofMinutes(10));
        assertThat(warnings.level("a")).isEqualTo(Level.WARN);
        assertThat(warnings.level("a")).isEqualTo(Level.DEBUG);
        assertThat(warnings.level("b")).isEqualTo(Level.WARN);
    }
}
