package dev.poolstream.status.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
}
