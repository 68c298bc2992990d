package dev.poolstream.status.domain;

import static org.assertj.core.api.Assertions.assertThat;

import static dev.poolstream.status.domain.Pools.T0;

import dev.poolstream.events.lifecycle.ProvisioningLatency;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScalingRunTest {

    @ParameterizedTest(name = "p{1} of {0} -> {2}")
    @CsvSource(delimiter = ';', textBlock = """
            10;                      50; 10
            10,20;                   50; 10
            10,20;                   90; 20
            1,2,3,4,5,6,7,8,9,10;    50; 5
            1,2,3,4,5,6,7,8,9,10;    90; 9
            1,2,3,4,5,6,7,8,9,10,11; 90; 10
            """)
    void shouldTakeNearestRankPercentiles(String values, int percent, long expected) {
        List<Long> sorted = java.util.Arrays.stream(values.split(",")).map(Long::parseLong).sorted().toList();

        assertThat(ScalingRun.percentile(sorted, percent)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}: scaling up {2}")
    @CsvSource({"1, 2, true", "2, 2, false", "3, 2, false"})
    void shouldScaleUpOnlyWhenTheRunEndsAboveWhereItStarted(int from, int to, boolean up) {
        assertThat(new ScalingRun(1, from, to, T0, null).scalingUp()).isEqualTo(up);
    }

    @Test
    void shouldKeepTheFirstReadyTimeOfANodeWhenItTurnsReadyAgain() {
        ScalingRun run = new ScalingRun(1, 1, 3, T0, Map.of()).withReady("a", T0.plusSeconds(10));

        assertThat(run.withReady("a", T0.plusSeconds(99))).isSameAs(run);
        assertThat(run.withReady("b", T0.plusSeconds(20)).readyAt())
                .isEqualTo(Map.of("a", T0.plusSeconds(10), "b", T0.plusSeconds(20)));
    }

    @Test
    void shouldMeasureNoLatencyForAScaleDownOrBeforeANewNodeIsReady() {
        assertThat(new ScalingRun(1, 3, 1, T0, Map.of("a", T0.plusSeconds(5))).latency()).isNull();
        assertThat(new ScalingRun(1, 1, 3, T0, Map.of()).latency()).isNull();
        assertThat(new ScalingRun(1, 1, 3, T0, Map.of("a", T0.plusSeconds(5), "b", T0.plusSeconds(9))).latency())
                .isEqualTo(new ProvisioningLatency(2, 5_000, 9_000, 5_000, 9_000));
    }
}
