package dev.poolstream.events;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.Template;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.Spec;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Bootstrap;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.InfrastructureRef;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.NodeRefs;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.AwsLaunchTemplate;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import dev.poolstream.events.lifecycle.NodeJoined;
import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.NodeRemoved;
import dev.poolstream.events.lifecycle.PoolError;
import dev.poolstream.events.lifecycle.PoolReady;
import dev.poolstream.events.lifecycle.ProvisioningLatency;
import dev.poolstream.events.lifecycle.RolloutProgress;
import dev.poolstream.events.lifecycle.ScalingFinished;
import dev.poolstream.events.lifecycle.ScalingStarted;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

/** One realistic value of every topic value type, and of every member of the sealed families. */
public final class Fixtures {

    public static final String POOL = "team-a/workers";
    public static final Instant AT = Instant.parse("2026-11-21T06:00:00Z");
    public static final String AWS_ID = "aws:///us-east-1a/i-0abc123";
    public static final String AZURE_ID = "azure:///subscriptions/s1/resourceGroups/rg-a/providers/"
            + "Microsoft.Compute/virtualMachineScaleSets/nodepool1/virtualMachines/0";

    public record Sample(Topics.TopicSpec topic, Keyed value) {
        @Override
        public String toString() {
            return topic.name() + " " + value.getClass().getSimpleName();
        }
    }

    public static List<Sample> all() {
        return List.of(
                new Sample(Topics.MACHINEPOOL_SPEC, awsPoolSpec()),
                new Sample(Topics.MACHINEPOOL_SPEC, azurePoolSpec()),
                new Sample(Topics.MACHINEPOOL_SPEC, danglingPoolSpec()),
                new Sample(Topics.NODE, node()),
                new Sample(Topics.WORKLOAD_CLUSTER, WorkloadCluster.of("team-a", "demo")),
                new Sample(Topics.WORKLOAD_CLUSTER_WATCH, new WorkloadClusterWatch("team-a", "demo",
                        "cannot reach the API server its kubeconfig names: connection refused",
                        "poolstream-watcher-1")),
                new Sample(Topics.SCALINGGROUP_STATE, groupState()),
                new Sample(Topics.SCALINGGROUP_INSTANCES, instance()),
                new Sample(Topics.MACHINEPOOL_STATUS, poolStatus()),
                new Sample(Topics.SCALINGGROUP_COMMANDS_AWS, EnsureGroup.of(POOL, 3, "workers", awsTemplate(),
                        new Capacity(5, 1, 10, false))),
                new Sample(Topics.SCALINGGROUP_COMMANDS_AWS, SetCapacity.of(POOL, 4, "workers",
                        new Capacity(20, 1, 30, false))),
                new Sample(Topics.SCALINGGROUP_COMMANDS_AWS, RollOut.of(POOL, 5, "workers", awsTemplate())),
                new Sample(Topics.SCALINGGROUP_COMMANDS_AZURE, TerminateInstances.of(POOL, 6, "workers",
                        List.of(AZURE_ID))),
                new Sample(Topics.SCALINGGROUP_COMMANDS_AZURE, DeleteGroup.of(POOL, 7, "workers")),
                new Sample(Topics.MACHINEPOOL_LIFECYCLE, new ScalingStarted(POOL, AT, 4, 5, 20)),
                new Sample(Topics.MACHINEPOOL_LIFECYCLE, new ScalingFinished(POOL, AT, 4, 5, 20,
                        new ProvisioningLatency(15, 41_000, 58_000, 47_000, 55_000))),
                new Sample(Topics.MACHINEPOOL_LIFECYCLE, new NodeJoined(POOL, AT, "ip-10-0-0-1", AWS_ID)),
                new Sample(Topics.MACHINEPOOL_LIFECYCLE, new NodeReady(POOL, AT, "ip-10-0-0-1", AWS_ID, 45_000)),
                new Sample(Topics.MACHINEPOOL_LIFECYCLE, new NodeRemoved(POOL, AT, "ip-10-0-0-1", AWS_ID)),
                new Sample(Topics.MACHINEPOOL_LIFECYCLE, new RolloutProgress(POOL, AT, 5, 3, 5)),
                new Sample(Topics.MACHINEPOOL_LIFECYCLE, new PoolReady(POOL, AT, 5, 5)),
                new Sample(Topics.MACHINEPOOL_LIFECYCLE, new PoolError(POOL, AT,
                        new Failure("ReplicasOutOfRange", "replicas 12 is outside [1, 10]"))));
    }

    public static PoolSpec awsPoolSpec() {
        return poolSpec(ClusterApi.KIND_AWS_MACHINE_POOL, new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP,
                ClusterApi.KIND_AWS_MACHINE_POOL, "workers", "uid-infra", 2, List.of(ClusterApi.POOLSTREAM_FINALIZER),
                null, new InfraSpec.Aws(awsSpec()), null))
                .withMachines(List.of(new MachineRequest(AWS_ID, "workers-i-0abc", "workers-i-0abc", false, true,
                                true, ClusterApi.REASON_WAITING_FOR_REMEDIATION, false, false)),
                        List.of(new HealthCheck("team-a/workers-unhealthy", 600, List.of(
                                new HealthCheck.UnhealthyNodeCondition("Ready", ConditionStatus.FALSE, 300)), "40%", null,
                                2)));
    }

    public static PoolSpec azurePoolSpec() {
        AzureMachinePoolSpec spec = new AzureMachinePoolSpec();
        spec.setLocation("westeurope");
        var template = new dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.Template();
        template.setVmSize("Standard_D2s_v3");
        spec.setTemplate(template);
        spec.getStrategy().getRollingUpdate().setMaxSurge(new IntOrString("25%"));
        return poolSpec(ClusterApi.KIND_AZURE_MACHINE_POOL, new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP,
                ClusterApi.KIND_AZURE_MACHINE_POOL, "workers", "uid-infra", 1, List.of(), null,
                new InfraSpec.Azure(spec), null));
    }

    public static PoolSpec danglingPoolSpec() {
        return poolSpec(ClusterApi.KIND_AWS_MACHINE_POOL, InfrastructurePool.unresolved(ClusterApi.INFRASTRUCTURE_GROUP,
                ClusterApi.KIND_AWS_MACHINE_POOL, "workers",
                new Failure(InfrastructurePool.REASON_NOT_FOUND, "AWSMachinePool team-a/workers does not exist")));
    }

    private static PoolSpec poolSpec(String infraKind, InfrastructurePool infrastructure) {
        InfrastructureRef ref = new InfrastructureRef();
        ref.setApiGroup(ClusterApi.INFRASTRUCTURE_GROUP);
        ref.setKind(infraKind);
        ref.setName("workers");
        Bootstrap bootstrap = new Bootstrap();
        bootstrap.setDataSecretName("workers-bootstrap");
        Spec templateSpec = new Spec();
        templateSpec.setClusterName("demo");
        templateSpec.setVersion("v1.33.1");
        templateSpec.setBootstrap(bootstrap);
        templateSpec.setInfrastructureRef(ref);
        templateSpec.setMinReadySeconds(10);
        Template template = new Template();
        template.setSpec(templateSpec);
        MachinePoolSpec spec = new MachinePoolSpec();
        spec.setClusterName("demo");
        spec.setReplicas(5);
        spec.setTemplate(template);
        return new PoolSpec("team-a", "workers", "uid-pool", 4, Map.of(ClusterApi.CLUSTER_NAME_LABEL, "demo"),
                Map.of(ClusterApi.AUTOSCALER_MIN_SIZE_ANNOTATION, "1"), List.of(ClusterApi.MACHINE_POOL_FINALIZER),
                null, spec, infrastructure, false);
    }

    static AWSMachinePoolSpec awsSpec() {
        AwsLaunchTemplate launchTemplate = new AwsLaunchTemplate();
        launchTemplate.setInstanceType("t3.large");
        launchTemplate.setIamInstanceProfile("nodes.cluster-api-provider-aws.sigs.k8s.io");
        launchTemplate.setSshKeyName("default");
        AWSMachinePoolSpec spec = new AWSMachinePoolSpec();
        spec.setMinSize(1);
        spec.setMaxSize(10);
        spec.setAvailabilityZones(List.of("us-east-1a", "us-east-1b"));
        spec.setAwsLaunchTemplate(launchTemplate);
        return spec;
    }

    static GroupTemplate awsTemplate() {
        return new GroupTemplate("demo", "v1.33.1", new InfraSpec.Aws(awsSpec()), 2,
                new SecretRef("team-a", "workers-bootstrap"), List.of("us-east-1a"), Map.of("team", "a"));
    }

    public static NodeState node() {
        return new NodeState("team-a/demo", "ip-10-0-0-1", "uid-node-1", AWS_ID, ConditionStatus.TRUE, AT,
                "v1.33.1", false, List.of(new Taint(ClusterApi.UNINITIALIZED_TAINT_KEY, null, "NoSchedule")),
                Map.of(ClusterApi.NODE_OWNER_KIND_ANNOTATION, "MachinePool"));
    }

    static ScalingGroupState groupState() {
        return new ScalingGroupState(POOL, Cloud.AWS, "workers", true, 5, 1, 10, "3", false, 4,
                "2c1f4c9e-0000-3000-8000-000000000000", null);
    }

    static InstanceState instance() {
        return new InstanceState(AWS_ID, POOL, Cloud.AWS, "i-0abc123", "us-east-1a", InstanceLifecycle.RUNNING,
                "InService", "3", true, AT);
    }

    static PoolStatus poolStatus() {
        NodeRefs ref = new NodeRefs();
        ref.setApiVersion("v1");
        ref.setKind("Node");
        ref.setName("ip-10-0-0-1");
        ref.setUid("uid-node-1");
        Conditions available = new Conditions();
        available.setType("Available");
        available.setStatus(Conditions.Status.TRUE);
        available.setReason("Available");
        available.setMessage("1 of 1 replicas are available");
        available.setLastTransitionTime(ZonedDateTime.of(2026, 11, 21, 6, 0, 0, 0, ZoneOffset.UTC));
        MachinePoolStatus status = new MachinePoolStatus();
        status.setReplicas(1);
        status.setReadyReplicas(1);
        status.setAvailableReplicas(1);
        status.setUpToDateReplicas(1);
        status.setPhase(MachinePoolStatus.Phase.RUNNING);
        status.setNodeRefs(List.of(ref));
        status.setConditions(List.of(available));
        status.setObservedGeneration(4L);
        return new PoolStatus(POOL, 4, "team-a/demo", "AWSMachinePool", "workers", status, List.of(AWS_ID), true,
                List.of(new PoolMember(AWS_ID, "ip-10-0-0-1", "uid-node-1", InstanceLifecycle.RUNNING, AT, true, true,
                        true, false, true, ConditionStatus.TRUE, AT, "v1.33.1")), List.of(new PoolMember("aws:///us-east-1a/i-0old", "ip-10-0-0-0",
                "uid-node-0", InstanceLifecycle.TERMINATING, AT, false, false, true, false, true)), List.of(), null, null,
                List.of(new PoolDeparture("aws:///us-east-1a/i-0gone", AT, 6)), 7L);
    }

    private Fixtures() {
    }
}
