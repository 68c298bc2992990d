package dev.poolstream.status.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.smile.databind.SmileMapper;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.status.domain.PoolView;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** The stores' values as an upgrade finds them: written by the version before. */
class InternalSerdeTest {

    @Test
    void shouldReadAViewWrittenBeforeItCountedScaleRunsAndErrorsAsCountingNoneAndBeforeItKeptAResumeAsNone()
            throws Exception {
        Serde<PoolView> serde = InternalSerde.of(PoolView.class);
        PoolView view = new PoolView(new PoolStatus("team-a/workers", 3, "team-a/demo", "AWSMachinePool", "workers",
                null, List.of(), true, List.of(), List.of()), 3, null, Map.of(), List.of("X"), null, List.of(), 4, 2,
                java.time.Instant.parse("2026-12-05T10:00:00Z"));
        SmileMapper plain = new SmileMapper();
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = plain.readValue(serde.serializer().serialize("views", view), Map.class);
        assertThat(fields).containsEntry("scalingRuns", 4).containsEntry("errors", 2);
        fields.remove("scalingRuns");
        fields.remove("errors");
        fields.remove("departuresKeptFrom");

        PoolView old = serde.deserializer().deserialize("views", plain.writeValueAsBytes(fields));

        assertThat(old.scalingRuns()).isZero();
        assertThat(old.errors()).isZero();
        assertThat(old.departuresKeptFrom()).isNull();
        assertThat(old.status()).isEqualTo(view.status());
        assertThat(old.problemReasons()).containsExactly("X");
        assertThat(serde.deserializer().deserialize("views", serde.serializer().serialize("views", view)))
                .isEqualTo(view);
    }
}
