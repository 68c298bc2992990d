package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * A workload cluster whose Nodes must be watched, on {@code workloadcluster.v1}: one record per Cluster of the
 * management cluster, a tombstone once the Cluster is gone. The watcher replicas share these records through their
 * consumer group, and each watches the Nodes of the clusters on its partitions.
 *
 * <p>It names the kubeconfig Secret and nothing of its content: each replica reads the Secret itself.
 *
 * @param namespace        the Cluster's namespace
 * @param name             the Cluster's name
 * @param kubeconfigSecret the Secret Cluster API keeps the cluster's kubeconfig in ({@code <name>-kubeconfig})
 */
@CloudEventType("dev.poolstream.workloadcluster.v1")
public record WorkloadCluster(
        @JsonProperty(required = true) String namespace,
        @JsonProperty(required = true) String name,
        SecretRef kubeconfigSecret) implements Keyed {

    public WorkloadCluster {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    /** The Cluster's record, naming the Secret Cluster API gives it. */
    public static WorkloadCluster of(String namespace, String name) {
        return new WorkloadCluster(namespace, name, new SecretRef(namespace, name + "-kubeconfig"));
    }

    /** {@code <namespace>/<name>}, as {@link NodeState#cluster()} names the cluster. */
    @Override
    public String key() {
        return namespace + "/" + name;
    }
}
