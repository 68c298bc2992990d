package dev.poolstream.events.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.poolstream.events.Fixtures;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The schemas shipped in the jar (the committed contract) describe what the serde really writes. */
class JsonSchemaTest {

    static Stream<Fixtures.Sample> samples() {
        return Fixtures.all().stream();
    }

    @Test
    void shouldShipASchemaForEveryTopic() {
        for (Topics.TopicSpec topic : Topics.MAIN) {
            JsonNode schema = schemaJson(topic);
            assertThat(schema.get("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
            assertThat(schema.get("title").asText()).isEqualTo(topic.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldAcceptEveryValueTheSerdeWrites(Fixtures.Sample sample) {
        JsonNode json = EventJson.mapper().valueToTree(sample.value());

        assertThat(validate(sample.topic(), json)).isEmpty();
    }

    @Test
    void shouldRejectAValueOfTheWrongShape() {
        ObjectNode node = EventJson.mapper().valueToTree(Fixtures.node());
        node.put("ready", "Maybe");
        node.put("unschedulable", "no");

        assertThat(validate(Topics.NODE, node)).extracting(ValidationMessage::getInstanceLocation)
                .map(Object::toString).contains("$.ready", "$.unschedulable");
    }

    @Test
    void shouldRejectAValueWhenARequiredFieldIsMissing() {
        ObjectNode node = EventJson.mapper().valueToTree(Fixtures.node());
        node.remove("cluster");
        node.remove("unschedulable");

        assertThat(validate(Topics.NODE, node)).extracting(ValidationMessage::getMessage)
                .anySatisfy(m -> assertThat(m).contains("cluster"))
                .anySatisfy(m -> assertThat(m).contains("unschedulable"));
    }

    @Test
    void shouldRejectAFamilyMemberWithAnUnknownDiscriminator() {
        ObjectNode event = EventJson.mapper().valueToTree(Fixtures.all().stream()
                .filter(s -> s.topic() == Topics.MACHINEPOOL_LIFECYCLE).findFirst().orElseThrow().value());
        event.put("event", "PoolExploded");

        assertThat(validate(Topics.MACHINEPOOL_LIFECYCLE, event)).isNotEmpty();
    }

    @Test
    void shouldDescribeTheEmbeddedClusterApiTypes() {
        ObjectNode spec = EventJson.mapper().valueToTree(Fixtures.awsPoolSpec());
        ((ObjectNode) spec.at("/infrastructure/spec/spec")).put("minSize", "one");

        assertThat(validate(Topics.MACHINEPOOL_SPEC, spec)).isNotEmpty();
    }

    private static Set<ValidationMessage> validate(Topics.TopicSpec topic, JsonNode json) {
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schemaJson(topic));
        return schema.validate(json);
    }

    private static JsonNode schemaJson(Topics.TopicSpec topic) {
        String resource = "schemas/" + topic.name() + ".schema.json";
        try (InputStream in = JsonSchemaTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource + " on the classpath (committed in src/main/resources/schemas)").isNotNull();
            return EventJson.mapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(resource, e);
        }
    }
}
