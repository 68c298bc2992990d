package dev.poolstream.events.serde;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A record whose value is not a valid event of the topic's type. It names where the record sits, so that an
 * operator can find it (and its copy on the dead-letter topic); it never quotes the payload. A record on the wrong topic
 * can be anything, a credential too, and Jackson's messages quote the token they stopped at: they are neither in the
 * message nor kept as the cause (whose text would reach logs and the dead-letter record's stack trace header). What
 * is said instead is where the reading stopped and why, in Jackson's terms.
 */
public class MalformedRecordException extends SerializationException {

    private static final Pattern MISSING_PROPERTY = Pattern.compile("Missing required creator property '([^']*)'");

    /** Partition and offset when the deserializer is called without them (Kafka's {@code Deserializer} API). */
    public static final int UNKNOWN = -1;

    private final String topic;
    private final int partition;
    private final long offset;
    private final Class<?> expectedType;

    public MalformedRecordException(String topic, int partition, long offset, Class<?> expectedType, Throwable cause) {
        super(describe(topic, partition, offset, expectedType, cause), ownCause(cause));
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
        return "record at " + where + " is not a valid " + type.getSimpleName() + ": " + why(cause);
    }

    /** Why the value could not be read, with no text of the payload's. */
    static String why(Throwable cause) {
        if (cause instanceof ValueInstantiationException invalid && invalid.getCause() != null) {
            // A contract type's own check refused a value: its message is the project's own words.
            return at(invalid) + firstLine(invalid.getCause().getMessage());
        }
        if (cause instanceof InvalidTypeIdException unknown) {
            return at(unknown) + "not a known kind of " + simpleName(unknown.getBaseType().getRawClass());
        }
        if (cause instanceof MismatchedInputException mismatched) {
            // The name is the contract type's own (its creator's property), not the payload's.
            Matcher missing = MISSING_PROPERTY.matcher(String.valueOf(mismatched.getOriginalMessage()));
            if (missing.lookingAt()) {
                return at(mismatched) + "required field '" + missing.group(1) + "' is missing";
            }
            Class<?> target = mismatched.getTargetType();
            return at(mismatched) + (target == null ? "a value of the wrong type" : "not a " + simpleName(target));
        }
        if (cause instanceof StreamReadException || cause instanceof JsonProcessingException) {
            return "not well-formed JSON" + location(((JsonProcessingException) cause).getLocation());
        }
        if (cause == null || cause.getMessage() == null) {
            return "unreadable";
        }
        // The deserializer's own refusals (the JSON literal null).
        return firstLine(cause.getMessage());
    }

    /** The cause worth keeping: the project's own exceptions, never Jackson's (they quote the payload). */
    private static Throwable ownCause(Throwable cause) {
        if (cause instanceof ValueInstantiationException invalid) {
            return invalid.getCause();
        }
        return cause instanceof JsonProcessingException ? null : cause;
    }

    /**
     * The field path, as {@code field spec.replicas: }, or nothing: the contract's field names and list indexes; a
     * map's keys are the payload's, and are not named.
     */
    private static String at(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFrom() instanceof java.util.Map<?, ?> ? "[a key]"
                        : ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        return path.isEmpty() ? "" : "field " + path + ": ";
    }

    private static String location(JsonLocation location) {
        return location == null || location.getLineNr() < 0 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String simpleName(Class<?> type) {
        return type.isArray() ? type.getComponentType().getSimpleName() + "[]" : type.getSimpleName();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "refused";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
