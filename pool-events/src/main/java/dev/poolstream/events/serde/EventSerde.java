package dev.poolstream.events.serde;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.Topics;
import java.net.URI;
import java.time.Clock;
import org.apache.kafka.common.serialization.Serde;

/**
 * The serde of one topic value type, for producers, consumers and Kafka Streams alike.
 *
 * @param <T> the value type: one of the records in {@code dev.poolstream.events}, or a sealed family of them
 */
public final class EventSerde<T extends Keyed> implements Serde<T> {

    private final EventSerializer<T> serializer;
    private final EventDeserializer<T> deserializer;

    private EventSerde(Class<T> type, URI source, Clock clock) {
        this.serializer = new EventSerializer<>(source, clock);
        this.deserializer = new EventDeserializer<>(type);
    }

    /**
     * @param source the CloudEvents {@code source} of what this serde writes, e.g. {@code /poolstream/watcher}
     */
    public static <T extends Keyed> EventSerde<T> of(Class<T> type, URI source) {
        return new EventSerde<>(type, source, Clock.systemUTC());
    }

    public static <T extends Keyed> EventSerde<T> of(Class<T> type, URI source, Clock clock) {
        return new EventSerde<>(type, source, clock);
    }

    /** The serde of a topic's values; the caller names the type it expects, and it must be the topic's. */
    public static <T extends Keyed> EventSerde<T> forTopic(Topics.TopicSpec topic, Class<T> type, URI source) {
        if (topic.valueType() != type) {
            throw new IllegalArgumentException("topic " + topic.name() + " carries " + topic.valueType()
                    + ", not " + type.getName());
        }
        return of(type, source);
    }

    @Override
    public EventSerializer<T> serializer() {
        return serializer;
    }

    @Override
    public EventDeserializer<T> deserializer() {
        return deserializer;
    }
}
