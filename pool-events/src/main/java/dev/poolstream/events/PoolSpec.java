package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.MachinePools;
import dev.poolstream.api.PoolKey;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pool's desired state on {@code machinepool.spec.v1}: the MachinePool's metadata and spec, its infrastructure
 * pool resolved through {@code infrastructureRef}, and its Cluster's paused flag folded in.
 *
 * @param annotations the annotations that change behaviour ({@code cluster.x-k8s.io/*}, {@code poolstream.dev/*});
 *                    the watcher leaves out the rest, such as kubectl's last-applied configuration
 * @param spec        the MachinePool's v1beta2 spec, as the API server holds it
 * @param infrastructure the infrastructure pool, or why it could not be resolved
 * @param workloadCluster why the Nodes of the pool's workload cluster cannot be watched (its kubeconfig Secret is
 *                        missing or unusable, or the cluster does not answer); null while they are watched or not
 *                        yet tried. A pool's Nodes cannot be seen while it is set.
 * @param machines    the pool's Machines and infrastructure machines that ask to be deleted, to go first, or to be
 *                    remediated (the rest are left out)
 * @param healthChecks the MachineHealthChecks whose selector matches the pool's Machines
 */
@CloudEventType("dev.poolstream.machinepool.spec.v1")
public record PoolSpec(
        @JsonProperty(required = true) String namespace,
        @JsonProperty(required = true) String name,
        String uid,
        long generation,
        Map<String, String> labels,
        Map<String, String> annotations,
        List<String> finalizers,
        Instant deletionTimestamp,
        MachinePoolSpec spec,
        InfrastructurePool infrastructure,
        boolean clusterPaused,
        Failure workloadCluster,
        List<MachineRequest> machines,
        List<HealthCheck> healthChecks) implements Keyed {

    /** The reason of a {@link #workloadCluster} failure. */
    public static final String REASON_WORKLOAD_CLUSTER_UNREACHABLE = "WorkloadClusterUnreachable";

    public PoolSpec {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        labels = Copies.map(labels);
        annotations = Copies.map(annotations);
        finalizers = Copies.list(finalizers);
        machines = Copies.list(machines);
        healthChecks = Copies.list(healthChecks);
    }

    /** A pool whose Machines ask nothing, with what is known of its workload cluster's Nodes. */
    public PoolSpec(String namespace, String name, String uid, long generation, Map<String, String> labels,
                    Map<String, String> annotations, List<String> finalizers, Instant deletionTimestamp,
                    MachinePoolSpec spec, InfrastructurePool infrastructure, boolean clusterPaused,
                    Failure workloadCluster) {
        this(namespace, name, uid, generation, labels, annotations, finalizers, deletionTimestamp, spec,
                infrastructure, clusterPaused, workloadCluster, List.of(), List.of());
    }

    /** A pool whose workload cluster's Nodes are watched (or not yet tried). */
    public PoolSpec(String namespace, String name, String uid, long generation, Map<String, String> labels,
                    Map<String, String> annotations, List<String> finalizers, Instant deletionTimestamp,
                    MachinePoolSpec spec, InfrastructurePool infrastructure, boolean clusterPaused) {
        this(namespace, name, uid, generation, labels, annotations, finalizers, deletionTimestamp, spec,
                infrastructure, clusterPaused, null, List.of(), List.of());
    }

    /** The same pool, with what is known of its workload cluster's Nodes. */
    public PoolSpec withWorkloadCluster(Failure why) {
        return new PoolSpec(namespace, name, uid, generation, labels, annotations, finalizers, deletionTimestamp,
                spec, infrastructure, clusterPaused, why, machines, healthChecks);
    }

    /** The same pool, with what its Machines ask and the health checks that select them. */
    public PoolSpec withMachines(List<MachineRequest> requests, List<HealthCheck> checks) {
        return new PoolSpec(namespace, name, uid, generation, labels, annotations, finalizers, deletionTimestamp,
                spec, infrastructure, clusterPaused, workloadCluster, requests, checks);
    }

    /** {@link #machines()} by provider ID, in their order; the first of an instance's where it appears twice. */
    public Map<String, MachineRequest> machinesByInstance() {
        Map<String, MachineRequest> byInstance = new LinkedHashMap<>();
        machines.forEach(r -> byInstance.putIfAbsent(r.providerID(), r));
        return Collections.unmodifiableMap(byInstance);
    }

    @Override
    public String key() {
        return poolKey().toString();
    }

    public PoolKey poolKey() {
        return new PoolKey(namespace, name);
    }

    public boolean deleting() {
        return deletionTimestamp != null;
    }

    public int desiredReplicas() {
        return MachinePools.desiredReplicas(spec == null ? null : spec.getReplicas(), annotations);
    }

    public boolean replicasManagedExternally() {
        return MachinePools.replicasManagedExternally(annotations);
    }

    /**
     * Whether nothing is to be done for the pool: its Cluster is paused ({@code spec.paused}), or the MachinePool or its
     * infrastructure pool carries {@code cluster.x-k8s.io/paused} (CAPA and CAPZ honour it on theirs).
     */
    public boolean paused() {
        return clusterPaused || annotations.containsKey(ClusterApi.PAUSED_ANNOTATION)
                || infrastructure != null && Boolean.TRUE.equals(infrastructure.paused());
    }
}
