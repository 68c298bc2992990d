package dev.poolstream.events.serde;

import com.ethlo.time.ITU;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The contract's instants as text, written and read with ethlo's ITU (RFC 3339) instead of {@link DateTimeFormatter}:
 * every Node and instance record carries several, and java.time's formatter was 7% of the status topology's stream
 * thread (bench/README.md). The text is what {@link DateTimeFormatter#ISO_INSTANT} writes, byte for byte (seconds
 * always, the fraction in groups of three digits as needed), so a record's bytes do not change. What ITU does not read
 * (a year past 9999, a number) is read as jackson-datatype-jsr310 reads it.
 */
final class InstantText {

    /** ITU's range: four-digit years. Outside it, java.time writes the text. */
    private static final long FIRST = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    private static final long LAST = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

    static SimpleModule module() {
        return new SimpleModule("poolstream-instant-text")
                .addSerializer(Instant.class, new Writer())
                .addDeserializer(Instant.class, new Reader());
    }

    /** As {@link DateTimeFormatter#ISO_INSTANT} formats it. */
    static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST || seconds > LAST) {
            return DateTimeFormatter.ISO_INSTANT.format(instant);
        }
        return ITU.formatUtc(instant.atOffset(ZoneOffset.UTC), fractionDigits(instant.getNano()));
    }

    /** Zero, three, six or nine: as many as the nanoseconds need, in groups of three. */
    static int fractionDigits(int nanos) {
        if (nanos == 0) {
            return 0;
        } else if (nanos % 1_000_000 == 0) {
            return 3;
        } else if (nanos % 1_000 == 0) {
            return 6;
        }
        return 9;
    }

    private static final class Writer extends StdScalarSerializer<Instant> {

        Writer() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator generator, SerializerProvider provider) throws IOException {
            generator.writeString(format(value));
        }
    }

    private static final class Reader extends StdScalarDeserializer<Instant> {

        Reader() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            if (parser.currentToken() == JsonToken.VALUE_STRING) {
                try {
                    return ITU.parseDateTime(parser.getText().trim()).toInstant();
                } catch (DateTimeException notRfc3339) {
                    // Read below, as before.
                }
            }
            return InstantDeserializer.INSTANT.deserialize(parser, context);
        }
    }

    private InstantText() {
    }
}
