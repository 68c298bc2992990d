package dev.poolstream.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One request a real API server answered, as its audit log records it.
 *
 * @param user        the user the request was made as: the impersonated user where there is one
 * @param userAgent   the client's {@code User-Agent}, which names the service that made the request
 * @param verb        Kubernetes' verb: get, list, watch, create, update, patch, delete, deletecollection
 * @param group       the API group, "" for the core group
 * @param resource    the resource (plural), e.g. {@code machinepools}
 * @param subresource e.g. {@code status}, {@code scale}, {@code eviction}; "" for none
 * @param namespace   "" for a cluster-scoped request
 * @param name        the object's name, "" for collections
 * @param code        the HTTP status code of the answer
 * @param message     the answer's message where it failed, else ""
 * @param received    when the server received the request (the event's {@code requestReceivedTimestamp}, to the
 *                    microsecond, by the machine's wall clock); null where the log did not say
 * @param completed   when the server had answered it (the {@code stageTimestamp} of its {@code ResponseComplete}
 *                    event, to the microsecond, by the machine's wall clock): for a write, once etcd has it; null
 *                    for the {@code ResponseStarted} event of a long-running request (a watch)
 * @param responseObject the object the server answered with, where the audit policy records bodies for this
 *                    request ({@link KubeApiServer#startRecordingBodies}), else null; not in {@link #json}
 */
public record AuditedRequest(String user, String userAgent, String verb, String group, String resource,
                             String subresource, String namespace, String name, int code, String message,
                             Instant received, Instant completed, JsonNode responseObject) {

    private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new JavaTimeModule());
    private static final Set<String> WRITES = Set.of("create", "update", "patch", "delete", "deletecollection");

    /** One line of {@code target/api-calls/*.jsonl}: the call, and whether a refusal of it was expected. */
    static String json(AuditedRequest call, boolean refusalExpected) {
        ObjectNode node = MAPPER.valueToTree(call);
        node.remove("responseObject");
        node.put("refusalExpected", refusalExpected);
        return node.toString();
    }

    /** Reads {@code target/api-calls/*.jsonl} lines back; the flag is in {@link #refusalExpected(String)}. */
    public static AuditedRequest fromJson(String line) {
        try {
            return MAPPER.readerFor(AuditedRequest.class).without(
                    com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not a recorded call: " + line, e);
        }
    }

    public static boolean refusalExpected(String line) {
        try {
            return MAPPER.readTree(line).path("refusalExpected").asBoolean(false);
        } catch (IOException e) {
            throw new UncheckedIOException("not a recorded call: " + line, e);
        }
    }

    public boolean write() {
        return WRITES.contains(verb);
    }

    static List<AuditedRequest> read(Path log) {
        if (!Files.exists(log)) {
            return List.of();
        }
        List<AuditedRequest> requests = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                JsonNode event;
                try {
                    event = MAPPER.readTree(lines.get(i));
                } catch (IOException e) {
                    if (i == lines.size() - 1) {
                        break; // the line the server is writing right now
                    }
                    throw e;
                }
                of(event).ifPresent(requests::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit log " + log, e);
        }
        return requests;
    }

    /** One complete line of the audit log; empty for a non-resource request (/healthz, /version, discovery). */
    static Optional<AuditedRequest> parse(String line) {
        try {
            return of(MAPPER.readTree(line));
        } catch (IOException e) {
            throw new UncheckedIOException("not an audit event: " + line, e);
        }
    }

    private static Optional<AuditedRequest> of(JsonNode event) {
        JsonNode ref = event.path("objectRef");
        if (ref.isMissingNode()) {
            return Optional.empty(); // a non-resource request (/healthz, /version, discovery)
        }
        // A service in a test runs as its ServiceAccount through impersonation: that is the user that counts.
        JsonNode user = event.path("impersonatedUser").isMissingNode() ? event.path("user")
                : event.path("impersonatedUser");
        JsonNode response = event.path("responseObject");
        return Optional.of(new AuditedRequest(user.path("username").asText(""), event.path("userAgent").asText(""),
                event.path("verb").asText(""), ref.path("apiGroup").asText(""),
                ref.path("resource").asText(""), ref.path("subresource").asText(""),
                ref.path("namespace").asText(""), ref.path("name").asText(""),
                event.path("responseStatus").path("code").asInt(0),
                event.path("responseStatus").path("message").asText(""),
                instant(event.path("requestReceivedTimestamp")),
                "ResponseComplete".equals(event.path("stage").asText()) ? instant(event.path("stageTimestamp")) : null,
                response.isObject() ? response : null));
    }

    private static Instant instant(JsonNode timestamp) {
        return timestamp.isTextual() ? Instant.parse(timestamp.asText()) : null;
    }
}
