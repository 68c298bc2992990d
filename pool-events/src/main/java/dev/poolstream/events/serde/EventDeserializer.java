package dev.poolstream.events.serde;

import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
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

    private final Class<T> type;
    private final ObjectReader reader;

    public EventDeserializer(Class<T> type) {
        this.type = type;
        this.reader = EventJson.mapper().readerFor(type);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return read(data, cause -> new MalformedRecordException(topic, MalformedRecordException.UNKNOWN,
                MalformedRecordException.UNKNOWN, type, cause));
    }

    /** The value of a raw record; a failure names its topic, partition and offset. */
    public T deserialize(ConsumerRecord<?, byte[]> record) {
        return read(record.value(), cause -> MalformedRecordException.at(record, type, cause));
    }

    private T read(byte[] data, java.util.function.Function<Exception, MalformedRecordException> failure) {
        if (data == null) {
            return null;
        }
        try {
            T value = reader.readValue(data);
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

    public Class<T> type() {
        return type;
    }
}
