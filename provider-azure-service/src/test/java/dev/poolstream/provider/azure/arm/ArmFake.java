package dev.poolstream.provider.azure.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Azure Resource Manager on the wire, for the VM Scale Set and VM endpoints the compute SDK calls, on https with a
 * self-signed certificate (token credentials refuse plain http). It keeps state per scale set: its model (SKU,
 * profile, zones, tags, orchestration mode, whether custom data was sent) and its VMs (instance id, name, latest
 * model flag, provisioning state, creation time). Capacity creates VMs; a model change marks the existing ones out of
 * date; deletes remove them.
 *
 * <p>Every write is a long-running operation the way ARM does it: the response carries {@code Azure-AsyncOperation}
 * (and {@code Location} for POST and DELETE), whose status reports {@code InProgress} once, then {@code Succeeded},
 * at which point the VMs finish provisioning or deleting. Requests without {@code api-version} or a bearer token are
 * rejected as ARM rejects them. {@link #throttleNext} answers the next matching requests with 429 and
 * {@code Retry-After: 1}; {@link #failNextOperation} ends the next matching write's operation {@code Failed} with an ARM
 * error, as an allocation failure does, after the write took effect; the VMs it left failed carry that error in their
 * instance views ({@code .../instanceView} of a scale set VM, or of a Flexible VM), and the scale set in its own;
 * {@link #failScaleSet} ends a scale set's operation {@code Failed} with no one waiting for it; {@link #forbid} answers
 * requests 403 as for an identity without their action. A scale set has an etag that
 * every change of it moves, and a {@code PATCH} with {@code If-Match} naming another is refused 412. ARM returns the
 * resource group of VM IDs upper-cased, as here.
 */
public final class ArmFake implements AutoCloseable {

    /** One request as the fake saw it. */
    public record Request(String method, String path, String query, int status, long nanos) {
    }

    /** A scale set as the fake holds it, for assertions. */
    public record ScaleSetView(String name, String orchestrationMode, String upgradeMode, JsonNode overprovision,
                               String vmSize, long capacity, List<String> zones, Map<String, String> tags,
                               JsonNode virtualMachineProfile, String customData, String provisioningState,
                               List<VmView> vms) {
    }

    /** A VM of a scale set, for assertions. */
    public record VmView(String instanceId, String name, boolean latestModelApplied, String provisioningState,
                         String zone, Instant timeCreated) {
    }

    private static final String API = "(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Compute/";
    private static final Pattern SCALE_SET = Pattern.compile(API + "virtualMachineScaleSets/([^/]+)$");
    private static final Pattern SCALE_SET_VMS = Pattern.compile(API + "virtualMachineScaleSets/([^/]+)/virtualMachines$");
    private static final Pattern DELETE_INSTANCES = Pattern.compile(API + "virtualMachineScaleSets/([^/]+)/delete$");
    private static final Pattern VMS = Pattern.compile(API + "virtualMachines$");
    private static final Pattern SCALE_SET_VM_VIEW = Pattern.compile(API
            + "virtualMachineScaleSets/([^/]+)/virtualMachines/([^/]+)/instanceView$");
    private static final Pattern VM_VIEW = Pattern.compile(API + "virtualMachines/([^/]+)/instanceView$");
    private static final Pattern SCALE_SET_VIEW = Pattern.compile(API
            + "virtualMachineScaleSets/([^/]+)/instanceView$");
    private static final Pattern OPERATION = Pattern.compile("^/operations/([^/]+)(/result)?$");
    private static final Pattern FILTER = Pattern.compile("'virtualMachineScaleSet/id'\\s+eq\\s+'([^']+)'",
            Pattern.CASE_INSENSITIVE);
    private static final String OPERATION_API = "2024-07-01";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpsServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "arm-fake");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, ScaleSet> scaleSets = new LinkedHashMap<>();
    private final Map<String, Operation> operations = new LinkedHashMap<>();
    private final List<Throttle> throttles = new ArrayList<>();
    /** The requests answered 403, as for an identity without their action. */
    private final List<Requests> forbidden = new ArrayList<>();
    private final List<Before> before = new ArrayList<>();
    private final List<Failing> failing = new ArrayList<>();
    /** The failure the operation of the request being answered ends with; null for one that succeeds. */
    private Failing failingNow;
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private ArmFake(TestCertificate certificate) throws IOException {
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static ArmFake start() {
        try {
            return new ArmFake(TestCertificate.get());
        } catch (IOException e) {
            throw new IllegalStateException("could not start the ARM fake", e);
        }
    }

    public URI endpoint() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /**
     * Answers every request of {@code method} whose path ends with {@code pathSuffix} with 403
     * {@code AuthorizationFailed}, as ARM answers an identity whose role lacks the request's action.
     */
    public synchronized void forbid(String method, String pathSuffix) {
        forbidden.add(new Requests(method, pathSuffix));
    }

    /** Answers the next {@code times} requests of {@code method} whose path ends with {@code pathSuffix} with 429. */
    public synchronized void throttleNext(String method, String pathSuffix, int times) {
        throttles.add(new Throttle(new Requests(method, pathSuffix), times));
    }

    /**
     * Runs {@code action} just before the next request of {@code method} whose path ends with {@code pathSuffix} is
     * answered, as if someone else acted on ARM between the caller's previous request and that one.
     */
    public synchronized void beforeNext(String method, String pathSuffix, Runnable action) {
        before.add(new Before(new Requests(method, pathSuffix), action));
    }

    /**
     * Takes the next request of {@code method} whose path ends with {@code pathSuffix} as usual, and ends its
     * operation {@code Failed} with this ARM error, as an allocation failure ends: the scale set keeps what the
     * request changed (its new capacity) and is {@code Failed}, and the VMs it was creating end {@code Failed}.
     */
    public synchronized void failNextOperation(String method, String pathSuffix, String code, String message) {
        failing.add(new Failing(new Requests(method, pathSuffix), code, message));
    }

    /**
     * Ends the scale set's last operation {@code Failed} with this ARM error while no one waits for it (an extension
     * or a model update that failed after the provider stopped following it), its VMs untouched: the scale set is
     * {@code Failed} and its instance view says why, until its next operation succeeds.
     */
    public synchronized void failScaleSet(String resourceGroup, String scaleSet, String code, String message) {
        ScaleSet s = scaleSets.get(key(resourceGroup, scaleSet));
        s.provisioningState = "Failed";
        s.failure = new Failing(null, code, message); // no request of the test's ended it
    }

    /** Deletes a VM of a scale set as a person or another tool would, outside the scale set's capacity changes. */
    public synchronized void deleteVm(String resourceGroup, String scaleSet, String instanceId) {
        ScaleSet s = scaleSets.get(key(resourceGroup, scaleSet));
        if (s != null && s.vms.remove(instanceId) != null) {
            ((ObjectNode) s.resource.with("sku")).put("capacity", s.capacity() - 1);
            s.version++;
        }
    }

    /** Starts deleting a VM as the portal or an automatic repair would: it stays listed, Deleting, for a while. */
    public synchronized void startDeletingVm(String resourceGroup, String scaleSet, String instanceId) {
        ScaleSet s = scaleSets.get(key(resourceGroup, scaleSet));
        Vm vm = s == null ? null : s.vms.get(instanceId);
        if (vm != null && !vm.provisioningState.equals("Deleting")) {
            vm.provisioningState = "Deleting";
            ((ObjectNode) s.resource.with("sku")).put("capacity", s.capacity() - 1);
            s.version++;
        }
    }

    /** Answers every request as usual again. */
    public synchronized void clearThrottles() {
        throttles.clear();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public synchronized Optional<ScaleSetView> scaleSet(String resourceGroup, String name) {
        ScaleSet s = scaleSets.get(key(resourceGroup, name));
        if (s == null) {
            return Optional.empty();
        }
        ObjectNode props = (ObjectNode) s.resource.path("properties");
        List<String> zones = new ArrayList<>();
        s.resource.path("zones").forEach(z -> zones.add(z.asText()));
        Map<String, String> tags = new LinkedHashMap<>();
        s.resource.path("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
        List<VmView> vms = s.vms.values().stream().map(v -> new VmView(v.instanceId, v.name, v.latestModel,
                v.provisioningState, v.zone, v.timeCreated)).toList();
        return Optional.of(new ScaleSetView(s.name, props.path("orchestrationMode").asText("Uniform"),
                props.path("upgradePolicy").path("mode").asText(null), props.get("overprovision"),
                s.resource.path("sku").path("name").asText(), s.resource.path("sku").path("capacity").asLong(),
                zones, tags, props.path("virtualMachineProfile").deepCopy(),
                s.customData == null ? null : new String(Base64.getDecoder().decode(s.customData),
                        StandardCharsets.UTF_8), s.provisioningState, vms));
    }

    /**
     * Puts a Uniform scale set of {@code capacity} running VMs there directly, as CAPZ, another tool or a person
     * would have made it, tagged with {@code tags} only. No request is recorded for it.
     */
    public synchronized void seedScaleSet(String subscription, String resourceGroup, String name, int capacity,
                                          Map<String, String> tags) {
        seedScaleSet(subscription, resourceGroup, name, capacity, tags, "Manual");
    }

    /** The same, with upgrade policy {@code upgradeMode} (Manual, Automatic, Rolling). */
    public synchronized void seedScaleSet(String subscription, String resourceGroup, String name, int capacity,
                                          Map<String, String> tags, String upgradeMode) {
        ObjectNode resource = json.createObjectNode();
        resource.put("location", "westeurope");
        resource.putObject("sku").put("name", "Standard_D2s_v3").put("tier", "Standard").put("capacity", capacity);
        ObjectNode tagNode = resource.putObject("tags");
        tags.forEach(tagNode::put);
        ObjectNode props = resource.putObject("properties");
        props.put("orchestrationMode", "Uniform").put("overprovision", false);
        props.putObject("upgradePolicy").put("mode", upgradeMode);
        ObjectNode profile = props.putObject("virtualMachineProfile");
        profile.putObject("storageProfile").putObject("imageReference").put("publisher", "cncf-upstream")
                .put("offer", "capi").put("sku", "ubuntu-2404-gen1").put("version", "133.0.20250101");
        profile.putObject("osProfile").put("computerNamePrefix", name).put("adminUsername", "capi");
        profile.putObject("networkProfile").putArray("networkInterfaceConfigurations").addObject()
                .put("name", name + "-nic");
        ScaleSet s = new ScaleSet();
        s.subscription = subscription;
        s.resourceGroup = resourceGroup;
        s.name = name;
        s.resource = resource;
        s.provisioningState = "Succeeded";
        scaleSets.put(key(resourceGroup, name), s);
        resize(s, 0, capacity);
        finish(s);
    }

    // ---------------------------------------------------------------------------------------------------------

    private record Response(int status, Map<String, String> headers, String body) {
        static Response json(int status, String body) {
            return new Response(status, Map.of(), body);
        }
    }

    /** The requests of a method whose path ends with a suffix, in any case. */
    private record Requests(String method, String pathSuffix) {
        boolean matches(String method, String path) {
            return this.method.equalsIgnoreCase(method)
                    && path.toLowerCase(Locale.ROOT).endsWith(pathSuffix.toLowerCase(Locale.ROOT));
        }
    }

    private record Before(Requests requests, Runnable action) {
    }

    private record Failing(Requests requests, String code, String message) {
    }

    private static final class Throttle {
        final Requests requests;
        int remaining;

        Throttle(Requests requests, int remaining) {
            this.requests = requests;
            this.remaining = remaining;
        }
    }

    private static final class ScaleSet {
        String subscription;
        String resourceGroup;
        String name;
        ObjectNode resource;
        String customData;
        String provisioningState;
        /** What its last operation ended with, while it is {@code Failed}: its instance view says it. */
        Failing failure;
        int nextInstance;
        /** Bumped by every change of the scale set resource: its etag, which a write's If-Match must name. */
        int version = 1;
        final Map<String, Vm> vms = new LinkedHashMap<>();

        String etag() {
            return "\"" + version + "\"";
        }

        String id() {
            return "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup
                    + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + name;
        }

        boolean flexible() {
            return "Flexible".equalsIgnoreCase(resource.path("properties").path("orchestrationMode").asText());
        }

        long capacity() {
            return resource.path("sku").path("capacity").asLong();
        }
    }

    private static final class Vm {
        String instanceId;
        String name;
        boolean latestModel = true;
        String provisioningState = "Creating";
        String zone;
        Instant timeCreated;
        String vmSize;
        JsonNode image;
        /** Why it failed to provision, for its instance view. */
        Failing failure;
    }

    private static final class Operation {
        final Runnable onDone;
        final Runnable onFailed;
        final Failing failure;
        int polls;
        boolean done;

        Operation(Runnable onDone, Runnable onFailed, Failing failure) {
            this.onDone = onDone;
            this.onFailed = onFailed;
            this.failure = failure;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        Response response;
        String method = exchange.getRequestMethod();
        URI uri = exchange.getRequestURI();
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            synchronized (this) {
                response = route(method, uri.getRawPath(), uri.getRawQuery(), body,
                        exchange.getRequestHeaders().getFirst("Authorization"),
                        exchange.getRequestHeaders().getFirst("If-None-Match"),
                        exchange.getRequestHeaders().getFirst("If-Match"));
            }
        } catch (RuntimeException e) {
            response = error(500, "InternalServerError", String.valueOf(e));
        }
        requests.add(new Request(method, uri.getRawPath(), uri.getRawQuery(), response.status(), System.nanoTime()));
        byte[] bytes = response.body() == null ? new byte[0] : response.body().getBytes(StandardCharsets.UTF_8);
        response.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.getResponseHeaders().add("x-ms-request-id", UUID.randomUUID().toString());
        if (bytes.length > 0) {
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        }
        exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
        exchange.close();
    }

    private Response route(String method, String path, String query, byte[] body, String authorization,
                           String ifNoneMatch, String ifMatch) {
        if (authorization == null || !authorization.startsWith("Bearer ") || authorization.length() <= 7) {
            return error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
        }
        for (Iterator<Before> it = before.iterator(); it.hasNext(); ) {
            Before b = it.next();
            if (b.requests().matches(method, path)) {
                it.remove();
                b.action().run();
            }
        }
        failingNow = null;
        for (Iterator<Failing> it = failing.iterator(); it.hasNext(); ) {
            Failing f = it.next();
            if (f.requests().matches(method, path)) {
                it.remove();
                failingNow = f;
                break;
            }
        }
        for (Requests f : forbidden) {
            if (f.matches(method, path)) {
                return error(403, "AuthorizationFailed", "The client does not have authorization to perform action "
                        + "over scope '" + path + "' or the scope is invalid.");
            }
        }
        for (Iterator<Throttle> it = throttles.iterator(); it.hasNext(); ) {
            Throttle t = it.next();
            if (t.requests.matches(method, path)) {
                if (--t.remaining <= 0) {
                    it.remove();
                }
                return new Response(429, Map.of("Retry-After", "1"), errorBody("TooManyRequests",
                        "The request is being throttled as the limit has been reached for operation type"));
            }
        }
        Map<String, String> params = params(query);
        if (!params.containsKey("api-version")) {
            return error(400, "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.");
        }
        Matcher m;
        if ((m = OPERATION.matcher(path)).matches()) {
            return operation(m.group(1), m.group(2) != null);
        }
        if ((m = SCALE_SET.matcher(path)).matches()) {
            return switch (method) {
                case "GET" -> get(m.group(2), m.group(3));
                case "PUT" -> "*".equals(ifNoneMatch) && scaleSets.containsKey(key(m.group(2), m.group(3)))
                        ? error(412, "PreconditionFailed", "The specified precondition 'If-None-Match: *' failed:"
                        + " the resource exists")
                        : put(m.group(1), m.group(2), m.group(3), body);
                case "PATCH" -> ifMatch != null && scaleSets.containsKey(key(m.group(2), m.group(3)))
                        && !ifMatch.equals(scaleSets.get(key(m.group(2), m.group(3))).etag())
                        ? error(412, "PreconditionFailed", "The specified precondition 'If-Match: " + ifMatch
                        + "' failed: the resource was changed since")
                        : patch(m.group(2), m.group(3), body);
                case "DELETE" -> delete(m.group(2), m.group(3));
                default -> error(405, "MethodNotAllowed", method);
            };
        }
        if ((m = SCALE_SET_VMS.matcher(path)).matches() && method.equals("GET")) {
            return listScaleSetVms(m.group(2), m.group(3));
        }
        if ((m = DELETE_INSTANCES.matcher(path)).matches() && method.equals("POST")) {
            return deleteInstances(m.group(2), m.group(3), body);
        }
        if ((m = SCALE_SET_VM_VIEW.matcher(path)).matches() && method.equals("GET")) {
            ScaleSet s = scaleSets.get(key(m.group(2), m.group(3)));
            Vm vm = s == null || s.flexible() ? null : s.vms.get(m.group(4));
            return vm == null ? notFound(m.group(4)) : Response.json(200, write(instanceView(vm)));
        }
        if ((m = SCALE_SET_VIEW.matcher(path)).matches() && method.equals("GET")) {
            ScaleSet s = scaleSets.get(key(m.group(2), m.group(3)));
            return s == null ? notFound(m.group(3)) : Response.json(200, write(instanceView(s.provisioningState,
                    s.failure)));
        }
        if ((m = VM_VIEW.matcher(path)).matches() && method.equals("GET")) {
            String rg = m.group(2);
            String name = m.group(3);
            return scaleSets.values().stream().filter(s -> s.flexible() && s.resourceGroup.equalsIgnoreCase(rg))
                    .map(s -> s.vms.get(name)).filter(java.util.Objects::nonNull).findFirst()
                    .map(vm -> Response.json(200, write(instanceView(vm)))).orElseGet(() -> notFound(name));
        }
        if ((m = VMS.matcher(path)).matches() && method.equals("GET")) {
            return listVms(m.group(2), params.get("$filter"));
        }
        return error(404, "InvalidResourceType", "no route for " + method + " " + path);
    }

    private Response get(String rg, String name) {
        ScaleSet s = scaleSets.get(key(rg, name));
        return s == null ? notFound(name) : Response.json(200, write(view(s)));
    }

    private Response put(String subscription, String rg, String name, byte[] body) {
        ObjectNode resource = readObject(body);
        if (resource == null) {
            return error(400, "InvalidRequestContent", "the body is not a JSON object");
        }
        String invalid = validateNew(resource);
        if (invalid != null) {
            return error(400, "InvalidParameter", invalid);
        }
        ScaleSet s = scaleSets.get(key(rg, name));
        boolean created = s == null;
        if (created) {
            s = new ScaleSet();
            s.subscription = subscription;
            s.resourceGroup = rg;
            s.name = name;
            s.resource = resource;
            s.customData = takeCustomData(resource);
            s.provisioningState = "Creating";
            scaleSets.put(key(rg, name), s);
            resize(s, 0, s.capacity());
        } else {
            JsonNode modelBefore = model(s);
            String customDataBefore = s.customData;
            long before = s.capacity();
            String customData = takeCustomData(resource);
            s.resource = resource;
            s.customData = customData;
            s.provisioningState = "Updating";
            s.version++;
            if (!model(s).equals(modelBefore) || !java.util.Objects.equals(customData, customDataBefore)) {
                s.vms.values().forEach(v -> v.latestModel = false);
            }
            resize(s, before, s.capacity());
        }
        ScaleSet done = s;
        Failing why = failingNow;
        String op = startOperation(() -> finish(done), () -> fail(done, why));
        return new Response(created ? 201 : 200, Map.of("Azure-AsyncOperation", operationUrl(op)), write(view(s)));
    }

    private Response patch(String rg, String name, byte[] body) {
        ScaleSet s = scaleSets.get(key(rg, name));
        if (s == null) {
            return notFound(name);
        }
        ObjectNode patch = readObject(body);
        if (patch == null) {
            return error(400, "InvalidRequestContent", "the body is not a JSON object");
        }
        JsonNode modelBefore = model(s);
        long before = s.capacity();
        String customData = takeCustomData(patch);
        if (patch.has("sku")) {
            ObjectNode sku = (ObjectNode) s.resource.with("sku");
            patch.get("sku").fields().forEachRemaining(e -> {
                if (!e.getValue().isNull()) {
                    sku.set(e.getKey(), e.getValue());
                }
            });
        }
        if (patch.has("tags")) {
            s.resource.set("tags", patch.get("tags"));
        }
        if (patch.has("zones")) {
            s.resource.set("zones", patch.get("zones"));
        }
        if (patch.has("properties")) {
            merge((ObjectNode) s.resource.with("properties"), (ObjectNode) patch.get("properties"));
        }
        boolean modelChanged = !model(s).equals(modelBefore) || customData != null && !customData.equals(s.customData);
        if (customData != null) {
            s.customData = customData;
        }
        if (modelChanged) {
            s.vms.values().forEach(v -> v.latestModel = false);
        }
        s.provisioningState = "Updating";
        s.version++;
        resize(s, before, s.capacity());
        Failing why = failingNow;
        String op = startOperation(() -> finish(s), () -> fail(s, why));
        return new Response(200, Map.of("Azure-AsyncOperation", operationUrl(op)), write(view(s)));
    }

    private Response delete(String rg, String name) {
        ScaleSet s = scaleSets.get(key(rg, name));
        if (s == null) {
            return new Response(204, Map.of(), null);
        }
        s.provisioningState = "Deleting";
        s.vms.values().forEach(v -> v.provisioningState = "Deleting");
        String op = startOperation(() -> scaleSets.remove(key(rg, name)));
        return new Response(202, Map.of("Azure-AsyncOperation", operationUrl(op), "Location", resultUrl(op)), null);
    }

    private Response deleteInstances(String rg, String name, byte[] body) {
        ScaleSet s = scaleSets.get(key(rg, name));
        if (s == null) {
            return notFound(name);
        }
        ObjectNode request = readObject(body);
        if (request == null || !request.path("instanceIds").isArray() || request.path("instanceIds").isEmpty()) {
            return error(400, "InvalidParameter", "instanceIds is required");
        }
        for (JsonNode id : request.get("instanceIds")) {
            Vm named = s.vms.get(id.asText());
            if (named == null || named.provisioningState.equals("Deleting")) {
                // As ARM: the whole batch is refused, for a VM being deleted as for one gone
                // (InstanceIdsListInstanceIdNotActiveVM; kubernetes-sigs/cloud-provider-azure#2356).
                return error(400, "InvalidParameter", "The provided instanceId " + id.asText()
                        + " is not an active Virtual Machine Scale Set VM instanceId.");
            }
        }
        List<Vm> victims = new ArrayList<>();
        request.get("instanceIds").forEach(id -> {
            Vm vm = s.vms.get(id.asText());
            if (vm != null && !vm.provisioningState.equals("Deleting")) {
                vm.provisioningState = "Deleting";
                victims.add(vm);
            }
        });
        ((ObjectNode) s.resource.with("sku")).put("capacity", s.capacity() - victims.size());
        s.version++;
        String op = startOperation(() -> victims.forEach(v -> s.vms.remove(v.instanceId)));
        return new Response(202, Map.of("Azure-AsyncOperation", operationUrl(op), "Location", resultUrl(op)), null);
    }

    private Response listScaleSetVms(String rg, String name) {
        ScaleSet s = scaleSets.get(key(rg, name));
        if (s == null) {
            return notFound(name);
        }
        if (s.flexible()) {
            return error(400, "OperationNotAllowed", "the scale set VM API is not supported for Flexible orchestration");
        }
        ArrayNode value = json.createArrayNode();
        s.vms.values().forEach(v -> value.add(uniformVm(s, v)));
        return Response.json(200, write(json.createObjectNode().set("value", value)));
    }

    private Response listVms(String rg, String filter) {
        String scaleSetId = null;
        if (filter != null) {
            Matcher m = FILTER.matcher(filter);
            if (!m.find()) {
                return error(400, "InvalidParameter", "unsupported $filter " + filter);
            }
            scaleSetId = m.group(1);
        }
        ArrayNode value = json.createArrayNode();
        for (ScaleSet s : scaleSets.values()) {
            if (s.flexible() && s.resourceGroup.equalsIgnoreCase(rg)
                    && (scaleSetId == null || scaleSetId.equalsIgnoreCase(s.id()))) {
                s.vms.values().forEach(v -> value.add(flexibleVm(s, v)));
            }
        }
        return Response.json(200, write(json.createObjectNode().set("value", value)));
    }

    private Response operation(String id, boolean result) {
        Operation op = operations.get(id);
        if (op == null) {
            return error(404, "OperationNotFound", id);
        }
        if (!op.done) {
            op.polls++;
            if (op.polls >= 2) {
                op.done = true;
                (op.failure == null ? op.onDone : op.onFailed).run();
            }
        }
        if (result) {
            return !op.done ? new Response(202, Map.of("Location", resultUrl(id)), null)
                    : op.failure == null ? new Response(200, Map.of(), "{}")
                    : error(400, op.failure.code(), op.failure.message());
        }
        ObjectNode status = json.createObjectNode().put("name", id).put("status", !op.done ? "InProgress"
                : op.failure == null ? "Succeeded" : "Failed");
        if (op.done && op.failure != null) {
            status.putObject("error").put("code", op.failure.code()).put("message", op.failure.message());
        }
        return Response.json(200, write(status));
    }

    // ---------------------------------------------------------------------------------------------------------

    private String startOperation(Runnable onDone) {
        return startOperation(onDone, onDone);
    }

    /** @param onFailed what ARM has once the operation ended {@code Failed} ({@link #failNextOperation}) */
    private String startOperation(Runnable onDone, Runnable onFailed) {
        String id = UUID.randomUUID().toString();
        operations.put(id, new Operation(onDone, onFailed, failingNow));
        return id;
    }

    private String operationUrl(String id) {
        return endpoint() + "operations/" + id + "?api-version=" + OPERATION_API;
    }

    private String resultUrl(String id) {
        return endpoint() + "operations/" + id + "/result?api-version=" + OPERATION_API;
    }

    private void finish(ScaleSet s) {
        s.provisioningState = "Succeeded";
        s.failure = null;
        s.vms.values().removeIf(v -> v.provisioningState.equals("Deleting"));
        s.vms.values().forEach(v -> v.provisioningState = "Succeeded");
    }

    /**
     * An allocation failure: the VMs being created could not be placed, and their instance views say why; the scale
     * set keeps its new capacity.
     */
    private void fail(ScaleSet s, Failing why) {
        s.provisioningState = "Failed";
        s.failure = why;
        s.vms.values().removeIf(v -> v.provisioningState.equals("Deleting"));
        for (Vm v : s.vms.values()) {
            if (v.provisioningState.equals("Creating")) {
                v.provisioningState = "Failed";
                v.failure = why;
            } else {
                v.provisioningState = "Succeeded";
            }
        }
    }

    /** Adds VMs up to the new capacity, or marks the newest ones deleting when it fell (Azure's default scale-in). */
    private void resize(ScaleSet s, long before, long after) {
        List<String> zones = new ArrayList<>();
        s.resource.path("zones").forEach(z -> zones.add(z.asText()));
        long live = s.vms.values().stream().filter(v -> !v.provisioningState.equals("Deleting")).count();
        while (live < after) {
            Vm vm = new Vm();
            int n = s.nextInstance++;
            vm.instanceId = s.flexible() ? s.name + "_" + String.format("%08x", n * 2654435761L & 0xffffffffL)
                    : Integer.toString(n);
            vm.name = s.flexible() ? vm.instanceId : s.name + "_" + n;
            vm.zone = zones.isEmpty() ? null : zones.get(n % zones.size());
            vm.timeCreated = Instant.now();
            vm.vmSize = s.resource.path("sku").path("name").asText();
            vm.image = s.resource.path("properties").path("virtualMachineProfile").path("storageProfile")
                    .path("imageReference").deepCopy();
            s.vms.put(vm.instanceId, vm);
            live++;
        }
        List<Vm> newestFirst = new ArrayList<>(s.vms.values());
        java.util.Collections.reverse(newestFirst);
        for (Vm vm : newestFirst) {
            if (live <= after) {
                break;
            }
            if (!vm.provisioningState.equals("Deleting")) {
                vm.provisioningState = "Deleting";
                live--;
            }
        }
    }

    private ObjectNode view(ScaleSet s) {
        ObjectNode out = s.resource.deepCopy();
        out.put("id", s.id());
        out.put("name", s.name);
        out.put("type", "Microsoft.Compute/virtualMachineScaleSets");
        out.put("etag", s.etag());
        ObjectNode props = (ObjectNode) out.with("properties");
        props.put("provisioningState", s.provisioningState);
        props.put("uniqueId", UUID.nameUUIDFromBytes(s.id().getBytes(StandardCharsets.UTF_8)).toString());
        if (!props.has("orchestrationMode")) {
            props.put("orchestrationMode", "Uniform");
        }
        return out;
    }

    private ObjectNode uniformVm(ScaleSet s, Vm v) {
        ObjectNode vm = json.createObjectNode();
        vm.put("id", "/subscriptions/" + s.subscription + "/resourceGroups/" + s.resourceGroup.toUpperCase(Locale.ROOT)
                + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + s.name + "/virtualMachines/" + v.instanceId);
        vm.put("name", v.name);
        vm.put("type", "Microsoft.Compute/virtualMachineScaleSets/virtualMachines");
        vm.put("location", s.resource.path("location").asText());
        vm.put("instanceId", v.instanceId);
        if (v.zone != null) {
            vm.putArray("zones").add(v.zone);
        }
        vm.putObject("sku").put("name", v.vmSize).put("tier", "Standard");
        ObjectNode props = vm.putObject("properties");
        props.put("latestModelApplied", v.latestModel);
        props.put("provisioningState", v.provisioningState);
        props.put("timeCreated", v.timeCreated.toString());
        props.put("vmId", UUID.nameUUIDFromBytes(v.name.getBytes(StandardCharsets.UTF_8)).toString());
        props.putObject("osProfile").put("computerName", s.name + String.format("%06d", Integer.parseInt(v.instanceId)));
        return vm;
    }

    /**
     * A VM's instance view as ARM gives it: its provisioning status (for a failed VM the error's code and message, as
     * {@code ProvisioningState/failed/<code>}), then its power state.
     */
    private ObjectNode instanceView(Vm v) {
        ObjectNode view = instanceView(v.provisioningState, v.failure);
        if (!v.provisioningState.equals("Failed")) {
            ((ArrayNode) view.get("statuses")).addObject().put("code", "PowerState/running").put("level", "Info")
                    .put("displayStatus", "VM running");
        }
        return view;
    }

    /** An instance view's provisioning status, a VM's or a scale set's. */
    private ObjectNode instanceView(String provisioningState, Failing failure) {
        ObjectNode view = json.createObjectNode();
        ArrayNode statuses = view.putArray("statuses");
        if (provisioningState.equals("Failed")) {
            statuses.addObject().put("code", "ProvisioningState/failed/"
                            + (failure == null ? "InternalOperationError" : failure.code()))
                    .put("level", "Error").put("displayStatus", "Provisioning failed")
                    .put("message", failure == null ? "An internal execution error occurred." : failure.message());
        } else {
            statuses.addObject().put("code", "ProvisioningState/" + provisioningState.toLowerCase(Locale.ROOT))
                    .put("level", "Info").put("displayStatus", "Provisioning " + provisioningState
                            .toLowerCase(Locale.ROOT));
        }
        return view;
    }

    private ObjectNode flexibleVm(ScaleSet s, Vm v) {
        ObjectNode vm = json.createObjectNode();
        vm.put("id", "/subscriptions/" + s.subscription + "/resourceGroups/" + s.resourceGroup.toUpperCase(Locale.ROOT)
                + "/providers/Microsoft.Compute/virtualMachines/" + v.name);
        vm.put("name", v.name);
        vm.put("type", "Microsoft.Compute/virtualMachines");
        vm.put("location", s.resource.path("location").asText());
        if (v.zone != null) {
            vm.putArray("zones").add(v.zone);
        }
        ObjectNode props = vm.putObject("properties");
        props.put("provisioningState", v.provisioningState);
        props.put("timeCreated", v.timeCreated.toString());
        props.put("vmId", UUID.nameUUIDFromBytes(v.name.getBytes(StandardCharsets.UTF_8)).toString());
        props.putObject("hardwareProfile").put("vmSize", v.vmSize);
        props.putObject("storageProfile").set("imageReference", v.image);
        props.putObject("virtualMachineScaleSet").put("id", s.id());
        return vm;
    }

    /** What makes instances differ: the SKU name and the VM profile (custom data is compared separately). */
    private static JsonNode model(ScaleSet s) {
        ObjectNode model = new ObjectMapper().createObjectNode();
        model.set("vmSize", s.resource.path("sku").path("name"));
        model.set("profile", s.resource.path("properties").path("virtualMachineProfile"));
        return model.deepCopy();
    }

    private static String takeCustomData(ObjectNode resource) {
        JsonNode os = resource.path("properties").path("virtualMachineProfile").path("osProfile");
        if (os instanceof ObjectNode osProfile && osProfile.has("customData")) {
            JsonNode data = osProfile.remove("customData"); // write-only: ARM never returns it
            if (osProfile.isEmpty()) {
                ((ObjectNode) resource.path("properties").path("virtualMachineProfile")).remove("osProfile");
            }
            return data.isNull() ? null : data.asText();
        }
        return null;
    }

    private static String validateNew(ObjectNode r) {
        if (r.path("location").asText().isEmpty()) {
            return "location is required";
        }
        if (r.path("sku").path("name").asText().isEmpty() || !r.path("sku").path("capacity").canConvertToLong()) {
            return "sku.name and sku.capacity are required";
        }
        JsonNode profile = r.path("properties").path("virtualMachineProfile");
        if (profile.path("storageProfile").path("imageReference").isMissingNode()) {
            return "virtualMachineProfile.storageProfile.imageReference is required";
        }
        if (profile.path("osProfile").path("adminUsername").asText().isEmpty()) {
            return "virtualMachineProfile.osProfile.adminUsername is required";
        }
        if (profile.path("networkProfile").path("networkInterfaceConfigurations").isEmpty()) {
            return "virtualMachineProfile.networkProfile.networkInterfaceConfigurations is required";
        }
        boolean flexible = "Flexible".equalsIgnoreCase(r.path("properties").path("orchestrationMode").asText());
        if (flexible && !r.path("properties").has("platformFaultDomainCount")) {
            return "platformFaultDomainCount is required for Flexible orchestration";
        }
        if (flexible && r.path("properties").path("overprovision").asBoolean(false)) {
            return "overprovision is not supported for Flexible orchestration";
        }
        return null;
    }

    private static void merge(ObjectNode target, ObjectNode patch) {
        patch.fields().forEachRemaining(e -> {
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ObjectNode existingObject && e.getValue() instanceof ObjectNode patchObject) {
                merge(existingObject, patchObject);
            } else if (!e.getValue().isNull()) {
                target.set(e.getKey(), e.getValue());
            }
        });
    }

    private ObjectNode readObject(byte[] body) {
        try {
            JsonNode node = json.readTree(body);
            return node instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            return null;
        }
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Response notFound(String name) {
        return error(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachineScaleSets/" + name
                + "' under resource group was not found.");
    }

    private Response error(int status, String code, String message) {
        return Response.json(status, errorBody(code, message));
    }

    private String errorBody(String code, String message) {
        ObjectNode error = json.createObjectNode();
        error.putObject("error").put("code", code).put("message", message);
        return write(error);
    }

    private static Map<String, String> params(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(k, v);
        }
        return params;
    }

    private static String key(String rg, String name) {
        return rg.toLowerCase(Locale.ROOT) + "/" + name.toLowerCase(Locale.ROOT);
    }
}
