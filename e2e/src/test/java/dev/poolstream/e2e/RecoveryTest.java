package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RecoveryTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void shouldMeasureFromReadyToWorkingAgainAndSayWhetherTheTargetWasMet() {
        assertThat(Recovery.readyToWorking(T0, T0.plusMillis(2500))).isEqualTo(2.5);
        assertThat(Recovery.readyToWorking(T0.plusSeconds(3), T0)).isEqualTo(0.0);
        assertThat(Recovery.readyToWorking(null, T0)).isNull();
        assertThat(Recovery.targetVerdict(2.5)).isEqualTo("(target 5 s: met)");
        assertThat(Recovery.targetVerdict(5.01)).isEqualTo("(target 5 s: MISSED)");
        assertThat(Recovery.targetVerdict(null)).isEqualTo("(target 5 s: not measured)");
    }
}
