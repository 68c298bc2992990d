package dev.poolstream.events.schema;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.CustomDefinition;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.module.jackson.JacksonModule;
import com.github.victools.jsonschema.module.jackson.JacksonOption;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventJson;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON Schema (draft 2020-12) of every topic's value type, generated from the Java types. It lives with the
 * tests because its generator is a build-time dependency only; {@link SchemaContract} compares what it generates
 * with the committed schemas, which are the contract.
 *
 * <p>A property is {@code required} when the serializer always writes it and a reader may rely on it:
 * <ul>
 *   <li>a primitive component of a Poolstream record (it cannot be null, and nulls are all the serializer leaves
 *       out);</li>
 *   <li>a component marked {@code @JsonProperty(required = true)}: the record's constructor refuses null for it, and
 *       the deserializer refuses a record without it.</li>
 * </ul>
 * The embedded Cluster API types are described as they are, without {@code required}.
 */
public final class JsonSchemas {

    /** Where the committed schemas live, relative to the module, and where the jar ships them. */
    public static final String COMMITTED_DIR = "src/main/resources/schemas";
    public static final String SUFFIX = ".schema.json";

    private static final String OWN_PACKAGE = "dev.poolstream.events";

    /** Every topic's schema, by topic name, in the order of {@link Topics#MAIN}. */
    public static Map<String, ObjectNode> generateAll() {
        SchemaGenerator generator = generator();
        Map<String, ObjectNode> schemas = new LinkedHashMap<>();
        for (Topics.TopicSpec topic : Topics.MAIN) {
            schemas.put(topic.name(), generate(generator, topic.name(), topic.valueType()));
        }
        return schemas;
    }

    /** The schema of {@code topic} if its value type were {@code valueType}. */
    public static ObjectNode generate(String topic, Class<?> valueType) {
        return generate(generator(), topic, valueType);
    }

    private static ObjectNode generate(SchemaGenerator generator, String topic, Class<?> valueType) {
        ObjectNode schema = EventJson.mapper().createObjectNode();
        schema.put("$schema", SchemaVersion.DRAFT_2020_12.getIdentifier());
        schema.put("$id", "https://poolstream.dev/schemas/" + topic + SUFFIX);
        schema.put("title", topic);
        schema.put("description", "The value of a record on the Kafka topic " + topic
                + ". A tombstone (null value) deletes the key.");
        ObjectNode generated = generator.generateSchema(valueType);
        generated.remove("$schema");
        schema.setAll(generated);
        return schema;
    }

    static SchemaGenerator generator() {
        SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(EventJson.mapper(),
                SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                .with(new JacksonModule(JacksonOption.RESPECT_JSONPROPERTY_ORDER,
                        JacksonOption.FLATTENED_ENUMS_FROM_JSONPROPERTY,
                        JacksonOption.RESPECT_JSONPROPERTY_REQUIRED))
                .with(Option.EXTRA_OPEN_API_FORMAT_VALUES)
                .with(Option.MAP_VALUES_AS_ADDITIONAL_PROPERTIES)
                .with(Option.DEFINITIONS_FOR_ALL_OBJECTS)
                .with(Option.PLAIN_DEFINITION_KEYS);
        // A primitive of our own records is always written (the serializer leaves out nulls only).
        config.forFields().withRequiredCheck(field -> field.getType() != null
                && field.getType().getErasedType().isPrimitive()
                && field.getDeclaringType().getErasedType().getName().startsWith(OWN_PACKAGE + "."));
        // fabric8 writes these as a bare value, not as the Java object they are.
        config.forTypesInGeneral().withCustomDefinitionProvider((type, context) -> {
            if (type.getErasedType() == IntOrString.class) {
                ObjectNode node = context.getGeneratorConfig().createObjectNode();
                node.putArray("type").add("integer").add("string");
                return new CustomDefinition(node);
            }
            if (type.getErasedType() == Quantity.class) {
                ObjectNode node = context.getGeneratorConfig().createObjectNode();
                node.putArray("type").add("string").add("number");
                return new CustomDefinition(node);
            }
            return null;
        });
        return new SchemaGenerator(config.build());
    }

    /** The file's text: two-space indentation, LF line ends on every OS, a final newline. */
    public static String render(JsonNode schema) {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return EventJson.mapper().writer(printer).writeValueAsString(schema) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path file, JsonNode schema) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, render(schema), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static JsonNode read(Path file) {
        try {
            return EventJson.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private JsonSchemas() {
    }
}
