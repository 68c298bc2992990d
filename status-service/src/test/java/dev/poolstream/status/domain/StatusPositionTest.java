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
        assertThat(new StatusPosition(T0, "machinepool.status.v1-3", 0).record()).as("a partition's first record")
                .isEqualTo("machinepool.status.v1-3@0");
        assertThat(StatusPosition.parse(null, "machinepool.status.v1-3@0"))
                .isEqualTo(new StatusPosition(null, "machinepool.status.v1-3", 0));
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

    /** The object's status at offset 10 of partition p, computed at 07:00:00.700; the other status as given. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(nullValues = "null", delimiter = '|', value = {
            "the next status                                       | p | 11 | 07:00:00.701 | true",
            "the next status, stamped in the same millisecond      | p | 11 | 07:00:00.700 | true",
            "one before it                                         | p |  9 | 07:00:00.400 | false",
            "itself                                                | p | 10 | 07:00:00.700 | false",
            "one before it, stamped by a clock 4.3 s ahead         | p |  9 | 07:00:05     | false",
            "one after it on the topic, computed 6.7 s before it   | p | 11 | 06:59:54     | false",
            "one at a lower offset stamped 1 min later: offsets    | p |  9 | 07:01:00.701 | true",
            "... and just within that minute                       | p |  9 | 07:01:00.700 | false",
            "another partition, more than the clocks' skew later   | q |  2 | 07:00:01.701 | true",
            "another partition, within the clocks' skew            | q | 99 | 07:00:01.700 | false",
            "no partition known, more than the skew later          | null | -1 | 07:00:01.701 | true",
            "no time known, the next offset                        | p | 11 | null         | true",
            "no time known, another partition                      | q | 11 | null         | false"})
    void shouldComeBeforeAnotherStatusOnlyWhenOffsetsAndTimesBothSaySo(String what, String partition, long offset,
                                                                        String time, boolean before) {
        StatusPosition made = new StatusPosition(T0, "p", 10);
        Instant at = time == null ? null : Instant.parse("2026-12-05T" + time + "Z");

        assertThat(made.surelyBefore(new StatusPosition(at, partition, offset))).as(what).isEqualTo(before);
    }

    @Test
    void shouldComparePositionsOfUnknownTimeOrPlaceOnlyByWhatTheyHave() {
        assertThat(new StatusPosition(null, "p", 10).surelyBefore(new StatusPosition(T0, "p", 11))).isTrue();
        assertThat(new StatusPosition(null, "p", 10).surelyBefore(new StatusPosition(T0, "p", 10))).isFalse();
        assertThat(StatusPosition.at(null).surelyBefore(StatusPosition.at(T0))).isFalse();
        assertThat(new StatusPosition(T0, "p", -1).surelyBefore(new StatusPosition(T0.plusMillis(1), "p", 11)))
                .as("an offset not known is no offset").isFalse();
        assertThat(new StatusPosition(T0, "p", 0).surelyBefore(new StatusPosition(T0.plusMillis(1), "p", 1)))
                .as("from a partition's first record").isTrue();
        assertThat(new StatusPosition(T0, "p", 0).surelyBefore(new StatusPosition(T0.plusSeconds(2), "p", 0)))
                .as("a partition's first record is not after itself, whatever the time").isFalse();
    }

    @Test
    void shouldBeNothingWhenAnObjectSaysNeitherItsTimeNorItsPlace() {
        assertThat(StatusPosition.parse(null, null)).isNull();
        assertThat(StatusPosition.parse("yesterday", "nowhere")).isNull();
        assertThat(StatusPosition.parse(null, null, null)).isNull();
        assertThat(StatusPosition.parse(null, null, "seven")).isNull();
        assertThat(StatusPosition.parse(null, null, "-7")).isNull();
        assertThat(StatusPosition.parse(null, null, "0")).isNull();
    }

    @Test
    void shouldReadTheNumberOfTheStatusAnObjectWasMadeForWithItsPlaceOrAlone() {
        assertThat(StatusPosition.parse(T0.toString(), "machinepool.status.v1-3@12", "7"))
                .isEqualTo(new StatusPosition(T0, "machinepool.status.v1-3", 12, 7));
        assertThat(StatusPosition.parse(null, null, "7")).isEqualTo(new StatusPosition(null, null, -1, 7));
        assertThat(StatusPosition.parse(T0.toString(), "machinepool.status.v1-3@12", "seven"))
                .as("unreadable: the time and place alone")
                .isEqualTo(new StatusPosition(T0, "machinepool.status.v1-3", 12));
    }
}
