package dev.poolstream.events.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Compares a topic's committed JSON Schema with the one generated from the current value types, by what a record
 * may hold: definitions are followed through {@code $ref}, so a renamed Java type changes nothing, and every
 * difference is named by the JSON path of the value it concerns ({@code $.capacity.desired},
 * {@code $.taints[*].key}, {@code $[?(@.command=='EnsureGroup')].template}).
 *
 * <p>The topics are compacted or kept for days, so a new reader reads records written by old writers, and during a
 * rolling upgrade an old reader reads records of new writers. Breaking, in either direction: a field removed,
 * retyped (type, format, const), newly required or no longer required, an enum value removed, a member of a family
 * removed, any other constraint changed. Compatible: an optional field added; an enum value or a family member added
 * (an old reader rejects a record that carries it, so readers go first).
 */
public final class SchemaCompatibility {

    public enum Kind {
        /** Needs a new topic version, or a deliberate update of the committed schema. */
        BREAKING,
        /** Old and new readers and writers keep working; the committed schema still has to be updated. */
        COMPATIBLE,
        /** Nothing a record may hold changes: descriptions, titles, definition names. */
        ANNOTATION
    }

    public record Change(Kind kind, String path, String what) {
        @Override
        public String toString() {
            return path + ": " + what + (kind == Kind.BREAKING ? "" : " (" + kind.name().toLowerCase() + ")");
        }
    }

    /** Keywords that describe and never constrain. */
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$defs", "$comment", "title",
            "description", "default", "examples", "deprecated", "readOnly", "writeOnly");
    /** Keywords compared on their own below. */
    private static final Set<String> STRUCTURE = Set.of("$ref", "type", "format", "const", "enum", "properties",
            "required", "items", "additionalProperties", "anyOf");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** What changed from {@code committed} to {@code generated}; empty when both hold exactly the same. */
    public static List<Change> compare(JsonNode committed, JsonNode generated) {
        Walk walk = new Walk(committed, generated);
        walk.compare("$", committed, generated);
        if (walk.changes.isEmpty() && !committed.equals(generated)) {
            walk.changes.add(new Change(Kind.ANNOTATION, "$", "no change to what a record may hold; descriptions, "
                    + "titles or definition names differ"));
        }
        return List.copyOf(walk.changes);
    }

    public static boolean breaking(List<Change> changes) {
        return changes.stream().anyMatch(c -> c.kind() == Kind.BREAKING);
    }

    private static final class Walk {
        private final JsonNode oldRoot;
        private final JsonNode newRoot;
        private final List<Change> changes = new ArrayList<>();
        /** The pairs of definitions being compared, to stop at recursive types. */
        private final Deque<String> refs = new ArrayDeque<>();

        Walk(JsonNode oldRoot, JsonNode newRoot) {
            this.oldRoot = oldRoot;
            this.newRoot = newRoot;
        }

        void compare(String path, JsonNode oldNode, JsonNode newNode) {
            if (!oldNode.isObject() || !newNode.isObject()) {
                if (!oldNode.equals(newNode)) {
                    breaking(path, "schema changed from " + oldNode + " to " + newNode);
                }
                return;
            }
            String refPair = oldNode.path("$ref").asText("") + "|" + newNode.path("$ref").asText("");
            if (!refPair.equals("|") && refs.contains(refPair)) {
                return;
            }
            refs.push(refPair);
            try {
                compareResolved(path, effective(oldRoot, oldNode, new LinkedHashSet<>()),
                        effective(newRoot, newNode, new LinkedHashSet<>()));
            } finally {
                refs.pop();
            }
        }

        private void compareResolved(String path, ObjectNode o, ObjectNode n) {
            Set<String> oldTypes = types(o);
            Set<String> newTypes = types(n);
            if (!oldTypes.equals(newTypes)) {
                breaking(path, "type changed from " + describe(oldTypes) + " to " + describe(newTypes));
                return;
            }
            if (!Objects.equals(o.get("format"), n.get("format"))) {
                breaking(path, "format changed from " + text(o.get("format")) + " to " + text(n.get("format")));
            }
            if (!Objects.equals(o.get("const"), n.get("const"))) {
                breaking(path, "constant changed from " + text(o.get("const")) + " to " + text(n.get("const")));
            }
            compareEnums(path, o.get("enum"), n.get("enum"));
            compareAlternatives(path, o.get("anyOf"), n.get("anyOf"));
            compareProperties(path, o, n);
            compareSub(path + "[*]", "items", o.get("items"), n.get("items"));
            compareSub(path + ".*", "additionalProperties", o.get("additionalProperties"),
                    n.get("additionalProperties"));
            Set<String> keywords = new TreeSet<>();
            o.fieldNames().forEachRemaining(keywords::add);
            n.fieldNames().forEachRemaining(keywords::add);
            for (String keyword : keywords) {
                if (!ANNOTATIONS.contains(keyword) && !STRUCTURE.contains(keyword)
                        && !Objects.equals(o.get(keyword), n.get(keyword))) {
                    breaking(path, keyword + " changed from " + text(o.get(keyword)) + " to "
                            + text(n.get(keyword)));
                }
            }
        }

        private void compareEnums(String path, JsonNode oldEnum, JsonNode newEnum) {
            if (oldEnum == null && newEnum == null) {
                return;
            }
            if (oldEnum == null || newEnum == null) {
                breaking(path, oldEnum == null ? "now limited to " + newEnum : "no longer limited to " + oldEnum);
                return;
            }
            Set<String> before = texts(oldEnum);
            Set<String> after = texts(newEnum);
            Set<String> removed = new TreeSet<>(before);
            removed.removeAll(after);
            Set<String> added = new TreeSet<>(after);
            added.removeAll(before);
            if (!removed.isEmpty()) {
                breaking(path, "enum narrowed: " + String.join(", ", removed)
                        + " no longer allowed (records that carry it no longer read)");
            }
            if (!added.isEmpty()) {
                changes.add(new Change(Kind.COMPATIBLE, path, "enum widened: " + String.join(", ", added)
                        + " added (old readers reject it: deploy readers first)"));
            }
        }

        private void compareAlternatives(String path, JsonNode oldAnyOf, JsonNode newAnyOf) {
            if (oldAnyOf == null && newAnyOf == null) {
                return;
            }
            Map<String, JsonNode> before = alternatives(oldRoot, oldAnyOf);
            Map<String, JsonNode> after = alternatives(newRoot, newAnyOf);
            for (Map.Entry<String, JsonNode> e : before.entrySet()) {
                String member = memberPath(path, e.getKey());
                if (!after.containsKey(e.getKey())) {
                    breaking(member, "family member " + memberName(e.getKey())
                            + " removed (records of that kind no longer read)");
                } else {
                    compare(member, e.getValue(), after.get(e.getKey()));
                }
            }
            for (String key : after.keySet()) {
                if (!before.containsKey(key)) {
                    changes.add(new Change(Kind.COMPATIBLE, memberPath(path, key), "family member "
                            + memberName(key) + " added (old readers reject it: deploy readers first)"));
                }
            }
        }

        private void compareProperties(String path, ObjectNode o, ObjectNode n) {
            JsonNode oldProps = o.path("properties");
            JsonNode newProps = n.path("properties");
            Set<String> oldRequired = texts(o.get("required"));
            Set<String> newRequired = texts(n.get("required"));
            for (Iterator<String> it = oldProps.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                String child = child(path, name);
                if (!newProps.has(name)) {
                    breaking(child, "field removed" + (oldRequired.contains(name) ? " (it was required)" : ""));
                    continue;
                }
                if (!oldRequired.contains(name) && newRequired.contains(name)) {
                    breaking(child, "field is now required (records written before may lack it)");
                } else if (oldRequired.contains(name) && !newRequired.contains(name)) {
                    breaking(child, "field is no longer required (old readers rely on it)");
                }
                compare(child, oldProps.get(name), newProps.get(name));
            }
            for (Iterator<String> it = newProps.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (oldProps.has(name)) {
                    continue;
                }
                if (newRequired.contains(name)) {
                    breaking(child(path, name), "required field added (records written before lack it)");
                } else {
                    changes.add(new Change(Kind.COMPATIBLE, child(path, name), "optional field added"));
                }
            }
            // required names without a property of their own
            Set<String> oldBare = new TreeSet<>(oldRequired);
            oldBare.removeIf(oldProps::has);
            Set<String> newBare = new TreeSet<>(newRequired);
            newBare.removeIf(newProps::has);
            if (!oldBare.equals(newBare)) {
                breaking(path, "required changed from " + oldBare + " to " + newBare);
            }
        }

        private void compareSub(String path, String keyword, JsonNode oldSub, JsonNode newSub) {
            if (oldSub == null && newSub == null) {
                return;
            }
            if (oldSub != null && newSub != null && oldSub.isObject() && newSub.isObject()) {
                compare(path, oldSub, newSub);
            } else if (!Objects.equals(oldSub, newSub)) {
                breaking(path, keyword + " changed from " + text(oldSub) + " to " + text(newSub));
            }
        }

        private void breaking(String path, String what) {
            changes.add(new Change(Kind.BREAKING, path, what));
        }
    }

    /**
     * The node with its {@code $ref} chain folded in: the referenced definition, with the node's own keywords on top
     * ({@code properties} and {@code required} merged), as draft 2020-12 applies both.
     */
    static ObjectNode effective(JsonNode root, JsonNode node, Set<String> seen) {
        ObjectNode own = (ObjectNode) node;
        if (!own.has("$ref")) {
            return own;
        }
        String ref = own.get("$ref").asText();
        if (!seen.add(ref) || !ref.startsWith("#")) {
            throw new IllegalArgumentException("cannot follow $ref " + ref);
        }
        JsonNode target = root.at(ref.substring(1));
        if (target.isMissingNode() || !target.isObject()) {
            throw new IllegalArgumentException("$ref " + ref + " names no definition");
        }
        ObjectNode merged = effective(root, target, seen).deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = own.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "$ref" -> {
                }
                case "properties" -> {
                    ObjectNode props = merged.has("properties") ? (ObjectNode) merged.get("properties")
                            : merged.putObject("properties");
                    props.setAll((ObjectNode) e.getValue());
                }
                case "required" -> {
                    Set<String> names = texts(merged.get("required"));
                    names.addAll(texts(e.getValue()));
                    ArrayNode required = merged.putArray("required");
                    names.forEach(required::add);
                }
                default -> merged.set(e.getKey(), e.getValue());
            }
        }
        return merged;
    }

    /**
     * The members of an {@code anyOf}, each by its discriminator ({@code command=EnsureGroup}): the required property
     * with a constant value. A member without one is known by its position.
     */
    private static Map<String, JsonNode> alternatives(JsonNode root, JsonNode anyOf) {
        Map<String, JsonNode> members = new LinkedHashMap<>();
        if (anyOf == null) {
            return members;
        }
        for (int i = 0; i < anyOf.size(); i++) {
            JsonNode member = anyOf.get(i);
            String key = "#" + i;
            if (member.isObject()) {
                ObjectNode resolved = effective(root, member, new LinkedHashSet<>());
                for (String name : texts(resolved.get("required"))) {
                    JsonNode constant = resolved.path("properties").path(name).get("const");
                    if (constant != null) {
                        key = name + "=" + constant.asText();
                        break;
                    }
                }
            }
            members.put(key, member);
        }
        return members;
    }

    private static String memberPath(String path, String key) {
        if (key.startsWith("#")) {
            return path + ".anyOf[" + key.substring(1) + "]";
        }
        int eq = key.indexOf('=');
        return path + "[?(@." + key.substring(0, eq) + "=='" + key.substring(eq + 1) + "')]";
    }

    private static String memberName(String key) {
        return key.startsWith("#") ? "anyOf[" + key.substring(1) + "]" : key.substring(key.indexOf('=') + 1)
                + " (" + key + ")";
    }

    private static String child(String path, String name) {
        return IDENTIFIER.matcher(name).matches() ? path + "." + name : path + "['" + name + "']";
    }

    private static Set<String> types(ObjectNode node) {
        return texts(node.get("type"));
    }

    private static Set<String> texts(JsonNode node) {
        Set<String> values = new TreeSet<>();
        if (node == null) {
            return values;
        }
        if (node.isArray()) {
            node.forEach(v -> values.add(v.asText()));
        } else {
            values.add(node.asText());
        }
        return values;
    }

    private static String describe(Set<String> types) {
        return types.isEmpty() ? "(any)" : String.join(" or ", types);
    }

    private static String text(JsonNode node) {
        return node == null ? "(none)" : node.isTextual() ? node.asText() : node.toString();
    }

    private SchemaCompatibility() {
    }
}
