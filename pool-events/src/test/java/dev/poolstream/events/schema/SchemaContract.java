package dev.poolstream.events.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poolstream.events.schema.SchemaCompatibility.Change;
import dev.poolstream.events.schema.SchemaCompatibility.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The committed JSON Schemas ({@code pool-events/src/main/resources/schemas}, shipped in the jar under
 * {@code schemas/}) are the Kafka contract. At {@code process-test-classes} the build runs this check: the schema
 * generated from each topic's current value type must equal the committed one. Any difference fails the build,
 * naming the topic, the JSON path and what changed, and whether it breaks readers or writers; a deliberate change is
 * committed by running the build once with {@value #UPDATE_PROPERTY}{@code =true}.
 *
 * <p>Arguments: the committed schema directory, the directory the jar is packed from, and whether to update.
 */
public final class SchemaContract {

    public static final String UPDATE_PROPERTY = "poolstream.schemas.update";
    public static final String UPDATE_COMMAND = "./mvnw -pl pool-events install -D" + UPDATE_PROPERTY + "=true";

    /** One topic's comparison: {@code committed} is null for a topic without a committed schema, and vice versa. */
    public record TopicDiff(String topic, JsonNode committed, ObjectNode generated, List<Change> changes) {

        public boolean breaking() {
            return SchemaCompatibility.breaking(changes);
        }
    }

    /** The topics whose generated schema differs from the committed one; empty when the contract holds. */
    public static List<TopicDiff> check(Path committedDir, Map<String, ObjectNode> generated) {
        List<TopicDiff> diffs = new ArrayList<>();
        for (Map.Entry<String, ObjectNode> e : generated.entrySet()) {
            Path file = committedDir.resolve(e.getKey() + JsonSchemas.SUFFIX);
            if (!Files.exists(file)) {
                diffs.add(new TopicDiff(e.getKey(), null, e.getValue(), List.of(new Change(Kind.COMPATIBLE, "$",
                        "new topic: no committed schema " + file.getFileName()))));
                continue;
            }
            JsonNode committed = JsonSchemas.read(file);
            List<Change> changes = SchemaCompatibility.compare(committed, e.getValue());
            if (!changes.isEmpty()) {
                diffs.add(new TopicDiff(e.getKey(), committed, e.getValue(), changes));
            }
        }
        for (String topic : committedTopics(committedDir)) {
            if (!generated.containsKey(topic)) {
                diffs.add(new TopicDiff(topic, JsonSchemas.read(committedDir.resolve(topic + JsonSchemas.SUFFIX)),
                        null, List.of(new Change(Kind.BREAKING, "$", "topic removed from the contract (Topics.MAIN)"))));
            }
        }
        return diffs;
    }

    /** The build's failure message: every difference by topic, and how to accept them on purpose. */
    public static String failure(Path committedDir, List<TopicDiff> diffs) {
        StringBuilder message = new StringBuilder("The JSON Schemas generated from the value types differ from the "
                + "committed contract in " + committedDir + ":\n");
        for (TopicDiff diff : diffs) {
            message.append("\n  ").append(diff.topic()).append(diff.breaking() ? ": BREAKING" : ": compatible, "
                    + "but not committed").append('\n');
            diff.changes().forEach(c -> message.append("    ").append(c).append('\n'));
        }
        if (diffs.stream().anyMatch(TopicDiff::breaking)) {
            message.append("\nA breaking change needs a new topic version (e.g. a .v2 topic beside the old one) or a "
                    + "change readers can survive (docs/contract.md, \"Schemas as a contract\").");
        }
        message.append("\nThe committed schemas are the contract: if this change is intended, rewrite them with\n  ")
                .append(UPDATE_COMMAND).append("\nand commit ").append(JsonSchemas.COMMITTED_DIR)
                .append(" with the change.");
        return message.toString();
    }

    /** Writes every generated schema to each directory, and deletes the schemas of topics no longer there. */
    public static void update(Map<String, ObjectNode> generated, Path... dirs) {
        for (Path dir : dirs) {
            for (String topic : committedTopics(dir)) {
                if (!generated.containsKey(topic)) {
                    delete(dir.resolve(topic + JsonSchemas.SUFFIX));
                }
            }
            generated.forEach((topic, schema) -> JsonSchemas.write(dir.resolve(topic + JsonSchemas.SUFFIX), schema));
        }
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: SchemaContract <committed dir> <classes schema dir> <update>");
        }
        Path committedDir = Path.of(args[0]);
        Path shippedDir = Path.of(args[1]);
        boolean update = Boolean.parseBoolean(args[2]);
        Map<String, ObjectNode> generated = JsonSchemas.generateAll();
        List<TopicDiff> diffs = check(committedDir, generated);
        if (update) {
            update(generated, committedDir, shippedDir);
            if (diffs.isEmpty()) {
                System.out.println("JSON Schemas: the " + generated.size() + " committed schemas already match.");
            } else {
                StringBuilder report = new StringBuilder("JSON Schemas: rewrote " + committedDir + " ("
                        + UPDATE_PROPERTY + "=true); commit it. Changes accepted:\n");
                for (TopicDiff diff : diffs) {
                    report.append("  ").append(diff.topic()).append(diff.breaking() ? ": BREAKING" : "").append('\n');
                    diff.changes().forEach(c -> report.append("    ").append(c).append('\n'));
                }
                System.out.print(report);
            }
            return;
        }
        if (!diffs.isEmpty()) {
            throw new SchemaContractViolation(failure(committedDir, diffs));
        }
    }

    /** Thrown by the build's check; its message is {@link #failure}. */
    public static final class SchemaContractViolation extends IllegalStateException {
        SchemaContractViolation(String message) {
            super(message);
        }
    }

    private static List<String> committedTopics(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(JsonSchemas.SUFFIX))
                    .map(n -> n.substring(0, n.length() - JsonSchemas.SUFFIX.length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    private SchemaContract() {
    }
}
