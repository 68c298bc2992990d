package dev.poolstream.status.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.ProviderId;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolDeparture;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One object per instance (docs/machines.md): the infrastructure machine ({@code AWSMachine},
 * {@code AzureMachinePoolMachine}) of every member, and in owner mode its Cluster API {@code Machine}, as Cluster
 * API's {@code createOrUpdateMachines} makes it. {@link #desired} says what each should be; {@link #steps} compares
 * that with what exists and says what to do: create, write a status that changed, set a Machine's version, or let an
 * object of an instance that left go (its finalizer removed, then deleted). Objects are JSON values, as the API server
 * takes them.
 */
public final class InstanceMachines {

    /**
     * How far two clocks of the system may differ: the API server's and this service's, or two replicas' of this
     * service. Times by two clocks are compared only beyond it.
     */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(1);
    /** The second a creationTimestamp leaves out, and the API server's clock against this one's. */
    public static final Duration CREATED_UNCERTAINTY = Duration.ofSeconds(1).plus(CLOCK_SKEW);
    /**
     * On an object this service makes: the time of the status it made it for, to the millisecond by the clock of the
     * replica that computed that status ({@link StatusPosition#at}).
     */
    public static final String MADE_AT_ANNOTATION = "poolstream.dev/made-for-status-at";
    /**
     * On an object this service makes: the place of the status it made it for in the status topic,
     * {@code <topic>-<partition>@<offset>} ({@link StatusPosition#record}), which a later status's place is compared
     * with exactly ({@link #steps}).
     */
    public static final String MADE_FOR_RECORD_ANNOTATION = "poolstream.dev/made-for-status-record";
    /**
     * On an object this service makes: the number of the pool's look whose status it was made for
     * ({@link StatusPosition#look}), which the look after which its instance left is compared with exactly
     * ({@link Members}).
     */
    public static final String MADE_FOR_LOOK_ANNOTATION = "poolstream.dev/made-for-status-look";
    /**
     * On a Machine (owner mode) deleted because its instance left the pool while it carried machine deletion hooks:
     * its finalizer waits for them, as Cluster API's Machine controller waits, and goes once they are removed.
     */
    public static final String INSTANCE_GONE_ANNOTATION = "poolstream.dev/instance-gone";

    public static final String MACHINE_API_VERSION = ClusterApi.CLUSTER_GROUP + "/v1beta2";
    public static final String CONDITION_READY = "Ready";
    public static final String PHASE_PROVISIONING = "Provisioning";
    public static final String PHASE_RUNNING = "Running";
    public static final String PHASE_DELETING = "Deleting";

    /** An object reference: an owner. */
    public record Ref(String apiVersion, String kind, String name, String uid) {
    }

    /**
     * What the pool's per-instance objects hang from, as the writer read it.
     *
     * @param infrastructurePool the infrastructure pool; null when it could not be read (nothing is created then)
     * @param machinePool        the MachinePool; null when no Machines are made (infrastructure-provider mode) or it
     *                           could not be read
     * @param instanceType       the AWSMachinePool's launch template instance type (the AWSMachine CRD requires one)
     * @param amiId              the launch template's AMI id, null when not given
     * @param templateLabels     the MachinePool's {@code spec.template.metadata.labels}
     * @param templateAnnotations its {@code spec.template.metadata.annotations}
     */
    public record Owners(String namespace, String clusterName, String machinePoolName, Ref infrastructurePool,
                         Ref machinePool, String instanceType, String amiId, Map<String, String> templateLabels,
                         Map<String, String> templateAnnotations) {
        public Owners {
            templateLabels = templateLabels == null ? Map.of() : Map.copyOf(templateLabels);
            templateAnnotations = templateAnnotations == null ? Map.of() : Map.copyOf(templateAnnotations);
        }
    }

    /**
     * One object as it should be.
     *
     * @param object  the whole object to create (no status: the API server drops it on create)
     * @param status  the status fields this service owns; for a Machine, {@code conditions} holds only its Ready
     *                condition (merged into the object's list by {@link #statusToWrite})
     * @param version a Machine's {@code spec.version}: the Node's kubelet version, null while unknown
     */
    public record Desired(String kind, String name, String providerID, boolean create, Map<String, Object> object,
                          Map<String, Object> status, String version) {
    }

    /**
     * An object of the pool as it exists (from the writer's cache).
     *
     * @param providerID        {@code spec.providerID}, null when not set
     * @param infrastructureRef a Machine's {@code spec.infrastructureRef.name}, null for infrastructure machines
     * @param version           a Machine's {@code spec.version}
     * @param status            its {@code status} as JSON values, empty when it has none
     * @param created           its creationTimestamp (whole seconds, the API server's clock); null when unknown
     * @param madeFor           the status this service made it for ({@link #MADE_AT_ANNOTATION},
     *                          {@link #MADE_FOR_RECORD_ANNOTATION}); null for an object made by another (Cluster API's
     *                          Machine) or before
     * @param hooks             a Machine's pre-drain and pre-terminate deletion hook annotations
     * @param instanceGone      a Machine carries {@link #INSTANCE_GONE_ANNOTATION}
     */
    public record Existing(String kind, String name, String providerID, String infrastructureRef,
                           List<String> finalizers, boolean deleting, String version, Map<String, Object> status,
                           Instant created, StatusPosition madeFor, List<String> hooks, boolean instanceGone) {
        public Existing {
            finalizers = finalizers == null ? List.of() : List.copyOf(finalizers);
            status = status == null ? Map.of() : status;
            hooks = hooks == null ? List.of() : List.copyOf(hooks);
        }

        public Existing(String kind, String name, String providerID, String infrastructureRef, List<String> finalizers,
                        boolean deleting, String version, Map<String, Object> status, Instant created,
                        StatusPosition madeFor) {
            this(kind, name, providerID, infrastructureRef, finalizers, deleting, version, status, created, madeFor,
                    List.of(), false);
        }

        public Existing(String kind, String name, String providerID, String infrastructureRef, List<String> finalizers,
                        boolean deleting, String version, Map<String, Object> status, Instant created) {
            this(kind, name, providerID, infrastructureRef, finalizers, deleting, version, status, created, null);
        }

        public Existing(String kind, String name, String providerID, String infrastructureRef, List<String> finalizers,
                        boolean deleting, String version, Map<String, Object> status) {
            this(kind, name, providerID, infrastructureRef, finalizers, deleting, version, status, null, null);
        }
    }

    /**
     * Who is in the pool, as one status says it.
     *
     * @param current  the provider IDs of its members, terminating ones included: an object of one is never let go
     * @param departed those that surely left ({@link PoolStatus#departed}), by provider ID: the only ones whose objects
     *                 are let go, and only objects made before. One only missing from {@code current} may be missing
     *                 for a moment: a status computed again after a crash can lack a member that joined just before it.
     * @param poolGone the pool is gone (its status tombstone): every instance left, the evidence the tombstone itself
     */
    public record Members(Set<String> current, Map<String, PoolDeparture> departed, boolean poolGone) {
        public Members {
            current = Set.copyOf(current);
            departed = Map.copyOf(departed);
        }

        public Members(Set<String> current, Map<String, PoolDeparture> departed) {
            this(current, departed, false);
        }

        /** The pool is gone: none is a member, every one left. */
        public static Members poolIsGone() {
            return new Members(Set.of(), Map.of(), true);
        }

        /** The status's members and the instances the cloud still reports terminating; its departures. */
        public static Members of(PoolStatus status) {
            Set<String> current = new HashSet<>();
            status.members().forEach(m -> current.add(m.providerID()));
            current.addAll(status.terminating());
            Map<String, PoolDeparture> departed = new HashMap<>();
            status.departed().forEach(d -> departed.merge(d.providerID(), d, (a, b) -> a.at().isAfter(b.at()) ? a : b));
            return new Members(current, departed);
        }

        /**
         * Whether the object's instance surely left after the object was made: known, no member, and departed after
         * the pool's status the object was made for or a later one (the pool's statuses are numbered: no clock
         * within a minute), unless the times say the numbers began again ({@link #numbersSayLeftAfter}); where either
         * number is unknown (objects made before statuses were numbered), departed later than the object was made by
         * more than two clocks can differ ({@link #madeSurelyBefore}).
         */
        boolean surelyLeftAfter(Existing have) {
            String id = have.providerID();
            if (id == null || id.isEmpty() || current.contains(id)) {
                return false;
            }
            if (poolGone) {
                return true;
            }
            PoolDeparture left = departed.get(id);
            if (left == null) {
                return false;
            }
            if (left.afterLook() > 0 && have.madeFor() != null && have.madeFor().look() > 0) {
                return numbersSayLeftAfter(left, have.madeFor());
            }
            return madeSurelyBefore(have, left.at());
        }

        /**
         * The numbers decide, but a pool's numbers can begin again: a reset of the topology's state, a version without
         * them run in between, a pool made again under its name, a view restored behind a status already sent. So
         * where the times disagree with the numbers by more than a minute ({@link StatusPosition#OFFSETS_BEGAN_AGAIN},
         * as for offsets), the times decide: a lower number that left a minute after the object was made left after
         * it; a higher one that left a minute before it was made is another incarnation's (an Azure instance ID of a
         * pool made again).
         */
        private static boolean numbersSayLeftAfter(PoolDeparture left, StatusPosition madeFor) {
            boolean after = left.afterLook() >= madeFor.look();
            if (madeFor.at() == null) {
                return after;
            }
            return after ? !left.at().plus(StatusPosition.OFFSETS_BEGAN_AGAIN).isBefore(madeFor.at())
                    : madeFor.at().plus(StatusPosition.OFFSETS_BEGAN_AGAIN).isBefore(left.at());
        }
    }

    /** What to do about one object. */
    public sealed interface Step {
        String kind();

        String name();
    }

    public record Create(Desired desired) implements Step {
        @Override
        public String kind() {
            return desired.kind();
        }

        @Override
        public String name() {
            return desired.name();
        }
    }

    /** @param status the whole new status, the object's own fields kept */
    public record WriteStatus(String kind, String name, Map<String, Object> status) implements Step {
    }

    /** A Machine's {@code spec.version}, once the Node's kubelet says it. */
    public record SetVersion(String kind, String name, String version) implements Step {
    }

    /**
     * The instance left the pool: remove {@code finalizer} (null: none of ours to remove) and delete the object
     * unless its deletion was asked already.
     *
     * @param hooks a Machine's deletion hooks that hold its finalizer (then null): it is marked
     *              {@link #INSTANCE_GONE_ANNOTATION} so that their removal lets it go; empty for none
     */
    public record Release(String kind, String name, String finalizer, boolean delete, List<String> hooks)
            implements Step {
        public Release {
            hooks = hooks == null ? List.of() : List.copyOf(hooks);
        }

        public Release(String kind, String name, String finalizer, boolean delete) {
            this(kind, name, finalizer, delete, List.of());
        }
    }

    /** The objects the pool's members should have; none for a kind Poolstream does not know. */
    public static List<Desired> desired(PoolStatus status, Owners owners) {
        String infraKind = PoolMachines.infrastructureMachineKind(status.infrastructureKind());
        if (infraKind == null || owners == null || owners.infrastructurePool() == null) {
            return List.of();
        }
        List<Desired> desired = new ArrayList<>();
        for (PoolMember member : status.members()) {
            String name = PoolMachines.machineName(owners.infrastructurePool().name(), member.providerID());
            // A terminating instance gets no new object: it is on its way out.
            boolean create = member.lifecycle() != InstanceLifecycle.TERMINATING;
            desired.add(new Desired(infraKind, name, member.providerID(), create,
                    infrastructureMachine(infraKind, name, member, owners),
                    infrastructureMachineStatus(infraKind, member), null));
            if (owners.machinePool() != null) {
                desired.add(new Desired(ClusterApi.KIND_MACHINE, name, member.providerID(), create,
                        machine(infraKind, name, member, owners), machineStatus(member),
                        blankToNull(member.kubeletVersion())));
            }
        }
        return desired;
    }

    /**
     * What to do so that what exists becomes what is desired.
     *
     * @param members who is in the pool and who surely left it: only the objects of those that left are let go
     * @param owner   owner mode: the Machines' finalizer is this service's to remove
     */
    public static List<Step> steps(List<Desired> desired, List<Existing> existing, Members members, boolean owner,
                                   Instant now) {
        return steps(desired, existing, members, owner, now, null);
    }

    /**
     * @param status where the status stands among the pool's (null: unknown). An object made for a later status is
     *               none of this one's business: a status read again from an older offset (a restart, a rebalance, a
     *               pool whose write held the commit point) does not know the instances that joined since, and would
     *               let their objects go, a Machine's delete taking its running instance with it.
     */
    public static List<Step> steps(List<Desired> desired, List<Existing> existing, Members members, boolean owner,
                                   Instant now, StatusPosition status) {
        Map<String, Existing> byKey = new LinkedHashMap<>();
        existing.forEach(e -> byKey.put(e.kind() + "/" + e.name(), e));
        List<Step> steps = new ArrayList<>();
        for (Desired want : desired) {
            Existing have = byKey.get(want.kind() + "/" + want.name());
            if (have == null) {
                if (want.create()) {
                    steps.add(new Create(want));
                }
                continue;
            }
            if (ClusterApi.KIND_MACHINE.equals(want.kind()) && want.version() != null
                    && !want.version().equals(have.version()) && !have.deleting()) {
                steps.add(new SetVersion(want.kind(), want.name(), want.version()));
            }
            statusToWrite(want, have, now).ifPresent(s -> steps.add(new WriteStatus(want.kind(), want.name(), s)));
        }
        Set<String> goneInfrastructure = new HashSet<>();
        for (Existing have : existing) {
            if (!ClusterApi.KIND_MACHINE.equals(have.kind()) && members.surelyLeftAfter(have)
                    && olderThan(have, status)) {
                goneInfrastructure.add(have.name());
                release(have, ClusterApi.INSTANCE_FINALIZER).ifPresent(steps::add);
            }
        }
        for (Existing have : existing) {
            // A Machine Cluster API made may not have its provider ID yet: its infrastructure machine tells.
            if (ClusterApi.KIND_MACHINE.equals(have.kind()) && olderThan(have, status)
                    && (members.surelyLeftAfter(have)
                    || (have.providerID() == null && goneInfrastructure.contains(have.infrastructureRef())))) {
                // In infrastructure-provider mode the Machine's finalizer is Cluster API's: only the delete is ours.
                release(have, owner ? ClusterApi.MACHINE_FINALIZER : null).ifPresent(steps::add);
            }
        }
        return steps;
    }

    /**
     * The objects that are surely this service's to let go when the pool itself is gone, whatever it was: an
     * infrastructure machine it made ({@link #MADE_AT_ANNOTATION}) or that carries its finalizer, and a Machine it made
     * or whose infrastructure machine is one of those. A pool of the same name that another provider ran (CAPA, CAPZ)
     * has objects of the same pool-name label: deleting them would have that provider end their instances.
     */
    public static List<Existing> ours(List<Existing> existing) {
        Set<String> ourInfrastructure = new HashSet<>();
        List<Existing> ours = new ArrayList<>();
        for (Existing have : existing) {
            if (!ClusterApi.KIND_MACHINE.equals(have.kind()) && (have.madeFor() != null
                    || have.finalizers().contains(ClusterApi.INSTANCE_FINALIZER))) {
                ourInfrastructure.add(have.name());
                ours.add(have);
            }
        }
        for (Existing have : existing) {
            if (ClusterApi.KIND_MACHINE.equals(have.kind()) && (have.madeFor() != null
                    || have.infrastructureRef() != null && ourInfrastructure.contains(have.infrastructureRef()))) {
                ours.add(have);
            }
        }
        return ours;
    }

    /**
     * Made for a status surely before this one, or the status unknown. An object this service made says for which
     * status ({@link #MADE_FOR_RECORD_ANNOTATION}), whose offset compares exactly with the status's
     * ({@link StatusPosition#surelyBefore}). For another (Cluster API's Machine), its creationTimestamp is whole seconds
     * (one made at 06:00:00.700 says 06:00:00) by the API server's clock, and the status's time a replica's clock to
     * the millisecond: only one made at least {@link #CREATED_UNCERTAINTY} before it is surely older. One made within
     * that of a status that says its instance left waits for the pool's next status.
     */
    private static boolean olderThan(Existing have, StatusPosition status) {
        if (status == null) {
            return true;
        }
        if (have.madeFor() != null) {
            return have.madeFor().surelyBefore(status);
        }
        return surelyCreatedBefore(have.created(), status.at());
    }

    /**
     * Whether an object the API server says it created at {@code created} (whole seconds, by its clock) surely existed
     * before a status computed at {@code statusAt} (this service's clock): made at least {@link #CREATED_UNCERTAINTY}
     * before it, or either time unknown. One made since is not the one the status speaks of, whatever its name.
     */
    static boolean surelyCreatedBefore(Instant created, Instant statusAt) {
        return created == null || statusAt == null || !created.plus(CREATED_UNCERTAINTY).isAfter(statusAt);
    }

    /**
     * Whether an object the API server says it created at {@code created} was surely made after a status computed at
     * {@code statusAt}: its creationTimestamp, which can only be early (whole seconds), is later than the status's time
     * by more than the API server's clock can differ from this one's. Either time unknown: no.
     */
    public static boolean surelyCreatedAfter(Instant created, Instant statusAt) {
        return created != null && statusAt != null && created.isAfter(statusAt.plus(CLOCK_SKEW));
    }

    /**
     * Whether an object was surely made before {@code at}, a time by a clock of this system: one this service made, for
     * a status more than {@link #CLOCK_SKEW} before ({@link StatusPosition#surelyBefore} by times alone: the two times
     * can be two replicas' clocks); another (Cluster API's Machine), created at least {@link #CREATED_UNCERTAINTY}
     * before. An instance that leaves and comes back under its
     * provider ID (a scale set's instance ID) has a departure from before its objects: not theirs to act on.
     */
    static boolean madeSurelyBefore(Existing have, Instant at) {
        if (have.madeFor() != null && have.madeFor().at() != null) {
            return have.madeFor().surelyBefore(StatusPosition.at(at));
        }
        return surelyCreatedBefore(have.created(), at);
    }

    private static Optional<Step> release(Existing have, String finalizer) {
        String remove = finalizer != null && have.finalizers().contains(finalizer) ? finalizer : null;
        if (remove != null && !have.hooks().isEmpty()) {
            // As Cluster API's Machine controller: a Machine is not let go while a deletion hook holds it, even with
            // its instance gone (the hook's owner may still have work to do); marked, it goes once they are removed.
            return have.deleting() && have.instanceGone() ? Optional.empty()
                    : Optional.of(new Release(have.kind(), have.name(), null, !have.deleting(), have.hooks()));
        }
        if (remove == null && have.deleting()) {
            return Optional.empty(); // nothing of ours holds it; its deletion is under way
        }
        return Optional.of(new Release(have.kind(), have.name(), remove, !have.deleting()));
    }

    /**
     * Whether a Machine this service marked {@link #INSTANCE_GONE_ANNOTATION} may lose its finalizer now: it is being
     * deleted, carries the finalizer and no deletion hook any more.
     */
    public static boolean hooksDone(Existing machine, String finalizer) {
        return machine.instanceGone() && machine.deleting() && machine.hooks().isEmpty()
                && machine.finalizers().contains(finalizer);
    }

    /**
     * The status to write so that the object says what is desired, keeping every field and condition of others
     * (a Machine's {@code HealthCheckSucceeded}, {@code OwnerRemediated}); empty when it says it already.
     */
    public static Optional<Map<String, Object>> statusToWrite(Desired want, Existing have, Instant now) {
        Map<String, Object> current = have.status();
        Map<String, Object> next = new LinkedHashMap<>(current);
        for (Map.Entry<String, Object> field : want.status().entrySet()) {
            if (!"conditions".equals(field.getKey())) {
                next.put(field.getKey(), field.getValue());
            }
        }
        if (ClusterApi.KIND_MACHINE.equals(want.kind())) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> wanted = (List<Map<String, Object>>) want.status().get("conditions");
            if (!want.status().containsKey("nodeRef") && current.get("nodeRef") instanceof Map<?, ?> nodeRef) {
                // Its Node is gone while the instance is a member: as Cluster API's Machine controller, the nodeRef
                // stays, and with it phase Running, and Ready says the Node was deleted (not that one is awaited).
                next.put("phase", PHASE_RUNNING);
                wanted = List.of(nodeDeleted(String.valueOf(nodeRef.get("name"))));
            }
            if (have.deleting()) {
                next.put("phase", PHASE_DELETING);
            }
            next.put("conditions", mergeConditions(current.get("conditions"), wanted, now));
        }
        return next.equals(current) ? Optional.empty() : Optional.of(next);
    }

    /**
     * The object's conditions with {@code wanted} put in place of those of their type; a condition whose status does
     * not change keeps its lastTransitionTime, and a new one without a time gets {@code now}.
     */
    static List<Object> mergeConditions(Object onObject, List<Map<String, Object>> wanted, Instant now) {
        List<Object> conditions = onObject instanceof List<?> list ? new ArrayList<>(list) : new ArrayList<>();
        for (Map<String, Object> condition : wanted) {
            Map<String, Object> next = new LinkedHashMap<>(condition);
            int at = -1;
            for (int i = 0; i < conditions.size(); i++) {
                if (conditions.get(i) instanceof Map<?, ?> c && Objects.equals(c.get("type"), condition.get("type"))) {
                    at = i;
                    break;
                }
            }
            if (at >= 0) {
                Map<?, ?> current = (Map<?, ?>) conditions.get(at);
                if (Objects.equals(current.get("status"), next.get("status"))
                        && current.get("lastTransitionTime") != null) {
                    next.put("lastTransitionTime", current.get("lastTransitionTime"));
                }
            }
            next.putIfAbsent("lastTransitionTime", time(now));
            if (at >= 0) {
                conditions.set(at, next);
            } else {
                conditions.add(next);
            }
        }
        return conditions;
    }

    // ---- the objects ------------------------------------------------------------------------------------------------

    private static Map<String, Object> infrastructureMachine(String kind, String name, PoolMember member,
                                                             Owners owners) {
        Ref pool = owners.infrastructurePool();
        Map<String, Object> ownerReference = new LinkedHashMap<>();
        ownerReference.put("apiVersion", pool.apiVersion());
        ownerReference.put("kind", pool.kind());
        ownerReference.put("name", pool.name());
        ownerReference.put("uid", pool.uid());
        // No controller: Cluster API's Machine controller makes itself the controller (docs/machines-research.md §1).
        ownerReference.put("blockOwnerDeletion", true);
        Map<String, Object> metadata = metadata(name, owners, poolLabels(owners), Map.of(), ownerReference,
                ClusterApi.INSTANCE_FINALIZER);
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("providerID", member.providerID());
        spec.put("instanceID", ProviderId.parse(member.providerID()).instance());
        String apiVersion = pool.apiVersion();
        if (ClusterApi.KIND_AWS_MACHINE.equals(kind)) {
            spec.put("instanceType", owners.instanceType());
            if (owners.amiId() != null) {
                spec.put("ami", Map.of("id", owners.amiId()));
            }
        }
        return object(apiVersion, kind, metadata, spec);
    }

    private static Map<String, Object> machine(String infraKind, String name, PoolMember member, Owners owners) {
        Ref pool = owners.machinePool();
        Map<String, Object> ownerReference = new LinkedHashMap<>();
        ownerReference.put("apiVersion", pool.apiVersion());
        ownerReference.put("kind", pool.kind());
        ownerReference.put("name", pool.name());
        ownerReference.put("uid", pool.uid());
        ownerReference.put("controller", true);
        ownerReference.put("blockOwnerDeletion", true);
        // As createOrUpdateMachines: the template's labels, then the two that find the pool's Machines.
        Map<String, String> labels = new LinkedHashMap<>(owners.templateLabels());
        labels.putAll(poolLabels(owners));
        Map<String, Object> metadata = metadata(name, owners, labels, owners.templateAnnotations(), ownerReference,
                ClusterApi.MACHINE_FINALIZER);
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("clusterName", owners.clusterName());
        spec.put("bootstrap", Map.of("dataSecretName", ""));
        spec.put("infrastructureRef", Map.of("apiGroup", ClusterApi.INFRASTRUCTURE_GROUP, "kind", infraKind,
                "name", name));
        spec.put("providerID", member.providerID());
        // The CRD asks for at least one character: left out until the Node says it.
        String version = blankToNull(member.kubeletVersion());
        if (version != null) {
            spec.put("version", version);
        }
        return object(MACHINE_API_VERSION, ClusterApi.KIND_MACHINE, metadata, spec);
    }

    private static Map<String, String> poolLabels(Owners owners) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ClusterApi.CLUSTER_NAME_LABEL, owners.clusterName());
        labels.put(ClusterApi.POOL_NAME_LABEL, PoolMachines.poolNameLabel(owners.machinePoolName()));
        return labels;
    }

    private static Map<String, Object> metadata(String name, Owners owners, Map<String, String> labels,
                                                Map<String, String> annotations, Map<String, Object> ownerReference,
                                                String finalizer) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", name);
        metadata.put("namespace", owners.namespace());
        metadata.put("labels", labels);
        if (!annotations.isEmpty()) {
            metadata.put("annotations", annotations);
        }
        metadata.put("ownerReferences", List.of(ownerReference));
        metadata.put("finalizers", List.of(finalizer));
        return metadata;
    }

    private static Map<String, Object> object(String apiVersion, String kind, Map<String, Object> metadata,
                                              Map<String, Object> spec) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("apiVersion", apiVersion);
        object.put("kind", kind);
        object.put("metadata", metadata);
        object.put("spec", spec);
        return object;
    }

    // ---- their status -----------------------------------------------------------------------------------------------

    private static Map<String, Object> infrastructureMachineStatus(String kind, PoolMember member) {
        Map<String, Object> status = new LinkedHashMap<>();
        if (ClusterApi.KIND_AWS_MACHINE.equals(kind)) {
            // As CAPA: ready is the EC2 instance running, not its Node.
            status.put("ready", member.lifecycle() == InstanceLifecycle.RUNNING);
            status.put("instanceState", ec2State(member.lifecycle()));
            return status;
        }
        // As CAPZ: ready is the Node Ready.
        status.put("ready", member.nodeReady() == ConditionStatus.TRUE);
        status.put("provisioningState", azureProvisioningState(member.lifecycle()));
        status.put("latestModelApplied", member.upToDate());
        String version = blankToNull(member.kubeletVersion());
        if (version != null) {
            status.put("version", version);
        }
        if (member.hasNode()) {
            Map<String, Object> nodeRef = new LinkedHashMap<>();
            nodeRef.put("apiVersion", "v1");
            nodeRef.put("kind", "Node");
            nodeRef.put("name", member.nodeName());
            if (member.nodeUid() != null) {
                nodeRef.put("uid", member.nodeUid());
            }
            status.put("nodeRef", nodeRef);
        }
        return status;
    }

    private static Map<String, Object> machineStatus(PoolMember member) {
        Map<String, Object> status = new LinkedHashMap<>();
        if (member.hasNode()) {
            status.put("nodeRef", Map.of("name", member.nodeName()));
        }
        status.put("phase", member.hasNode() ? PHASE_RUNNING : PHASE_PROVISIONING);
        status.put("conditions", List.of(readyCondition(member)));
        return status;
    }

    /** The Machine's Ready condition, from its Node's (Poolstream evaluates no other part of Cluster API's summary). */
    static Map<String, Object> readyCondition(PoolMember member) {
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", CONDITION_READY);
        if (!member.hasNode()) {
            condition.put("status", "False");
            condition.put("reason", "NodeDoesNotExist");
            condition.put("message", "Waiting for a Node with provider ID " + member.providerID());
            return condition;
        }
        ConditionStatus ready = member.nodeReady() == null ? ConditionStatus.UNKNOWN : member.nodeReady();
        switch (ready) {
            case TRUE -> {
                condition.put("status", "True");
                condition.put("reason", "Ready");
                condition.put("message", "");
            }
            case FALSE -> {
                condition.put("status", "False");
                condition.put("reason", "NotReady");
                condition.put("message", "Node " + member.nodeName() + " is not Ready");
            }
            default -> {
                condition.put("status", "Unknown");
                condition.put("reason", "ReadyUnknown");
                condition.put("message", "Node " + member.nodeName() + " does not say whether it is Ready");
            }
        }
        if (member.nodeReadySince() != null) {
            condition.put("lastTransitionTime", time(member.nodeReadySince()));
        }
        return condition;
    }

    /** The Machine's Ready condition once the Node it referred to is gone, in Cluster API's words. */
    static Map<String, Object> nodeDeleted(String nodeName) {
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", CONDITION_READY);
        condition.put("status", "False");
        condition.put("reason", "NodeDeleted");
        condition.put("message", "Node " + nodeName + " has been deleted while the Machine still exists");
        return condition;
    }

    /** EC2's word for the state, as CAPA writes it; a failed instance serves nothing, as a stopped one. */
    static String ec2State(InstanceLifecycle lifecycle) {
        return switch (lifecycle) {
            case PENDING -> "pending";
            case RUNNING -> "running";
            case TERMINATING -> "shutting-down";
            case FAILED -> "stopped";
        };
    }

    /** Azure's provisioning state of a VM, as CAPZ writes it. */
    static String azureProvisioningState(InstanceLifecycle lifecycle) {
        return switch (lifecycle) {
            case PENDING -> "Creating";
            case RUNNING -> "Succeeded";
            case TERMINATING -> "Deleting";
            case FAILED -> "Failed";
        };
    }

    private static String time(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private InstanceMachines() {
    }
}
