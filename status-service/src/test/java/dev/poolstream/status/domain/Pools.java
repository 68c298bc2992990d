package dev.poolstream.status.domain;

import dev.poolstream.testing.MachinePoolSpecs;
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
import dev.poolstream.events.PoolDeparture;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Taint;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Inputs for status tests, built the way the pipeline's topics carry them. */
public final class Pools {

    public static final String POOL = "team-a/workers";
    public static final Instant T0 = Instant.parse("2026-11-21T06:00:00Z");

    public static String aws(int n) {
        return "aws:///us-east-1a/i-" + String.format("%04d", n);
    }

    public static PoolSpec spec(int replicas) {
        return spec(replicas, 0, Map.of(), false);
    }

    public static PoolSpec spec(int replicas, int minReadySeconds, Map<String, String> annotations, boolean deleting) {
        MachinePoolSpec spec = MachinePoolSpecs.of("demo", replicas, "v1.33.1", "workers-bootstrap",
                ClusterApi.KIND_AWS_MACHINE_POOL, "workers", minReadySeconds);
        AWSMachinePoolSpec aws = new AWSMachinePoolSpec();
        aws.setMinSize(0);
        aws.setMaxSize(100);
        InfrastructurePool infra = new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP,
                ClusterApi.KIND_AWS_MACHINE_POOL, "workers", "u", 1, List.of(), null, new InfraSpec.Aws(aws), null);
        return new PoolSpec("team-a", "workers", "uid", 3, Map.of(), annotations, List.of(),
                deleting ? T0 : null, spec, infra, false);
    }

    public static ScalingGroupState group(int desired) {
        return new ScalingGroupState(POOL, Cloud.AWS, "workers", true, desired, 0, 100, "1", false, 3, "c", null);
    }

    public static InstanceState instance(String providerId, int launchSecond) {
        return instance(providerId, launchSecond, InstanceLifecycle.RUNNING, "1");
    }

    public static InstanceState instance(String providerId, int launchSecond, InstanceLifecycle lifecycle, String version) {
        return new InstanceState(providerId, POOL, Cloud.AWS, providerId.substring(providerId.lastIndexOf('/') + 1),
                "us-east-1a", lifecycle, lifecycle.name(), version, true, T0.plusSeconds(launchSecond));
    }

    public static NodeState node(String name, String providerId, ConditionStatus ready, Instant transition) {
        return new NodeState("team-a/demo", name, "uid-" + name, providerId, ready, transition, "v1.33.1", false,
                List.of(new Taint(ClusterApi.UNINITIALIZED_TAINT_KEY, null, "NoSchedule")), Map.of());
    }

    public static NodeState readyNode(String name, String providerId) {
        return node(name, providerId, ConditionStatus.TRUE, T0);
    }

    /** A Ready Node the pool adopted: its owner annotations, no uninitialized taint. */
    public static NodeState adoptedNode(String name, String providerId) {
        return new NodeState("team-a/demo", name, "uid-" + name, providerId, ConditionStatus.TRUE, T0, "v1.33.1",
                false, List.of(), Map.of(ClusterApi.NODE_CLUSTER_NAME_ANNOTATION, "demo",
                ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION, "team-a",
                ClusterApi.NODE_OWNER_KIND_ANNOTATION, ClusterApi.KIND_MACHINE_POOL,
                ClusterApi.NODE_OWNER_NAME_ANNOTATION, "workers"));
    }

    /** {@code n} running instances with Ready Nodes the pool adopted. */
    public static Map<String, Member> adopted(int n) {
        Map<String, Member> members = new HashMap<>();
        for (int i = 1; i <= n; i++) {
            members.put(aws(i), new Member(instance(aws(i), i), adoptedNode("node-" + i, aws(i))));
        }
        return members;
    }

    /** Members in the given order: instance i with node i, where a node may be null. */
    public static Map<String, Member> members(List<InstanceState> instances, List<NodeState> nodes) {
        Map<String, Member> members = new LinkedHashMap<>();
        for (int i = 0; i < instances.size(); i++) {
            members.put(instances.get(i).providerID(), new Member(instances.get(i), nodes.get(i)));
        }
        return members;
    }

    /**
     * Departures of these instances at {@code at}, after a status of unknown number (then, as for a record written
     * before statuses were numbered, their time decides).
     */
    public static Map<String, PoolDeparture> left(Instant at, String... providerIds) {
        Map<String, PoolDeparture> left = new HashMap<>();
        for (String id : providerIds) {
            left.put(id, new PoolDeparture(id, at, 0));
        }
        return left;
    }

    /** Departures of these instances at {@code at}, after the status of {@code listed}, the look that listed them. */
    public static Map<String, PoolDeparture> leftAfter(PoolView listed, Instant at, String... providerIds) {
        Map<String, PoolDeparture> left = new HashMap<>();
        for (String id : providerIds) {
            left.put(id, new PoolDeparture(id, at, listed.status().look()));
        }
        return left;
    }

    /** A look of {@link #POOL}. */
    public static StatusCalculator.Look look(PoolInputs inputs, PoolView previous, Instant now) {
        return StatusCalculator.look(POOL, inputs, previous, now);
    }

    /** {@code n} running instances with Ready Nodes. */
    public static Map<String, Member> ready(int n) {
        Map<String, Member> members = new HashMap<>();
        for (int i = 1; i <= n; i++) {
            members.put(aws(i), new Member(instance(aws(i), i), readyNode("node-" + i, aws(i))));
        }
        return members;
    }

    private Pools() {
    }
}
