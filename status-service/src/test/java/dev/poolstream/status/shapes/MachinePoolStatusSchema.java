package dev.poolstream.status.shapes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.poolstream.api.Crds;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The MachinePool CRD's v1beta2 {@code status} schema, checked the fast way: its openAPIV3Schema as JSON Schema
 * draft 4 (the OpenAPI 3.0 base: types, enums, patterns, min/max items, lengths and properties, required), and what
 * draft 4 does not know but the API server checks, the uniqueness of {@code x-kubernetes-list-type: map} keys and
 * {@code set} items. The status schema has no CEL rules ({@code x-kubernetes-validations}); {@link #celRules()}
 * says so, and a test keeps it true. What this cannot see, the real tier does.
 */
public final class MachinePoolStatusSchema {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNode OBJECT = load();
    private static final JsonNode SCHEMA = OBJECT.at("/properties/status");
    private static final JsonSchema VALIDATOR = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
            .getSchema(SCHEMA);
    private static final JsonSchema PROVIDER_IDS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
            .getSchema(OBJECT.at("/properties/spec/properties/providerIDList"));

    /** The violations of {@code status} (a model object or JSON maps), empty when the schema accepts it. */
    public static List<String> violations(Object status) {
        JsonNode json = MAPPER.valueToTree(SERIALIZATION.convertValue(status, Object.class));
        List<String> violations = new ArrayList<>();
        for (ValidationMessage message : VALIDATOR.validate(json)) {
            violations.add(message.getMessage());
        }
        listTypes(SCHEMA, json, "$", violations);
        return violations;
    }

    /** The violations of a {@code spec.providerIDList} the writer would patch in. */
    public static List<String> providerIdListViolations(List<String> providerIds) {
        return PROVIDER_IDS.validate(MAPPER.valueToTree(providerIds)).stream().map(ValidationMessage::getMessage)
                .toList();
    }

    /** The CEL rules anywhere in the status schema, as their paths: none today. */
    public static List<String> celRules() {
        List<String> rules = new ArrayList<>();
        findCel(SCHEMA, "status", rules);
        return rules;
    }

    private static void listTypes(JsonNode schema, JsonNode value, String path, List<String> violations) {
        if (schema == null || value == null || value.isNull()) {
            return;
        }
        if (value.isArray()) {
            String listType = schema.path("x-kubernetes-list-type").asText("");
            Set<String> seen = new HashSet<>();
            for (JsonNode item : value) {
                String key = switch (listType) {
                    case "map" -> {
                        List<String> parts = new ArrayList<>();
                        schema.path("x-kubernetes-list-map-keys").forEach(k -> parts.add(item.path(k.asText()).toString()));
                        yield String.join(",", parts);
                    }
                    case "set" -> item.toString();
                    default -> null;
                };
                if (key != null && !seen.add(key)) {
                    violations.add(path + ": duplicate entry " + key + " in a list of type " + listType);
                }
                listTypes(schema.get("items"), item, path + "[]", violations);
            }
        } else if (value.isObject()) {
            for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                listTypes(schema.path("properties").get(name), value.get(name), path + "." + name, violations);
            }
        }
    }

    private static void findCel(JsonNode schema, String path, List<String> rules) {
        if (schema == null) {
            return;
        }
        if (schema.has("x-kubernetes-validations")) {
            rules.add(path + ": " + schema.get("x-kubernetes-validations"));
        }
        schema.path("properties").fields().forEachRemaining(e -> findCel(e.getValue(), path + "." + e.getKey(), rules));
        findCel(schema.get("items"), path + "[]", rules);
        findCel(schema.get("additionalProperties"), path + "{}", rules);
    }

    private static JsonNode load() {
        CustomResourceDefinition crd = Crds.load("crds/cluster.x-k8s.io_machinepools.yaml");
        var version = crd.getSpec().getVersions().stream().filter(v -> v.getName().equals("v1beta2")).findFirst()
                .orElseThrow();
        return MAPPER.valueToTree(SERIALIZATION.convertValue(version.getSchema().getOpenAPIV3Schema(), Object.class));
    }

    private MachinePoolStatusSchema() {
    }
}
