package dev.poolstream.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * fabric8's CRUD dispatcher, plus the two API-server behaviours a drain needs and CRUD mode lacks, on the real wire
 * protocol: the Eviction subresource (it deletes the pod, or answers 429 as a PodDisruptionBudget would), and
 * listing pods by {@code fieldSelector=spec.nodeName=...}. It also tells listeners of each write it accepts, for
 * measuring when a write reached the API server.
 */
final class ClusterApiDispatcher extends KubernetesCrudDispatcher {

    private static final Pattern EVICTION = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/eviction");
    private static final Pattern POD_LIST = Pattern.compile("/api/v1(/namespaces/[^/]+)?/pods\\?(.*)");

    private final KubernetesSerialization serialization = new KubernetesSerialization();
    private final Map<String, Integer> refusals = new ConcurrentHashMap<>();

    private final List<Consumer<MockCluster.Write>> writeListeners = new CopyOnWriteArrayList<>();

    ClusterApiDispatcher(List<CustomResourceDefinitionContext> kinds) {
        super(kinds);
    }

    void onWrite(Consumer<MockCluster.Write> listener) {
        writeListeners.add(listener);
    }

    @Override
    public MockResponse handleUpdate(RecordedRequest request) {
        return written(request, super.handleUpdate(request));
    }

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
        return written(request, super.handlePatch(request));
    }

    /**
     * A JSON merge patch as the API server applies it (RFC 7386): objects merge, null removes a field, anything else,
     * a list too, replaces. CRUD mode merges with Jackson's {@code readerForUpdating}, which appends to lists: a list
     * written whole (a Machine's conditions, a finalizer list) came back with the old items before the new, and a
     * Machine patched at each remediation step doubled in size at every write.
     */
    @Override
    public JsonNode merge(JsonNode existing, String patch) throws KubernetesCrudDispatcherException {
        try {
            return mergePatch(existing.deepCopy(), serialization.unmarshal(patch, JsonNode.class));
        } catch (RuntimeException e) {
            throw new KubernetesCrudDispatcherException("the merge patch is not JSON: " + e.getMessage(), 400);
        }
    }

    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode merged = target != null && target.isObject() ? (ObjectNode) target
                : JsonNodeFactory.instance.objectNode();
        patch.properties().forEach(field -> {
            if (field.getValue().isNull()) {
                merged.remove(field.getKey());
            } else {
                merged.set(field.getKey(), mergePatch(merged.get(field.getKey()), field.getValue()));
            }
        });
        return merged;
    }

    /** Tells the listeners of a write the server accepted, with the object as it now stands. */
    private MockResponse written(RecordedRequest request, MockResponse response) {
        if (writeListeners.isEmpty() || response.code() >= 300) {
            return response;
        }
        long at = System.nanoTime();
        byte[] body = response.getBody().readByteArray();
        response.setBody(body);
        MockCluster.Write write = new MockCluster.Write(request.getMethod(), request.getPath(),
                new String(body, StandardCharsets.UTF_8), at);
        writeListeners.forEach(listener -> listener.accept(write));
        return response;
    }

    /** The next {@code times} evictions of the pod are refused with 429, as a PodDisruptionBudget refuses them. */
    void refuseEvictions(String namespace, String name, int times) {
        refusals.put(namespace + "/" + name, times);
    }

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
        Matcher eviction = EVICTION.matcher(request.getPath());
        if (!eviction.matches()) {
            return super.handleCreate(request);
        }
        String pod = eviction.group(1) + "/" + eviction.group(2);
        Integer left = refusals.get(pod);
        if (left != null && left > 0) {
            refusals.put(pod, left - 1);
            return status(429, "TooManyRequests",
                    "Cannot evict pod as it would violate the pod's disruption budget.");
        }
        MockResponse deleted = super.handleDelete("/api/v1/namespaces/" + eviction.group(1) + "/pods/"
                + eviction.group(2));
        return deleted.code() == 404 ? deleted : status(201, null, "");
    }

    @Override
    public MockResponse handleGet(String path) {
        Matcher list = POD_LIST.matcher(path);
        if (!list.matches()) {
            return super.handleGet(path);
        }
        Map<String, String> query = Arrays.stream(list.group(2).split("&")).map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> p[0], p -> p.length > 1 ? decode(p[1]) : "", (a, b) -> b));
        String selector = query.get("fieldSelector");
        if (selector == null || !selector.startsWith("spec.nodeName=") || query.containsKey("watch")) {
            return super.handleGet(path);
        }
        String node = selector.substring("spec.nodeName=".length());
        String rest = query.entrySet().stream().filter(e -> !e.getKey().equals("fieldSelector"))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
        String unfiltered = path.substring(0, path.indexOf('?')) + (rest.isEmpty() ? "" : "?" + rest);
        MockResponse all = super.handleGet(unfiltered);
        PodList pods = serialization.unmarshal(all.getBody().readUtf8(), PodList.class);
        List<Pod> onNode = pods.getItems().stream()
                .filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName())).toList();
        pods.setItems(onNode);
        return new MockResponse().setResponseCode(200).setBody(serialization.asJson(pods));
    }

    private MockResponse status(int code, String reason, String message) {
        Map<String, Object> status = new java.util.LinkedHashMap<>();
        status.put("apiVersion", "v1");
        status.put("kind", "Status");
        status.put("status", code < 300 ? "Success" : "Failure");
        status.put("code", code);
        if (reason != null) {
            status.put("reason", reason);
        }
        status.put("message", message);
        return new MockResponse().setResponseCode(code).setBody(serialization.asJson(status));
    }

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

}
