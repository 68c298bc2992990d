package dev.poolstream.status.stream;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.smile.databind.SmileMapper;
import dev.poolstream.events.serde.EventJson;
import dev.poolstream.status.domain.Member;
import java.io.IOException;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The topology's own stores, changelogs and repartition topic: the contract's mapping in Smile, Jackson's binary
 * JSON, without CloudEvents headers (no one outside this service reads these topics). Smile writes a pool's repeated
 * field names once and parses without matching names as text: bench/README.md measured what it saves. The member
 * values, written and read at every Node event, have a binary form of their own ({@link MemberCodec}).
 */
public final class InternalSerde {

    private static final ObjectMapper SMILE = EventJson.configure(SmileMapper.builder())
            // An instant as epoch milliseconds (a number), not ISO text: written and parsed far faster. Kubernetes
            // times are whole seconds, the clouds' launch times milliseconds: nothing the status uses is lost.
            .withConfigOverride(Instant.class, o -> o.setFormat(JsonFormat.Value.forShape(JsonFormat.Shape.NUMBER)))
            .disable(SerializationFeature.WRITE_DATE_TIMESTAMPS_AS_NANOSECONDS)
            .disable(DeserializationFeature.READ_DATE_TIMESTAMPS_AS_NANOSECONDS)
            .build();

    /** Smile, but for the member values every Node event writes and reads: {@link MemberCodec}'s binary form. */
    @SuppressWarnings("unchecked")
    public static <T> Serde<T> of(Class<T> type) {
        if (type == Member.class) {
            return (Serde<T>) MemberCodec.members();
        }
        if (type == MemberChange.class) {
            return (Serde<T>) MemberCodec.changes();
        }
        if (type == MemberJoin.MemberSides.class) {
            return (Serde<T>) MemberCodec.sides();
        }
        return smile(type);
    }

    static <T> Serde<T> smile(Class<T> type) {
        ObjectWriter writer = SMILE.writerFor(type);
        ObjectReader reader = SMILE.readerFor(type);
        Serializer<T> serializer = (topic, value) -> {
            try {
                return value == null ? null : writer.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + type.getSimpleName() + " to " + topic, e);
            }
        };
        Deserializer<T> deserializer = (topic, bytes) -> {
            try {
                return bytes == null ? null : reader.readValue(bytes);
            } catch (IOException e) {
                throw new SerializationException("cannot read " + type.getSimpleName() + " from " + topic, e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private InternalSerde() {
    }
}
