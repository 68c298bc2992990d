package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A workload cluster's Node on {@code node.v1}, with only what the pipeline reads: nothing that changes on a
 * heartbeat, so that an unchanged Node publishes nothing.
 *
 * @param cluster             the Cluster that owns the workload cluster, as {@code <namespace>/<name>}
 * @param providerID          {@code spec.providerID}; empty until the cloud provider sets it
 * @param ready               the status of the Node's {@code Ready} condition ({@code Unknown} when it has none)
 * @param readyTransitionTime that condition's {@code lastTransitionTime}; null when absent
 * @param taints              the taints that matter to pools (uninitialized, not-ready, unschedulable, ...)
 * @param annotations         the Node's {@code cluster.x-k8s.io/*} annotations, and
 *                            {@code poolstream.dev/drain-started}
 */
@CloudEventType("dev.poolstream.node.v1")
public record NodeState(
        @JsonProperty(required = true) String cluster,
        @JsonProperty(required = true) String name,
        String uid,
        String providerID,
        ConditionStatus ready,
        Instant readyTransitionTime,
        String kubeletVersion,
        boolean unschedulable,
        List<Taint> taints,
        Map<String, String> annotations) implements Keyed {

    public NodeState {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(name, "name");
        providerID = providerID == null ? "" : providerID;
        ready = ready == null ? ConditionStatus.UNKNOWN : ready;
        taints = Copies.list(taints);
        annotations = Copies.map(annotations);
    }

    /** The provider ID, or {@link #fallbackKey} while the Node has none. */
    @Override
    public String key() {
        return providerID.isEmpty() ? fallbackKey(cluster, name) : providerID;
    }

    /** {@code cluster/<namespace>/<cluster>/node/<node>}: a key that can never equal a provider ID. */
    public static String fallbackKey(String cluster, String nodeName) {
        return "cluster/" + cluster + "/node/" + nodeName;
    }
}
