package dev.poolstream.status.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.KubeTime;
import dev.poolstream.api.PoolKey;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.kube.KubeEvents;
import dev.poolstream.api.kube.WithoutManagedFields;
import dev.poolstream.api.kube.WorkloadClients;
import dev.poolstream.api.kube.WorkloadClusterException;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.status.config.StatusProperties;
import dev.poolstream.status.domain.InfrastructurePoolConditions;
import dev.poolstream.status.domain.InstanceMachines;
import dev.poolstream.status.domain.PoolNotices;
import dev.poolstream.status.domain.StatusPosition;
import dev.poolstream.status.domain.WritePlan;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Writes a pool's computed status where Cluster API users, kubectl and cluster-autoscaler read it. Every write is
 * made only when the object differs, status updates carry the resourceVersion they were computed from and are
 * tried again on a conflict, and an object that is gone is left alone. What is news to users (an error, the pool
 * Running, a scale finished: {@link PoolNotices}) is recorded as Kubernetes Events on the MachinePool and the
 * infrastructure pool, once the writes are done.
 */
public final class StatusWriter implements AutoCloseable {

    /** The {@code reportingController} of the Events this service records. */
    public static final String REPORTING_CONTROLLER = "poolstream.dev/status-service";
    /** The Event that says a pool's status write fails and is being tried again. */
    public static final String REASON_RETRYING = "StatusWriteRetrying";
    static final String ACTION_WRITE_STATUS = "WriteStatus";

    private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);
    private static final int CONFLICT_ATTEMPTS = 5;
    /** How many objects {@link #lastSeen} keeps: a few thousand pools' MachinePool and infrastructure pool. */
    static final int LAST_SEEN_MAX = 8_192;
    /** Pools whose last notices are remembered, to tell only what changed (a few hundred bytes each). */
    private static final int TOLD_REMEMBERED = 20_000;
    static final Map<String, Class<? extends HasMetadata>> INFRASTRUCTURE_KINDS = Map.of(
            ClusterApi.KIND_AWS_MACHINE_POOL, AWSMachinePool.class,
            ClusterApi.KIND_AZURE_MACHINE_POOL, AzureMachinePool.class);

    private final KubernetesClient management;
    private final WorkloadClients workloads;
    private final StatusProperties.Mode mode;
    private final KubeEvents events;
    private final MeterRegistry registry;
    private final Clock clock = Clock.systemUTC();
    /** The per-instance objects (docs/machines.md); null when they are not made. */
    private final MachineWriter machines;
    private final KubernetesSerialization serialization = new KubernetesSerialization();
    /** Pool key → what its Events told last, and of which MachinePool (its uid). */
    private final Map<String, Told> told = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Told> eldest) {
            return size() > TOLD_REMEMBERED;
        }
    };
    /**
     * The last version of each object this writer read or wrote (kind/namespace/name): the base of its next status
     * write, so a write costs no read before it (bench/README.md, benchmark 2). A version someone else changed since
     * fails the write with 409 and is read again; an object taken for a write is out of here until the write is done.
     */
    private final Map<String, GenericKubernetesResource> lastSeen = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, GenericKubernetesResource> eldest) {
                    return size() > LAST_SEEN_MAX;
                }
            });

    /** A writer that also keeps the pools' per-instance objects. */
    public StatusWriter(KubernetesClient management, WorkloadClients workloads, StatusProperties.Mode mode,
                        KubeEvents events, MeterRegistry registry) {
        this(management, workloads, mode, events, registry, true, List.of());
    }

    /** The writer the service runs: its mode, per-instance objects and namespaces as configured. */
    public StatusWriter(KubernetesClient management, WorkloadClients workloads, StatusProperties properties,
                        KubeEvents events, MeterRegistry registry) {
        this(management, workloads, properties.mode(), events, registry, properties.machines().enabled(),
                properties.namespaces());
    }

    /**
     * @param machines keep an infrastructure machine per instance (and a Machine, in owner mode), and name its kind
     *                 in the infrastructure pool's {@code status.infrastructureMachineKind}
     * @param namespaces the namespaces whose per-instance objects are listed and watched, each on its own; empty
     *                   for all
     */
    public StatusWriter(KubernetesClient management, WorkloadClients workloads, StatusProperties.Mode mode,
                        KubeEvents events, MeterRegistry registry, boolean machines, List<String> namespaces) {
        this.management = management;
        this.workloads = workloads;
        this.mode = mode;
        this.events = events;
        this.registry = registry;
        this.machines = machines ? new MachineWriter(management, mode == StatusProperties.Mode.OWNER, events,
                registry, clock, namespaces) : null;
    }

    /**
     * Writes what this mode may change of the pool's status: {@link #writePool}, then {@link #writeInstances}. The
     * parts are independent: the MachinePool (owner mode), the infrastructure pool, the Events, the instances'
     * machines, then the Nodes in the workload cluster; each is tried whatever the others did, so that a workload
     * cluster that cannot be reached (or a kubeconfig that cannot be used) never keeps the pool's status from its
     * objects.
     *
     * @throws StatusWriteException when a part failed: the write is to be tried again (what was done makes no request
     *                              the next time)
     */
    public void write(PoolStatus status) {
        write(status, null);
    }

    /**
     * @param computedAt where the status stands among the pool's (its record's place and time): an instance's
     *                   objects made for a later status are left alone, whatever this one says of the instance (null:
     *                   unknown)
     */
    public void write(PoolStatus status, StatusPosition computedAt) {
        write(status, computedAt, true, true);
    }

    /**
     * The pool's own objects, what users and cluster-autoscaler wait for: the MachinePool's status (owner mode), the
     * infrastructure pool's, and the Events. The status service writes them apart from {@link #writeInstances}, so
     * that no pool's status waits behind another pool's per-instance writes.
     *
     * @throws StatusWriteException when a part failed
     */
    public void writePool(PoolStatus status, StatusPosition computedAt) {
        write(status, computedAt, true, false);
    }

    /**
     * The pool's per-instance objects: the instances' machines (docs/machines.md) and, in the workload cluster, their
     * Nodes. Based on the pool's objects as {@link #writePool} last left them (read when it has none).
     *
     * @throws StatusWriteException when a part failed
     */
    public void writeInstances(PoolStatus status, StatusPosition computedAt) {
        write(status, computedAt, false, true);
    }

    private void write(PoolStatus status, StatusPosition computedAt, boolean pool, boolean instances) {
        PoolKey key = PoolKey.parse(status.pool());
        try (var ignored = MDC.putCloseable("pool", status.pool())) {
            writeParts(key, status, computedAt, pool, instances);
        } catch (ObjectReplaced e) {
            // The status of a pool deleted since: the next status, the new pool's, is written.
            log.info("status of pool {} not written: {}", status.pool(), e.getMessage());
            registry.counter("poolstream.status.writes.skipped", "reason", "pool-replaced").increment();
        }
    }

    private void writeParts(PoolKey key, PoolStatus status, StatusPosition computedAt, boolean pool,
                            boolean instances) {
        // What this mode may change, and nothing but the Paused condition while the pool is paused.
        WritePlan plan = WritePlan.of(status, mode == StatusProperties.Mode.OWNER);
        Parts parts = new Parts();
        if (pool) {
            writePoolParts(key, status, plan, parts);
        }
        if (instances) {
            writeInstanceParts(key, status, computedAt, plan, parts);
        }
        parts.throwIfFailed(status.pool());
    }

    private void writePoolParts(PoolKey key, PoolStatus status, WritePlan plan, Parts parts) {
        // What users wait for first: the MachinePool (owner mode), then the infrastructure pool.
        GenericKubernetesResource machinePool = null;
        GenericKubernetesResource infrastructurePool = null;
        if (plan.machinePoolStatus()) {
            machinePool = parts.call("the MachinePool's status",
                    () -> writeMachinePool(key, status, plan.providerIdLists()));
        } else if (plan.pausedConditionOnly()) {
            parts.run("the MachinePool's Paused condition", () -> writePausedCondition(key, status));
        }
        if (plan.infrastructurePool()) {
            infrastructurePool = parts.call("the status of " + status.infrastructureKind() + " "
                    + key.namespace() + "/" + status.infrastructureName(),
                    () -> writeInfrastructurePool(key, status, plan.providerIdLists()));
        }
        if (plan.events()) {
            GenericKubernetesResource pool = machinePool;
            GenericKubernetesResource infra = infrastructurePool;
            parts.run("the Events", () -> tell(key, status, pool, infra));
        }
    }

    private void writeInstanceParts(PoolKey key, PoolStatus status, StatusPosition computedAt, WritePlan plan,
                                    Parts parts) {
        // Paused: as the infrastructure pool, its instances' objects wait.
        boolean machinesToWrite = machines != null && plan.infrastructurePool();
        boolean nodesToTend = plan.nodes() && hasNodesToTend(status);
        if (!machinesToWrite && !nodesToTend) {
            return;
        }
        // The pool's objects as its status write left them (read when it left none: another replica wrote them, or
        // the copies were let go at a hand-over). When they show the pool deleted and made again since the status,
        // none of its instances' objects is written.
        GenericKubernetesResource machinePool = mode == StatusProperties.Mode.OWNER
                ? seenOrRead(MachinePool.class, ClusterApi.KIND_MACHINE_POOL, key.namespace(), key.name()) : null;
        Class<? extends HasMetadata> infrastructureType = status.infrastructureKind() == null ? null
                : INFRASTRUCTURE_KINDS.get(status.infrastructureKind());
        GenericKubernetesResource infrastructurePool = infrastructureType == null
                || status.infrastructureName() == null ? null : seenOrRead(infrastructureType,
                status.infrastructureKind(), key.namespace(), status.infrastructureName());
        if ((machinePool != null && !hasUid(machinePool, status.poolUid()))
                || (infrastructurePool != null && !hasUid(infrastructurePool, status.infrastructureUid()))) {
            throw new ObjectReplaced("the pool's objects are others now (deleted and made again): its instances' "
                    + "objects are left to the new pool's status");
        }
        if (machinesToWrite) {
            parts.run("the instances' machines",
                    () -> machines.write(status, infrastructurePool, machinePool, computedAt));
        }
        if (nodesToTend) {
            parts.run("the Nodes in workload cluster " + status.cluster(), () -> tendNodes(status, computedAt == null ? null : computedAt.at()));
        }
    }

    /** The copy this writer keeps of the object, else the object as the API server has it now (null: none). */
    private GenericKubernetesResource seenOrRead(Class<? extends HasMetadata> type, String kind, String namespace,
                                                 String name) {
        GenericKubernetesResource seen = lastSeen.get(seenKey(kind, namespace, name));
        return seen != null ? seen : objects(type, namespace).withName(name).get();
    }

    private static boolean hasNodesToTend(PoolStatus status) {
        return status.cluster() != null && (!status.retired().isEmpty()
                || status.members().stream().anyMatch(m -> m.hasNode() && !m.nodeAdopted()));
    }

    /** Tells, as a Warning Event on the MachinePool (when it can be read), that the pool's status is being retried. */
    public void tellRetrying(String pool, String note) {
        try (var ignored = MDC.putCloseable("pool", pool)) {
            PoolKey key = PoolKey.parse(pool);
            GenericKubernetesResource machinePool = objects(MachinePool.class, key.namespace()).withName(key.name())
                    .get();
            if (machinePool != null) {
                events.record(machinePool, KubeEvents.Type.Warning, ACTION_WRITE_STATUS, REASON_RETRYING, note);
            }
        } catch (RuntimeException e) {
            // The same trouble that fails the write, likely: the log line says it already.
            log.debug("cannot record that the status of pool {} is retried: {}", pool, e.toString());
        }
    }

    /** The parts of one write, each tried whatever the others did; what failed is thrown at the end. */
    private static final class Parts {
        private final List<String> failed = new ArrayList<>();
        private RuntimeException first;

        <T> T call(String part, java.util.function.Supplier<T> write) {
            try {
                return write.get();
            } catch (ObjectReplaced e) {
                throw e;
            } catch (RuntimeException e) {
                failed.add(part + ": " + describe(e));
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
                return null;
            }
        }

        void run(String part, Runnable write) {
            call(part, () -> {
                write.run();
                return null;
            });
        }

        void throwIfFailed(String pool) {
            if (first != null) {
                throw new StatusWriteException("writing the status of pool " + pool + " failed for "
                        + String.join("; ", failed), first);
            }
        }
    }

    /** What a person needs of a failure: the message, else the class. */
    static String describe(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Forgets every object seen, and what the Events told: the pools may be written by another replica now (their
     * partitions given up). A status compared with a stale copy when a pool comes back would be taken for written
     * already, and an error that cleared and came back meanwhile for told already (its Warning Event lost).
     */
    public void forgetSeenObjects() {
        lastSeen.clear();
        synchronized (this) {
            told.clear();
        }
    }

    /** What a pool's Events told last, for the MachinePool of that uid. */
    private record Told(String poolUid, PoolNotices.Seen seen) {
    }

    /**
     * The pool is gone (its status tombstoned): nothing more to compare its next status with, and what is left of
     * its instances' objects is let go, so that none hangs on a finalizer.
     */
    public void forget(String pool) {
        forget(pool, null);
    }

    /** @param at where the pool's status was tombstoned: objects made after it are a new pool's of the same name */
    public void forget(String pool, StatusPosition at) {
        forgetPool(pool);
        forgetInstances(pool, at);
    }

    /** The pool is gone: what this writer saw of its objects, and what its Events told, is let go. */
    public void forgetPool(String pool) {
        PoolKey forgotten = PoolKey.parse(pool);
        lastSeen.remove(seenKey(ClusterApi.KIND_MACHINE_POOL, forgotten.namespace(), forgotten.name()));
        synchronized (this) {
            told.remove(pool);
        }
    }

    /** The pool is gone: what is left of its instances' objects made before {@code at} lets them go. */
    public void forgetInstances(String pool, StatusPosition at) {
        if (machines != null) {
            try (var ignored = MDC.putCloseable("pool", pool)) {
                machines.forget(pool, at);
            }
        }
    }

    /**
     * Records the notices between the last status told about and this one as Events on the MachinePool and the
     * infrastructure pool. Events never fail the write ({@link KubeEvents} logs what it cannot record).
     */
    private void tell(PoolKey key, PoolStatus status, GenericKubernetesResource machinePool,
                      GenericKubernetesResource infrastructurePool) {
        List<PoolNotices.Notice> notices;
        synchronized (this) {
            Told before = told.get(status.pool());
            // A pool made again under the name is told from the start.
            notices = PoolNotices.between(before == null || !Objects.equals(before.poolUid(), status.poolUid()) ? null
                    : before.seen(), status);
        }
        if (!notices.isEmpty()) {
            List<HasMetadata> regarding = new ArrayList<>();
            GenericKubernetesResource machinePoolForEvents = machinePool;
            if (machinePoolForEvents == null) {
                try {
                    // Its uid: kubectl describe finds an object's Events by it.
                    machinePoolForEvents = objects(MachinePool.class, key.namespace()).withName(key.name()).get();
                    if (machinePoolForEvents != null && !hasUid(machinePoolForEvents, status.poolUid())) {
                        machinePoolForEvents = null; // another pool's now, made again under its name
                    }
                } catch (KubernetesClientException e) {
                    log.warn("cannot read MachinePool {} to record Events on it: {}", status.pool(), e.getMessage());
                }
            }
            if (machinePoolForEvents != null) {
                regarding.add(machinePoolForEvents);
            }
            if (infrastructurePool != null) {
                regarding.add(infrastructurePool);
            }
            for (PoolNotices.Notice notice : notices) {
                for (HasMetadata object : regarding) {
                    events.record(object, notice.warning() ? KubeEvents.Type.Warning : KubeEvents.Type.Normal,
                            notice.action(), notice.reason(), notice.note());
                }
                registry.counter("poolstream.status.events", "reason", notice.reason()).increment();
            }
        }
        synchronized (this) {
            told.put(status.pool(), new Told(status.poolUid(), PoolNotices.seen(status)));
        }
    }

    /**
     * The InfraMachinePool contract: {@code status.ready}, {@code status.replicas}, {@code spec.providerIDList}; and
     * the provider's conditions (CAPA's, CAPZ's) with the Ready summary Cluster API mirrors onto the MachinePool.
     *
     * @param providerIds write {@code spec.providerIDList} too ({@link WritePlan#providerIdLists})
     * @return the infrastructure pool as it is now, null when there is none
     */
    private GenericKubernetesResource writeInfrastructurePool(PoolKey key, PoolStatus status, boolean providerIds) {
        Class<? extends HasMetadata> type = status.infrastructureKind() == null ? null
                : INFRASTRUCTURE_KINDS.get(status.infrastructureKind());
        if (type == null || status.infrastructureName() == null) {
            return null;
        }
        var objects = objects(type, key.namespace());
        Resource<GenericKubernetesResource> resource = objects.withName(status.infrastructureName());
        Map<String, Object> wanted = new HashMap<>(Map.of("ready", status.infrastructureReady(),
                "replicas", status.status().getReplicas()));
        String machineKind = PoolMachines.infrastructureMachineKind(status.infrastructureKind());
        if (machines != null && machineKind != null) {
            // The MachinePool Machines contract: Cluster API core then finds the infrastructure machines.
            wanted.put("infrastructureMachineKind", machineKind);
        }
        List<InfrastructurePoolConditions.Condition> conditions =
                InfrastructurePoolConditions.of(status.infrastructureKind(), status.status());
        String seen = seenKey(status.infrastructureKind(), key.namespace(), status.infrastructureName());
        GenericKubernetesResource now = updateStatus(objects, resource, seen, status.infrastructureUid(), current -> {
            Map<String, Object> currentStatus = map(current.getAdditionalProperties().get("status"));
            var newConditions = InfrastructurePoolConditions.merge(currentStatus.get("conditions"), conditions,
                    clock.instant());
            if (newConditions.isEmpty() && wanted.entrySet().stream()
                    .allMatch(e -> Objects.equals(currentStatus.get(e.getKey()), e.getValue()))) {
                return false;
            }
            Map<String, Object> merged = new HashMap<>(currentStatus);
            merged.putAll(wanted);
            newConditions.ifPresent(c -> merged.put("conditions", c));
            current.getAdditionalProperties().put("status", merged);
            return true;
        }, "infrastructure-status");
        return providerIds ? patchProviderIdList(now, objects, seen, status.providerIDList(),
                "infrastructure-provider-ids") : now;
    }

    /**
     * @param providerIds write {@code spec.providerIDList} too ({@link WritePlan#providerIdLists})
     * @return the MachinePool as it is now, null when it is gone
     */
    private GenericKubernetesResource writeMachinePool(PoolKey key, PoolStatus status, boolean providerIds) {
        var objects = objects(MachinePool.class, key.namespace());
        Resource<GenericKubernetesResource> resource = objects.withName(key.name());
        // As JSON values, as the object read back holds them (observedGeneration an Integer there, not a Long).
        Object wanted = json(status.status());
        String seen = seenKey(ClusterApi.KIND_MACHINE_POOL, key.namespace(), key.name());
        GenericKubernetesResource now = updateStatus(objects, resource, seen, status.poolUid(), current -> {
            if (Objects.equals(wanted, current.getAdditionalProperties().get("status"))) {
                return false;
            }
            current.getAdditionalProperties().put("status", wanted);
            return true;
        }, "machinepool-status");
        return providerIds ? patchProviderIdList(now, objects, seen, status.providerIDList(),
                "machinepool-provider-ids") : now;
    }

    /** A paused pool: its Paused condition, and the rest of the status as it stands on the object. */
    private void writePausedCondition(PoolKey key, PoolStatus status) {
        var paused = WritePlan.pausedCondition(status.status());
        if (paused.isEmpty()) {
            return;
        }
        Map<String, Object> condition = json(paused.get());
        var objects = objects(MachinePool.class, key.namespace());
        updateStatus(objects, objects.withName(key.name()),
                seenKey(ClusterApi.KIND_MACHINE_POOL, key.namespace(), key.name()), status.poolUid(), current -> {
            Object onObject = current.getAdditionalProperties().get("status");
            return WritePlan.statusWhilePaused(onObject == null ? null : map(onObject), condition).map(wanted -> {
                current.getAdditionalProperties().put("status", wanted);
                return true;
            }).orElse(false);
        }, "machinepool-status");
    }

    /**
     * Annotates and untaints the pool's Nodes, and deletes the Nodes of instances that left it; called when it
     * {@link #hasNodesToTend has some}.
     */
    private void tendNodes(PoolStatus status, Instant computedAt) {
        Optional<KubernetesClient> workload = workloads.client(status.cluster());
        if (workload.isEmpty()) {
            log.warn("pool {} has Nodes to tend, but its cluster {} has no kubeconfig Secret", status.pool(),
                    status.cluster());
            return;
        }
        try {
            tendNodes(status, computedAt, workload.get());
        } catch (KubernetesClientException e) {
            // Never the client's message: it names the request's URL, the kubeconfig's server.
            throw new WorkloadClusterException("workload cluster " + status.cluster() + ": "
                    + WorkloadClusterException.describe(e));
        }
    }

    private void tendNodes(PoolStatus status, Instant computedAt, KubernetesClient workload) {
        List<PoolMember> toAdopt = status.members().stream().filter(m -> m.hasNode() && !m.nodeAdopted()).toList();
        List<PoolMember> retired = status.retired();
        PoolKey pool = PoolKey.parse(status.pool());
        String clusterName = status.cluster().substring(status.cluster().indexOf('/') + 1);
        for (PoolMember member : toAdopt) {
            Node current = workload.nodes().withName(member.nodeName()).get();
            // The status may be older than the Node: write only what the Node still lacks.
            if (current == null || !member.providerID().equals(providerId(current))
                    || adopted(current, pool, clusterName)) {
                continue;
            }
            if (adoptAsRead(workload, current, pool, clusterName)) {
                count("node-adopted");
            }
        }
        for (PoolMember member : retired) {
            Node current = workload.nodes().withName(member.nodeName()).get();
            // Only the Node this pool referenced (a Node name can come back on a new instance), and not once another
            // owner adopted it (its instance moved to another pool, which serves it now). Nor one surely made after
            // the status, read again or late: an Azure scale set reuses an instance's ID, and so its Node's name and
            // provider ID, for a new VM, whose running Node this would delete undrained. (Not "surely made before":
            // a Node that joined and left within seconds would then wait for a status that may never come.)
            if (current != null && member.providerID().equals(providerId(current))
                    && !ownedByAnother(current, pool, clusterName)
                    && !InstanceMachines.surelyCreatedAfter(
                            KubeTime.parse(current.getMetadata().getCreationTimestamp()), computedAt)
                    && deleteAsRead(workload, current)) {
                log.info("deleted Node {} of pool {}: its instance {} left the pool", member.nodeName(),
                        status.pool(), member.providerID());
                count("node-deleted");
            }
        }
    }

    /**
     * Annotates the Node as the pool's and removes the uninitialized taint, as a patch of what was read (by name
     * alone, fabric8 would read the Node again first).
     *
     * @return whether it was written; not when the Node went since it was read (a scale-down, a spot interruption),
     *         which once failed the pool's whole status write and told the pool so
     */
    static boolean adoptAsRead(KubernetesClient workload, Node read, PoolKey pool, String clusterName) {
        try {
            workload.nodes().resource(read).edit(n -> {
                if (n.getMetadata().getAnnotations() == null) {
                    n.getMetadata().setAnnotations(new HashMap<>());
                }
                n.getMetadata().getAnnotations().put(ClusterApi.NODE_CLUSTER_NAME_ANNOTATION, clusterName);
                n.getMetadata().getAnnotations().put(ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION, pool.namespace());
                n.getMetadata().getAnnotations().put(ClusterApi.NODE_OWNER_KIND_ANNOTATION, ClusterApi.KIND_MACHINE_POOL);
                n.getMetadata().getAnnotations().put(ClusterApi.NODE_OWNER_NAME_ANNOTATION, pool.name());
                if (n.getSpec() != null && n.getSpec().getTaints() != null) {
                    n.getSpec().getTaints().removeIf(t -> ClusterApi.UNINITIALIZED_TAINT_KEY.equals(t.getKey()));
                }
                return n;
            });
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                throw e;
            }
            log.info("Node {} went since it was read: not adopted", read.getMetadata().getName());
            return false;
        }
    }

    /**
     * Deletes the Node only as it was read (a resourceVersion precondition): one changed since, perhaps adopted by
     * another pool or a new Node of the same name, stays, and the pool's next status decides again.
     *
     * @return whether it was deleted
     */
    static boolean deleteAsRead(KubernetesClient workload, Node read) {
        try {
            // Empty when it is gone already.
            if (!workload.nodes().resource(read).lockResourceVersion(read.getMetadata().getResourceVersion()).delete()
                    .isEmpty()) {
                return true;
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
        }
        log.info("Node {} changed or went since it was read: not deleted now", read.getMetadata().getName());
        return false;
    }

    /**
     * Change and write with the resourceVersion last seen (read when there is none); on a conflict, read again.
     *
     * @param uid the uid of the object the status was computed for (null: unknown, any object of that name)
     * @return the object as it is now (written or not), null when it is gone
     * @throws ObjectReplaced when the object of that name is another: deleted and made again since
     */
    private GenericKubernetesResource updateStatus(
            NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
                    Resource<GenericKubernetesResource>> objects,
            Resource<GenericKubernetesResource> resource, String key, String uid,
            Predicate<GenericKubernetesResource> change, String what) {
        GenericKubernetesResource current = lastSeen.remove(key);
        if (current != null && !hasUid(current, uid)) {
            current = null; // a copy of another object of that name: which one is there now is read
        }
        for (int attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
            if (current == null) {
                current = resource.get();
                if (current == null) {
                    return null;
                }
                if (!hasUid(current, uid)) {
                    remember(key, current); // the base of the next status, the new object's
                    throw new ObjectReplaced(current.getKind() + " " + current.getMetadata().getNamespace() + "/"
                            + current.getMetadata().getName() + " is another object now (uid "
                            + current.getMetadata().getUid() + ", the status was computed for " + uid
                            + "): it was deleted and made again");
                }
            }
            if (!change.test(current)) {
                remember(key, current);
                return current;
            }
            try {
                GenericKubernetesResource written = objects.resource(current).updateStatus();
                count(what);
                remember(key, written);
                return written;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == CONFLICT_ATTEMPTS) {
                    throw e;
                }
                registry.counter("poolstream.status.write.conflicts", "object", what).increment();
                current = null;
            }
        }
        return current;
    }

    /** The object is the one a status was computed for (uid null: unknown, any object of its name is). */
    static boolean hasUid(GenericKubernetesResource object, String uid) {
        return uid == null || uid.equals(object.getMetadata().getUid());
    }

    /** The object of a status's name is not the one the status was computed for: none of the status is written. */
    private static final class ObjectReplaced extends RuntimeException {
        ObjectReplaced(String message) {
            super(message, null, false, false);
        }
    }

    /** Kept without managedFields (a third of a MachinePool's JSON): the base of a status update needs none. */
    private void remember(String key, GenericKubernetesResource object) {
        lastSeen.put(key, WithoutManagedFields.strip(object));
    }

    private static String seenKey(String kind, String namespace, String name) {
        return kind + "/" + namespace + "/" + name;
    }

    /** @return the object as it is now */
    private GenericKubernetesResource patchProviderIdList(
            GenericKubernetesResource current, NonNamespaceOperation<GenericKubernetesResource,
                    GenericKubernetesResourceList, Resource<GenericKubernetesResource>> objects, String key,
            List<String> providerIds, String what) {
        if (current == null) {
            return null;
        }
        if (current.getMetadata().getDeletionTimestamp() != null) {
            // Being deleted: Cluster API's controllers then run only their delete path, which writes no spec. A spec
            // write would move the MachinePool's generation, and the reconciler decides a DeleteGroup per generation.
            return current;
        }
        Object listed = map(current.getAdditionalProperties().get("spec")).get("providerIDList");
        if (Objects.equals(listed == null ? List.of() : listed, providerIds)) {
            return current;
        }
        // A JSON patch replaces the list (the field is Poolstream's alone to write), with no read before it and no
        // resourceVersion: a write of another field meanwhile does not refuse it. Its test of the uid does, when the
        // object was deleted and made again since it was read (422).
        GenericKubernetesResource patched;
        try {
            patched = objects.resource(current).patch(PatchContext.of(PatchType.JSON), serialization.asJson(List.of(
                    Map.of("op", "test", "path", "/metadata/uid", "value", current.getMetadata().getUid()),
                    Map.of("op", "add", "path", "/spec/providerIDList", "value", providerIds))));
        } catch (KubernetesClientException e) {
            lastSeen.remove(key); // perhaps a copy gone stale: the next attempt reads the object
            throw e;
        }
        count(what);
        remember(key, patched);
        return patched;
    }

    /** Generic access by the model's own definition: no discovery round trip, and one code path for every kind. */
    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> objects(Class<? extends HasMetadata> type, String namespace) {
        return management.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(type))
                .inNamespace(namespace);
    }

    private void count(String what) {
        registry.counter("poolstream.status.writes", "object", what).increment();
    }

    /** A model object as the JSON values the API server returns: numbers, strings and times read back from JSON. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> json(Object value) {
        return serialization.unmarshal(serialization.asJson(value), Map.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** The Node's owner annotations name another owner than this pool: another pool, or a MachineSet's Machine. */
    private static boolean ownedByAnother(Node node, PoolKey pool, String clusterName) {
        Map<String, String> annotations = node.getMetadata().getAnnotations() == null ? Map.of()
                : node.getMetadata().getAnnotations();
        String kind = annotations.get(ClusterApi.NODE_OWNER_KIND_ANNOTATION);
        if (kind == null) {
            return false;
        }
        return !ClusterApi.KIND_MACHINE_POOL.equals(kind)
                || !pool.name().equals(annotations.get(ClusterApi.NODE_OWNER_NAME_ANNOTATION))
                || !pool.namespace().equals(annotations.get(ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION))
                || !clusterName.equals(annotations.get(ClusterApi.NODE_CLUSTER_NAME_ANNOTATION));
    }

    private static boolean adopted(Node node, PoolKey pool, String clusterName) {
        Map<String, String> annotations = node.getMetadata().getAnnotations() == null ? Map.of()
                : node.getMetadata().getAnnotations();
        Stream<String> taintKeys = node.getSpec() == null || node.getSpec().getTaints() == null ? Stream.empty()
                : node.getSpec().getTaints().stream().map(Taint::getKey);
        return ClusterApi.nodeAdopted(annotations, taintKeys, pool.namespace(), pool.name(), clusterName);
    }

    private static String providerId(Node node) {
        return node.getSpec() == null ? null : node.getSpec().getProviderID();
    }

    /** Closes the bounded workload clients (the {@link WorkloadClients} they come from are their owner's). */
    @Override
    public void close() {
        if (machines != null) {
            machines.close();
        }
        workloads.close();
    }
}
