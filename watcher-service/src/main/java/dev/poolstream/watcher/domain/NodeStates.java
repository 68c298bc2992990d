package dev.poolstream.watcher.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.KubeTime;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.Taint;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.api.model.ObjectMeta;
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
                .filter(e -> kept(e.getKey()) && e.getValue() != null)
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

    /**
     * A new Node with only what {@link #of} reads: name, uid, resourceVersion, the {@code cluster.x-k8s.io/}
     * annotations (and {@code poolstream.dev/drain-started}) and labels, providerID, unschedulable, the taints that
     * matter, the first Ready condition (type, status, lastTransitionTime) and the kubelet version.
     * {@code of(cluster, strip(node))} equals {@code of(cluster, node)}. The Node informers of workload clusters cache
     * this rather than the whole object (managedFields, images, addresses, capacity...), which is most of a Node's
     * heap.
     */
    public static Node strip(Node node) {
        ObjectMeta meta = node.getMetadata();
        ObjectMeta keptMeta = new ObjectMeta();
        keptMeta.setName(meta.getName());
        keptMeta.setUid(meta.getUid());
        keptMeta.setResourceVersion(meta.getResourceVersion());
        keptMeta.setAnnotations(keptEntries(meta.getAnnotations()));
        keptMeta.setLabels(keptEntries(meta.getLabels()));
        keptMeta.setFinalizers(List.of());
        keptMeta.setManagedFields(List.of());
        keptMeta.setOwnerReferences(List.of());
        keptMeta.setAdditionalProperties(Map.of());

        Node kept = new Node();
        kept.setMetadata(keptMeta);
        kept.setSpec(strip(node.getSpec()));
        kept.setStatus(strip(node.getStatus()));
        kept.setAdditionalProperties(Map.of());
        return kept;
    }

    private static NodeSpec strip(NodeSpec spec) {
        if (spec == null) {
            return null;
        }
        NodeSpec kept = new NodeSpec();
        kept.setProviderID(spec.getProviderID());
        kept.setUnschedulable(spec.getUnschedulable());
        kept.setTaints(spec.getTaints() == null ? List.of() : spec.getTaints().stream()
                .filter(t -> TAINTS_THAT_MATTER.contains(t.getKey())).toList());
        kept.setPodCIDRs(List.of());
        kept.setAdditionalProperties(Map.of());
        return kept;
    }

    private static NodeStatus strip(NodeStatus status) {
        if (status == null) {
            return null;
        }
        NodeStatus kept = new NodeStatus();
        NodeCondition ready = status.getConditions() == null ? null : status.getConditions().stream()
                .filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
        if (ready == null) {
            kept.setConditions(List.of());
        } else {
            NodeCondition keptReady = new NodeCondition();
            keptReady.setType("Ready");
            keptReady.setStatus(canonical(ready.getStatus()));
            keptReady.setLastTransitionTime(ready.getLastTransitionTime());
            keptReady.setAdditionalProperties(Map.of());
            kept.setConditions(List.of(keptReady));
        }
        if (status.getNodeInfo() != null) {
            NodeSystemInfo info = new NodeSystemInfo();
            String version = status.getNodeInfo().getKubeletVersion();
            // A fleet runs a handful of versions: one String each, not one per Node.
            info.setKubeletVersion(version == null ? null : version.intern());
            info.setAdditionalProperties(Map.of());
            kept.setNodeInfo(info);
        }
        kept.setAddresses(List.of());
        kept.setAllocatable(Map.of());
        kept.setCapacity(Map.of());
        kept.setDeclaredFeatures(List.of());
        kept.setImages(List.of());
        kept.setRuntimeHandlers(List.of());
        kept.setVolumesAttached(List.of());
        kept.setVolumesInUse(List.of());
        kept.setAdditionalProperties(Map.of());
        return kept;
    }

    /** The JSON of every Node spells "True" anew; the constant is shared. */
    private static String canonical(String conditionStatus) {
        return switch (conditionStatus == null ? "" : conditionStatus) {
            case "True" -> "True";
            case "False" -> "False";
            case "Unknown" -> "Unknown";
            default -> conditionStatus;
        };
    }

    /** Annotation values that every Node of a cluster, or of a pool, shares. */
    private static final Set<String> SHARED_VALUES = Set.of(
            ClusterApi.CLUSTER_GROUP + "/cluster-name",
            ClusterApi.CLUSTER_GROUP + "/cluster-namespace",
            ClusterApi.CLUSTER_GROUP + "/owner-kind",
            ClusterApi.CLUSTER_GROUP + "/owner-name");

    /** The annotations (and labels) kept: Cluster API's, and when the reconciler started draining the Node. */
    static boolean kept(String annotation) {
        return annotation.startsWith(CLUSTER_API_PREFIX) || annotation.equals(ClusterApi.DRAIN_STARTED_ANNOTATION);
    }

    private static Map<String, String> keptEntries(Map<String, String> entries) {
        return entries == null ? Map.of() : entries.entrySet().stream()
                .filter(e -> kept(e.getKey()) && e.getValue() != null)
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey,
                        // One String per cluster or pool rather than one per Node.
                        e -> SHARED_VALUES.contains(e.getKey()) ? e.getValue().intern() : e.getValue()));
    }

    private NodeStates() {
    }
}
