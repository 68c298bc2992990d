package dev.poolstream.bench;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.testing.MachinePoolSpecs;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The records of a fleet in steady state, as the watcher and the provider publish them: {@code pools} AWS pools of
 * {@code nodesPerPool} running instances, each with its adopted, Ready Node. Node {@code n} of the fleet is node
 * {@code n % nodesPerPool} of pool {@code n / nodesPerPool}.
 */
record SteadyState(int pools, int nodesPerPool, Instant launched) {

    static final String NAMESPACE = "bench";
    static final String CLUSTER = "demo";
    static final String VERSION = "v1.33.1";

    int nodes() {
        return pools * nodesPerPool;
    }

    static String poolName(int pool) {
        return String.format(Locale.ROOT, "pool-%04d", pool);
    }

    static String poolKey(int pool) {
        return NAMESPACE + "/" + poolName(pool);
    }

    static String nodeName(int node) {
        return String.format(Locale.ROOT, "ip-10-%d-%d-%d", node >> 16 & 255, node >> 8 & 255, node & 255);
    }

    static String providerId(int node) {
        return String.format(Locale.ROOT, "aws:///us-east-1a/i-%017x", node);
    }

    int poolOf(int node) {
        return node / nodesPerPool;
    }

    PoolSpec spec(int pool) {
        MachinePoolSpec spec = MachinePoolSpecs.of(CLUSTER, nodesPerPool, VERSION, "bootstrap-" + poolName(pool),
                ClusterApi.KIND_AWS_MACHINE_POOL, poolName(pool), 0);
        AWSMachinePoolSpec aws = new AWSMachinePoolSpec();
        aws.setMinSize(0);
        aws.setMaxSize(100);
        return new PoolSpec(NAMESPACE, poolName(pool), "uid-" + pool, 1, Map.of(), Map.of(), List.of(), null, spec,
                new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL,
                        poolName(pool), "infra-uid-" + pool, 1, List.of(), null, new InfraSpec.Aws(aws), null),
                false);
    }

    ScalingGroupState group(int pool) {
        return new ScalingGroupState(poolKey(pool), Cloud.AWS, poolName(pool), true, nodesPerPool, 0, 100, "1", false,
                1, "bench-" + pool, null);
    }

    InstanceState instance(int node) {
        return new InstanceState(providerId(node), poolKey(poolOf(node)), Cloud.AWS,
                String.format(Locale.ROOT, "i-%017x", node), "us-east-1a", InstanceLifecycle.RUNNING, "InService", "1",
                true, launched);
    }

    /** The Node as the watcher publishes it: adopted by its pool, Ready (or not) since {@code since}. */
    NodeState node(int node, boolean ready, Instant since) {
        return new NodeState(NAMESPACE + "/" + CLUSTER, nodeName(node), "node-uid-" + node, providerId(node),
                ready ? ConditionStatus.TRUE : ConditionStatus.FALSE, since, VERSION, false, List.of(), Map.of(
                        ClusterApi.NODE_CLUSTER_NAME_ANNOTATION, CLUSTER,
                        ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION, NAMESPACE,
                        ClusterApi.NODE_OWNER_KIND_ANNOTATION, ClusterApi.KIND_MACHINE_POOL,
                        ClusterApi.NODE_OWNER_NAME_ANNOTATION, poolName(poolOf(node))));
    }
}
