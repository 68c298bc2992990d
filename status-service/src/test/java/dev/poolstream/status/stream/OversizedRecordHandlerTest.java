package dev.poolstream.status.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.ProductionExceptionHandlerResponse;
import org.junit.jupiter.api.Test;

class OversizedRecordHandlerTest {

    private final OversizedRecordHandler handler = new OversizedRecordHandler();
    private final ProducerRecord<byte[], byte[]> status = new ProducerRecord<>("machinepool.status.v1",
            "team-a/huge".getBytes(StandardCharsets.UTF_8), new byte[2_000_000]);

    @Test
    void shouldGoOnWithoutARecordTooLargeForKafka() {
        assertThat(handler.handle(null, status, new RecordTooLargeException("2000123 bytes")))
                .isEqualTo(ProductionExceptionHandlerResponse.CONTINUE);
    }

    @Test
    void shouldFailOnAnyOtherErrorAsKafkaStreamsDoes() {
        assertThat(handler.handle(null, status, new TopicAuthorizationException("no write")))
                .isEqualTo(ProductionExceptionHandlerResponse.FAIL);
    }
}
