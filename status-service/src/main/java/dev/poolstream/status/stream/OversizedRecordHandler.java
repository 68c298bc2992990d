package dev.poolstream.status.stream;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' {@code production.exception.handler}: a record too large for Kafka (a pool's status grows by about
 * 490 bytes per member, about 47 compressed: the broker's 1 MiB limit on a compressed batch is met at some 22,000
 * members) is not sent, with an ERROR line naming its pool, and the topology goes on. By
 * default Kafka Streams fails the thread, and the same record fails every replacement until the client stops: the
 * status of every pool would stop for one pool's size. Any other error fails as before.
 */
public final class OversizedRecordHandler implements ProductionExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(OversizedRecordHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                     Exception exception) {
        if (!(exception instanceof RecordTooLargeException)) {
            return ProductionExceptionHandlerResponse.FAIL;
        }
        String pool = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        log.error("the record of pool {} for {} ({} bytes) is larger than Kafka takes: not sent, and this pool's "
                        + "status on {} stays as it was until a smaller one is sent (the other pools go on): {}", pool,
                record.topic(), record.value() == null ? 0 : record.value().length, record.topic(),
                exception.getMessage());
        return ProductionExceptionHandlerResponse.CONTINUE;
    }
}
