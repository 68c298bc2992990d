package dev.poolstream.events.serde;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON mapping of every topic value. Jackson 2, as fabric8's generated model (which values embed) is
 * annotated for it.
 */
public final class EventJson {

    /** Instants as text, written and read by {@link InstantText}; a binary format's mapper keeps its own. */
    private static final ObjectMapper MAPPER = configure(JsonMapper.builder()).addModule(InstantText.module()).build();

    /**
     * The contract's mapping settings on a mapper builder of any format: JSON here, a binary format for a
     * service's own stores (the status service's Smile).
     */
    public static <M extends ObjectMapper, B extends MapperBuilder<M, B>> B configure(B builder) {
        return builder
                .addModule(new JavaTimeModule())
                // Old readers survive new writers: a field they do not know is skipped.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                // Equal values give equal bytes, so a publisher can compare what it last wrote.
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .serializationInclusion(JsonInclude.Include.NON_NULL);
    }

    /** The shared mapper; configured once, safe to use from any thread. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    private EventJson() {
    }
}
