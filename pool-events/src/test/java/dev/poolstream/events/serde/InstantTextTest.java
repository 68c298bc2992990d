package dev.poolstream.events.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link InstantText} against what jackson-datatype-jsr310 wrote and read before it: the same, only faster. */
class InstantTextTest {

    /** The contract's mapping as it was: java.time's formatter. */
    private static final ObjectMapper BEFORE = EventJson.configure(JsonMapper.builder()).build();
    private static final ObjectMapper NOW = EventJson.mapper();

    @Test
    void writesWhatIsoInstantWritesForEveryPrecisionAndYear() throws Exception {
        for (Instant instant : instants()) {
            String expected = DateTimeFormatter.ISO_INSTANT.format(instant);
            assertThat(InstantText.format(instant)).as("%s", expected).isEqualTo(expected);
            assertThat(NOW.writeValueAsString(instant)).isEqualTo(BEFORE.writeValueAsString(instant));
        }
    }

    @Test
    void readsBackWhatItWrote() throws Exception {
        for (Instant instant : instants()) {
            assertThat(NOW.readValue(NOW.writeValueAsString(instant), Instant.class)).isEqualTo(instant);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\"2026-11-21T06:00:01Z\"", "\"2026-11-21T06:00:01.5Z\"", "\"2026-11-21T06:00:01.123456789Z\"",
            "\"2026-11-21T06:00:01+02:00\"", "\"2026-11-21T06:00:01.25-05:30\"", "\" 2026-11-21T06:00:01Z \"",
            // A leap second (ITU refuses it; java.time reads it as the second before), a five-digit year, numbers.
            "\"2016-12-31T23:59:60Z\"", "\"+10000-01-01T00:00:00Z\"", "1764309601", "1764309601.250000000",
            "\"\"", "null"})
    void readsWhatJsr310Read(String json) throws Exception {
        assertThat(NOW.readValue(json, Instant.class)).isEqualTo(BEFORE.readValue(json, Instant.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"yesterday\"", "\"2026-11-21\"", "\"2026-13-21T06:00:01Z\"", "true"})
    void refusesWhatJsr310Refused(String json) {
        assertThatThrownBy(() -> BEFORE.readValue(json, Instant.class)).isNotNull();
        assertThatThrownBy(() -> NOW.readValue(json, Instant.class))
                .isInstanceOf(JsonMappingException.class);
    }

    /** Every precision the formatter distinguishes, across ITU's range and beyond it, and random ones. */
    private static List<Instant> instants() {
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.999999999Z"), Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("-0001-12-31T23:59:59Z"), Instant.parse("2026-11-21T06:00:01Z")));
        for (int nanos : new int[] {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
                120_000_000, 123_000_000, 123_400_000, 123_456_000, 123_456_700, 999_999_999}) {
            instants.add(Instant.ofEpochSecond(1_764_309_601L, nanos));
        }
        SplittableRandom random = new SplittableRandom(18);
        long first = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long last = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 20_000; i++) {
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            instants.add(Instant.ofEpochSecond(random.nextLong(first, last + 1), nanos));
        }
        return instants;
    }
}
