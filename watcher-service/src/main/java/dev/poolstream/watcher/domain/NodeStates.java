package dev.poolstream.watcher.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.KubeTime;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.Taint;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A workload-cluster Node as the pipeline sees it. Only what a pool's status or a drain depends on is kept, so a
 * heartbeat ({@code lastHeartbeatTime}), a changed image list or a new allocatable figure makes an equal value.
 */
public final class NodeStates {

    /** Taints that say whether a Node can take work, or is about to leave. */
    static final Set<String> TAINTS_THAT_MATTER = Set.of(
            ClusterApi.UNINITIALIZED_TAINT_KEY,
            "node.cloudprovider.kubernetes.io/uninitialized",
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
            "node.kubernetes.io/unschedulable",
            "node.kubernetes.io/out-of-service",
            ClusterApi.AUTOSCALER_DELETING_TAINT_KEY,
            "DeletionCandidateOfClusterAutoscaler");

    private static final String CLUSTER_API_PREFIX = ClusterApi.CLUSTER_GROUP + "/";

    /** @param cluster the owning Cluster as {@code <namespace>/<name>} */
    public static NodeState of(String cluster, Node node) {
        var spec = node.getSpec();
        var status = node.getStatus();
        NodeCondition ready = status == null || status.getConditions() == null ? null
                : status.getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
        String kubeletVersion = status == null || status.getNodeInfo() == null ? null
                : status.getNodeInfo().getKubeletVersion();
        List<Taint> taints = spec == null || spec.getTaints() == null ? List.of() : spec.getTaints().stream()
                .filter(t -> TAINTS_THAT_MATTER.contains(t.getKey()))
                .map(t -> new Taint(t.getKey(), t.getValue(), t.getEffect()))
                .toList();
        Map<String, String> annotations = node.getMetadata().getAnnotations() == null ? Map.of()
                : node.getMetadata().getAnnotations().entrySet().stream()
                .filter(e -> e.getKey().startsWith(CLUSTER_API_PREFIX) && e.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        return new NodeState(
                cluster,
                node.getMetadata().getName(),
                node.getMetadata().getUid(),
                spec == null ? null : spec.getProviderID(),
                ready == null ? ConditionStatus.UNKNOWN : ConditionStatus.of(ready.getStatus()),
                ready == null ? null : KubeTime.parse(ready.getLastTransitionTime()),
                kubeletVersion,
                spec != null && Boolean.TRUE.equals(spec.getUnschedulable()),
                taints,
                annotations);
    }


    private NodeStates() {
    }
}
