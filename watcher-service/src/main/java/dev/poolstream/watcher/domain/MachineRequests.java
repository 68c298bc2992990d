package dev.poolstream.watcher.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.machinestatus.Conditions;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolMachine;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachine;
import dev.poolstream.events.MachineRequest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a pool's Machines and infrastructure machines ask of it (docs/machines.md): one {@link MachineRequest} per
 * instance whose objects ask to be deleted, to go first, or to be remediated. Objects that ask nothing are left out,
 * so a steady pool's record does not change with them.
 */
public final class MachineRequests {

    /**
     * @param machines               Machines that may be the pool's (those that are not are ignored)
     * @param infrastructureMachines AWSMachines or AzureMachinePoolMachines that may be the pool's, or that its
     *                               Machines reference
     * @param problems               told of objects that ask something but cannot be acted on (no provider ID)
     * @return sorted by provider ID, so that the record is stable
     */
    public static List<MachineRequest> of(MachinePool pool, Collection<Machine> machines,
                                          Collection<? extends HasMetadata> infrastructureMachines,
                                          Consumer<String> problems) {
        List<Machine> members = machines.stream().filter(m -> belongsTo(pool, m.getMetadata())).toList();
        Map<String, HasMetadata> infraByName = new LinkedHashMap<>();
        infrastructureMachines.stream()
                .filter(i -> sameNamespace(pool, i.getMetadata()))
                .forEach(i -> infraByName.put(i.getMetadata().getName(), i));

        Map<String, MachineRequest> byInstance = new LinkedHashMap<>();
        List<String> paired = new ArrayList<>();
        for (Machine machine : members) {
            HasMetadata infra = referencedInfrastructure(machine, infraByName);
            if (infra != null) {
                paired.add(infra.getMetadata().getName());
            }
            request(machine, infra, problems).ifPresent(r -> byInstance.merge(r.providerID(), r, MachineRequests::merge));
        }
        // An infrastructure machine no Machine references yet (Cluster API creates the Machine after it) asks alone.
        infraByName.values().stream()
                .filter(i -> !paired.contains(i.getMetadata().getName()) && belongsTo(pool, i.getMetadata()))
                .forEach(i -> request(null, i, problems)
                        .ifPresent(r -> byInstance.merge(r.providerID(), r, MachineRequests::merge)));
        return byInstance.values().stream().sorted(Comparator.comparing(MachineRequest::providerID)).toList();
    }

    /**
     * Whether an object is one of the pool's: in its namespace, and labelled with its pool name (as
     * {@link PoolMachines#poolNameLabel}) and cluster name, or owned by it.
     */
    public static boolean belongsTo(MachinePool pool, ObjectMeta object) {
        if (!sameNamespace(pool, object)) {
            return false;
        }
        String poolName = pool.getMetadata().getName();
        Map<String, String> labels = object.getLabels() == null ? Map.of() : object.getLabels();
        String cluster = pool.getSpec() == null ? null : pool.getSpec().getClusterName();
        boolean labelled = PoolMachines.poolNameLabel(poolName).equals(labels.get(ClusterApi.POOL_NAME_LABEL))
                && cluster != null && cluster.equals(labels.get(ClusterApi.CLUSTER_NAME_LABEL));
        boolean owned = object.getOwnerReferences() != null && object.getOwnerReferences().stream()
                .anyMatch(o -> ClusterApi.KIND_MACHINE_POOL.equals(o.getKind()) && poolName.equals(o.getName())
                        && o.getApiVersion() != null && o.getApiVersion().startsWith(ClusterApi.CLUSTER_GROUP + "/"));
        return labelled || owned;
    }

    /** The instance an infrastructure machine stands for ({@code spec.providerID}), or null. */
    public static String providerID(HasMetadata infrastructureMachine) {
        if (infrastructureMachine instanceof AWSMachine aws) {
            return aws.getSpec() == null ? null : aws.getSpec().getProviderID();
        }
        if (infrastructureMachine instanceof AzureMachinePoolMachine azure) {
            return azure.getSpec() == null ? null : azure.getSpec().getProviderID();
        }
        return null;
    }

    /** The infrastructure machine a Machine's {@code spec.infrastructureRef} names, among those given. */
    static HasMetadata referencedInfrastructure(Machine machine, Map<String, HasMetadata> infraByName) {
        var ref = machine.getSpec() == null ? null : machine.getSpec().getInfrastructureRef();
        if (ref == null || ref.getName() == null) {
            return null;
        }
        HasMetadata infra = infraByName.get(ref.getName());
        return infra != null && (ref.getKind() == null || ref.getKind().equals(infra.getKind())) ? infra : null;
    }

    /** One instance's request, from its Machine and infrastructure machine (either may be null); empty if it asks nothing. */
    static Optional<MachineRequest> request(Machine machine, HasMetadata infra, Consumer<String> problems) {
        ObjectMeta machineMeta = machine == null ? null : machine.getMetadata();
        ObjectMeta infraMeta = infra == null ? null : infra.getMetadata();
        boolean deleting = deleting(machineMeta) || deleting(infraMeta);
        boolean deleteAnnotated = annotated(machineMeta, ClusterApi.DELETE_MACHINE_ANNOTATION)
                || annotated(infraMeta, ClusterApi.DELETE_MACHINE_ANNOTATION);
        Conditions healthCheck = condition(machine, ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED);
        boolean healthCheckFailed = healthCheck != null && healthCheck.getStatus() == Conditions.Status.FALSE;
        Conditions ownerRemediated = condition(machine, ClusterApi.CONDITION_OWNER_REMEDIATED);
        // Present means "marked": keep it even if a writer left the reason out.
        String ownerRemediatedReason = ownerRemediated == null ? null
                : Objects.requireNonNullElse(ownerRemediated.getReason(), "");
        boolean remediateAnnotated = annotated(machineMeta, ClusterApi.REMEDIATE_MACHINE_ANNOTATION);
        // On the Machine, as Cluster API reads them: they hold back its instance's removal, whoever removes it.
        boolean excludeNodeDraining = annotated(machineMeta, ClusterApi.EXCLUDE_NODE_DRAINING_ANNOTATION);
        List<String> preDrainHooks = withPrefix(machineMeta, ClusterApi.PRE_DRAIN_HOOK_PREFIX);
        List<String> preTerminateHooks = withPrefix(machineMeta, ClusterApi.PRE_TERMINATE_HOOK_PREFIX);
        if (!deleting && !deleteAnnotated && !healthCheckFailed && ownerRemediatedReason == null && !remediateAnnotated
                && !excludeNodeDraining && preDrainHooks.isEmpty() && preTerminateHooks.isEmpty()) {
            return Optional.empty();
        }
        String providerID = infra == null ? null : providerID(infra);
        if (providerID == null && machine != null && machine.getSpec() != null) {
            providerID = machine.getSpec().getProviderID();
        }
        String machineName = machineMeta == null ? null : machineMeta.getName();
        String infraName = infraMeta == null ? null : infraMeta.getName();
        if (providerID == null || providerID.isBlank()) {
            problems.accept((machine != null ? "Machine " + machineName : infra.getKind() + " " + infraName)
                    + " asks something of its pool but has no provider ID (yet): not a request");
            return Optional.empty();
        }
        boolean skipRemediation = annotated(machineMeta, ClusterApi.SKIP_REMEDIATION_ANNOTATION)
                || annotated(machineMeta, ClusterApi.PAUSED_ANNOTATION);
        return Optional.of(new MachineRequest(providerID, machineName, infraName, deleting, deleteAnnotated,
                healthCheckFailed, ownerRemediatedReason, skipRemediation, remediateAnnotated, excludeNodeDraining,
                preDrainHooks, preTerminateHooks));
    }

    /** Two objects of one instance that are not paired by reference (e.g. a Machine and an orphaned infra machine). */
    static MachineRequest merge(MachineRequest a, MachineRequest b) {
        return new MachineRequest(a.providerID(),
                a.machine() != null ? a.machine() : b.machine(),
                a.infrastructureMachine() != null ? a.infrastructureMachine() : b.infrastructureMachine(),
                a.deleting() || b.deleting(),
                a.deleteAnnotated() || b.deleteAnnotated(),
                a.healthCheckFailed() || b.healthCheckFailed(),
                a.ownerRemediated() != null ? a.ownerRemediated() : b.ownerRemediated(),
                a.skipRemediation() || b.skipRemediation(),
                a.remediateAnnotated() || b.remediateAnnotated(),
                a.excludeNodeDraining() || b.excludeNodeDraining(),
                union(a.preDrainHooks(), b.preDrainHooks()),
                union(a.preTerminateHooks(), b.preTerminateHooks()));
    }

    private static List<String> union(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).distinct().sorted().toList();
    }

    /** The object's annotations that start with {@code prefix}, sorted, so that the record is stable. */
    private static List<String> withPrefix(ObjectMeta meta, String prefix) {
        return ClusterApi.withPrefix(meta == null ? null : meta.getAnnotations(), prefix);
    }

    private static Conditions condition(Machine machine, String type) {
        if (machine == null || machine.getStatus() == null || machine.getStatus().getConditions() == null) {
            return null;
        }
        return machine.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst()
                .orElse(null);
    }

    private static boolean deleting(ObjectMeta meta) {
        return meta != null && meta.getDeletionTimestamp() != null;
    }

    private static boolean annotated(ObjectMeta meta, String annotation) {
        return meta != null && meta.getAnnotations() != null && meta.getAnnotations().containsKey(annotation);
    }

    private static boolean sameNamespace(MachinePool pool, ObjectMeta object) {
        return object != null && Objects.equals(pool.getMetadata().getNamespace(), object.getNamespace());
    }

    private MachineRequests() {
    }
}
