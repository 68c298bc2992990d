package dev.poolstream.events.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.Taint;
import dev.poolstream.events.Topics;
import dev.poolstream.events.schema.SchemaCompatibility.Change;
import dev.poolstream.events.schema.SchemaCompatibility.Kind;
import dev.poolstream.events.schema.SchemaContract.TopicDiff;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed schemas are the contract, and the check that guards them fails for what it should. Each case
 * compares a copy of the committed {@code node.v1} schema with the schema generated from a test record that differs
 * from {@code NodeState} in one way (or with the generated schema changed in one place), so that no source of the
 * contract has to change for the test.
 */
class SchemaContractTest {

    private static final Path COMMITTED = Path.of(JsonSchemas.COMMITTED_DIR);
    private static final String NODE = Topics.NODE.name();
    /** Generated once: each test changes its own copy. */
    private static final Map<String, ObjectNode> GENERATED = JsonSchemas.generateAll();

    /** {@code NodeState}'s components exactly: the control that the copies below differ in one way only. */
    record NodeStateCopy(@JsonProperty(required = true) String cluster, @JsonProperty(required = true) String name,
                         String uid, String providerID, ConditionStatus ready, Instant readyTransitionTime,
                         String kubeletVersion, boolean unschedulable, List<Taint> taints,
                         Map<String, String> annotations) {
    }

    /** {@code providerID} renamed to {@code providerId}. */
    record NodeStateRenamed(@JsonProperty(required = true) String cluster, @JsonProperty(required = true) String name,
                            String uid, String providerId, ConditionStatus ready, Instant readyTransitionTime,
                            String kubeletVersion, boolean unschedulable, List<Taint> taints,
                            Map<String, String> annotations) {
    }

    /** {@code uid} a number instead of a string. */
    record NodeStateRetyped(@JsonProperty(required = true) String cluster, @JsonProperty(required = true) String name,
                            Long uid, String providerID, ConditionStatus ready, Instant readyTransitionTime,
                            String kubeletVersion, boolean unschedulable, List<Taint> taints,
                            Map<String, String> annotations) {
    }

    /** {@code uid} now required. */
    record NodeStateUidRequired(@JsonProperty(required = true) String cluster,
                                @JsonProperty(required = true) String name, @JsonProperty(required = true) String uid,
                                String providerID, ConditionStatus ready, Instant readyTransitionTime,
                                String kubeletVersion, boolean unschedulable, List<Taint> taints,
                                Map<String, String> annotations) {
    }

    /** An optional {@code zone} added. */
    record NodeStateWithZone(@JsonProperty(required = true) String cluster, @JsonProperty(required = true) String name,
                             String uid, String providerID, ConditionStatus ready, Instant readyTransitionTime,
                             String kubeletVersion, boolean unschedulable, List<Taint> taints,
                             Map<String, String> annotations, String zone) {
    }

    @TempDir
    Path dir;

    /** A copy of the committed node.v1 schema, alone in its directory. */
    private Path committedNodeCopy() throws IOException {
        Files.copy(COMMITTED.resolve(NODE + JsonSchemas.SUFFIX), dir.resolve(NODE + JsonSchemas.SUFFIX));
        return dir;
    }

    private List<TopicDiff> checkNode(Class<?> valueType) throws IOException {
        return SchemaContract.check(committedNodeCopy(), Map.of(NODE, JsonSchemas.generate(NODE, valueType)));
    }

    private static List<Change> changes(List<TopicDiff> diffs) {
        assertThat(diffs).extracting(TopicDiff::topic).containsExactly(NODE);
        return diffs.get(0).changes();
    }

    @BeforeAll
    static void committedSchemasArePresent() {
        assertThat(COMMITTED.resolve(NODE + JsonSchemas.SUFFIX)).as("run from the pool-events module").exists();
    }

    @Test
    void shouldFindNoDifferenceWhenTheValueTypeIsUnchanged() throws IOException {
        assertThat(checkNode(NodeStateCopy.class)).isEmpty();
    }

    @Test
    void shouldFailNamingTopicPathAndChangeWhenAFieldIsRenamed() throws IOException {
        List<TopicDiff> diffs = checkNode(NodeStateRenamed.class);

        assertThat(changes(diffs)).containsExactly(
                new Change(Kind.BREAKING, "$.providerID", "field removed"),
                new Change(Kind.COMPATIBLE, "$.providerId", "optional field added"));
        assertThat(SchemaContract.failure(dir, diffs))
                .contains("node.v1: BREAKING", "$.providerID: field removed",
                        "$.providerId: optional field added (compatible)", "new topic version",
                        "./mvnw -pl pool-events install -Dpoolstream.schemas.update=true");
    }

    @Test
    void shouldFailWhenAFieldIsRetyped() throws IOException {
        assertThat(changes(checkNode(NodeStateRetyped.class))).containsExactly(
                new Change(Kind.BREAKING, "$.uid", "type changed from string to integer"));
    }

    @Test
    void shouldFailWhenAFieldBecomesRequired() throws IOException {
        assertThat(changes(checkNode(NodeStateUidRequired.class))).containsExactly(
                new Change(Kind.BREAKING, "$.uid", "field is now required (records written before may lack it)"));
    }

    @Test
    void shouldAcceptButStillAskForTheCommittedFileWhenAnOptionalFieldIsAdded() throws IOException {
        List<TopicDiff> diffs = checkNode(NodeStateWithZone.class);

        assertThat(changes(diffs)).containsExactly(new Change(Kind.COMPATIBLE, "$.zone", "optional field added"));
        assertThat(diffs.get(0).breaking()).isFalse();
        assertThat(SchemaContract.failure(dir, diffs))
                .contains("node.v1: compatible, but not committed", "$.zone: optional field added")
                .contains("-Dpoolstream.schemas.update=true")
                .doesNotContain("BREAKING");
    }

    @Test
    void shouldFailWhenAnEnumIsNarrowed() throws IOException {
        ObjectNode generated = JsonSchemas.generate(NODE, NodeStateCopy.class);
        ArrayNode values = (ArrayNode) generated.at("/$defs/ConditionStatus/enum");
        values.remove(2);   // Unknown

        assertThat(changes(SchemaContract.check(committedNodeCopy(), Map.of(NODE, generated)))).containsExactly(
                new Change(Kind.BREAKING, "$.ready",
                        "enum narrowed: Unknown no longer allowed (records that carry it no longer read)"));
    }

    @Test
    void shouldFailWhenAMemberOfASealedFamilyIsRemoved() {
        String topic = Topics.SCALINGGROUP_COMMANDS_AWS.name();
        ObjectNode generated = GENERATED.get(topic).deepCopy();
        ArrayNode members = (ArrayNode) generated.get("anyOf");
        members.remove(members.size() - 1);   // DeleteGroup

        List<Change> changes = SchemaCompatibility.compare(JsonSchemas.read(COMMITTED.resolve(topic
                + JsonSchemas.SUFFIX)), generated);

        assertThat(changes).containsExactly(new Change(Kind.BREAKING, "$[?(@.command=='DeleteGroup')]",
                "family member DeleteGroup (command=DeleteGroup) removed (records of that kind no longer read)"));
    }

    @Test
    void shouldNameThePathInsideAFamilyMemberWhenANestedFieldIsRetyped() {
        String topic = Topics.SCALINGGROUP_COMMANDS_AWS.name();
        ObjectNode generated = GENERATED.get(topic).deepCopy();
        ((ObjectNode) generated.at("/$defs/Capacity/properties/desired")).put("format", "int64");

        List<Change> changes = SchemaCompatibility.compare(JsonSchemas.read(COMMITTED.resolve(topic
                + JsonSchemas.SUFFIX)), generated);

        assertThat(changes).containsExactly(
                new Change(Kind.BREAKING, "$[?(@.command=='EnsureGroup')].capacity.desired",
                        "format changed from int32 to int64"),
                new Change(Kind.BREAKING, "$[?(@.command=='SetCapacity')].capacity.desired",
                        "format changed from int32 to int64"));
    }

    @Test
    void shouldStillAskForTheCommittedFileWhenOnlyADescriptionChanges() throws IOException {
        ObjectNode generated = JsonSchemas.generate(NODE, NodeStateCopy.class);
        generated.put("description", "reworded");

        List<Change> changes = changes(SchemaContract.check(committedNodeCopy(), Map.of(NODE, generated)));

        assertThat(changes).extracting(Change::kind).containsExactly(Kind.ANNOTATION);
    }

    @Test
    void shouldFailTheBuildWhenTheCommittedSchemaIsStaleAndPassOnceUpdated() throws IOException {
        Path committed = Files.createDirectories(dir.resolve("committed"));
        Path shipped = dir.resolve("classes-schemas");
        ObjectNode stale = GENERATED.get(NODE).deepCopy();
        ((ObjectNode) stale.get("properties")).remove("kubeletVersion");
        JsonSchemas.write(committed.resolve(NODE + JsonSchemas.SUFFIX), stale);
        JsonSchemas.write(committed.resolve("gone.v1" + JsonSchemas.SUFFIX), stale);

        assertThatThrownBy(() -> SchemaContract.main(new String[] {committed.toString(), shipped.toString(), "false"}))
                .isInstanceOf(SchemaContract.SchemaContractViolation.class)
                .hasMessageContaining("node.v1: compatible, but not committed")
                .hasMessageContaining("$.kubeletVersion: optional field added")
                .hasMessageContaining("gone.v1: BREAKING")
                .hasMessageContaining("machinepool.spec.v1: compatible, but not committed")
                .hasMessageContaining("-Dpoolstream.schemas.update=true");

        SchemaContract.main(new String[] {committed.toString(), shipped.toString(), "true"});

        assertThat(SchemaContract.check(committed, GENERATED)).isEmpty();
        assertThat(committed.resolve("gone.v1" + JsonSchemas.SUFFIX)).doesNotExist();
        assertThat(shipped.resolve(NODE + JsonSchemas.SUFFIX)).hasSameTextualContentAs(
                committed.resolve(NODE + JsonSchemas.SUFFIX));
        assertThat(Files.readString(committed.resolve(NODE + JsonSchemas.SUFFIX))).doesNotContain("\r")
                .endsWith("}\n");
    }

    @Test
    void shouldMatchTheCommittedSchemasWhenGeneratedFromTheCurrentValueTypes() {
        List<TopicDiff> diffs = SchemaContract.check(COMMITTED, GENERATED);

        assertThat(diffs).as(() -> SchemaContract.failure(COMMITTED, diffs)).isEmpty();
    }

    @Test
    void shouldShipExactlyTheCommittedSchemasWhenPackaged() throws IOException {
        List<String> committed;
        try (Stream<Path> files = Files.list(COMMITTED)) {
            committed = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(committed).containsExactlyInAnyOrderElementsOf(
                Topics.MAIN.stream().map(t -> t.name() + JsonSchemas.SUFFIX).toList());

        for (String file : committed) {
            try (InputStream shipped = getClass().getClassLoader().getResourceAsStream("schemas/" + file)) {
                assertThat(shipped).as("schemas/" + file + " on the classpath").isNotNull();
                assertThat(shipped.readAllBytes()).as(file).isEqualTo(Files.readAllBytes(COMMITTED.resolve(file)));
            }
        }
    }
}
