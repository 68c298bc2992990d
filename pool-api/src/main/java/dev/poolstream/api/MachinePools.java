package dev.poolstream.api;

import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import java.util.Map;
import java.util.OptionalInt;

/** Readings of a MachinePool that every service makes the same way (MACHINEPOOL-SEMANTICS.md §1). */
public final class MachinePools {

    /**
     * The replicas the pool asks for: {@code spec.replicas}, or when it is unset the autoscaler's minimum where
     * both autoscaler size annotations are present, else 1 (as Cluster API's defaulting webhook does).
     */
    public static int desiredReplicas(Integer specReplicas, Map<String, String> annotations) {
        if (specReplicas != null) {
            return specReplicas;
        }
        OptionalInt min = autoscalerMinSize(annotations);
        if (min.isPresent() && autoscalerMaxSize(annotations).isPresent()) {
            return min.getAsInt();
        }
        return 1;
    }

    public static int desiredReplicas(MachinePool pool) {
        Integer replicas = pool.getSpec() == null ? null : pool.getSpec().getReplicas();
        return desiredReplicas(replicas, pool.getMetadata().getAnnotations());
    }

    /** An external autoscaler owns the size: present and not "false". */
    public static boolean replicasManagedExternally(Map<String, String> annotations) {
        if (annotations == null || !annotations.containsKey(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION)) {
            return false;
        }
        return !"false".equalsIgnoreCase(annotations.get(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION).trim());
    }

    /** Paused by the annotation on the pool (any value) or by {@code spec.paused} on its Cluster. */
    public static boolean paused(Map<String, String> poolAnnotations, Cluster cluster) {
        boolean annotated = poolAnnotations != null && poolAnnotations.containsKey(ClusterApi.PAUSED_ANNOTATION);
        boolean clusterPaused = cluster != null && cluster.getSpec() != null
                && Boolean.TRUE.equals(cluster.getSpec().getPaused());
        return annotated || clusterPaused;
    }

    public static OptionalInt autoscalerMinSize(Map<String, String> annotations) {
        return intAnnotation(annotations, ClusterApi.AUTOSCALER_MIN_SIZE_ANNOTATION);
    }

    public static OptionalInt autoscalerMaxSize(Map<String, String> annotations) {
        return intAnnotation(annotations, ClusterApi.AUTOSCALER_MAX_SIZE_ANNOTATION);
    }

    /** An absent or unparsable value is absent: the autoscaler itself rejects such annotations. */
    private static OptionalInt intAnnotation(Map<String, String> annotations, String key) {
        if (annotations == null || annotations.get(key) == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(annotations.get(key).trim()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private MachinePools() {
    }
}
