package dev.poolstream.events.serde;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A record whose value is not a valid event of the topic's type. It names where the record sits, so that an
 * operator can find it (and its copy on the dead-letter topic); it never quotes the payload.
 */
public class MalformedRecordException extends SerializationException {

    /** Partition and offset when the deserializer is called without them (Kafka's {@code Deserializer} API). */
    public static final int UNKNOWN = -1;

    private final String topic;
    private final int partition;
    private final long offset;
    private final Class<?> expectedType;

    public MalformedRecordException(String topic, int partition, long offset, Class<?> expectedType, Throwable cause) {
        super(describe(topic, partition, offset, expectedType, cause), cause);
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.expectedType = expectedType;
    }

    /** The same failure, placed at the record it came from. */
    public static MalformedRecordException at(ConsumerRecord<?, ?> record, Class<?> expectedType, Throwable cause) {
        return new MalformedRecordException(record.topic(), record.partition(), record.offset(), expectedType, cause);
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    public Class<?> expectedType() {
        return expectedType;
    }

    private static String describe(String topic, int partition, long offset, Class<?> type, Throwable cause) {
        String where = partition == UNKNOWN ? topic : topic + "-" + partition + "@" + offset;
        String why = cause == null || cause.getMessage() == null ? "unreadable" : firstLine(cause.getMessage());
        return "record at " + where + " is not a valid " + type.getSimpleName() + ": " + why;
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
