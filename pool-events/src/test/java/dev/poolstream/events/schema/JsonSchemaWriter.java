package dev.poolstream.events.schema;

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
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the JSON Schema (draft 2020-12) of every topic's value type to {@code <dir>/<topic>.schema.json}, for
 * subscribers in other languages. Runs at build time, before the jar is packed, so that the schemas ship in it
 * under {@code schemas/}; it lives with the tests because its generator is a build-time dependency only.
 */
public final class JsonSchemaWriter {

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: JsonSchemaWriter <output directory>");
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        SchemaGenerator generator = generator();
        for (Topics.TopicSpec topic : Topics.MAIN) {
            ObjectNode schema = EventJson.mapper().createObjectNode();
            schema.put("$schema", SchemaVersion.DRAFT_2020_12.getIdentifier());
            schema.put("$id", "https://poolstream.dev/schemas/" + topic.name() + ".schema.json");
            schema.put("title", topic.name());
            schema.put("description", "The value of a record on the Kafka topic " + topic.name()
                    + " (" + topic.valueType().getSimpleName() + "). A tombstone (null value) deletes the key.");
            ObjectNode generated = generator.generateSchema(topic.valueType());
            generated.remove("$schema");
            schema.setAll(generated);
            Path file = dir.resolve(topic.name() + ".schema.json");
            EventJson.mapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), schema);
        }
        System.out.println("wrote " + Topics.MAIN.size() + " JSON Schemas to " + dir);
    }

    static SchemaGenerator generator() {
        SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(EventJson.mapper(),
                SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                .with(new JacksonModule(JacksonOption.RESPECT_JSONPROPERTY_ORDER,
                        JacksonOption.FLATTENED_ENUMS_FROM_JSONPROPERTY))
                .with(Option.EXTRA_OPEN_API_FORMAT_VALUES)
                .with(Option.MAP_VALUES_AS_ADDITIONAL_PROPERTIES)
                .with(Option.DEFINITIONS_FOR_ALL_OBJECTS)
                .with(Option.PLAIN_DEFINITION_KEYS);
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

    private JsonSchemaWriter() {
    }
}
