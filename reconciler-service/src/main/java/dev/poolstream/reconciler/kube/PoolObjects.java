package dev.poolstream.reconciler.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.reconciler.domain.BootstrapData;
import dev.poolstream.reconciler.domain.KubeAction;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler's reads and writes in the management cluster: finalizers, a pool's replicas when an autoscaler owns
 * them, the remediation of its Machines (their conditions written, then they are deleted), and in owner mode the
 * bootstrap step (a pool's bootstrap config read, its data Secret's name written).
 *
 * <p>Every write that is computed from a read carries the read's {@code resourceVersion} (a JSON merge patch with
 * {@code metadata.resourceVersion} is a precondition): the API server refuses it (409) when the object changed in
 * between, instead of the write undoing someone else's. Nothing is created: a write to an object that is gone finds
 * nothing (404) and does nothing.
 */
public final class PoolObjects {

    private static final Logger log = LoggerFactory.getLogger(PoolObjects.class);
    private static final Map<String, Class<? extends HasMetadata>> INFRASTRUCTURE_KINDS = Map.of(
            ClusterApi.KIND_AWS_MACHINE_POOL, AWSMachinePool.class,
            ClusterApi.KIND_AZURE_MACHINE_POOL, AzureMachinePool.class);
    /** Fresh reads after a refused (409) write, before the look gives up and is made again later. */
    private static final int CONFLICT_ATTEMPTS = 5;

    private final KubernetesClient client;
    private final boolean ownerMode;
    /** Bootstrap config kinds found through discovery: {@code kind.group} → where they are served. */
    private final Map<String, ResourceDefinitionContext> bootstrapKinds = new ConcurrentHashMap<>();

    public PoolObjects(KubernetesClient client, boolean ownerMode) {
        this.client = client;
        this.ownerMode = ownerMode;
    }

    public void addFinalizers(PoolSpec spec) {
        infrastructurePool(spec).ifPresent(r -> editFinalizers(r, infrastructureName(spec),
                f -> add(f, ClusterApi.POOLSTREAM_FINALIZER)));
        if (ownerMode) {
            editFinalizers(machinePool(spec), "MachinePool " + spec.key(),
                    f -> add(f, ClusterApi.MACHINE_POOL_FINALIZER));
        }
    }

    public void removeFinalizers(PoolSpec spec) {
        boolean removed = infrastructurePool(spec)
                .map(r -> editFinalizers(r, infrastructureName(spec), f -> remove(f, ClusterApi.POOLSTREAM_FINALIZER)))
                .orElse(false);
        if (ownerMode) {
            removed |= editFinalizers(machinePool(spec), "MachinePool " + spec.key(),
                    f -> remove(f, ClusterApi.MACHINE_POOL_FINALIZER));
        }
        if (removed) {
            log.info("removed the finalizers of pool {}: its cloud group is gone", spec.key());
        }
    }

    /**
     * Deletes the pool's infrastructure pool (owner mode, the MachinePool being deleted), only the object with
     * {@code uid} and only as last read (a precondition on its resourceVersion): one recreated under the same name, or
     * changed meanwhile, is left to the next look. Its finalizer (Poolstream's) holds it until the group is gone.
     */
    public void deleteInfrastructurePool(PoolSpec spec, String uid) {
        infrastructurePool(spec).ifPresent(pool -> {
            Resource<GenericKubernetesResource> resource = pool.byName();
            GenericKubernetesResource current = resource.get();
            if (current == null || current.getMetadata().getDeletionTimestamp() != null) {
                return;
            }
            if (!Objects.equals(current.getMetadata().getUid(), uid)) {
                log.warn("{} {}/{} is not the one pool {} was made with (uid {}, not {}): not deleted",
                        current.getKind(), spec.namespace(), current.getMetadata().getName(), spec.key(),
                        current.getMetadata().getUid(), uid);
                return;
            }
            try {
                resource.lockResourceVersion(current.getMetadata().getResourceVersion()).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND || e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                    log.info("{} {}/{} changed or went while it was deleted; decided again", current.getKind(),
                            spec.namespace(), current.getMetadata().getName());
                    return;
                }
                throw e;
            }
            log.info("deleted {} {}/{} with pool {}, as Cluster API's MachinePool controller does; it goes once its"
                    + " group is gone", current.getKind(), spec.namespace(), current.getMetadata().getName(),
                    spec.key());
        });
    }

    /**
     * Deletes the pool's bootstrap config (owner mode, the MachinePool being deleted), only as last read (a
     * precondition on its resourceVersion), and not one another MachinePool owns (an owner reference to a MachinePool
     * of another uid, as Cluster API sets it): a MachinePool may name any config of its namespace. One that is gone
     * needs nothing.
     */
    public void deleteBootstrapConfig(PoolSpec spec, BootstrapData.ConfigRef ref) {
        Optional<ResourceDefinitionContext> kind = bootstrapKind(ref);
        if (kind.isEmpty()) {
            return;
        }
        Resource<GenericKubernetesResource> resource = client.genericKubernetesResources(kind.get())
                .inNamespace(spec.namespace()).withName(ref.name());
        GenericKubernetesResource current = resource.get();
        if (current == null || current.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        Optional<OwnerReference> otherPool = current.getMetadata().getOwnerReferences().stream()
                .filter(o -> ClusterApi.KIND_MACHINE_POOL.equals(o.getKind()) && !Objects.equals(o.getUid(), spec.uid()))
                .findFirst();
        if (otherPool.isPresent()) {
            log.warn("{} {}/{} is owned by MachinePool {} (uid {}), not by pool {}: not deleted with it", ref.kind(),
                    spec.namespace(), ref.name(), otherPool.get().getName(), otherPool.get().getUid(), spec.key());
            return;
        }
        try {
            resource.lockResourceVersion(current.getMetadata().getResourceVersion()).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND || e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                log.info("{} {}/{} changed or went while it was deleted; decided again", ref.kind(), spec.namespace(),
                        ref.name());
                return;
            }
            throw e;
        }
        log.info("deleted {} {}/{} with pool {}, as Cluster API's MachinePool controller does", ref.kind(),
                spec.namespace(), ref.name(), spec.key());
    }

    public void setReplicas(PoolSpec spec, int replicas) {
        try {
            machinePool(spec).unread().patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"replicas\":" + replicas + "}}");
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                return;
            }
            throw e;
        }
        log.info("set spec.replicas of pool {} to {}, the size its autoscaler gave the group", spec.key(), replicas);
    }

    /**
     * Writes {@code spec.template.spec.bootstrap.dataSecretName}, only to the generation the decision was made from
     * (a newer one may name another config: its own record brings its own decision), and not to a pool being
     * deleted.
     */
    public void setBootstrapDataSecretName(PoolSpec spec, String name) {
        // A conflict is read again at once: it is usually the status service's write, which brings the reconciler no
        // new look, so nothing would write the name later.
        boolean written = patchFreshlyRead(machinePool(spec), false, "pool " + spec.key(), current -> {
            if (current.getMetadata().getDeletionTimestamp() != null) {
                return null;
            }
            if (!Objects.equals(current.getMetadata().getGeneration(), spec.generation())) {
                log.info("pool {} is at generation {}, not {}: its bootstrap data Secret is decided again",
                        spec.key(), current.getMetadata().getGeneration(), spec.generation());
                return null;
            }
            Object before = at(current.getAdditionalProperties(), "spec", "template", "spec", "bootstrap")
                    .map(b -> b.get("dataSecretName")).orElse(null);
            return name.equals(before) ? null
                    : Map.of("spec", Map.of("template", Map.of("spec", Map.of("bootstrap",
                            Map.of("dataSecretName", name)))));
        });
        if (written) {
            log.info("set the bootstrap data Secret of pool {} to {}, from its bootstrap config", spec.key(), name);
        }
    }

    /**
     * Writes conditions on the pool's Machine ({@code status.conditions} through the status subresource, v1beta2),
     * keeping every condition others wrote: a JSON merge patch replaces the whole list, so it is computed from a
     * fresh read and guarded by that read's resourceVersion (a 409 is computed again). A condition already False
     * with the same reason and message is left as it is; one that turns False gets {@code lastTransitionTime} now.
     *
     * @param providerID the instance it is the Machine of: one of another pool or instance is left alone
     *                   ({@link #notThePools})
     * @return whether it wrote (false when every condition already held, or the Machine is gone or not the pool's)
     */
    public boolean setMachineConditions(PoolSpec spec, String machine, String providerID,
                                        List<KubeAction.MachineCondition> conditions, Instant now) {
        String transition = now.truncatedTo(ChronoUnit.SECONDS).toString();
        return patchFreshlyRead(machine(spec, machine), true, "Machine " + spec.namespace() + "/" + machine
                + " of pool " + spec.key(), current -> {
                    if (leftAlone(current, spec, providerID, "marked")) {
                        return null;
                    }
                    List<Map<String, Object>> written = conditionsOf(current);
                    List<Map<String, Object>> after = new ArrayList<>(written);
                    for (KubeAction.MachineCondition condition : conditions) {
                        Map<String, Object> next = condition(condition, after, transition, current.getMetadata()
                                .getGeneration());
                        if (next != null) {
                            after.removeIf(c -> condition.type().equals(c.get("type")));
                            after.add(next);
                        }
                    }
                    return after.equals(written) ? null : Map.of("status", Map.of("conditions", after));
                });
    }

    /**
     * A Machine healthy again before its remediation went through: {@code OwnerRemediated} removed, from a fresh read,
     * keeping every other condition ({@link #patchFreshlyRead}). With {@code markHealthy} (owner mode, where Poolstream
     * is the health check) {@code HealthCheckSucceeded} True too (reason {@code HealthCheckSucceeded}, as Cluster API's
     * MachineHealthCheck writes it); without, a Machine its MachineHealthCheck finds unhealthy again by now keeps its
     * mark, which may be the check's new one.
     *
     * @return whether it wrote (false when the Machine already was so, or is gone, or is unhealthy again, or is not
     *         the pool's instance's: {@link #notThePools})
     */
    public boolean clearRemediation(PoolSpec spec, String machine, String providerID, boolean markHealthy,
                                    Instant now) {
        String transition = now.truncatedTo(ChronoUnit.SECONDS).toString();
        return patchFreshlyRead(machine(spec, machine), true, "Machine " + spec.namespace() + "/" + machine
                + " of pool " + spec.key(), current -> {
                    if (leftAlone(current, spec, providerID, "cleared")) {
                        return null;
                    }
                    List<Map<String, Object>> written = conditionsOf(current);
                    List<Map<String, Object>> after = new ArrayList<>(written);
                    boolean failed = after.stream().anyMatch(c -> ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED
                            .equals(c.get("type")) && "False".equals(c.get("status")));
                    if (failed && !markHealthy) {
                        return null;
                    }
                    after.removeIf(c -> ClusterApi.CONDITION_OWNER_REMEDIATED.equals(c.get("type")));
                    boolean succeeded = after.stream().anyMatch(c -> ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED
                            .equals(c.get("type")) && "True".equals(c.get("status")));
                    if (markHealthy && !succeeded) {
                        after.removeIf(c -> ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED.equals(c.get("type")));
                        after.add(conditionOf(ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, "True",
                                current.getMetadata().getGeneration(), transition,
                                ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, ""));
                    }
                    return after.equals(written) ? null : Map.of("status", Map.of("conditions", after));
                });
    }

    /**
     * Deletes the pool's Machine (its finalizers hold it until its instance is gone); one already gone is left, and so
     * is one of another pool or instance ({@link #notThePools}), as read just before the delete.
     *
     * @param providerID the instance it is the Machine of
     * @param why        ends the log line
     */
    public void deleteMachine(PoolSpec spec, String machine, String providerID, String why) {
        Named named = machine(spec, machine);
        GenericKubernetesResource current = named.byName().get();
        if (current == null || leftAlone(current, spec, providerID, "deleted")) {
            log.debug("Machine {}/{} of pool {} does not exist or is not its instance's: nothing deleted",
                    spec.namespace(), machine, spec.key());
            return;
        }
        if (named.byName().delete().isEmpty()) {
            log.debug("Machine {}/{} of pool {} is gone: nothing deleted", spec.namespace(), machine, spec.key());
        } else {
            log.info("deleted Machine {}/{} of pool {} {}", spec.namespace(), machine, spec.key(), why);
        }
    }

    /**
     * Why a Machine read by the name of the pool's instance's Machine is not that Machine, null when it is. The name is
     * derived (infrastructure pool and instance ID) when the watcher reported no Machine for the instance, and another
     * pool's can have it: two infrastructure pools whose names run together ({@code web.a}, {@code web-a}), scale sets
     * that both number their VMs from 0. Marked and deleted, that pool's healthy instance would be drained and
     * replaced. The Machine must carry the pool's {@code cluster.x-k8s.io/pool-name} label (as Cluster API formats
     * it: {@link PoolMachines#poolNameLabel}), and the instance's provider ID once it has one.
     */
    static String notThePools(GenericKubernetesResource machine, PoolSpec spec, String providerID) {
        Map<String, String> labels = machine.getMetadata().getLabels() == null ? Map.of()
                : machine.getMetadata().getLabels();
        String pool = labels.get(ClusterApi.POOL_NAME_LABEL);
        if (!PoolMachines.poolNameLabel(spec.name()).equals(pool)) {
            return pool == null ? "it carries no " + ClusterApi.POOL_NAME_LABEL + " label"
                    : "it is pool " + pool + "'s";
        }
        Object machineProviderId = at(machine.getAdditionalProperties(), "spec").map(m -> m.get("providerID"))
                .orElse(null);
        if (providerID != null && machineProviderId != null && !providerID.equals(machineProviderId)) {
            return "it is instance " + machineProviderId + "'s, not " + providerID + "'s";
        }
        return null;
    }

    private static boolean leftAlone(GenericKubernetesResource machine, PoolSpec spec, String providerID,
                                     String what) {
        String why = notThePools(machine, spec, providerID);
        if (why != null) {
            log.warn("pool {}: Machine {}/{} not {}: {}", spec.key(), spec.namespace(),
                    machine.getMetadata().getName(), what, why);
        }
        return why != null;
    }

    /** The condition to write, or null when the Machine already has it so. */
    private static Map<String, Object> condition(KubeAction.MachineCondition condition,
                                                 List<Map<String, Object>> written, String now, Long generation) {
        Map<String, Object> existing = written.stream().filter(c -> condition.type().equals(c.get("type")))
                .findFirst().orElse(null);
        boolean wasFalse = existing != null && "False".equals(existing.get("status"));
        if (wasFalse && condition.reason().equals(existing.get("reason"))
                && condition.message().equals(existing.get("message"))) {
            return null;
        }
        return conditionOf(condition.type(), "False", generation, wasFalse && existing.get("lastTransitionTime") != null
                ? existing.get("lastTransitionTime") : now, condition.reason(), condition.message());
    }

    /** A v1beta2 condition as the Machine CRD takes it, fields in its order. */
    private static Map<String, Object> conditionOf(String type, String status, Long generation,
                                                   Object lastTransitionTime, String reason, String message) {
        Map<String, Object> condition = new java.util.LinkedHashMap<>();
        condition.put("type", type);
        condition.put("status", status);
        if (generation != null) {
            condition.put("observedGeneration", generation);
        }
        condition.put("lastTransitionTime", lastTransitionTime);
        condition.put("reason", reason);
        condition.put("message", message);
        return condition;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> conditionsOf(GenericKubernetesResource machine) {
        Object conditions = at(machine.getAdditionalProperties(), "status").map(s -> s.get("conditions"))
                .orElse(null);
        List<Map<String, Object>> list = new ArrayList<>();
        if (conditions instanceof List<?> items) {
            items.stream().filter(Map.class::isInstance).forEach(c -> list.add((Map<String, Object>) c));
        }
        return list;
    }

    private Named machine(PoolSpec spec, String machine) {
        return named(Machine.class, spec.namespace(), machine);
    }

    /**
     * The pool's bootstrap config as it is now: any kind, found through API discovery (the group's preferred
     * version), in the pool's namespace.
     */
    public BootstrapData.Config bootstrapConfig(String namespace, BootstrapData.ConfigRef ref, Instant now) {
        Optional<ResourceDefinitionContext> kind = bootstrapKind(ref);
        if (kind.isEmpty()) {
            return BootstrapData.Config.notFound(ref, now);
        }
        GenericKubernetesResource config = client.genericKubernetesResources(kind.get()).inNamespace(namespace)
                .withName(ref.name()).get();
        if (config == null) {
            return BootstrapData.Config.notFound(ref, now);
        }
        Map<String, Object> status = at(config.getAdditionalProperties(), "status").orElse(Map.of());
        boolean created = Boolean.TRUE.equals(at(status, "initialization").map(i -> i.get("dataSecretCreated"))
                .orElse(null)) || Boolean.TRUE.equals(status.get("ready"));
        Object name = status.get("dataSecretName");
        return new BootstrapData.Config(ref, true, config.getMetadata().getDeletionTimestamp() != null, created,
                name instanceof String s ? s : null, now);
    }

    private Optional<ResourceDefinitionContext> bootstrapKind(BootstrapData.ConfigRef ref) {
        String key = ref.kind() + "." + ref.apiGroup();
        ResourceDefinitionContext known = bootstrapKinds.get(key);
        if (known != null) {
            return Optional.of(known);
        }
        APIGroup group = client.getApiGroup(ref.apiGroup());
        if (group == null || group.getPreferredVersion() == null) {
            return Optional.empty();
        }
        String groupVersion = group.getPreferredVersion().getGroupVersion();
        APIResourceList resources = client.getApiResources(groupVersion);
        Optional<APIResource> resource = resources == null ? Optional.empty() : resources.getResources().stream()
                .filter(r -> ref.kind().equals(r.getKind()) && !r.getName().contains("/")).findFirst();
        Optional<ResourceDefinitionContext> found = resource.map(r -> new ResourceDefinitionContext.Builder()
                .withGroup(ref.apiGroup()).withVersion(group.getPreferredVersion().getVersion())
                .withKind(ref.kind()).withPlural(r.getName()).withNamespaced(Boolean.TRUE.equals(r.getNamespaced()))
                .build());
        found.ifPresent(context -> bootstrapKinds.put(key, context));
        return found;
    }

    private Optional<Named> infrastructurePool(PoolSpec spec) {
        if (spec.infrastructure() == null || spec.infrastructure().kind() == null) {
            return Optional.empty();
        }
        Class<? extends HasMetadata> type = INFRASTRUCTURE_KINDS.get(spec.infrastructure().kind());
        return type == null ? Optional.empty()
                : Optional.of(named(type, spec.namespace(), spec.infrastructure().name()));
    }

    /** The infrastructure pool, as a log line names it. */
    private static String infrastructureName(PoolSpec spec) {
        return spec.infrastructure().kind() + " " + spec.namespace() + "/" + spec.infrastructure().name();
    }

    private Named machinePool(PoolSpec spec) {
        return named(MachinePool.class, spec.namespace(), spec.name());
    }

    private Named named(Class<? extends HasMetadata> type, String namespace, String name) {
        return new Named(client.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(type))
                .inNamespace(namespace), namespace, name);
    }

    /**
     * An object by kind, namespace and name. fabric8 reads an object named only by its name before it patches it;
     * given the object, it sends the patch alone: so a write is made on what was read ({@link #as}), or on a stub
     * ({@link #unread}) when nothing was, one request each.
     */
    private record Named(NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> objects, String namespace, String name) {

        Resource<GenericKubernetesResource> byName() {
            return objects.withName(name);
        }

        Resource<GenericKubernetesResource> as(GenericKubernetesResource read) {
            return objects.resource(read);
        }

        /** For a patch that needs no read: a merge patch without a resourceVersion is applied to what is there. */
        Resource<GenericKubernetesResource> unread() {
            return objects.resource(new GenericKubernetesResourceBuilder().withNewMetadata().withNamespace(namespace)
                    .withName(name).endMetadata().build());
        }
    }

    /**
     * Writes the list when it changes ({@link #patchFreshlyRead}). Adds nothing to an object being deleted: the API
     * server forbids new finalizers there, and a pool being deleted gets no group.
     *
     * @return whether it wrote
     */
    private boolean editFinalizers(Named resource, String what,
                                   UnaryOperator<List<String>> change) {
        return patchFreshlyRead(resource, false, "the finalizers of " + what, current -> {
            List<String> before = current.getMetadata().getFinalizers() == null ? List.of()
                    : current.getMetadata().getFinalizers();
            List<String> after = change.apply(new ArrayList<>(before));
            if (after.equals(before)) {
                return null;
            }
            if (current.getMetadata().getDeletionTimestamp() != null && !before.containsAll(after)) {
                log.info("{} {}/{} is being deleted: no finalizer added", current.getKind(),
                        current.getMetadata().getNamespace(), current.getMetadata().getName());
                return null;
            }
            // No finalizers left: the field goes (null), which is what an empty list means, and what fabric8's mock
            // server, which merges arrays instead of replacing them, also understands.
            Map<String, Object> metadata = new HashMap<>();
            metadata.put("finalizers", after.isEmpty() ? null : after);
            return Map.of("metadata", metadata);
        });
    }

    /**
     * A JSON merge patch computed from a fresh read and guarded by that read's resourceVersion (a patch carrying
     * {@code metadata.resourceVersion} is a precondition), so that it never undoes someone else's write: a refused
     * one (409: the object changed in between) is read and computed again, up to {@link #CONFLICT_ATTEMPTS} times,
     * then thrown, and the look is made again later. An object that is gone needs nothing.
     *
     * @param status  patch the status subresource (read from the object itself)
     * @param what    names the object in the log
     * @param patchOf the patch for the object as read, without its resourceVersion; null when nothing is to be written
     * @return whether it wrote
     */
    private boolean patchFreshlyRead(Named object, boolean status, String what,
                                     Function<GenericKubernetesResource, Map<String, Object>> patchOf) {
        for (int attempt = 1; ; attempt++) {
            GenericKubernetesResource current = object.byName().get();
            if (current == null) {
                log.debug("{} does not exist: nothing written", what);
                return false;
            }
            Map<String, Object> patch = patchOf.apply(current);
            if (patch == null) {
                return false;
            }
            Map<String, Object> guarded = new HashMap<>(patch);
            @SuppressWarnings("unchecked")
            Map<String, Object> metadata = new HashMap<>((Map<String, Object>) patch.getOrDefault("metadata",
                    Map.of()));
            metadata.put("resourceVersion", current.getMetadata().getResourceVersion());
            guarded.put("metadata", metadata);
            try {
                Resource<GenericKubernetesResource> read = object.as(current);
                (status ? read.subresource("status") : read).patch(PatchContext.of(PatchType.JSON_MERGE),
                        client.getKubernetesSerialization().asJson(guarded));
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                    log.debug("{} is gone: nothing written", what);
                    return false;
                }
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == CONFLICT_ATTEMPTS) {
                    throw e;
                }
                log.debug("{} changed while it was written; reading it again", what);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> at(Map<String, Object> object, String... path) {
        Object at = object;
        for (String key : path) {
            if (!(at instanceof Map<?, ?> map)) {
                return Optional.empty();
            }
            at = map.get(key);
        }
        return at instanceof Map<?, ?> map ? Optional.of((Map<String, Object>) map) : Optional.empty();
    }

    private static List<String> add(List<String> finalizers, String finalizer) {
        if (!finalizers.contains(finalizer)) {
            finalizers.add(finalizer);
        }
        return finalizers;
    }

    private static List<String> remove(List<String> finalizers, String finalizer) {
        finalizers.remove(finalizer);
        return finalizers;
    }
}
