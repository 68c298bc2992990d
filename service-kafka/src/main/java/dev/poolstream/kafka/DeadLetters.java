package dev.poolstream.kafka;

import dev.poolstream.events.Topics;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * Where a record goes that cannot be read or applied: {@code <topic>.DLT}, same partition, with the reason in a
 * header beside spring-kafka's exception headers. A record that could not be read goes there byte for byte.
 */
public final class DeadLetters {

    /** The header that says, in one CamelCase word or a short sentence, why the record is here. */
    public static final String REASON_HEADER = "poolstream-dlt-reason";

    /**
     * @param producerFactory the service's producer factory (its value serializer writes contract values)
     * @param values          the template that writes a record whose value was read
     * @param reason          the reason header's text for a failure
     */
    @SuppressWarnings("unchecked")
    public static DeadLetterPublishingRecoverer recoverer(ProducerFactory<?, ?> producerFactory,
                                                          KafkaOperations<?, ?> values,
                                                          Function<Throwable, String> reason) {
        KafkaTemplate<String, byte[]> bytes = new KafkaTemplate<>((ProducerFactory<String, byte[]>) producerFactory,
                Map.of(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        Map<Class<?>, KafkaOperations<?, ?>> templates = new LinkedHashMap<>();
        templates.put(byte[].class, bytes);
        templates.put(Object.class, values);
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(templates,
                (record, e) -> new TopicPartition(record.topic() + Topics.DLT_SUFFIX, record.partition()));
        recoverer.setHeadersFunction((record, e) -> new RecordHeaders(List.of(new RecordHeader(REASON_HEADER,
                reason.apply(e).getBytes(StandardCharsets.UTF_8)))));
        return recoverer;
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
