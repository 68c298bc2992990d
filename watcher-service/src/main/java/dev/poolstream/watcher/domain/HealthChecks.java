package dev.poolstream.watcher.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.cluster.v1beta2.MachineHealthCheck;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.checks.UnhealthyNodeConditions;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.HealthCheck;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The MachineHealthChecks that select a pool's Machines, as Cluster API selects them ({@code getMachinesFromMHC}):
 * same namespace, {@code spec.clusterName} the pool's cluster, and {@code spec.selector} matching the labels
 * every Machine of the pool carries. Each check also says how many of the cluster's pools it selects: the reconciler
 * counts a pool's own Machines, so a count limit is shared among those pools.
 */
public final class HealthChecks {

    /**
     * @param clusterPools the MachinePools of the pool's cluster, the pool included (others are ignored)
     * @param problems     told of a check whose selector cannot be used (it then matches nothing)
     * @return sorted by name
     */
    public static List<HealthCheck> of(MachinePool pool, Collection<MachineHealthCheck> checks,
                                       Collection<MachinePool> clusterPools, Consumer<String> problems) {
        String namespace = pool.getMetadata().getNamespace();
        String cluster = pool.getSpec() == null ? null : pool.getSpec().getClusterName();
        if (cluster == null) {
            return List.of();
        }
        Map<String, String> labels = machineLabels(pool);
        return checks.stream()
                .filter(c -> Objects.equals(namespace, c.getMetadata().getNamespace()))
                .filter(c -> c.getSpec() != null && cluster.equals(c.getSpec().getClusterName()))
                .filter(c -> {
                    Optional<String> problem = LabelSelectors.problem(c.getSpec().getSelector());
                    problem.ifPresent(why -> problems.accept("MachineHealthCheck " + name(c) + " matches nothing: "
                            + why));
                    return problem.isEmpty() && LabelSelectors.matches(c.getSpec().getSelector(), labels);
                })
                .map(c -> healthCheck(c, poolsSelected(c, pool, clusterPools)))
                .sorted(Comparator.comparing(HealthCheck::name))
                .toList();
    }

    /** The pool and the other pools of its cluster and namespace whose Machines the check's selector matches. */
    static int poolsSelected(MachineHealthCheck check, MachinePool pool, Collection<MachinePool> clusterPools) {
        String namespace = pool.getMetadata().getNamespace();
        String cluster = pool.getSpec().getClusterName();
        String name = pool.getMetadata().getName();
        long others = clusterPools.stream()
                .filter(p -> Objects.equals(namespace, p.getMetadata().getNamespace())
                        && !name.equals(p.getMetadata().getName())
                        && p.getSpec() != null && cluster.equals(p.getSpec().getClusterName()))
                .filter(p -> LabelSelectors.matches(check.getSpec().getSelector(), machineLabels(p)))
                .count();
        return 1 + (int) others;
    }

    /**
     * The labels Cluster API puts on every Machine of the pool: the template's, then the pool-name and cluster-name
     * labels forced over them ({@code computeDesiredMachine}).
     */
    public static Map<String, String> machineLabels(MachinePool pool) {
        Map<String, String> labels = new HashMap<>();
        var template = pool.getSpec() == null ? null : pool.getSpec().getTemplate();
        if (template != null && template.getMetadata() != null && template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(ClusterApi.POOL_NAME_LABEL, PoolMachines.poolNameLabel(pool.getMetadata().getName()));
        if (pool.getSpec() != null && pool.getSpec().getClusterName() != null) {
            labels.put(ClusterApi.CLUSTER_NAME_LABEL, pool.getSpec().getClusterName());
        }
        return labels;
    }

    static HealthCheck healthCheck(MachineHealthCheck check, int poolsSelected) {
        var spec = check.getSpec();
        Integer startup = spec.getChecks() == null ? null : spec.getChecks().getNodeStartupTimeoutSeconds();
        List<UnhealthyNodeConditions> conditions = spec.getChecks() == null
                || spec.getChecks().getUnhealthyNodeConditions() == null ? List.of()
                : spec.getChecks().getUnhealthyNodeConditions();
        var triggerIf = spec.getRemediation() == null ? null : spec.getRemediation().getTriggerIf();
        IntOrString maxUnhealthy = triggerIf == null ? null : triggerIf.getUnhealthyLessThanOrEqualTo();
        return new HealthCheck(name(check),
                startup == null ? HealthCheck.DEFAULT_NODE_STARTUP_TIMEOUT_SECONDS : startup,
                conditions.stream().filter(c -> c.getType() != null)
                        .map(c -> new HealthCheck.UnhealthyNodeCondition(c.getType(), ConditionStatus.of(c.getStatus()),
                                c.getTimeoutSeconds() == null ? 0 : c.getTimeoutSeconds()))
                        .toList(),
                asString(maxUnhealthy), triggerIf == null ? null : triggerIf.getUnhealthyInRange(), poolsSelected);
    }

    static String asString(IntOrString value) {
        if (value == null) {
            return null;
        }
        if (value.getStrVal() != null) {
            return value.getStrVal();
        }
        return value.getIntVal() == null ? null : String.valueOf(value.getIntVal());
    }

    private static String name(MachineHealthCheck check) {
        return check.getMetadata().getNamespace() + "/" + check.getMetadata().getName();
    }

    private HealthChecks() {
    }
}
