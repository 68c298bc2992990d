package dev.poolstream.events.serde;

import com.fasterxml.jackson.databind.ObjectReader;
import dev.poolstream.events.Topics;
import java.io.IOException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads a topic value from its JSON. Fields it does not know are skipped; a null value (a tombstone) reads as null;
 * anything that is not a valid value of the type is a {@link MalformedRecordException}.
 *
 * <p>Kafka's {@code Deserializer} API does not say where a record sits, so the exception it throws here names the
 * topic only; the consumer wraps it with partition and offset. {@link #deserialize(ConsumerRecord)} names all three.
 */
public class EventDeserializer<T> implements Deserializer<T> {

    /** Null when the type follows from the topic. */
    private final Class<T> type;
    private final ObjectReader reader;

    public EventDeserializer(Class<T> type) {
        this.type = type;
        this.reader = EventJson.mapper().readerFor(type);
    }

    /**
     * Reads each record as its topic's value type ({@link Topics}): for Kafka to instantiate from
     * {@code value.deserializer} in a consumer of several topics.
     */
    public EventDeserializer() {
        this.type = null;
        this.reader = null;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        Class<?> expected = typeFor(topic);
        return read(topic, data, cause -> new MalformedRecordException(topic, MalformedRecordException.UNKNOWN,
                MalformedRecordException.UNKNOWN, expected, cause));
    }

    /** The value of a raw record; a failure names its topic, partition and offset. */
    public T deserialize(ConsumerRecord<?, byte[]> record) {
        Class<?> expected = typeFor(record.topic());
        return read(record.topic(), record.value(), cause -> MalformedRecordException.at(record, expected, cause));
    }

    private Class<?> typeFor(String topic) {
        if (type != null) {
            return type;
        }
        return Topics.byName(topic).map(Topics.TopicSpec::valueType).orElseThrow(() ->
                new IllegalArgumentException("topic " + topic + " is not a topic of the contract with a value type"));
    }

    private ObjectReader readerFor(String topic) {
        return reader != null ? reader : EventJson.mapper().readerFor(typeFor(topic));
    }

    private T read(String topic, byte[] data, Function<Exception, MalformedRecordException> failure) {
        if (data == null) {
            return null;
        }
        try {
            T value = readerFor(topic).readValue(data);
            if (value == null) {
                // The JSON literal null is not a tombstone (that has no value at all): it is a broken record.
                throw failure.apply(new IllegalArgumentException("the value is the JSON literal null"));
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof MalformedRecordException malformed) {
                throw malformed;
            }
            throw failure.apply(e);
        }
    }

}
