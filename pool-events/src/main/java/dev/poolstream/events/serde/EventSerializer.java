package dev.poolstream.events.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.poolstream.events.CloudEventType;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.command.ScalingGroupCommand;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.kafka.CloudEventSerializer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a topic value as a CloudEvent in Kafka binary mode: the JSON value is the record's value, and
 * {@code ce_id}, {@code ce_type}, {@code ce_source}, {@code ce_specversion}, {@code ce_subject}, {@code ce_time}
 * and {@code content-type} are headers, written by the CloudEvents SDK.
 *
 * <p>A null value is a tombstone: it is written as null, with no CloudEvents headers.
 */
public class EventSerializer<T extends Keyed> implements Serializer<T> {

    public static final String CONTENT_TYPE = "application/json";
    /**
     * Producer property naming the CloudEvents {@code source} when Kafka instantiates the serializer itself
     * (e.g. {@code spring.kafka.producer.properties[poolstream.cloudevents.source]=/poolstream/watcher}).
     */
    public static final String SOURCE_CONFIG = "poolstream.cloudevents.source";
    /**
     * A record header naming the CloudEvents {@code id} to write, set by a writer whose events can be published twice
     * (the status service's lifecycle events): the same event gets the same id, so a subscriber can drop the second.
     * It is consumed here, not written to the topic.
     */
    public static final String ID_HEADER = "poolstream_event_id";

    private URI source;
    private final Clock clock;
    private final CloudEventSerializer cloudEvents = new CloudEventSerializer();

    public EventSerializer(URI source, Clock clock) {
        this.source = source;
        this.clock = clock;
    }

    /** For Kafka to instantiate from {@code value.serializer}; the source comes from {@link #SOURCE_CONFIG}. */
    public EventSerializer() {
        this(null, Clock.systemUTC());
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (isKey) {
            throw new IllegalArgumentException("EventSerializer writes record values; keys are plain strings");
        }
        Object configured = configs.get(SOURCE_CONFIG);
        if (configured != null) {
            source = URI.create(configured.toString());
        }
        if (source == null) {
            throw new IllegalArgumentException(SOURCE_CONFIG + " is not set: name the writing service, e.g. "
                    + "/poolstream/watcher");
        }
    }

    /** The value alone, without headers (Kafka calls this where a record has no headers to write). */
    @Override
    public byte[] serialize(String topic, T value) {
        return value == null ? null : json(topic, value);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, T value) {
        if (value == null) {
            return null;
        }
        if (headers == null) {
            return json(topic, value);
        }
        Header idHeader = headers.lastHeader(ID_HEADER);
        String id = idHeader == null ? eventId(value) : new String(idHeader.value(), StandardCharsets.UTF_8);
        headers.remove(ID_HEADER);
        // Kafka Streams carries the input record's headers to its output: drop its CloudEvents attributes first.
        for (Header header : headers.toArray()) {
            if (header.key().startsWith("ce_") || header.key().equals("content-type")) {
                headers.remove(header.key());
            }
        }
        CloudEvent event = CloudEventBuilder.v1()
                .withId(id)
                .withType(typeOf(value.getClass()))
                .withSource(source)
                .withSubject(value.key())
                .withTime(utc(clock.instant()))
                .withDataContentType(CONTENT_TYPE)
                .withData(json(topic, value))
                .build();
        return cloudEvents.serialize(topic, headers, event);
    }

    /** Not OffsetDateTime.now(clock): on Java 17 that makes new ZoneRules for the offset on every record. */
    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.of(LocalDateTime.ofEpochSecond(instant.getEpochSecond(), instant.getNano(), ZoneOffset.UTC),
                ZoneOffset.UTC);
    }

    /** The CloudEvents type a value class is annotated with. */
    public static String typeOf(Class<?> valueClass) {
        return TYPES.get(valueClass);
    }

    /** Read once per class, not at every record: an annotation lookup is a map lookup behind a proxy. */
    private static final ClassValue<String> TYPES = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> valueClass) {
            CloudEventType type = valueClass.getAnnotation(CloudEventType.class);
            if (type == null) {
                throw new IllegalArgumentException(valueClass.getName()
                        + " has no @CloudEventType: it is not a topic value");
            }
            return type.value();
        }
    };

    /** A command's id is its event id, so that a repeated command is visibly the same event. */
    private static String eventId(Keyed value) {
        return value instanceof ScalingGroupCommand command ? command.id() : UUID.randomUUID().toString();
    }

    private static byte[] json(String topic, Object value) {
        try {
            return EventJson.mapper().writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write " + value.getClass().getSimpleName() + " to " + topic, e);
        }
    }
}
