package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.api.MachinePools;
import dev.poolstream.api.PoolKey;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import java.time.Instant;
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
        boolean clusterPaused) implements Keyed {

    public PoolSpec {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        labels = Copies.map(labels);
        annotations = Copies.map(annotations);
        finalizers = Copies.list(finalizers);
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
}
