package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * How the watch of one workload cluster's Nodes stands, on {@code workloadcluster.watch.v1}: written by the watcher
 * replica that watches the cluster, read by the leader, which says it in the records of the cluster's pools
 * ({@link PoolSpec#workloadCluster()}). A tombstone once the Cluster is gone.
 *
 * <p>Nothing of the kubeconfig: the problem names the Secret and what went wrong, never the server or its content.
 *
 * @param namespace the Cluster's namespace
 * @param name      the Cluster's name
 * @param problem   why its Nodes cannot be watched (its API server does not answer, its kubeconfig cannot be used);
 *                  null while they are watched, or while the first attempt to is under way
 * @param watchedBy the replica that watches it (its pod name), to find its logs
 */
@CloudEventType("dev.poolstream.workloadcluster.watch.v1")
public record WorkloadClusterWatch(
        @JsonProperty(required = true) String namespace,
        @JsonProperty(required = true) String name,
        String problem,
        String watchedBy) implements Keyed {

    public WorkloadClusterWatch {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    /** {@code <namespace>/<name>}, as {@link WorkloadCluster#key()}. */
    @Override
    public String key() {
        return namespace + "/" + name;
    }
}
