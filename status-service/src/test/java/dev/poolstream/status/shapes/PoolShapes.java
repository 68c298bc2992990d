package dev.poolstream.status.shapes;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Taint;
import dev.poolstream.status.domain.Member;
import dev.poolstream.status.domain.PoolInputs;
import dev.poolstream.status.shapes.PoolShape.Names;
import dev.poolstream.testing.MachinePoolSpecs;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The table of pool shapes the status calculator meets, shared by the schema check (unit tier) and the real API
 * server (real tier): one list, so a shape added here is checked on both. Each shape's statuses come from the real
 * {@code StatusCalculator}.
 */
public final class PoolShapes {

    public static final String KUBELET = "v1.34.4";
    private static final Instant T0 = PoolShape.T0;

    public static Stream<PoolShape> all() {
        return Stream.of(
                new PoolShape("new pool: no scaling group, no instances", n -> List.of(
                        inputs(spec(n, 3), null, Map.of()))),
                new PoolShape("scaling group without instances", n -> List.of(
                        inputs(spec(n, 3), group(n, 3, "1", null), Map.of()))),
                new PoolShape("instances whose Nodes have not joined", n -> List.of(
                        inputs(spec(n, 2), group(n, 2, "1", null), members(
                                member(instance(n, 1, InstanceLifecycle.PENDING, "1"), null),
                                member(instance(n, 2, InstanceLifecycle.RUNNING, "1"), null))))),
                new PoolShape("scaled to 0 after two Ready Nodes", n -> List.of(
                        inputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)),
                        inputs(spec(n, 0), group(n, 0, "1", null), Map.of()))),
                new PoolShape("partly Ready: one Ready, one not Ready, one without a Node", n -> List.of(
                        inputs(spec(n, 3), group(n, 3, "1", null), members(
                                member(instance(n, 1, InstanceLifecycle.RUNNING, "1"), node(n, 1, ConditionStatus.TRUE, KUBELET)),
                                member(instance(n, 2, InstanceLifecycle.RUNNING, "1"), node(n, 2, ConditionStatus.FALSE, KUBELET)),
                                member(instance(n, 3, InstanceLifecycle.PENDING, "1"), null))))),
                new PoolShape("Ready but not yet available (minReadySeconds)", n -> List.of(
                        inputs(spec(n, 1, 600, Map.of(), false, false, true), group(n, 1, "1", null),
                                ready(n, 1)))),
                new PoolShape("rolling out: one of two on the new template, one leaving", n -> List.of(
                        inputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)),
                        inputs(spec(n, 2), group(n, 2, "2", null), members(
                                member(instance(n, 1, InstanceLifecycle.RUNNING, "1"), node(n, 1, ConditionStatus.TRUE, KUBELET)),
                                member(instance(n, 2, InstanceLifecycle.TERMINATING, "1"), node(n, 2, ConditionStatus.TRUE, KUBELET)),
                                member(instance(n, 3, InstanceLifecycle.RUNNING, "2"), node(n, 3, ConditionStatus.TRUE, "v1.34.5")))))),
                new PoolShape("scaling down: more instances than wanted", n -> List.of(
                        inputs(spec(n, 1), group(n, 1, "1", null), ready(n, 3)))),
                new PoolShape("deleting", n -> List.of(
                        inputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)),
                        inputs(spec(n, 2, 0, Map.of(), true, false, true), group(n, 0, "1", null), ready(n, 1)))),
                new PoolShape("paused by the pool's annotation", n -> List.of(
                        inputs(spec(n, 2), group(n, 2, "1", null), ready(n, 1)),
                        inputs(spec(n, 3, 0, Map.of(ClusterApi.PAUSED_ANNOTATION, ""), false, false, true),
                                group(n, 2, "1", null), ready(n, 2)))),
                new PoolShape("paused by the Cluster's spec.paused, new pool", n -> List.of(
                        inputs(spec(n, 2, 0, Map.of(), false, true, true), null, Map.of()))),
                new PoolShape("externally autoscaled (replicas-managed-by)", n -> List.of(
                        inputs(spec(n, 3, 0, Map.of(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "cluster-autoscaler"),
                                false, false, true), group(n, 3, "1", null), ready(n, 2)))),
                new PoolShape("invalid spec: replicas outside minSize and maxSize", n -> List.of(
                        inputs(spec(n, 500), group(n, 2, "1", null), ready(n, 2)))),
                new PoolShape("invalid spec: no bootstrap data secret yet", n -> List.of(
                        inputs(spec(n, 1, 0, Map.of(), false, false, false), null, Map.of()))),
                new PoolShape("invalid spec: dangling infrastructureRef", n -> List.of(
                        inputs(unresolved(n), null, Map.of()))),
                new PoolShape("bootstrap data Secret missing: the provider gave up creating the group", n -> List.of(
                        inputs(spec(n, 2), null, Map.of()),
                        inputs(spec(n, 2), new ScalingGroupState(n.poolKey(), Cloud.AWS, n.pool(), false, 0, 0, 0,
                                null, false, 0, null, new Failure("RetriesExhausted", "BootstrapDataSecretNotFound: "
                                + "Secret " + n.namespace() + "/" + n.pool() + "-bootstrap does not exist (yet)")),
                                Map.of()))),
                new PoolShape("workload cluster's Nodes cannot be watched (kubeconfig unusable)", n -> List.of(
                        inputs(spec(n, 2), group(n, 2, "1", null), ready(n, 2)),
                        inputs(spec(n, 2).withWorkloadCluster(new Failure("WorkloadClusterUnreachable",
                                "the Nodes of workload cluster " + n.clusterKey() + " cannot be watched: the "
                                        + "kubeconfig in Secret " + n.clusterKey() + "-kubeconfig cannot be used "
                                        + "(MismatchedInputException)")), group(n, 2, "1", null), ready(n, 2)))),
                new PoolShape("cloud error with a long message and an odd reason", n -> List.of(
                        inputs(spec(n, 2), group(n, 1, "1", new Failure("AutoScaling.ValidationError",
                                "the cloud said: " + "x".repeat(40_000))), ready(n, 1)))),
                new PoolShape("a Node with an empty kubelet version", n -> List.of(
                        inputs(spec(n, 2), group(n, 2, "1", null), members(
                                member(instance(n, 1, InstanceLifecycle.RUNNING, "1"), node(n, 1, ConditionStatus.TRUE, "")),
                                member(instance(n, 2, InstanceLifecycle.RUNNING, "1"), node(n, 2, ConditionStatus.FALSE, null)))))),
                new PoolShape("mixed kubelet versions", n -> List.of(
                        inputs(spec(n, 5), group(n, 5, "1", null), members(
                                member(instance(n, 1, InstanceLifecycle.RUNNING, "1"), node(n, 1, ConditionStatus.TRUE, "v1.33.10")),
                                member(instance(n, 2, InstanceLifecycle.RUNNING, "1"), node(n, 2, ConditionStatus.TRUE, "v1.33.9")),
                                member(instance(n, 3, InstanceLifecycle.RUNNING, "1"), node(n, 3, ConditionStatus.TRUE, "v1.34.0")),
                                member(instance(n, 4, InstanceLifecycle.RUNNING, "1"), node(n, 4, ConditionStatus.TRUE, "v1.34.0-rc.1")),
                                member(instance(n, 5, InstanceLifecycle.RUNNING, "1"), node(n, 5, ConditionStatus.TRUE, "v1.33.9")))))));
    }

    static PoolInputs inputs(PoolSpec spec, ScalingGroupState group, Map<String, Member> members) {
        return new PoolInputs(spec, group, members);
    }

    public static PoolSpec spec(Names n, int replicas) {
        return spec(n, replicas, 0, Map.of(), false, false, true);
    }

    /**
     * A pool backed by an AWSMachinePool of the same name, minSize 0, maxSize 100. Its uids and its infrastructure
     * pool's are not known (null): the real tier's objects get theirs from the API server, and a status computed from
     * this spec is written to the objects of its names, whatever their uids ({@link #withUids} for the check).
     */
    public static PoolSpec spec(Names n, int replicas, int minReadySeconds, Map<String, String> annotations,
                                boolean deleting, boolean clusterPaused, boolean bootstrapData) {
        MachinePoolSpec spec = MachinePoolSpecs.of(n.cluster(), replicas, KUBELET,
                bootstrapData ? n.pool() + "-bootstrap" : null, ClusterApi.KIND_AWS_MACHINE_POOL, n.pool(),
                minReadySeconds);
        return new PoolSpec(n.namespace(), n.pool(), null, 1, Map.of(), annotations, List.of(),
                deleting ? T0 : null, spec, infrastructure(n), clusterPaused);
    }

    public static InfrastructurePool infrastructure(Names n) {
        return infrastructure(n, null);
    }

    private static InfrastructurePool infrastructure(Names n, String uid) {
        return new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL, n.pool(),
                uid, 1, List.of(), null, new InfraSpec.Aws(awsSpec()), null);
    }

    /** The spec as the watcher would publish it of the objects with these uids. */
    public static PoolSpec withUids(PoolSpec s, Names n, String poolUid, String infrastructureUid) {
        return new PoolSpec(s.namespace(), s.name(), poolUid, s.generation(), s.labels(), s.annotations(),
                s.finalizers(), s.deletionTimestamp(), s.spec(), infrastructure(n, infrastructureUid),
                s.clusterPaused(), s.workloadCluster(), s.machines(), s.healthChecks());
    }

    public static AWSMachinePoolSpec awsSpec() {
        AWSMachinePoolSpec aws = new AWSMachinePoolSpec();
        aws.setMinSize(0);
        aws.setMaxSize(100);
        var launchTemplate = new dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.AwsLaunchTemplate();
        // The AWSMachine CRD requires an instance type: its AWSMachines take the launch template's.
        launchTemplate.setInstanceType("m5.large");
        aws.setAwsLaunchTemplate(launchTemplate);
        return aws;
    }

    private static PoolSpec unresolved(Names n) {
        MachinePoolSpec spec = MachinePoolSpecs.of(n.cluster(), 1, KUBELET, n.pool() + "-bootstrap",
                ClusterApi.KIND_AWS_MACHINE_POOL, n.pool() + "-missing", 0);
        return new PoolSpec(n.namespace(), n.pool(), null, 1, Map.of(), Map.of(), List.of(), null, spec,
                InfrastructurePool.unresolved(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL,
                        n.pool() + "-missing", new Failure(InfrastructurePool.REASON_NOT_FOUND,
                                "AWSMachinePool " + n.namespace() + "/" + n.pool() + "-missing does not exist")),
                false);
    }

    public static ScalingGroupState group(Names n, int desired, String templateVersion, Failure error) {
        return new ScalingGroupState(n.poolKey(), Cloud.AWS, n.pool(), true, desired, 0, 100, templateVersion, false,
                1, "c-" + n.id(), error);
    }

    public static InstanceState instance(Names n, int i, InstanceLifecycle lifecycle, String templateVersion) {
        return new InstanceState(n.providerId(i), n.poolKey(), Cloud.AWS, "i-" + n.id() + "-" + i, "us-east-1a",
                lifecycle, lifecycle.name(), templateVersion, true, T0.minusSeconds(600).plusSeconds(i));
    }

    /** A Node of the pool's instance {@code i}, still carrying the uninitialized taint. */
    public static NodeState node(Names n, int i, ConditionStatus ready, String kubeletVersion) {
        return new NodeState(n.clusterKey(), n.nodeName(i), "uid-" + n.nodeName(i), n.providerId(i), ready,
                T0.minusSeconds(300), kubeletVersion, false,
                List.of(new Taint(ClusterApi.UNINITIALIZED_TAINT_KEY, null, "NoSchedule")), Map.of());
    }

    public static Member member(InstanceState instance, NodeState node) {
        return new Member(instance, node);
    }

    static Map<String, Member> members(Member... members) {
        Map<String, Member> byId = new LinkedHashMap<>();
        for (Member m : members) {
            byId.put(m.providerID(), m);
        }
        return byId;
    }

    /** {@code count} running instances on template 1, each with a Ready Node. */
    public static Map<String, Member> ready(Names n, int count) {
        Map<String, Member> members = new HashMap<>();
        for (int i = 1; i <= count; i++) {
            members.put(n.providerId(i), member(instance(n, i, InstanceLifecycle.RUNNING, "1"),
                    node(n, i, ConditionStatus.TRUE, KUBELET)));
        }
        return members;
    }

    private PoolShapes() {
    }
}
