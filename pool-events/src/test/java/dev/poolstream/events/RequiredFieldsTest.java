package dev.poolstream.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.EventJson;
import dev.poolstream.events.serde.MalformedRecordException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the shipped schemas mark {@code required} is what the code requires: a primitive (always written), or a
 * component marked {@code @JsonProperty(required = true)}, which the record's constructor refuses null for and the
 * deserializer refuses a record without.
 */
class RequiredFieldsTest {

    @Test
    void shouldRequireKeysIdsDispatchEnumsAndPrimitivesWhenDescribingNodesInstancesAndGroupState() {
        assertThat(required(Topics.NODE)).containsExactly("cluster", "name", "unschedulable");
        assertThat(required(Topics.SCALINGGROUP_INSTANCES))
                .containsExactly("instanceId", "latestModel", "lifecycle", "pool", "providerID");
        assertThat(required(Topics.SCALINGGROUP_STATE)).containsExactly("appliedGeneration", "desired", "exists",
                "group", "max", "min", "pool", "rolloutInFlight");
        assertThat(required(Topics.MACHINEPOOL_SPEC)).containsExactly("clusterPaused", "generation", "name",
                "namespace");
        assertThat(required(Topics.MACHINEPOOL_STATUS)).containsExactly("generation", "infrastructureReady", "pool");
    }

    @Test
    void shouldRefuseNullInTheConstructorExactlyWhenTheComponentIsMarkedRequired() throws Exception {
        Map<Class<?>, List<Record>> instances = new LinkedHashMap<>();
        Fixtures.all().forEach(sample -> collect(sample.value(), instances));
        assertThat(instances).as("every record of the contract has a fixture").hasSizeGreaterThan(20);

        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<Class<?>, List<Record>> e : instances.entrySet()) {
            for (RecordComponent component : e.getKey().getRecordComponents()) {
                if (component.getType().isPrimitive()) {
                    continue;
                }
                boolean marked = markedRequired(component);
                boolean refused = true;
                for (Record instance : e.getValue()) {
                    refused &= refusesNull(instance, component);
                }
                if (marked != refused) {
                    mismatches.add(e.getKey().getSimpleName() + "." + component.getName() + ": "
                            + (marked ? "marked required, but the constructor takes null"
                            : "the constructor refuses null, but it is not marked required"));
                }
            }
        }
        assertThat(mismatches).isEmpty();
    }

    static Stream<Fixtures.Sample> samples() {
        return Fixtures.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldRejectARecordWhenARequiredFieldIsMissing(Fixtures.Sample sample) {
        ObjectNode json = EventJson.mapper().valueToTree(sample.value());
        Set<String> required = new LinkedHashSet<>();
        for (RecordComponent component : sample.value().getClass().getRecordComponents()) {
            if (markedRequired(component)) {
                required.add(component.getName());
            }
        }
        assertThat(required).as("every value has a required key").isNotEmpty();

        for (String field : required) {
            ObjectNode without = json.deepCopy();
            without.remove(field);
            byte[] bytes = without.toString().getBytes(StandardCharsets.UTF_8);

            assertThatThrownBy(() -> new EventDeserializer<>().deserialize(sample.topic().name(), bytes))
                    .as(field).isInstanceOf(MalformedRecordException.class)
                    .hasMessageContaining("'" + field + "'");
        }
    }

    /** {@code @JsonProperty} cannot sit on a record component: Java puts it on the component's field. */
    private static boolean markedRequired(RecordComponent component) {
        try {
            JsonProperty property = component.getDeclaringRecord().getDeclaredField(component.getName())
                    .getAnnotation(JsonProperty.class);
            return property != null && property.required();
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every Poolstream record inside {@code value}, by class. */
    private static void collect(Object value, Map<Class<?>, List<Record>> into) {
        if (value instanceof Collection<?> values) {
            values.forEach(v -> collect(v, into));
        } else if (value instanceof Record record && value.getClass().getName().startsWith("dev.poolstream.events")) {
            into.computeIfAbsent(record.getClass(), c -> new ArrayList<>()).add(record);
            for (RecordComponent component : record.getClass().getRecordComponents()) {
                try {
                    collect(component.getAccessor().invoke(record), into);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Whether the canonical constructor throws when {@code component} of {@code instance} is null. */
    private static boolean refusesNull(Record instance, RecordComponent component) throws Exception {
        RecordComponent[] components = instance.getClass().getRecordComponents();
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            args[i] = components[i].getName().equals(component.getName()) ? null
                    : components[i].getAccessor().invoke(instance);
        }
        Constructor<?> canonical = instance.getClass().getDeclaredConstructor(
                Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        try {
            canonical.newInstance(args);
            return false;
        } catch (InvocationTargetException e) {
            return e.getCause() instanceof NullPointerException || e.getCause() instanceof IllegalArgumentException;
        }
    }

    private static Set<String> required(Topics.TopicSpec topic) {
        String resource = "schemas/" + topic.name() + ".schema.json";
        try (InputStream in = RequiredFieldsTest.class.getClassLoader().getResourceAsStream(resource)) {
            JsonNode schema = EventJson.mapper().readTree(in);
            Set<String> names = new TreeSet<>();
            schema.path("required").forEach(n -> names.add(n.asText()));
            return names;
        } catch (IOException e) {
            throw new IllegalStateException(resource, e);
        }
    }
}
