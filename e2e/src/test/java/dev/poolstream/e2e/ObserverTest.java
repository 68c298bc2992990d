package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class ObserverTest {

    private static ConsumerRecord<String, byte[]> record(long timestamp, String ceTime) {
        RecordHeaders headers = new RecordHeaders();
        if (ceTime != null) {
            headers.add(new RecordHeader("ce_time", ceTime.getBytes(StandardCharsets.UTF_8)));
        }
        return new ConsumerRecord<>("machinepool.status.v1", 0, 0, timestamp, TimestampType.CREATE_TIME, 0, 0, "k",
                new byte[0], headers, Optional.empty());
    }

    @Test
    void shouldTakeWhenARecordWasWrittenFromItsCloudEventTimeNotItsInheritedTimestamp() {
        Instant written = Observer.written(record(1_000, "2026-01-01T00:00:05.250Z"));

        assertThat(written).isEqualTo(Instant.parse("2026-01-01T00:00:05.250Z"));
    }

    @Test
    void shouldFallBackToTheRecordTimestampWithoutAUsableCloudEventTime() {
        assertThat(Observer.written(record(1_000, null))).isEqualTo(Instant.ofEpochMilli(1_000));
        assertThat(Observer.written(record(2_000, "not a time"))).isEqualTo(Instant.ofEpochMilli(2_000));
    }

    @Test
    void shouldReadAResourceVersionAsARevisionOnlyWhenItIsOne() {
        assertThat(Observer.revision("12345")).contains(12345L);
        assertThat(Observer.revision("opaque")).isEmpty();
        assertThat(Observer.revision(null)).isEmpty();
    }
}
