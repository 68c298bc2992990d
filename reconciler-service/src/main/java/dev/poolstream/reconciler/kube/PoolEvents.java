package dev.poolstream.reconciler.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.kube.KubeEvents;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.reconciler.domain.Notice;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the reconciler's {@link Notice}s as Events ({@code events.k8s.io/v1}, through {@link KubeEvents}: repeats
 * counted on one Event) on the MachinePool and on its infrastructure pool, where {@code kubectl describe} shows them.
 * Off the caller's thread: a slow or failing API server holds up no decision, and an Event that cannot be written
 * is logged and dropped (Events are a view; the topics and conditions are the record).
 */
public final class PoolEvents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PoolEvents.class);
    public static final String REPORTING_CONTROLLER = "poolstream.dev/reconciler";
    private static final Map<String, String> INFRASTRUCTURE_VERSIONS = Map.of(
            ClusterApi.KIND_AWS_MACHINE_POOL, HasMetadata.getApiVersion(AWSMachinePool.class),
            ClusterApi.KIND_AZURE_MACHINE_POOL, HasMetadata.getApiVersion(AzureMachinePool.class));

    private final KubeEvents events;
    private final MeterRegistry registry;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "reconciler-events");
        thread.setDaemon(true);
        return thread;
    });

    public PoolEvents(KubeEvents events, MeterRegistry registry) {
        this.events = events;
        this.registry = registry;
    }

    /** Records the notice on the pool's MachinePool and infrastructure pool. */
    public void record(PoolSpec spec, Notice notice) {
        if (spec == null) {
            return;
        }
        registry.counter("poolstream.reconciler.events", "reason", notice.reason(),
                "type", notice.warning() ? "Warning" : "Normal").increment();
        List<ObjectReference> regarding = regarding(spec);
        KubeEvents.Type type = notice.warning() ? KubeEvents.Type.Warning : KubeEvents.Type.Normal;
        try {
            executor.execute(() -> {
                for (ObjectReference object : regarding) {
                    try {
                        events.record(object, type, notice.action(), notice.reason(), notice.note());
                    } catch (RuntimeException e) {
                        log.warn("pool {}: could not record Event {} on {} {}/{}: {}", spec.key(), notice.reason(),
                                object.getKind(), object.getNamespace(), object.getName(), e.toString());
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // Stopping.
        }
    }

    /** The MachinePool and, once the watcher has found it, its infrastructure pool. */
    static List<ObjectReference> regarding(PoolSpec spec) {
        List<ObjectReference> objects = new ArrayList<>();
        objects.add(new ObjectReferenceBuilder().withApiVersion(HasMetadata.getApiVersion(MachinePool.class))
                .withKind(ClusterApi.KIND_MACHINE_POOL).withNamespace(spec.namespace()).withName(spec.name())
                .withUid(spec.uid()).build());
        InfrastructurePool infrastructure = spec.infrastructure();
        if (infrastructure != null && infrastructure.resolved() && infrastructure.name() != null
                && INFRASTRUCTURE_VERSIONS.containsKey(infrastructure.kind())) {
            objects.add(new ObjectReferenceBuilder().withApiVersion(INFRASTRUCTURE_VERSIONS.get(infrastructure.kind()))
                    .withKind(infrastructure.kind()).withNamespace(spec.namespace()).withName(infrastructure.name())
                    .withUid(infrastructure.uid()).build());
        }
        return objects;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
