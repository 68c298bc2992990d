package dev.poolstream.bench;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * What one MachinePool status write costs the API server, by the shape of the request: the server's own allocation
 * and CPU per write (its Go runtime's counters, read before and after each shape's writes) and the client's time per
 * request. Each write changes the status (the Ready count goes down and up by one), as a real one does. Run by
 * node-to-status after its changes ({@code -Dbench.writeShapes=<writes>}), on a pool whose status the service wrote;
 * the last shape writes a copy of that pool on the workload API server, where nothing watches MachinePools and the
 * audit log keeps no bodies, to see what the bench's own audit policy and the services' watches add.
 */
final class StatusWriteShapes {

    private static final List<String> COUNTERS = List.of("go_memstats_alloc_bytes_total",
            "process_cpu_seconds_total");
    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    private static final int WARM_WRITES = 20;

    private record Shape(String name, KubernetesClient server,
                         BiFunction<GenericKubernetesResource, Integer, GenericKubernetesResource> write) {
    }

    private StatusWriteShapes() {
    }

    static Map<String, Object> run(KubeApiServer management, KubeApiServer workload, String pool, int writes) {
        var objects = machinePools(management.client());
        var copies = machinePools(workload.namespace(SteadyState.NAMESPACE).client());
        GenericKubernetesResource written = objects.withName(pool).get();
        copy(written, copies);
        List<Shape> shapes = List.of(
                new Shape("update, as the writer (managedFields in the body)", management.client(),
                        (current, ready) -> objects.resource(withReady(current, ready)).updateStatus()),
                new Shape("update without managedFields", management.client(), (current, ready) -> {
                    GenericKubernetesResource next = withReady(current, ready);
                    next.getMetadata().setManagedFields(null);
                    return objects.resource(next).updateStatus();
                }),
                new Shape("update, fieldValidation=Ignore", management.client(), (current, ready) ->
                        objects.resource(withReady(current, ready))
                                .fieldValidation(FieldValidateable.Validation.IGNORE).updateStatus()),
                new Shape("merge patch of the whole status", management.client(), (current, ready) ->
                        objects.withName(pool).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                                JSON.asJson(Map.of("status", status(withReady(current, ready)))))),
                new Shape("merge patch of readyReplicas alone", management.client(), (current, ready) ->
                        objects.withName(pool).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                                JSON.asJson(Map.of("status", Map.of("readyReplicas", ready))))),
                new Shape("update, a copy on the workload server", workload.client(),
                        (current, ready) -> copies.resource(withReady(current, ready)).updateStatus()));

        Bench.OUT.printf(Locale.ROOT, "  a MachinePool status write in the API server, by the request's shape (%d "
                + "writes each, %s, %,d bytes as JSON):%n", writes, pool,
                JSON.asJson(written).length());
        Map<String, Object> results = new LinkedHashMap<>();
        for (Shape shape : shapes) {
            var on = machinePools(shape.server());
            GenericKubernetesResource current = on.withName(pool).get();
            int ready = ((Number) status(current).get("readyReplicas")).intValue();
            for (int i = 0; i < WARM_WRITES; i++) {
                current = shape.write().apply(current, i % 2 == 0 ? ready - 1 : ready);
            }
            Map<String, Double> before = NodeToStatus.counters(shape.server(), COUNTERS);
            List<Double> millis = new ArrayList<>();
            for (int i = 0; i < writes; i++) {
                long start = System.nanoTime();
                current = shape.write().apply(current, i % 2 == 0 ? ready - 1 : ready);
                millis.add((System.nanoTime() - start) / 1e6);
            }
            Map<String, Double> after = NodeToStatus.counters(shape.server(), COUNTERS);
            double allocated = (after.get(COUNTERS.get(0)) - before.get(COUNTERS.get(0))) / writes;
            double cpu = (after.get(COUNTERS.get(1)) - before.get(COUNTERS.get(1))) / writes;
            Percentiles latency = Percentiles.of(millis);
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("serverAllocatedBytesPerWrite", allocated);
            one.put("serverCpuSecondsPerWrite", cpu);
            one.put("clientLatency", latency);
            results.put(shape.name(), one);
            Bench.OUT.printf(Locale.ROOT, "    %-50s %5.2f MB allocated, %5.2f ms of CPU a write; %s%n", shape.name(),
                    allocated / 1e6, cpu * 1e3, latency);
        }
        return results;
    }

    private static NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> machinePools(KubernetesClient client) {
        return client.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(MachinePool.class))
                .inNamespace(SteadyState.NAMESPACE);
    }

    /** The pool with its status on the other server (created, then its status written as the service writes it). */
    private static void copy(GenericKubernetesResource pool, NonNamespaceOperation<GenericKubernetesResource,
            GenericKubernetesResourceList, Resource<GenericKubernetesResource>> to) {
        GenericKubernetesResource copy = JSON.clone(pool);
        copy.getMetadata().setResourceVersion(null);
        copy.getMetadata().setUid(null);
        copy.getMetadata().setManagedFields(null);
        copy.getMetadata().setCreationTimestamp(null);
        copy.getMetadata().setGeneration(null);
        GenericKubernetesResource created = to.resource(copy).create();
        created.getAdditionalProperties().put("status", status(pool));
        to.resource(created).updateStatus();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource object) {
        return (Map<String, Object>) object.getAdditionalProperties().get("status");
    }

    private static GenericKubernetesResource withReady(GenericKubernetesResource current, int ready) {
        GenericKubernetesResource next = JSON.clone(current);
        Map<String, Object> status = new HashMap<>(status(next));
        status.put("readyReplicas", ready);
        next.getAdditionalProperties().put("status", status);
        return next;
    }
}
