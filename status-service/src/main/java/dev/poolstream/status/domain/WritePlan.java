package dev.poolstream.status.domain;

import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.events.PoolStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the status writer may change for one computed status. Cluster API's paused (the pool's
 * {@code cluster.x-k8s.io/paused} annotation, or its Cluster's {@code spec.paused}) means nothing is changed but the
 * Paused condition: no status but that condition, no provider ID lists, no Node annotated, untainted or deleted.
 *
 * @param machinePoolStatus   write the MachinePool's whole status (owner mode, not paused)
 * @param pausedConditionOnly write only the MachinePool's Paused condition, keeping the rest of its status as it
 *                            stands on the object (owner mode, paused)
 * @param providerIdLists     write the provider ID lists of the MachinePool (owner mode) and the infrastructure pool;
 *                            not before the provider reports the group provisioned (a group taken over keeps the
 *                            list it came with until then, as Cluster API copies a list only from a ready
 *                            infrastructure pool)
 * @param infrastructurePool  write the infrastructure pool's status
 * @param nodes               annotate and untaint the referenced Nodes, delete the retired ones (owner mode)
 * @param events              record Kubernetes Events on the MachinePool and the infrastructure pool (both modes;
 *                            a paused pool is left alone: no Event either, as Cluster API's controllers do)
 */
public record WritePlan(boolean machinePoolStatus, boolean pausedConditionOnly, boolean providerIdLists,
                        boolean infrastructurePool, boolean nodes, boolean events) {

    public static final String PAUSED = "Paused";

    /** @param owner the writer owns the MachinePool (owner mode); else it is the infrastructure provider */
    public static WritePlan of(PoolStatus status, boolean owner) {
        if (paused(status)) {
            // The infrastructure pool's conditions wait with the rest: while paused it is not written at all.
            return new WritePlan(false, owner, false, false, false, false);
        }
        return new WritePlan(owner, false, status.infrastructureReady(), true, owner, true);
    }

    /** The computed status says the pool is paused: its Paused condition is True. */
    public static boolean paused(PoolStatus status) {
        return pausedCondition(status.status()).map(c -> c.getStatus() == Conditions.Status.TRUE).orElse(false);
    }

    public static Optional<Conditions> pausedCondition(MachinePoolStatus status) {
        if (status == null || status.getConditions() == null) {
            return Optional.empty();
        }
        return status.getConditions().stream().filter(c -> PAUSED.equals(c.getType())).findFirst();
    }

    /**
     * The MachinePool status to write while the pool is paused: the status as it stands on the object with only its
     * Paused condition set to {@code paused}, in the same place in the list. The object's lastTransitionTime is kept
     * when the condition's status does not change. Empty when the object already says what {@code paused} says.
     *
     * @param onObject the object's {@code status} as the API server returned it (JSON values), null when it has none
     * @param paused   the computed Paused condition, as JSON values
     */
    public static Optional<Map<String, Object>> statusWhilePaused(Map<String, Object> onObject,
                                                                   Map<String, Object> paused) {
        Map<String, Object> status = onObject == null ? new LinkedHashMap<>() : new LinkedHashMap<>(onObject);
        List<Object> conditions = status.get("conditions") instanceof List<?> list ? new ArrayList<>(list)
                : new ArrayList<>();
        int at = -1;
        for (int i = 0; i < conditions.size(); i++) {
            if (conditions.get(i) instanceof Map<?, ?> c && PAUSED.equals(c.get("type"))) {
                at = i;
                break;
            }
        }
        Map<String, Object> wanted = new LinkedHashMap<>(paused);
        if (at >= 0) {
            Map<?, ?> current = (Map<?, ?>) conditions.get(at);
            boolean sameStatus = Objects.equals(current.get("status"), paused.get("status"));
            if (sameStatus && Objects.equals(current.get("reason"), paused.get("reason"))
                    && Objects.equals(current.get("message"), paused.get("message"))
                    && sameNumber(current.get("observedGeneration"), paused.get("observedGeneration"))) {
                return Optional.empty();
            }
            if (sameStatus && current.get("lastTransitionTime") != null) {
                wanted.put("lastTransitionTime", current.get("lastTransitionTime"));
            }
            conditions.set(at, wanted);
        } else {
            conditions.add(wanted);
        }
        status.put("conditions", conditions);
        return Optional.of(status);
    }

    private static boolean sameNumber(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.longValue() == y.longValue();
        }
        return Objects.equals(a, b);
    }
}
