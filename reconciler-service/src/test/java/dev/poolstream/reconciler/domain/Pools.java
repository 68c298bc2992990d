package dev.poolstream.reconciler.domain;

import dev.poolstream.testing.MachinePoolSpecs;
import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.MachineRequest;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Pools as the reconciler's topics carry them. */
final class Pools {

    static final String POOL = "team-a/workers";
    static final Instant T0 = Instant.parse("2026-11-21T06:00:00Z");

    static PoolSpec aws(int replicas) {
        return aws(replicas, "v1.33.1", Map.of(), null);
    }

    static PoolSpec aws(int replicas, String version, Map<String, String> annotations, Instant deleting) {
        AWSMachinePoolSpec aws = new AWSMachinePoolSpec();
        aws.setMinSize(0);
        aws.setMaxSize(50);
        return spec(replicas, version, annotations, deleting, new InfraSpec.Aws(aws), ClusterApi.KIND_AWS_MACHINE_POOL,
                List.of(ClusterApi.POOLSTREAM_FINALIZER));
    }

    static PoolSpec azure(int replicas, String version, Object maxSurge, Object maxUnavailable) {
        AzureMachinePoolSpec azure = new AzureMachinePoolSpec();
        var rolling = azure.getStrategy().getRollingUpdate();
        rolling.setMaxSurge(maxSurge instanceof Integer i ? new IntOrString(i) : new IntOrString((String) maxSurge));
        rolling.setMaxUnavailable(maxUnavailable instanceof Integer i ? new IntOrString(i)
                : new IntOrString((String) maxUnavailable));
        return spec(replicas, version, Map.of(), null, new InfraSpec.Azure(azure),
                ClusterApi.KIND_AZURE_MACHINE_POOL, List.of(ClusterApi.POOLSTREAM_FINALIZER));
    }

    static PoolSpec spec(int replicas, String version, Map<String, String> annotations, Instant deleting,
                         InfraSpec infra, String kind, List<String> infraFinalizers) {
        MachinePoolSpec spec = MachinePoolSpecs.of("demo", replicas, version, "workers-bootstrap", kind, "workers", 0);
        return new PoolSpec("team-a", "workers", "uid", 7, Map.of(), annotations,
                List.of(ClusterApi.MACHINE_POOL_FINALIZER), deleting, spec,
                new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, kind, "workers", "u", 2, infraFinalizers, null,
                        infra, null), false);
    }

    /** The same spec at another generation of its MachinePool. */
    static PoolSpec withGeneration(PoolSpec spec, long generation) {
        return new PoolSpec(spec.namespace(), spec.name(), spec.uid(), generation, spec.labels(),
                spec.annotations(), spec.finalizers(), spec.deletionTimestamp(), spec.spec(), spec.infrastructure(),
                false);
    }

    /** The provider ID of {@link #member}{@code (n, ...)}. */
    static String id(int n) {
        return "aws:///us-east-1a/i-" + String.format("%04d", n);
    }

    /** The Machine of {@link #member}{@code (n, ...)}: named after the infrastructure pool and the instance. */
    static String machine(int n) {
        return "workers-i-" + String.format("%04d", n);
    }

    /** What member n's Machine asks for, as the watcher reads it. */
    static MachineRequest request(int n, boolean deleting, boolean deleteAnnotated, boolean healthCheckFailed,
                                  String ownerRemediated) {
        return new MachineRequest(id(n), machine(n), machine(n), deleting, deleteAnnotated, healthCheckFailed,
                ownerRemediated, false, false);
    }

    static MachineRequest deleting(int n) {
        return request(n, true, false, false, null);
    }

    /** Marked by a MachineHealthCheck, not yet taken up by its owner. */
    static MachineRequest marked(int n) {
        return request(n, false, false, true, ClusterApi.REASON_WAITING_FOR_REMEDIATION);
    }

    static PoolSpec with(PoolSpec spec, MachineRequest... requests) {
        return spec.withMachines(List.of(requests), spec.healthChecks());
    }

    static ScalingGroupState group(int desired, String lastCommandId) {
        return new ScalingGroupState(POOL, Cloud.AWS, "workers", true, desired, 0, 50, "1", false, 7,
                lastCommandId, null);
    }

    /** A group gone (or never created), as the provider reports it after the command {@code lastCommandId}. */
    static ScalingGroupState gone(String lastCommandId) {
        return new ScalingGroupState(POOL, null, "workers", false, 0, 0, 0, null, false, 7, lastCommandId, null);
    }

    static PoolMember member(int n, boolean ready, boolean upToDate) {
        return new PoolMember(id(n), "node-" + n, "uid-" + n,
                InstanceLifecycle.RUNNING, T0.plusSeconds(n), ready, ready, upToDate, false, true);
    }

    static List<PoolMember> members(int count) {
        List<PoolMember> members = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            members.add(member(i, true, true));
        }
        return members;
    }

    static PoolStatus status(List<PoolMember> members) {
        return new PoolStatus(POOL, 7, "team-a/demo", "AWSMachinePool", "workers", null,
                members.stream().map(PoolMember::providerID).toList(), true, members, List.of());
    }

    static PoolReconciler.Look look(PoolSpec spec, ScalingGroupState group, PoolStatus status, Memory memory) {
        return new PoolReconciler.Look(spec, group, status, memory, T0, false, Duration.ofMinutes(2));
    }

    /** What the decision remembers, with every drain it remembers ended drained at {@link #T0}. */
    static Memory drained(Decision decision) {
        return drained(decision, T0);
    }

    /** What the decision remembers, with every drain it remembers ended drained at {@code at}. */
    static Memory drained(Decision decision, Instant at) {
        Map<String, Memory.Drain> done = new HashMap<>();
        decision.memory().drains().forEach((id, d) -> done.put(id, d.ended(new DrainOutcome.Drained(), at,
                Retries.DEFAULT)));
        return decision.memory().withDrains(done);
    }

    /** What the reconciler remembers once it has seen the pool's template. */
    static Memory seen(PoolSpec spec) {
        return Memory.EMPTY.withTemplate(PoolReconciler.templateKey(spec), null);
    }

    private Pools() {
    }
}
