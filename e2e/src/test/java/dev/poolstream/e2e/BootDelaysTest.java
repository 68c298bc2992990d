package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BootDelaysTest {

    @Test
    void shouldDrawEachInstancesDelayWithinTheRangeAndTheSameForTheSameSeed() {
        BootDelays delays = BootDelays.parse("3s..8s", 42);

        for (int i = 0; i < 200; i++) {
            Duration d = delays.of("i-" + i);
            assertThat(d).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(8));
            assertThat(BootDelays.parse("3s..8s", 42).of("i-" + i)).isEqualTo(d);
        }
        assertThat(delays.toString()).isEqualTo("3s..8s");
    }

    @Test
    void shouldTakeOneValueOrMillisecondsAndRefuseNonsense() {
        assertThat(BootDelays.parse("5s", 1).of("i-1")).isEqualTo(Duration.ofSeconds(5));
        assertThat(BootDelays.parse("500ms..1500ms", 1).of("i-1")).isBetween(Duration.ofMillis(500),
                Duration.ofMillis(1500));
        assertThatThrownBy(() -> BootDelays.parse("8s..3s", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BootDelays.parse("soon", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
