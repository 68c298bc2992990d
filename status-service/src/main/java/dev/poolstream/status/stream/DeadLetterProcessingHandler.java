package dev.poolstream.status.stream;

import dev.poolstream.events.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' {@code processing.exception.handler}: a record the topology fails on (a key that is no pool key, a
 * value the calculation cannot take) goes to its topic's DLT, byte for byte as it was read, with the reason header,
 * and the topology goes on with the next record: one bad record never stops the status of every other pool.
 *
 * <p>The recoverer ({@link #RECOVERER}, in the streams configuration) writes the DLT record; Spring's
 * {@code DeadLetterPublishingRecoverer} built by {@code DeadLetters.recoverer} adds the reason header. A record read
 * from a topic of Kafka Streams' own (the repartition topic) goes to {@code machinepool.status.v1.DLT}: it is
 * Poolstream's internal form, not a contract topic's record. If the DLT cannot be written the handler fails, and the
 * stream thread is replaced ({@link StreamThreadDeaths}): a record is never dropped silently.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {

    /** The configuration key of the recoverer: a {@code BiConsumer<ConsumerRecord<?, ?>, Exception>}. */
    public static final String RECOVERER = "poolstream.processing.exception.recoverer";

    private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

    private BiConsumer<ConsumerRecord<?, ?>, Exception> recoverer;

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        Object configured = configs.get(RECOVERER);
        if (!(configured instanceof BiConsumer<?, ?>)) {
            throw new IllegalStateException(RECOVERER + " must name the dead-letter recoverer, not " + configured);
        }
        this.recoverer = (BiConsumer<ConsumerRecord<?, ?>, Exception>) configured;
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String pool = Optional.ofNullable(PoolProcessingException.poolOf(exception))
                .orElse(record == null || record.key() == null ? null : String.valueOf(record.key()));
        byte[] key = context.sourceRawKey() != null ? context.sourceRawKey()
                : pool == null ? null : pool.getBytes(StandardCharsets.UTF_8);
        byte[] value = context.sourceRawValue();
        if (key == null && value == null) {
            // A punctuation's failure: no record to set aside; the next look tries again.
            log.error("the status topology failed in {} (task {}) for pool {}, with no record to dead-letter; going on",
                    context.processorNodeId(), context.taskId(), pool, exception);
            return ProcessingHandlerResponse.CONTINUE;
        }
        String topic = Topics.byName(context.topic()).isPresent() ? context.topic()
                : Topics.MACHINEPOOL_STATUS.name();
        Headers headers = new RecordHeaders(context.headers() == null ? new RecordHeaders().toArray()
                : context.headers().toArray());
        ConsumerRecord<byte[], byte[]> failed = new ConsumerRecord<>(topic, context.partition(), context.offset(),
                context.timestamp(), TimestampType.CREATE_TIME, key == null ? -1 : key.length,
                value == null ? -1 : value.length, key, value, headers, Optional.empty());
        try {
            recoverer.accept(failed, exception);
        } catch (RuntimeException e) {
            log.error("the status topology failed on {}-{}@{} (pool {}) and the record could not be dead-lettered: "
                    + "failing the stream thread", context.topic(), context.partition(), context.offset(), pool, e);
            return ProcessingHandlerResponse.FAIL;
        }
        log.warn("the status topology failed on {}-{}@{} in {} (pool {}): dead-lettered to {}{}, going on",
                context.topic(), context.partition(), context.offset(), context.processorNodeId(), pool, topic,
                Topics.DLT_SUFFIX, exception);
        return ProcessingHandlerResponse.CONTINUE;
    }
}
