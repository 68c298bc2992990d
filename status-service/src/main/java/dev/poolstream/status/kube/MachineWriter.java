package dev.poolstream.status.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.KubeTime;
import dev.poolstream.api.PoolKey;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.kube.KubeEvents;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.status.domain.InstanceMachines;
import dev.poolstream.status.domain.InstanceMachines.Desired;
import dev.poolstream.status.domain.InstanceMachines.Existing;
import dev.poolstream.status.domain.InstanceMachines.Step;
import dev.poolstream.status.domain.StatusPosition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a pool's per-instance objects (docs/machines.md): the infrastructure machine of each member and, in owner
 * mode, its Machine; lets those of instances that left go. {@link InstanceMachines} decides; this makes the calls.
 * What exists comes from {@link MachineCache}: a status that changes nothing of them makes no request.
 *
 * <p>Each object is written on its own: a write the API server refuses (400, 422: the object is not valid) is logged
 * with the pool's key and told as a Warning Event on the infrastructure pool, is not tried again until the object
 * to write changes, and keeps no other object from being written. Other failures are thrown at the end, after every
 * object was tried, so that the pool's write is tried again.
 */
final class MachineWriter implements AutoCloseable {

    static final String ACTION = "WriteMachines";
    static final String REASON_REFUSED = "MachineWriteRefused";
    static final String REASON_NAME_TAKEN = "MachineNameTaken";
    static final String REASON_WAITING_FOR_HOOKS = "WaitingForDeletionHooks";

    private static final Logger log = LoggerFactory.getLogger(MachineWriter.class);
    private static final int CONFLICT_ATTEMPTS = 3;
    private static final int REFUSALS_REMEMBERED = 10_000;

    private final KubernetesClient management;
    private final boolean owner;
    private final KubeEvents events;
    private final MeterRegistry registry;
    private final Clock clock;
    private final MachineCache cache;
    /** Lets the Machines go whose deletion hooks were removed, off the informers' threads. */
    private final ExecutorService hooksDone = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "machine-hooks");
        thread.setDaemon(true);
        return thread;
    });
    /** How long a conflicting write may take to reach the informer before the pool's write is tried again later. */
    private static final java.time.Duration CONFLICT_WAIT = java.time.Duration.ofSeconds(5);
    private final KubernetesSerialization serialization = new KubernetesSerialization();
    /** kind/namespace/name → the object or status whose write was refused: not sent again while it is the same. */
    private final Map<String, Object> refused = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
            return size() > REFUSALS_REMEMBERED;
        }
    };

    MachineWriter(KubernetesClient management, boolean owner, KubeEvents events, MeterRegistry registry,
                  Clock clock, List<String> namespaces) {
        this.management = management;
        this.owner = owner;
        this.events = events;
        this.registry = registry;
        this.clock = clock;
        this.cache = new MachineCache(management, namespaces);
        if (owner) {
            cache.onShown((kind, object) -> {
                // Only a Machine this service marked is looked at closer: the informers show every status write.
                if (ClusterApi.KIND_MACHINE.equals(kind) && object.getMetadata().getAnnotations() != null
                        && object.getMetadata().getAnnotations().containsKey(InstanceMachines.INSTANCE_GONE_ANNOTATION)
                        && InstanceMachines.hooksDone(existing(kind, object), ClusterApi.MACHINE_FINALIZER)) {
                    hooksDone.execute(() -> letGoAfterHooks(object));
                }
            });
        }
    }

    /**
     * A Machine marked {@link InstanceMachines#INSTANCE_GONE_ANNOTATION} whose last deletion hook was removed: its
     * finalizer goes (conditional on what was seen: one changed meanwhile is shown again, and looked at again).
     */
    private void letGoAfterHooks(GenericKubernetesResource machine) {
        String namespace = machine.getMetadata().getNamespace();
        String name = machine.getMetadata().getName();
        List<String> rest = new ArrayList<>(machine.getMetadata().getFinalizers());
        rest.remove(ClusterApi.MACHINE_FINALIZER);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("resourceVersion", machine.getMetadata().getResourceVersion());
        metadata.put("finalizers", rest);
        try {
            objects(ClusterApi.KIND_MACHINE, namespace).resource(machine).patch(PatchContext.of(PatchType.JSON_MERGE),
                    serialization.asJson(Map.of("metadata", metadata)));
            count("finalizer-removed", ClusterApi.KIND_MACHINE);
            log.info("let Machine {}/{} go: its instance {} left its pool, and its deletion hooks are removed",
                    namespace, name, providerId(machine));
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND && e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                log.warn("Machine {}/{}: could not remove its finalizer once its deletion hooks were removed ({});"
                        + " the pool's next status write does", namespace, name, StatusWriter.describe(e));
            }
        }
    }

    /**
     * Makes the pool's objects say what its status says.
     *
     * @param infrastructurePool the infrastructure pool as the status write left it (null: read here)
     * @param machinePool        the MachinePool as the status write left it (owner mode; null: read here)
     */
    void write(PoolStatus status, GenericKubernetesResource infrastructurePool,
               GenericKubernetesResource machinePool, StatusPosition statusAt) {
        String infraKind = PoolMachines.infrastructureMachineKind(status.infrastructureKind());
        if (infraKind == null || status.infrastructureName() == null) {
            return;
        }
        PoolKey key = PoolKey.parse(status.pool());
        GenericKubernetesResource infra = infrastructurePool != null ? infrastructurePool
                : get(StatusWriter.INFRASTRUCTURE_KINDS.get(status.infrastructureKind()), key.namespace(),
                status.infrastructureName());
        GenericKubernetesResource pool = !owner ? null : machinePool != null ? machinePool
                : get(dev.poolstream.api.cluster.v1beta2.MachinePool.class, key.namespace(), key.name());
        if ((infra != null && !StatusWriter.hasUid(infra, status.infrastructureUid()))
                || (pool != null && !StatusWriter.hasUid(pool, status.poolUid()))) {
            // Read here (their status write failed): objects of the pool's names made again since the status.
            log.info("pool {}: its objects are others than the status was computed for: no machine written", key);
            return;
        }
        InstanceMachines.Owners owners = owners(key, status, infra, pool);
        List<Desired> desired = InstanceMachines.desired(status, owners);
        // An instance the cloud still reports as terminating keeps its objects (a Machine's finalizer holds it for
        // its hooks, and Cluster API's drain of it) until it is gone; one only missing from the status keeps them.
        apply(key, infraKind, desired, InstanceMachines.Members.of(status), infra, statusAt, false);
    }

    /**
     * The pool is gone: every object of it made before {@code at} (its tombstone's place; null: unknown) lets its
     * instance go (none is a member any more). One made later is a pool's of the same name made again. Only objects
     * of this service's ({@link InstanceMachines#ours}): the pool may have been another provider's.
     */
    void forget(String pool, StatusPosition at) {
        PoolKey key = PoolKey.parse(pool);
        for (String infraKind : List.of(ClusterApi.KIND_AWS_MACHINE, ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE)) {
            try {
                apply(key, infraKind, List.of(), InstanceMachines.Members.poolIsGone(), null, at, true);
            } catch (IllegalStateException e) {
                if (!notServed(e)) {
                    throw e;
                }
                // A management cluster with one provider's CRDs alone: no object of the other's kind can exist. Once
                // the first kind's failure held the rest back, and a deleted pool's objects on their finalizers.
                log.debug("pool {}: the API server serves no {}: none to let go", key, infraKind);
            }
        }
    }

    /** The API server answered 404 to the list of a kind: it does not serve it (its CRD is not installed). */
    static boolean notServed(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof KubernetesClientException k && k.getCode() == 404) {
                return true;
            }
        }
        return false;
    }

    /** @param onlyOurs let go only objects surely this service's ({@link InstanceMachines#ours}) */
    private void apply(PoolKey key, String infraKind, List<Desired> desired, InstanceMachines.Members members,
                       GenericKubernetesResource infra, StatusPosition statusAt, boolean onlyOurs) {
        List<String> kinds = List.of(infraKind, ClusterApi.KIND_MACHINE);
        Map<String, GenericKubernetesResource> byKey = new LinkedHashMap<>();
        List<Existing> existing = new ArrayList<>();
        for (String kind : kinds) {
            for (GenericKubernetesResource object : cache.objects(key.namespace(),
                    PoolMachines.poolNameLabel(key.name()), kind)) {
                byKey.put(kind + "/" + object.getMetadata().getName(), object);
                existing.add(existing(kind, object));
            }
        }
        Map<String, Desired> desiredByKey = new LinkedHashMap<>();
        desired.forEach(d -> desiredByKey.put(d.kind() + "/" + d.name(), d));
        List<Step> steps = InstanceMachines.steps(desired, onlyOurs ? InstanceMachines.ours(existing) : existing,
                members, owner, clock.instant(), statusAt);
        List<RuntimeException> failures = new ArrayList<>();
        for (Step step : steps) {
            String stepKey = step.kind() + "/" + step.name();
            try {
                if (step instanceof InstanceMachines.Create create) {
                    create(key, create.desired(), infra, statusAt);
                } else if (step instanceof InstanceMachines.WriteStatus write) {
                    writeStatus(key, desiredByKey.get(stepKey), byKey.get(stepKey), write.status(), infra);
                } else if (step instanceof InstanceMachines.SetVersion version) {
                    // The status step after it writes on this write, not on the object before it: that was a 409.
                    byKey.put(stepKey, setVersion(key, version, byKey.get(stepKey)));
                } else if (step instanceof InstanceMachines.Release release) {
                    release(key, release, byKey.get(stepKey));
                }
            } catch (KubernetesClientException e) {
                if (refusal(e)) {
                    refused(key, step, e, infra);
                } else {
                    failures.add(e);
                }
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }

    /**
     * @param statusAt the status it is made for, put on it ({@link InstanceMachines#MADE_AT_ANNOTATION},
     *                 {@link InstanceMachines#MADE_FOR_RECORD_ANNOTATION}, {@link InstanceMachines#MADE_FOR_LOOK_ANNOTATION})
     */
    private void create(PoolKey key, Desired desired, GenericKubernetesResource infra, StatusPosition statusAt) {
        String refusedKey = "create/" + desired.kind() + "/" + key.namespace() + "/" + desired.name();
        if (Objects.equals(refusedObject(refusedKey), desired.object())) {
            return; // refused as it is: told already
        }
        GenericKubernetesResource object = serialization.convertValue(desired.object(),
                GenericKubernetesResource.class);
        if (statusAt != null) {
            Map<String, String> annotations = new LinkedHashMap<>(java.util.Optional.ofNullable(
                    object.getMetadata().getAnnotations()).orElse(Map.of()));
            if (statusAt.at() != null) {
                annotations.put(InstanceMachines.MADE_AT_ANNOTATION, statusAt.at().toString());
            }
            if (statusAt.record() != null) {
                annotations.put(InstanceMachines.MADE_FOR_RECORD_ANNOTATION, statusAt.record());
            }
            if (statusAt.look() > 0) {
                annotations.put(InstanceMachines.MADE_FOR_LOOK_ANNOTATION, Long.toString(statusAt.look()));
            }
            object.getMetadata().setAnnotations(annotations.isEmpty() ? null : annotations);
        }
        GenericKubernetesResource created;
        try {
            created = objects(desired.kind(), key.namespace()).resource(object).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                nameTaken(key, desired, infra, refusedKey);
                return;
            }
            if (refusal(e)) {
                remember(refusedKey, desired.object());
            }
            throw e;
        }
        count("created", desired.kind());
        cache.wrote(desired.kind(), key.namespace(), desired.name(), null, created);
        log.info("created {} {}/{} for instance {} of pool {}", desired.kind(), key.namespace(), desired.name(),
                desired.providerID(), key);
        // The status is a subresource: the create left it out.
        InstanceMachines.statusToWrite(desired, existing(desired.kind(), created), clock.instant())
                .ifPresent(s -> writeStatus(key, desired, created, s, infra));
    }

    /**
     * A create met an object of the name. Usually this instance's, not yet in the informer (made by this replica a
     * moment ago, or by the one before it): its status is written at the next look. Else the name is taken by an
     * object that is not this instance's (two pools whose names differ only where the name rule maps '.' to '-', or an
     * object whose labels were changed): said once, on the infrastructure pool, and left alone; the instance has no
     * such object, so nothing that acts through one (a health check, cluster-autoscaler, a Machine's deletion) can.
     */
    private void nameTaken(PoolKey key, Desired desired, GenericKubernetesResource infra, String refusedKey) {
        GenericKubernetesResource there = objects(desired.kind(), key.namespace()).withName(desired.name()).get();
        Map<String, String> labels = there == null || there.getMetadata().getLabels() == null ? Map.of()
                : there.getMetadata().getLabels();
        Object providerID = there == null ? null : map(there.getAdditionalProperties().get("spec")).get("providerID");
        if (there == null || PoolMachines.poolNameLabel(key.name()).equals(labels.get(ClusterApi.POOL_NAME_LABEL))
                && (providerID == null || providerID.equals(desired.providerID()))) {
            return; // already there: the informer shows it, and its status, next time
        }
        remember(refusedKey, desired.object());
        String note = desired.kind() + " " + key.namespace() + "/" + desired.name() + " exists and is not instance "
                + desired.providerID() + " of pool " + key + "'s (its pool label " + labels.get(
                ClusterApi.POOL_NAME_LABEL) + ", its provider ID " + providerID + "): left alone, and this instance"
                + " has none";
        log.warn("pool {}: {}", key, note);
        registry.counter("poolstream.status.machine.refusals", "object", desired.kind()).increment();
        if (infra != null) {
            events.record(infra, KubeEvents.Type.Warning, ACTION, REASON_NAME_TAKEN, note);
        }
    }

    private void writeStatus(PoolKey key, Desired desired, GenericKubernetesResource current,
                             Map<String, Object> status, GenericKubernetesResource infra) {
        String refusedKey = "status/" + desired.kind() + "/" + key.namespace() + "/" + desired.name();
        if (Objects.equals(refusedObject(refusedKey), status)) {
            return;
        }
        var objects = objects(desired.kind(), key.namespace());
        Map<String, Object> next = status;
        for (int attempt = 1; ; attempt++) {
            GenericKubernetesResource object = serialization.convertValue(
                    serialization.convertValue(current, Map.class), GenericKubernetesResource.class);
            object.setApiVersion(apiVersion(desired.kind()));
            object.setKind(desired.kind());
            object.getAdditionalProperties().put("status", next);
            try {
                GenericKubernetesResource written = objects.resource(object).updateStatus();
                count("status", desired.kind());
                cache.wrote(desired.kind(), key.namespace(), desired.name(),
                        current.getMetadata().getResourceVersion(), written);
                return;
            } catch (KubernetesClientException e) {
                if (refusal(e)) {
                    remember(refusedKey, status);
                }
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                    return; // gone meanwhile
                }
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == CONFLICT_ATTEMPTS) {
                    throw e;
                }
                registry.counter("poolstream.status.write.conflicts", "object", desired.kind()).increment();
                // Someone else wrote it (a health check's conditions): merge into what is there now, as the
                // informer shows it a moment later; not shown in time, the pool's write is tried again later.
                current = newer(desired.kind(), key.namespace(), desired.name(), object, e);
                var again = InstanceMachines.statusToWrite(desired, existing(desired.kind(), current),
                        clock.instant());
                if (again.isEmpty()) {
                    return;
                }
                next = again.get();
            }
        }
    }

    /** The object as written (as before when the server said nothing back). */
    private GenericKubernetesResource setVersion(PoolKey key, InstanceMachines.SetVersion step,
                                                 GenericKubernetesResource current) {
        // Given the object it has, the client sends the patch alone (without, it reads the object first).
        GenericKubernetesResource written = objects(step.kind(), key.namespace()).resource(current)
                .patch(PatchContext.of(PatchType.JSON_MERGE),
                        serialization.asJson(Map.of("spec", Map.of("version", step.version()))));
        count("version", step.kind());
        if (written == null) {
            return current;
        }
        cache.wrote(step.kind(), key.namespace(), step.name(), null, written);
        return written;
    }

    /** Its finalizer removed (the instance is gone: nothing is left to terminate), then deleted. */
    private void release(PoolKey key, InstanceMachines.Release step, GenericKubernetesResource current) {
        var objects = objects(step.kind(), key.namespace());
        Resource<GenericKubernetesResource> resource = objects.withName(step.name());
        String versionBefore = current.getMetadata().getResourceVersion();
        if (step.finalizer() != null) {
            GenericKubernetesResource object = current;
            for (int attempt = 1; object != null; attempt++) {
                List<String> rest = new ArrayList<>(object.getMetadata().getFinalizers());
                if (!rest.remove(step.finalizer())) {
                    break;
                }
                Map<String, Object> metadata = new LinkedHashMap<>();
                // The resourceVersion makes it conditional: a finalizer added meanwhile is not lost.
                metadata.put("resourceVersion", object.getMetadata().getResourceVersion());
                metadata.put("finalizers", rest);
                try {
                    objects.resource(object).patch(PatchContext.of(PatchType.JSON_MERGE),
                            serialization.asJson(Map.of("metadata", metadata)));
                    count("finalizer-removed", step.kind());
                    break;
                } catch (KubernetesClientException e) {
                    if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                        object = null;
                    } else if (e.getCode() == HttpURLConnection.HTTP_CONFLICT && attempt < CONFLICT_ATTEMPTS) {
                        object = newer(step.kind(), key.namespace(), step.name(), object, e);
                    } else {
                        throw e;
                    }
                }
            }
            if (object == null) {
                cache.wrote(step.kind(), key.namespace(), step.name(), versionBefore, null);
                return;
            }
        }
        if (step.delete()) {
            resource.delete();
            count("deleted", step.kind());
        }
        if (!step.hooks().isEmpty()) {
            // Deleted and held by its finalizer: the mark says its instance is gone, so that the hooks' removal lets
            // it go (a mark lost to a failure here is made at the pool's next status).
            GenericKubernetesResource marked = resource.patch(PatchContext.of(PatchType.JSON_MERGE),
                    serialization.asJson(Map.of("metadata", Map.of("annotations", Map.of(
                            InstanceMachines.INSTANCE_GONE_ANNOTATION, String.valueOf(providerId(current)))))));
            cache.wrote(step.kind(), key.namespace(), step.name(), versionBefore, marked);
            String note = "Instance " + providerId(current) + " left the pool; the Machine waits for its deletion"
                    + " hooks " + step.hooks() + " before it goes, as Cluster API's Machine controller does";
            log.info("pool {}: Machine {}/{}: {}", key, key.namespace(), step.name(), note);
            events.record(current, KubeEvents.Type.Normal, ACTION, REASON_WAITING_FOR_HOOKS, note);
            return;
        }
        cache.wrote(step.kind(), key.namespace(), step.name(), versionBefore, null);
        log.info("let {} {}/{} of pool {} go: its instance {} left the pool", step.kind(), key.namespace(),
                step.name(), key, providerId(current));
    }

    private void refused(PoolKey key, Step step, KubernetesClientException e, GenericKubernetesResource infra) {
        String note = "The API server refused to write " + step.kind() + " " + key.namespace() + "/" + step.name()
                + ": " + StatusWriter.describe(e);
        log.warn("pool {}: {}", key, note);
        registry.counter("poolstream.status.machine.refusals", "object", step.kind()).increment();
        if (infra != null) {
            events.record(infra, KubeEvents.Type.Warning, ACTION, REASON_REFUSED, note);
        }
    }

    private static boolean refusal(KubernetesClientException e) {
        return e.getCode() == HttpURLConnection.HTTP_BAD_REQUEST || e.getCode() == 422;
    }

    private Object refusedObject(String key) {
        synchronized (refused) {
            return refused.get(key);
        }
    }

    private void remember(String key, Object object) {
        synchronized (refused) {
            refused.put(key, object);
        }
    }

    private static InstanceMachines.Owners owners(PoolKey key, PoolStatus status, GenericKubernetesResource infra,
                                                  GenericKubernetesResource machinePool) {
        String clusterName = status.cluster() == null ? null
                : status.cluster().substring(status.cluster().indexOf('/') + 1);
        Map<String, Object> infraSpec = map(infra == null ? null : infra.getAdditionalProperties().get("spec"));
        Map<String, Object> launchTemplate = map(infraSpec.get("awsLaunchTemplate"));
        String instanceType = (String) launchTemplate.get("instanceType");
        if (instanceType == null) {
            // A mixed instances policy may name the types only in its overrides: the first is the template's.
            Object overrides = map(infraSpec.get("mixedInstancesPolicy")).get("overrides");
            if (overrides instanceof List<?> list && !list.isEmpty()) {
                instanceType = (String) map(list.get(0)).get("instanceType");
            }
        }
        String amiId = (String) map(launchTemplate.get("ami")).get("id");
        Map<String, Object> poolSpec = map(machinePool == null ? null : machinePool.getAdditionalProperties()
                .get("spec"));
        Map<String, Object> templateMetadata = map(map(poolSpec.get("template")).get("metadata"));
        if (poolSpec.get("clusterName") instanceof String name) {
            clusterName = name;
        }
        return new InstanceMachines.Owners(key.namespace(), clusterName, key.name(), ref(infra), ref(machinePool),
                instanceType, amiId, strings(templateMetadata.get("labels")),
                strings(templateMetadata.get("annotations")));
    }

    private static InstanceMachines.Ref ref(GenericKubernetesResource object) {
        return object == null ? null : new InstanceMachines.Ref(object.getApiVersion(), object.getKind(),
                object.getMetadata().getName(), object.getMetadata().getUid());
    }

    static Existing existing(String kind, GenericKubernetesResource object) {
        Map<String, Object> spec = map(object.getAdditionalProperties().get("spec"));
        Map<String, String> annotations = object.getMetadata().getAnnotations() == null ? Map.of()
                : object.getMetadata().getAnnotations();
        List<String> hooks = new ArrayList<>();
        if (ClusterApi.KIND_MACHINE.equals(kind)) {
            hooks.addAll(ClusterApi.withPrefix(annotations, ClusterApi.PRE_DRAIN_HOOK_PREFIX));
            hooks.addAll(ClusterApi.withPrefix(annotations, ClusterApi.PRE_TERMINATE_HOOK_PREFIX));
        }
        return new Existing(kind, object.getMetadata().getName(), providerId(object),
                (String) map(spec.get("infrastructureRef")).get("name"), object.getMetadata().getFinalizers(),
                object.getMetadata().getDeletionTimestamp() != null, (String) spec.get("version"),
                map(object.getAdditionalProperties().get("status")),
                KubeTime.parse(object.getMetadata().getCreationTimestamp()), madeFor(annotations), hooks,
                annotations.containsKey(InstanceMachines.INSTANCE_GONE_ANNOTATION));
    }

    /**
     * The status this service made an object for, as it put it on; null without one, or one that cannot be read (then
     * its creationTimestamp tells, with its uncertainty).
     */
    private static StatusPosition madeFor(Map<String, String> annotations) {
        return StatusPosition.parse(annotations.get(InstanceMachines.MADE_AT_ANNOTATION),
                annotations.get(InstanceMachines.MADE_FOR_RECORD_ANNOTATION),
                annotations.get(InstanceMachines.MADE_FOR_LOOK_ANNOTATION));
    }

    private static String providerId(GenericKubernetesResource object) {
        return (String) map(object.getAdditionalProperties().get("spec")).get("providerID");
    }

    /** The object as the conflicting writer left it (the informer's copy); the conflict itself when not shown. */
    private GenericKubernetesResource newer(String kind, String namespace, String name,
                                            GenericKubernetesResource sent, KubernetesClientException conflict) {
        try {
            GenericKubernetesResource newer = cache.newerThan(kind, namespace, name,
                    sent.getMetadata().getResourceVersion(), CONFLICT_WAIT);
            if (newer == null) {
                throw conflict;
            }
            return newer;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw conflict;
        }
    }

    private GenericKubernetesResource get(Class<? extends HasMetadata> type, String namespace, String name) {
        return type == null ? null : management.genericKubernetesResources(
                ResourceDefinitionContext.fromResourceType(type)).inNamespace(namespace).withName(name).get();
    }

    private static String apiVersion(String kind) {
        ResourceDefinitionContext context = MachineCache.context(kind);
        return context.getGroup() + "/" + context.getVersion();
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> objects(String kind, String namespace) {
        return management.genericKubernetesResources(MachineCache.context(kind)).inNamespace(namespace);
    }

    private void count(String what, String kind) {
        registry.counter("poolstream.status.machine.writes", "object", kind, "write", what).increment();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static Map<String, String> strings(Object value) {
        Map<String, String> strings = new LinkedHashMap<>();
        map(value).forEach((k, v) -> strings.put(k, String.valueOf(v)));
        return strings;
    }

    @Override
    public void close() {
        cache.close();
        hooksDone.shutdownNow();
    }
}
