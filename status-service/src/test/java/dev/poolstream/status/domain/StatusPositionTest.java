package dev.poolstream.status.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusPositionTest {

    private static final Instant T0 = Instant.parse("2026-12-05T07:00:00.700Z");

    @Test
    void shouldKeepItsPlaceAsTheObjectsAnnotationSaysItAndReadItBack() {
        StatusPosition position = new StatusPosition(T0, "machinepool.status.v1-3", 1234);

        assertThat(position.record()).isEqualTo("machinepool.status.v1-3@1234");
        assertThat(StatusPosition.parse(T0.toString(), position.record())).isEqualTo(position);
        assertThat(StatusPosition.at(T0).record()).as("no place known").isNull();
        assertThat(new StatusPosition(T0, "machinepool.status.v1-3", -1).record()).isNull();
    }

    @ParameterizedTest(name = "at {0}, record {1}: {2} {3} {4}")
    @CsvSource(nullValues = "null", value = {
            "2026-12-05T07:00:00.700Z, null,                          2026-12-05T07:00:00.700Z, null,                    -1",
            "null,                     machinepool.status.v1-0@7,     null,                     machinepool.status.v1-0, 7",
            "not a time,               topic-with@sign-2@7,           null,                     topic-with@sign-2,       7",
            "2026-12-05T07:00:00.700Z, machinepool.status.v1-0@seven, 2026-12-05T07:00:00.700Z, null,                    -1",
            "2026-12-05T07:00:00.700Z, machinepool.status.v1-0@-7,    2026-12-05T07:00:00.700Z, null,                    -1",
            "2026-12-05T07:00:00.700Z, @7,                            2026-12-05T07:00:00.700Z, null,                    -1"})
    void shouldReadWhatItCanOfAnObjectsAnnotations(String at, String record, Instant time, String partition,
                                                   long offset) {
        assertThat(StatusPosition.parse(at, record)).isEqualTo(new StatusPosition(time, partition, offset));
    }

    @Test
    void shouldBeNothingWhenAnObjectSaysNeitherItsTimeNorItsPlace() {
        assertThat(StatusPosition.parse(null, null)).isNull();
        assertThat(StatusPosition.parse("yesterday", "nowhere")).isNull();
    }
}
