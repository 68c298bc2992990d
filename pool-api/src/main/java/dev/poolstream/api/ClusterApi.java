package dev.poolstream.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/** Names that Cluster API, CAPA and CAPZ give meaning to (MACHINEPOOL-SEMANTICS.md §1, §3). */
public final class ClusterApi {

    public static final String CLUSTER_GROUP = "cluster.x-k8s.io";
    public static final String INFRASTRUCTURE_GROUP = "infrastructure.cluster.x-k8s.io";

    public static final String KIND_MACHINE_POOL = "MachinePool";
    public static final String KIND_AWS_MACHINE_POOL = "AWSMachinePool";
    public static final String KIND_AZURE_MACHINE_POOL = "AzureMachinePool";
    public static final String KIND_MACHINE = "Machine";
    public static final String KIND_MACHINE_HEALTH_CHECK = "MachineHealthCheck";
    public static final String KIND_AWS_MACHINE = "AWSMachine";
    public static final String KIND_AZURE_MACHINE_POOL_MACHINE = "AzureMachinePoolMachine";

    /** Cluster API core's finalizer on a MachinePool (owner mode). */
    public static final String MACHINE_POOL_FINALIZER = "machinepool.cluster.x-k8s.io";
    /** Cluster API core's finalizer on a Machine; Poolstream puts it on the Machines it creates (owner mode). */
    public static final String MACHINE_FINALIZER = "machine.cluster.x-k8s.io";
    /**
     * Poolstream's finalizer on an infrastructure machine (AWSMachine, AzureMachinePoolMachine): removed only when
     * its instance is gone, so deleting the object is how anyone asks for exactly that instance to go.
     */
    public static final String INSTANCE_FINALIZER = "poolstream.dev/instance";
    /** Poolstream's own finalizer on the infrastructure pool, removed only when the cloud group is gone. */
    public static final String POOLSTREAM_FINALIZER = "poolstream.dev/scaling-group";

    public static final String PAUSED_ANNOTATION = "cluster.x-k8s.io/paused";
    public static final String REPLICAS_MANAGED_BY_ANNOTATION = "cluster.x-k8s.io/replicas-managed-by";
    public static final String AUTOSCALER_MIN_SIZE_ANNOTATION = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size";
    public static final String AUTOSCALER_MAX_SIZE_ANNOTATION = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size";
    public static final String DELETE_MACHINE_ANNOTATION = "cluster.x-k8s.io/delete-machine";
    /** Marks a Machine for a MachineHealthCheck to find unhealthy (Cluster API). */
    public static final String REMEDIATE_MACHINE_ANNOTATION = "cluster.x-k8s.io/remediate-machine";
    /** A Machine that no MachineHealthCheck remediates (Cluster API). */
    public static final String SKIP_REMEDIATION_ANNOTATION = "cluster.x-k8s.io/skip-remediation";
    /**
     * On a workload cluster's pod, how Cluster API's drain treats it: {@value #POD_DRAIN_SKIP} (left on the Node, not
     * waited for) or {@value #POD_DRAIN_WAIT_COMPLETED} (not evicted; the drain waits until it finishes).
     */
    public static final String POD_DRAIN_LABEL = "cluster.x-k8s.io/drain";
    public static final String POD_DRAIN_SKIP = "skip";
    public static final String POD_DRAIN_WAIT_COMPLETED = "wait-completed";
    /** A Machine whose Node is not drained before it goes (Cluster API). */
    public static final String EXCLUDE_NODE_DRAINING_ANNOTATION = "machine.cluster.x-k8s.io/exclude-node-draining";
    /**
     * A deleting Machine's Node is not drained while any annotation starting with this is on it (Cluster API's
     * machine deletion phase hooks: the hook's owner removes it when done).
     */
    public static final String PRE_DRAIN_HOOK_PREFIX = "pre-drain.delete.hook.machine.cluster.x-k8s.io";
    /** A deleting Machine's instance is not terminated while any annotation starting with this is on it. */
    public static final String PRE_TERMINATE_HOOK_PREFIX = "pre-terminate.delete.hook.machine.cluster.x-k8s.io";
    /**
     * When the reconciler started draining a Node (RFC 3339), written with its cordon: a restarted reconciler finds
     * its drains from it, and counts {@code nodeDrainTimeoutSeconds} from it, as Cluster API counts from a Machine's
     * {@code status.deletion.nodeDrainStartTime}.
     */
    public static final String DRAIN_STARTED_ANNOTATION = "poolstream.dev/drain-started";
    /** Names a Node's Machine, beside the owner annotations. */
    public static final String NODE_MACHINE_ANNOTATION = "cluster.x-k8s.io/machine";

    /** Machine conditions a MachineHealthCheck and the Machine's owner use (Cluster API v1beta2). */
    public static final String CONDITION_HEALTH_CHECK_SUCCEEDED = "HealthCheckSucceeded";
    public static final String CONDITION_OWNER_REMEDIATED = "OwnerRemediated";
    /** {@code OwnerRemediated} reasons: marked by a health check; its owner is deleting it; held back. */
    public static final String REASON_WAITING_FOR_REMEDIATION = "WaitingForRemediation";
    public static final String REASON_MACHINE_DELETING = "MachineDeleting";
    public static final String REASON_REMEDIATION_DEFERRED = "RemediationDeferred";

    /** The taint cluster-autoscaler puts on a Node it has chosen to remove, before it drains it and resizes. */
    public static final String AUTOSCALER_DELETING_TAINT_KEY = "ToBeDeletedByClusterAutoscaler";

    /** Annotations written on every Node a pool references. */
    public static final String NODE_CLUSTER_NAME_ANNOTATION = "cluster.x-k8s.io/cluster-name";
    public static final String NODE_CLUSTER_NAMESPACE_ANNOTATION = "cluster.x-k8s.io/cluster-namespace";
    public static final String NODE_OWNER_KIND_ANNOTATION = "cluster.x-k8s.io/owner-kind";
    public static final String NODE_OWNER_NAME_ANNOTATION = "cluster.x-k8s.io/owner-name";
    /** Removed from a Node once the pool references it. */
    public static final String UNINITIALIZED_TAINT_KEY = "node.cluster.x-k8s.io/uninitialized";

    /** Label that names a pool's cluster on the MachinePool and the infrastructure pool. */
    public static final String CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";
    /** Label that names a Machine's or infrastructure machine's MachinePool, as {@link PoolMachines#poolNameLabel}. */
    public static final String POOL_NAME_LABEL = "cluster.x-k8s.io/pool-name";

    /** The workload cluster's kubeconfig: Secret {@code <cluster>-kubeconfig}, key {@code value}. */
    public static final String KUBECONFIG_SECRET_SUFFIX = "-kubeconfig";
    public static final String KUBECONFIG_SECRET_KEY = "value";

    public static String kubeconfigSecretName(String clusterName) {
        return clusterName + KUBECONFIG_SECRET_SUFFIX;
    }

    /**
     * A Node is adopted by a pool once it carries the pool's four owner annotations and no longer the
     * uninitialized taint: the status-service computes it from Node events and checks it again before it edits.
     */
    public static boolean nodeAdopted(Map<String, String> annotations, Stream<String> taintKeys, String namespace,
                                      String poolName, String clusterName) {
        return Objects.equals(annotations.get(NODE_CLUSTER_NAME_ANNOTATION), clusterName)
                && Objects.equals(annotations.get(NODE_CLUSTER_NAMESPACE_ANNOTATION), namespace)
                && Objects.equals(annotations.get(NODE_OWNER_KIND_ANNOTATION), KIND_MACHINE_POOL)
                && Objects.equals(annotations.get(NODE_OWNER_NAME_ANNOTATION), poolName)
                && taintKeys.noneMatch(UNINITIALIZED_TAINT_KEY::equals);
    }

    /** The keys of {@code annotations} (null: none) that start with {@code prefix}, sorted: a Machine's hooks. */
    public static List<String> withPrefix(Map<String, String> annotations, String prefix) {
        return annotations == null ? List.of()
                : annotations.keySet().stream().filter(k -> k.startsWith(prefix)).sorted().toList();
    }

    private ClusterApi() {
    }
}
