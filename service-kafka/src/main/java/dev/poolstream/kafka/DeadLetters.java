package dev.poolstream.kafka;

import dev.poolstream.events.Topics;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.serializer.DelegatingByTypeSerializer;

/**
 * Where a record goes that cannot be read or applied: {@code <topic>.DLT}, same partition, with the reason in a
 * header beside spring-kafka's exception headers. A record that could not be read goes there byte for byte.
 */
public final class DeadLetters {

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

    /** The header that says, in one CamelCase word or a short sentence, why the record is here. */
    public static final String REASON_HEADER = "poolstream-dlt-reason";

    /**
     * Records written to a DLT, tagged with the topic they were read from: what an alert watches, as nothing else
     * tells an operator that the pipeline set a record aside (the reason is in the record's header and the log line).
     */
    public static final String METRIC = "poolstream.dead.letters";

    /**
     * @param producerFactory the service's producer factory (its value serializer writes contract values)
     * @param values          the template that writes a record whose value was read
     * @param reason          the reason header's text for a failure
     * @param meters          where {@value #METRIC} counts the records written to a DLT
     * @param topicsRead      the topics whose records may be dead-lettered: each has its series from the start, so
     *                        that an alert on its increase sees the first record
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static DeadLetterPublishingRecoverer recoverer(ProducerFactory<?, ?> producerFactory,
                                                          KafkaOperations<?, ?> values,
                                                          Function<Throwable, String> reason, MeterRegistry meters,
                                                          List<String> topicsRead) {
        // A record that could not be read has a String key in a listener and a byte[] key in Kafka Streams.
        Serializer<Object> keys = (Serializer) new DelegatingByTypeSerializer(Map.of(
                byte[].class, new ByteArraySerializer(), String.class, new StringSerializer()));
        KafkaTemplate<Object, byte[]> bytes = new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(
                producerFactory.getConfigurationProperties(), keys, new ByteArraySerializer()));
        Map<Class<?>, KafkaOperations<?, ?>> templates = new LinkedHashMap<>();
        templates.put(byte[].class, bytes);
        templates.put(Object.class, values);
        topicsRead.forEach(topic -> counter(meters, topic));
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(templates,
                (record, e) -> new TopicPartition(record.topic() + Topics.DLT_SUFFIX, record.partition())) {
            @Override
            protected void publish(ProducerRecord<Object, Object> outRecord, KafkaOperations<Object, Object> kafka,
                                   ConsumerRecord<?, ?> inRecord) {
                // Counted once written: a send that fails throws here, and the record is not counted.
                super.publish(outRecord, kafka, inRecord);
                counter(meters, inRecord.topic()).increment();
            }
        };
        recoverer.setHeadersFunction((record, e) -> {
            String why = reason.apply(e);
            // The key is the pool (or the provider ID of an instance or Node): the line a user greps for.
            log.warn("dead-lettered {}-{}@{} key {}: {}", record.topic(), record.partition(), record.offset(),
                    record.key() instanceof byte[] raw ? new String(raw, StandardCharsets.UTF_8) : record.key(), why);
            return new RecordHeaders(List.of(new RecordHeader(REASON_HEADER, why.getBytes(StandardCharsets.UTF_8))));
        });
        return recoverer;
    }

    /** The topic's counter: registered on first use, the same one after (the registry keeps it). */
    private static Counter counter(MeterRegistry meters, String topic) {
        return Counter.builder(METRIC).description("records written to a dead-letter topic, by the topic read")
                .tag("topic", topic).register(meters);
    }

    /** The innermost cause's class and message: a reason when nothing more specific is known. */
    public static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private DeadLetters() {
    }
}
