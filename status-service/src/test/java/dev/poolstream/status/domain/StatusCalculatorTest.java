package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.POOL;
import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.aws;
import static dev.poolstream.status.domain.Pools.group;
import static dev.poolstream.status.domain.Pools.look;
import static dev.poolstream.status.domain.Pools.instance;
import static dev.poolstream.status.domain.Pools.members;
import static dev.poolstream.status.domain.Pools.node;
import static dev.poolstream.status.domain.Pools.readyNode;
import static dev.poolstream.status.domain.Pools.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus.Phase;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.NodeRefs;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.lifecycle.NodeJoined;
import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.NodeRemoved;
import dev.poolstream.events.lifecycle.PoolError;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.events.lifecycle.PoolReady;
import dev.poolstream.events.lifecycle.ProvisioningLatency;
import dev.poolstream.events.lifecycle.RolloutProgress;
import dev.poolstream.events.lifecycle.ScalingFinished;
import dev.poolstream.events.lifecycle.ScalingStarted;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class StatusCalculatorTest {

    private static MachinePoolStatus status(PoolInputs inputs) {
        return look(inputs, null, T0.plusSeconds(60)).status().status();
    }

    private static Conditions condition(MachinePoolStatus status, String type) {
        return status.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    /** Cluster API's reference cases for the join (MACHINEPOOL-SEMANTICS.md §3). */
    @Nested
    class ReferenceCases {

        @Test
        void shouldCountOneAwsInstanceWithAReadyNodeAsReferencedReadyAndAvailable() {
            MachinePoolStatus status = status(new PoolInputs(spec(1), group(1),
                    members(List.of(instance(aws(1), 0)), java.util.Arrays.asList(readyNode("n1", aws(1))))));

            assertThat(status.getNodeRefs()).extracting(NodeRefs::getName).containsExactly("n1");
            assertThat(status.getReadyReplicas()).isEqualTo(1);
            assertThat(status.getAvailableReplicas()).isEqualTo(1);
        }

        @Test
        void shouldReferenceANodeWithoutConditionsButNotCountItReady() {
            NodeState noConditions = node("n1", aws(1), ConditionStatus.UNKNOWN, null);

            MachinePoolStatus status = status(new PoolInputs(spec(1), group(1),
                    members(List.of(instance(aws(1), 0)), java.util.Arrays.asList(noConditions))));

            assertThat(status.getNodeRefs()).hasSize(1);
            assertThat(status.getReadyReplicas()).isZero();
        }

        @Test
        void shouldReferenceNothingForAnInstanceWithoutNodeAndWaitForIt() {
            MachinePoolStatus status = status(new PoolInputs(spec(1), group(1),
                    members(List.of(instance(aws(1), 0)), java.util.Arrays.asList((NodeState) null))));

            assertThat(status.getNodeRefs()).isEmpty();
            assertThat(status.getReplicas()).isEqualTo(1);
            assertThat(status.getReadyReplicas()).isZero();
        }

        @Test
        void shouldReferenceNothingForAnEmptyList() {
            MachinePoolStatus status = status(new PoolInputs(spec(0), group(0), Map.of()));

            assertThat(status.getNodeRefs()).isEmpty();
            assertThat(status.getReplicas()).isZero();
        }

        @Test
        void shouldKeepTwoAzureIdsThatDifferOnlyInThePoolSegmentApart() {
            String one = "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/"
                    + "virtualMachineScaleSets/nodepool1/virtualMachines/0";
            String two = one.replace("nodepool1", "nodepool2");

            MachinePoolStatus status = status(new PoolInputs(spec(2), group(2), members(
                    List.of(instance(one, 0), instance(two, 1)),
                    List.of(readyNode("pool1-0", one), readyNode("pool2-0", two)))));

            assertThat(status.getNodeRefs()).extracting(NodeRefs::getName).containsExactly("pool1-0", "pool2-0");
        }

        @Test
        void shouldNotCountAReadyNodeWithoutTransitionTimeAvailableUnderMinReadySeconds() {
            NodeState noTransition = node("n1", aws(1), ConditionStatus.TRUE, null);

            MachinePoolStatus status = status(new PoolInputs(spec(1, 20, Map.of(), false), group(1),
                    members(List.of(instance(aws(1), 0)), java.util.Arrays.asList(noTransition))));

            assertThat(status.getReadyReplicas()).isEqualTo(1);
            assertThat(status.getAvailableReplicas()).isZero();
        }
    }

    @Test
    void shouldListInstancesOldestFirstAndReferenceNodesInThatOrder() {
        MachinePoolStatus status;
        PoolStatus poolStatus = look(new PoolInputs(spec(3), group(3), members(
                List.of(instance(aws(3), 30), instance(aws(1), 10), instance(aws(2), 20)),
                List.of(readyNode("c", aws(3)), readyNode("a", aws(1)), readyNode("b", aws(2))))), null, T0)
                .status();
        status = poolStatus.status();

        assertThat(poolStatus.providerIDList()).containsExactly(aws(1), aws(2), aws(3));
        assertThat(status.getNodeRefs()).extracting(NodeRefs::getName).containsExactly("a", "b", "c");
        assertThat(status.getNodeRefs()).extracting(NodeRefs::getUid).containsExactly("uid-a", "uid-b", "uid-c");
        assertThat(status.getNodeRefs()).allSatisfy(r -> {
            assertThat(r.getKind()).isEqualTo("Node");
            assertThat(r.getApiVersion()).isEqualTo("v1");
        });
    }

    @Test
    void shouldLeaveTerminatingInstancesOut() {
        PoolStatus status = look(new PoolInputs(spec(1), group(1), members(
                List.of(instance(aws(1), 1), instance(aws(2), 2, InstanceLifecycle.TERMINATING, "1")),
                List.of(readyNode("a", aws(1)), readyNode("b", aws(2))))), null, T0).status();

        assertThat(status.providerIDList()).containsExactly(aws(1));
        assertThat(status.status().getReplicas()).isEqualTo(1);
    }

    @Test
    void shouldTakeTheNewUidOfANodeRecreatedWithTheSameName() {
        PoolInputs before = new PoolInputs(spec(1), group(1),
                members(List.of(instance(aws(1), 0)), List.of(readyNode("n1", aws(1)))));
        NodeState recreated = new NodeState("team-a/demo", "n1", "uid-new", aws(1), ConditionStatus.TRUE, T0,
                "v1.33.1", false, List.of(), Map.of());
        PoolView first = look(before, null, T0).view();

        MachinePoolStatus status = look(new PoolInputs(spec(1), group(1),
                members(List.of(instance(aws(1), 0)), List.of(recreated))), first, T0.plusSeconds(5)).status().status();

        assertThat(status.getNodeRefs()).extracting(NodeRefs::getUid).containsExactly("uid-new");
    }

    @Test
    void shouldDropAnInstanceFromTheListWhenItsRecordIsGoneEvenIfTheGroupStillCountsIt() {
        PoolView before = look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null, T0).view();
        Map<String, Member> one = new HashMap<>(Pools.ready(2));
        one.remove(aws(2));

        PoolStatus after = look(new PoolInputs(spec(2), group(2), one), before, T0.plusSeconds(1)).status();

        assertThat(after.providerIDList()).containsExactly(aws(1));
        assertThat(after.status().getReplicas()).isEqualTo(1);
    }

    @Test
    void shouldCountUpToDateOnlyForInstancesOnTheGroupsCurrentTemplate() {
        ScalingGroupState onVersion2 = new ScalingGroupState(POOL, Cloud.AWS, "workers", true, 3, 0, 100, "2",
                false, 3, "c", null);
        MachinePoolStatus status = status(new PoolInputs(spec(3), onVersion2, members(
                List.of(instance(aws(1), 1, InstanceLifecycle.RUNNING, "1"),
                        instance(aws(2), 2, InstanceLifecycle.RUNNING, "2"),
                        instance(aws(3), 3, InstanceLifecycle.RUNNING, "2")),
                List.of(readyNode("a", aws(1)), readyNode("b", aws(2)), readyNode("c", aws(3))))));

        assertThat(status.getUpToDateReplicas()).isEqualTo(2);
        assertThat(condition(status, "MachinesUpToDate").getMessage()).isEqualTo("1 of 3 replicas are not up to date");
        assertThat(condition(status, "RollingOut").getStatus()).isEqualTo(Conditions.Status.TRUE);
        assertThat(condition(status, "RollingOut").getMessage())
                .isEqualTo("Rolling out: 2 of 3 replicas are up to date");
    }

    @Test
    void shouldCountKubeletVersions() {
        NodeState older = new NodeState("team-a/demo", "old", "u-old", aws(3), ConditionStatus.TRUE, T0, "v1.32.4",
                false, List.of(), Map.of());
        MachinePoolStatus status = status(new PoolInputs(spec(3), group(3), members(
                List.of(instance(aws(1), 1), instance(aws(2), 2), instance(aws(3), 3)),
                List.of(readyNode("a", aws(1)), readyNode("b", aws(2)), older))));

        assertThat(status.getVersions()).extracting(v -> v.getVersion() + "=" + v.getReplicas())
                .containsExactly("v1.32.4=1", "v1.33.1=2");
    }

    @Test
    void shouldOrderKubeletVersionsAsKubernetesVersionsWhenCounting() {
        List<String> kubelets = List.of("v1.33.10", "v1.33.9", "v1.34.0", "v1.34.0-rc.1", "v1.33.9");
        List<InstanceState> instances = new ArrayList<>();
        List<NodeState> nodes = new ArrayList<>();
        for (int i = 0; i < kubelets.size(); i++) {
            instances.add(instance(aws(i + 1), i + 1));
            nodes.add(new NodeState("team-a/demo", "n" + i, "u" + i, aws(i + 1), ConditionStatus.TRUE, T0,
                    kubelets.get(i), false, List.of(), Map.of()));
        }

        MachinePoolStatus status = status(new PoolInputs(spec(5), group(5), members(instances, nodes)));

        assertThat(status.getVersions()).extracting(v -> v.getVersion() + "=" + v.getReplicas())
                .containsExactly("v1.33.9=2", "v1.33.10=1", "v1.34.0-rc.1=1", "v1.34.0=1");
    }

    @Test
    void shouldLeaveVersionsOutWhenNoNodeReportsAKubeletVersion() {
        NodeState empty = new NodeState("team-a/demo", "e", "u-e", aws(2), ConditionStatus.TRUE, T0, "", false,
                List.of(), Map.of());
        NodeState none = new NodeState("team-a/demo", "x", "u-x", aws(3), ConditionStatus.TRUE, T0, null, false,
                List.of(), Map.of());

        MachinePoolStatus withoutNodes = status(new PoolInputs(spec(2), group(2), members(
                List.of(instance(aws(1), 1)), java.util.Arrays.asList((NodeState) null))));
        MachinePoolStatus withoutVersions = status(new PoolInputs(spec(2), group(2), members(
                List.of(instance(aws(2), 2), instance(aws(3), 3)), List.of(empty, none))));
        MachinePoolStatus scaledToZero = status(new PoolInputs(spec(0), group(0), Map.of()));

        assertThat(withoutNodes.getVersions()).isNull();
        assertThat(withoutVersions.getVersions()).isNull();
        assertThat(scaledToZero.getVersions()).isNull();
    }

    @Test
    void shouldSkipEmptyKubeletVersionsWhenOtherNodesReportOne() {
        NodeState empty = new NodeState("team-a/demo", "e", "u-e", aws(2), ConditionStatus.TRUE, T0, "", false,
                List.of(), Map.of());

        MachinePoolStatus status = status(new PoolInputs(spec(2), group(2), members(
                List.of(instance(aws(1), 1), instance(aws(2), 2)), List.of(readyNode("a", aws(1)), empty))));

        assertThat(status.getVersions()).extracting(v -> v.getVersion() + "=" + v.getReplicas())
                .containsExactly("v1.33.1=1");
    }

    @Test
    void shouldNotObserveAGenerationTheApiServerNeverGivesWhenItIsZero() {
        PoolSpec three = spec(1);
        PoolSpec zero = new PoolSpec(three.namespace(), three.name(), three.uid(), 0, three.labels(),
                three.annotations(), three.finalizers(), null, three.spec(), three.infrastructure(), false);

        assertThat(status(new PoolInputs(zero, group(1), Pools.ready(1))).getObservedGeneration()).isNull();
    }

    @Test
    void shouldKeepRetiredNodesWhilePausedAndCountTheirTimeFromTheResumeWhenThePoolWasPausedLong() {
        PoolView before = look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null, T0).view();
        Map<String, Member> one = new HashMap<>(Pools.ready(1));
        PoolSpec paused = spec(1, 0, Map.of(ClusterApi.PAUSED_ANNOTATION, ""), false);

        PoolView retiring = look(new PoolInputs(paused, group(1), one, Pools.leftAfter(before, T0.plusSeconds(4), aws(2))),
                before,
                T0.plusSeconds(5)).view();
        PoolView anHourLater = look(new PoolInputs(paused, group(1), one), retiring, T0.plusSeconds(3600)).view();
        PoolView resumed = look(new PoolInputs(spec(1), group(1), one), anHourLater, T0.plusSeconds(3605)).view();
        PoolView resumedLong = look(new PoolInputs(spec(1), group(1), one), resumed,
                T0.plusSeconds(3600).plus(StatusCalculator.RETIRED_KEPT).plusSeconds(1)).view();

        assertThat(anHourLater.status().retired()).extracting(PoolMember::nodeName).containsExactly("node-2");
        assertThat(resumed.status().retired()).extracting(PoolMember::nodeName).containsExactly("node-2");
        assertThat(resumedLong.status().retired()).isEmpty();
    }

    @Test
    void shouldSayHowManyReplicasAreNotReadyInTheConditionsAndTheV1beta1Block() {
        Map<String, Member> members = new HashMap<>(Pools.ready(17));
        for (int i = 18; i <= 20; i++) {
            members.put(aws(i), new Member(instance(aws(i), i), node("n" + i, aws(i), ConditionStatus.FALSE, T0)));
        }

        MachinePoolStatus status = status(new PoolInputs(spec(20), group(20), members));

        assertThat(condition(status, "MachinesReady").getStatus()).isEqualTo(Conditions.Status.FALSE);
        assertThat(condition(status, "MachinesReady").getMessage()).isEqualTo("3 of 20 replicas are not Ready");
        assertThat(condition(status, "Available").getMessage()).isEqualTo("17 of 20 replicas are available");
        assertThat(condition(status, "ScalingUp").getMessage()).isEqualTo("Scaling up from 17 to 20 ready replicas");
        assertThat(status.getDeprecated().getV1beta1().getReadyReplicas()).isEqualTo(17);
        assertThat(status.getDeprecated().getV1beta1().getUnavailableReplicas()).isEqualTo(3);
        assertThat(status.getDeprecated().getV1beta1().getConditions()).singleElement()
                .satisfies(c -> assertThat(c.getReason()).isEqualTo("WaitingForReplicasReady"));
        assertThat(status.getPhase()).isEqualTo(Phase.SCALINGUP);
    }

    @Test
    void shouldShowARunningPoolAsAvailableReadyAndUpToDate() {
        MachinePoolStatus status = status(new PoolInputs(spec(5), group(5), Pools.ready(5)));

        assertThat(status.getPhase()).isEqualTo(Phase.RUNNING);
        assertThat(status.getObservedGeneration()).isEqualTo(3L);
        assertThat(status.getInitialization().getInfrastructureProvisioned()).isTrue();
        assertThat(status.getInitialization().getBootstrapDataSecretCreated()).isTrue();
        assertThat(status.getConditions()).extracting(Conditions::getType).containsExactly("Available",
                "MachinesReady", "MachinesUpToDate", "ScalingUp", "ScalingDown", "RollingOut", "Deleting", "Paused",
                "InfrastructureReady");
        assertThat(status.getConditions()).filteredOn(c -> List.of("Available", "MachinesReady", "MachinesUpToDate",
                "InfrastructureReady").contains(c.getType())).allMatch(c -> c.getStatus() == Conditions.Status.TRUE);
        assertThat(status.getConditions()).filteredOn(c -> List.of("ScalingUp", "ScalingDown", "RollingOut",
                "Deleting", "Paused").contains(c.getType())).allMatch(c -> c.getStatus() == Conditions.Status.FALSE);
        assertThat(status.getConditions()).allMatch(c -> c.getObservedGeneration() == 3L);
        assertThat(condition(status, "MachinesReady").getMessage()).isEqualTo("All 5 replicas are Ready");
    }

    @Test
    void shouldShowAnInvalidSpecAsConditionsAndNotObserveItsGeneration() {
        PoolSpec valid = spec(5);
        PoolView before = look(new PoolInputs(valid, group(5), Pools.ready(5)), null, T0).view();
        PoolSpec tooMany = spec(500);

        StatusCalculator.Look after = look(new PoolInputs(tooMany, group(5), Pools.ready(5)), before,
                T0.plusSeconds(1));
        MachinePoolStatus status = after.status().status();

        assertThat(condition(status, "ScalingUp").getStatus()).isEqualTo(Conditions.Status.FALSE);
        assertThat(condition(status, "ScalingUp").getReason()).isEqualTo("ReplicasOutOfRange");
        assertThat(condition(status, "InfrastructureReady").getReason()).isEqualTo("ReplicasOutOfRange");
        assertThat(condition(status, "InfrastructureReady").getMessage()).contains("[0, 100]");
        assertThat(after.events()).filteredOn(PoolError.class::isInstance).singleElement()
                .satisfies(e -> assertThat(((PoolError) e).failure().reason()).isEqualTo("ReplicasOutOfRange"));
        // Seen once: the next look at the same problem is not news.
        assertThat(look(new PoolInputs(tooMany, group(5), Pools.ready(5)), after.view(), T0.plusSeconds(2))
                .events()).noneMatch(PoolError.class::isInstance);
    }

    @Test
    void shouldShowADanglingInfrastructureReferenceAsACondition() {
        PoolSpec valid = spec(2);
        PoolSpec dangling = new PoolSpec(valid.namespace(), valid.name(), valid.uid(), valid.generation(),
                valid.labels(), valid.annotations(), valid.finalizers(), null, valid.spec(),
                dev.poolstream.events.InfrastructurePool.unresolved(ClusterApi.INFRASTRUCTURE_GROUP, "AWSMachinePool",
                        "gone", new Failure("InfrastructureNotFound", "AWSMachinePool team-a/gone does not exist")),
                false);

        MachinePoolStatus status = status(new PoolInputs(dangling, null, Map.of()));

        assertThat(condition(status, "InfrastructureReady").getReason()).isEqualTo("InfrastructureNotFound");
        assertThat(condition(status, "InfrastructureReady").getMessage())
                .isEqualTo("AWSMachinePool team-a/gone does not exist");
        assertThat(status.getPhase()).isEqualTo(Phase.PROVISIONING);
    }

    @Test
    void shouldShowPausedDeletingAndExternallyScaledPools() {
        MachinePoolStatus paused = status(new PoolInputs(spec(1, 0, Map.of(ClusterApi.PAUSED_ANNOTATION, ""), false),
                group(1), Pools.ready(1)));
        MachinePoolStatus deleting = status(new PoolInputs(spec(1, 0, Map.of(), true), group(1), Pools.ready(1)));
        MachinePoolStatus external = status(new PoolInputs(spec(3, 0,
                Map.of(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "cluster-autoscaler"), false), group(3),
                Pools.ready(1)));

        assertThat(condition(paused, "Paused").getStatus()).isEqualTo(Conditions.Status.TRUE);
        assertThat(condition(deleting, "Deleting").getStatus()).isEqualTo(Conditions.Status.TRUE);
        assertThat(condition(deleting, "Deleting").getMessage())
                .isEqualTo("Deleting the scaling group: 1 replicas remain");
        assertThat(deleting.getPhase()).isEqualTo(Phase.DELETING);
        assertThat(external.getPhase()).isEqualTo(Phase.SCALING);
    }

    @Test
    void shouldKeepAConditionsTransitionTimeWhileItsStatusHolds() {
        PoolView first = look(new PoolInputs(spec(2), group(2), Pools.ready(1)), null, T0).view();
        PoolView second = look(new PoolInputs(spec(2), group(2), Pools.ready(1)), first, T0.plusSeconds(30)).view();
        PoolView third = look(new PoolInputs(spec(2), group(2), Pools.ready(2)), second, T0.plusSeconds(60)).view();

        assertThat(second.status()).isEqualTo(first.status());
        assertThat(condition(third.status().status(), "Available").getLastTransitionTime().toInstant())
                .isEqualTo(T0.plusSeconds(60));
        assertThat(condition(third.status().status(), "Paused").getLastTransitionTime().toInstant()).isEqualTo(T0);
    }

    @Test
    void shouldLookAgainWhenANodeBecomesAvailableWithoutANewEvent() {
        PoolInputs inputs = new PoolInputs(spec(1, 20, Map.of(), false), group(1), members(
                List.of(instance(aws(1), 0)), List.of(node("n1", aws(1), ConditionStatus.TRUE, T0.plusSeconds(5)))));

        PoolView early = look(inputs, null, T0.plusSeconds(10)).view();
        PoolView later = look(inputs, early, early.nextLook()).view();

        assertThat(early.status().status().getAvailableReplicas()).isZero();
        assertThat(early.nextLook()).isEqualTo(T0.plusSeconds(25).plusMillis(1));
        assertThat(later.status().status().getAvailableReplicas()).isEqualTo(1);
        assertThat(later.nextLook()).isNull();
    }

    @Test
    void shouldRetireTheNodesOfInstancesThatLeftAndOnlyThose() {
        PoolView before = look(new PoolInputs(spec(3), group(3), Pools.ready(3)), null, T0).view();
        Map<String, Member> twoLeft = new HashMap<>(Pools.ready(3));
        twoLeft.remove(aws(3));

        PoolInputs afterInputs = new PoolInputs(spec(2), group(2), twoLeft,
                Pools.leftAfter(before, T0.plusSeconds(4), aws(3)));
        PoolView after = look(afterInputs, before, T0.plusSeconds(5)).view();

        assertThat(after.status().retired()).extracting(PoolMember::nodeName).containsExactly("node-3");
        assertThat(after.status().retired()).extracting(PoolMember::providerID).containsExactly(aws(3));
        assertThat(look(new PoolInputs(spec(2), group(2), twoLeft), before, T0.plusSeconds(5)).status().retired())
                .as("only missing, not seen to leave: a crash lost its join, and its Node is a live one").isEmpty();
        PoolView muchLater = look(afterInputs, after, T0.plus(StatusCalculator.RETIRED_KEPT).plusSeconds(6))
                .view();
        assertThat(muchLater.status().retired()).isEmpty();
    }

    @Test
    void shouldNotAdoptNodesUntilAnnotatedAndUntainted() {
        NodeState adopted = new NodeState("team-a/demo", "n1", "u1", aws(1), ConditionStatus.TRUE, T0, "v1.33.1",
                false, List.of(), Map.of(ClusterApi.NODE_CLUSTER_NAME_ANNOTATION, "demo",
                ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION, "team-a",
                ClusterApi.NODE_OWNER_KIND_ANNOTATION, "MachinePool", ClusterApi.NODE_OWNER_NAME_ANNOTATION, "workers"));

        PoolStatus status = look(new PoolInputs(spec(2), group(2), members(
                List.of(instance(aws(1), 1), instance(aws(2), 2)),
                List.of(adopted, readyNode("n2", aws(2))))), null, T0).status();

        assertThat(status.members()).extracting(PoolMember::nodeAdopted).containsExactly(true, false);
        assertThat(status.cluster()).isEqualTo("team-a/demo");
        assertThat(status.infrastructureKind()).isEqualTo("AWSMachinePool");
        assertThat(status.infrastructureName()).isEqualTo("workers");
    }

    @Test
    void shouldPublishNothingForAPoolThatIsGone() {
        StatusCalculator.Look look = look(new PoolInputs(null, group(1), Pools.ready(1)), null, T0);

        assertThat(look.view()).isNull();
        assertThat(look.status()).isNull();
    }

    /** A pool that ran before Poolstream looked at it: its spec lists instances that only the provider can report. */
    @Nested
    class RunningBefore {

        private PoolSpec listing(PoolSpec spec, String... providerIds) {
            spec.spec().setProviderIDList(List.of(providerIds));
            return spec;
        }

        @Test
        void shouldKeepTheStatusItHasUntilTheProvidersFirstReport() {
            PoolSpec spec = listing(spec(2), aws(1), aws(2));

            StatusCalculator.Look before = look(new PoolInputs(spec, null, Map.of()), null, T0);
            StatusCalculator.Look reported = look(new PoolInputs(spec, group(2), Pools.ready(2)), before.view(),
                    T0.plusSeconds(1));

            assertThat(before.view()).isNull();
            assertThat(before.events()).isEmpty();
            assertThat(reported.status().status().getReadyReplicas()).isEqualTo(2);
        }

        @Test
        void shouldTellOfItsNodesButOfNoScaleAndNoReadinessTimeAtTheFirstLook() {
            PoolSpec spec = listing(spec(2), aws(1), aws(2));

            StatusCalculator.Look first = look(new PoolInputs(spec, group(2), Pools.ready(2)), null,
                    T0.plusSeconds(3600));

            assertThat(first.events()).noneMatch(e -> e instanceof ScalingStarted || e instanceof ScalingFinished);
            assertThat(first.events()).filteredOn(NodeJoined.class::isInstance).hasSize(2);
            // They were Ready before Poolstream looked: an hour since launch is no time to Ready.
            assertThat(first.events()).filteredOn(NodeReady.class::isInstance).hasSize(2)
                    .allSatisfy(e -> assertThat(((NodeReady) e).sinceLaunchMillis()).isEqualTo(-1));
            assertThat(first.events()).filteredOn(PoolReady.class::isInstance).hasSize(1);
            // A scale after it is one, and a Node Ready after it is measured.
            StatusCalculator.Look scaled = look(new PoolInputs(listing(spec(3), aws(1), aws(2)), group(3),
                    Pools.ready(3)), first.view(), T0.plusSeconds(3601));
            assertThat(scaled.events()).filteredOn(ScalingStarted.class::isInstance).singleElement()
                    .satisfies(e -> {
                        assertThat(((ScalingStarted) e).fromReplicas()).isEqualTo(2);
                        assertThat(((ScalingStarted) e).toReplicas()).isEqualTo(3);
                    });
            assertThat(scaled.events()).filteredOn(NodeReady.class::isInstance).singleElement()
                    .satisfies(e -> assertThat(((NodeReady) e).sinceLaunchMillis()).isPositive());
        }

        @Test
        void shouldKeepItWhenTheInstancesAreReportedBeforeTheGroup() {
            PoolSpec spec = listing(spec(2), aws(1), aws(2));

            assertThat(look(new PoolInputs(spec, null, Pools.ready(2)), null, T0).view()).isNull();
        }

        @Test
        void shouldNotWaitOnceItHasAStatus() {
            PoolSpec spec = listing(spec(2), aws(1), aws(2));
            PoolView reported = look(new PoolInputs(spec, group(2), Pools.ready(2)), null, T0).view();

            // A group record deleted (its topic compacted to a tombstone): the status follows what is known.
            assertThat(look(new PoolInputs(spec, null, Pools.ready(2)), reported, T0.plusSeconds(1)).status())
                    .isNotNull();
        }

        @Test
        void shouldWriteANewPoolsStatusAtOnce() {
            assertThat(look(new PoolInputs(spec(2), null, Map.of()), null, T0).status()).isNotNull();
            assertThat(look(new PoolInputs(listing(spec(2)), null, Map.of()), null, T0).status()).isNotNull();
        }

        @Test
        void shouldSayWhatIsWrongWithItsSpecWithoutWaiting() {
            // No command goes out for it, so no report would come.
            PoolSpec tooMany = listing(spec(500), aws(1));

            StatusCalculator.Look look = look(new PoolInputs(tooMany, null, Map.of()), null, T0);

            assertThat(condition(look.status().status(), "InfrastructureReady").getReason())
                    .isEqualTo("ReplicasOutOfRange");
        }

        @Test
        void shouldSayItIsPausedWithoutWaiting() {
            PoolSpec paused = listing(spec(1, 0, Map.of(ClusterApi.PAUSED_ANNOTATION, ""), false), aws(1));

            StatusCalculator.Look look = look(new PoolInputs(paused, null, Map.of()), null, T0);

            assertThat(condition(look.status().status(), "Paused").getStatus()).isEqualTo(Conditions.Status.TRUE);
        }
    }

    /** The lifecycle events derived from transitions. */
    @Nested
    class Lifecycle {

        @Test
        void shouldMeasureAScaleUpFromItsStartToTheLastNewNodeReady() {
            PoolView running = look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null, T0).view();
            List<PoolLifecycleEvent> events = new ArrayList<>();
            StatusCalculator.Look scaled = look(new PoolInputs(spec(4), group(4), Pools.ready(2)), running,
                    T0.plusSeconds(100));
            events.addAll(scaled.events());
            Map<String, Member> members = new HashMap<>(Pools.ready(2));
            members.put(aws(3), new Member(instance(aws(3), 101), readyNode("node-3", aws(3))));
            scaled = look(new PoolInputs(spec(4), group(4), members), scaled.view(), T0.plusSeconds(130));
            events.addAll(scaled.events());
            members.put(aws(4), new Member(instance(aws(4), 101), readyNode("node-4", aws(4))));
            scaled = look(new PoolInputs(spec(4), group(4), members), scaled.view(), T0.plusSeconds(150));
            events.addAll(scaled.events());

            assertThat(events).filteredOn(ScalingStarted.class::isInstance).singleElement()
                    .isEqualTo(new ScalingStarted(POOL, T0.plusSeconds(100), 3, 2, 4));
            assertThat(events).filteredOn(NodeJoined.class::isInstance).hasSize(2);
            assertThat(events).filteredOn(NodeReady.class::isInstance).extracting(e -> ((NodeReady) e)
                    .sinceLaunchMillis()).containsExactly(29_000L, 49_000L);
            ScalingFinished finished = (ScalingFinished) events.stream().filter(ScalingFinished.class::isInstance)
                    .findFirst().orElseThrow();
            assertThat(finished.fromReplicas()).isEqualTo(2);
            assertThat(finished.toReplicas()).isEqualTo(4);
            assertThat(finished.latency()).isEqualTo(new ProvisioningLatency(2, 30_000, 50_000, 30_000, 50_000));
            assertThat(scaled.view().run()).isNull();
            assertThat(scaled.status().status().getPhase()).isEqualTo(Phase.RUNNING);
            assertThat(events).filteredOn(PoolReady.class::isInstance).hasSize(1);
        }

        @Test
        void shouldTellWhenAScaleDownFinishesAndWhichNodesLeft() {
            PoolView running = look(new PoolInputs(spec(3), group(3), Pools.ready(3)), null, T0).view();
            Map<String, Member> two = new HashMap<>(Pools.ready(3));
            two.remove(aws(2));

            StatusCalculator.Look after = look(new PoolInputs(spec(2), group(2), two), running, T0.plusSeconds(9));

            assertThat(after.events()).contains(new ScalingStarted(POOL, T0.plusSeconds(9), 3, 3, 2),
                    new NodeRemoved(POOL, T0.plusSeconds(9), "node-2", aws(2)),
                    new ScalingFinished(POOL, T0.plusSeconds(9), 3, 3, 2, null));
        }

        @Test
        void shouldReportRollOutProgress() {
            ScalingGroupState v2 = new ScalingGroupState(POOL, Cloud.AWS, "workers", true, 2, 0, 100, "2", false, 3,
                    "c", null);
            List<InstanceState> old = List.of(instance(aws(1), 1, InstanceLifecycle.RUNNING, "1"),
                    instance(aws(2), 2, InstanceLifecycle.RUNNING, "1"));
            PoolView rolling = look(new PoolInputs(spec(2), v2, members(old,
                    List.of(readyNode("a", aws(1)), readyNode("b", aws(2))))), null, T0).view();
            List<InstanceState> half = List.of(instance(aws(1), 1, InstanceLifecycle.RUNNING, "1"),
                    instance(aws(3), 3, InstanceLifecycle.RUNNING, "2"));

            StatusCalculator.Look after = look(new PoolInputs(spec(2), v2, members(half,
                    List.of(readyNode("a", aws(1)), readyNode("c", aws(3))))), rolling, T0.plusSeconds(60));

            assertThat(after.events()).contains(new RolloutProgress(POOL, T0.plusSeconds(60), 3, 1, 2));
        }
    }

    /** The deprecated v1beta1 block that older readers (and clusterctl) still look at. */
    @Nested
    class V1beta1Block {

        private dev.poolstream.api.cluster.v1beta2.machinepoolstatus.deprecated.V1beta1 v1beta1(PoolInputs inputs,
                                                                                                PoolView previous,
                                                                                                Instant now) {
            return look(inputs, previous, now).status().status().getDeprecated().getV1beta1();
        }

        @Test
        void shouldSayReadyWithoutSeverityReasonOrMessageWhenEveryDesiredReplicaIsReady() {
            var block = v1beta1(new PoolInputs(spec(3), group(3), Pools.ready(3)), null, T0.plusMillis(1_500));

            assertThat(block.getReadyReplicas()).isEqualTo(3);
            assertThat(block.getAvailableReplicas()).isEqualTo(3);
            assertThat(block.getUnavailableReplicas()).isZero();
            assertThat(block.getConditions()).singleElement().satisfies(c -> {
                assertThat(c.getType()).isEqualTo("Ready");
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getSeverity()).isNull();
                assertThat(c.getReason()).isNull();
                assertThat(c.getMessage()).isNull();
                assertThat(c.getLastTransitionTime().toInstant()).isEqualTo(T0.plusSeconds(1));
            });
        }

        @Test
        void shouldSayWaitingForInfrastructureAsInfoWhenTheGroupDoesNotExist() {
            var block = v1beta1(new PoolInputs(spec(2), null, Map.of()), null, T0);

            // As Cluster API counts them: the replicas there that are not available, none yet.
            assertThat(block.getUnavailableReplicas()).isZero();
            Map<String, Member> oneOfTwoReady = new HashMap<>(Pools.ready(1));
            oneOfTwoReady.put(aws(2), new Member(instance(aws(2), 2), node("n2", aws(2), ConditionStatus.FALSE, T0)));
            assertThat(v1beta1(new PoolInputs(spec(3), group(3), oneOfTwoReady), null, T0).getUnavailableReplicas())
                    .isEqualTo(1);
            assertThat(block.getConditions()).singleElement().satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getSeverity()).isEqualTo("Info");
                assertThat(c.getReason()).isEqualTo("WaitingForInfrastructure");
                assertThat(c.getMessage()).isEqualTo("0 of 2 replicas are Ready");
            });
        }

        @Test
        void shouldNotSayReadyWhenMoreReplicasThanDesiredAreStillThere() {
            Map<String, Member> three = new HashMap<>(Pools.ready(2));
            three.put(aws(3), new Member(instance(aws(3), 3), node("n3", aws(3), ConditionStatus.FALSE, T0)));

            var block = v1beta1(new PoolInputs(spec(2), group(2), three), null, T0);

            assertThat(block.getConditions()).singleElement().satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("WaitingForReplicasReady");
                assertThat(c.getMessage()).isEqualTo("2 of 2 replicas are Ready");
            });
        }

        @Test
        void shouldKeepTheReadyTransitionTimeWhileTheStatusHoldsAndMoveItWhenItChanges() {
            PoolView first = look(new PoolInputs(spec(2), group(2), Pools.ready(1)), null, T0).view();
            PoolView same = look(new PoolInputs(spec(2), group(2), Pools.ready(1)), first, T0.plusSeconds(30)).view();
            var changed = v1beta1(new PoolInputs(spec(2), group(2), Pools.ready(2)), same, T0.plusSeconds(60));

            assertThat(same.status().status().getDeprecated().getV1beta1().getConditions()).singleElement()
                    .satisfies(c -> assertThat(c.getLastTransitionTime().toInstant()).isEqualTo(T0));
            assertThat(changed.getConditions()).singleElement()
                    .satisfies(c -> assertThat(c.getLastTransitionTime().toInstant()).isEqualTo(T0.plusSeconds(60)));
        }
    }

    @Test
    void shouldListAKubeletVersionUpToTheSchemasMaximumLengthAndLeaveALongerOneOut() {
        String longest = "v1.33." + "1".repeat(StatusCalculator.VERSION_MAX_LENGTH - 6);
        NodeState fits = new NodeState("team-a/demo", "a", "u-a", aws(1), ConditionStatus.TRUE, T0, longest, false,
                List.of(), Map.of());
        NodeState tooLong = new NodeState("team-a/demo", "b", "u-b", aws(2), ConditionStatus.TRUE, T0, longest + "1",
                false, List.of(), Map.of());

        MachinePoolStatus status = status(new PoolInputs(spec(2), group(2), members(
                List.of(instance(aws(1), 1), instance(aws(2), 2)), List.of(fits, tooLong))));

        assertThat(status.getVersions()).extracting(v -> v.getVersion() + "=" + v.getReplicas())
                .containsExactly(longest + "=1");
    }

    @Test
    void shouldObserveGenerationOneWhenItIsTheFirstTheApiServerGives() {
        PoolSpec three = spec(1);
        PoolSpec one = new PoolSpec(three.namespace(), three.name(), three.uid(), 1, three.labels(),
                three.annotations(), three.finalizers(), null, three.spec(), three.infrastructure(), false);

        assertThat(status(new PoolInputs(one, group(1), Pools.ready(1))).getObservedGeneration()).isEqualTo(1L);
    }

    @Test
    void shouldKeepTheLastObservedGenerationWhenANewerGenerationCannotBeActedOn() {
        PoolView before = look(new PoolInputs(spec(5), group(5), Pools.ready(5)), null, T0).view();
        PoolSpec tooMany = spec(500);
        PoolSpec newer = new PoolSpec(tooMany.namespace(), tooMany.name(), tooMany.uid(), 4, tooMany.labels(),
                tooMany.annotations(), tooMany.finalizers(), null, tooMany.spec(), tooMany.infrastructure(), false);

        MachinePoolStatus after = look(new PoolInputs(newer, group(5), Pools.ready(5)), before, T0.plusSeconds(1))
                .status().status();

        assertThat(after.getObservedGeneration()).isEqualTo(3L);
        assertThat(look(new PoolInputs(newer, group(5), Pools.ready(5)), null, T0).status().status()
                .getObservedGeneration()).isNull();
    }

    /**
     * A generation whose command the cloud refused (a RollOut to an image that does not exist) is not observed: the
     * reconcile of it did not succeed. Once a command succeeds, it is.
     */
    @Test
    void shouldNotObserveAGenerationWhileTheCloudsLastCommandFailed() {
        PoolView before = look(new PoolInputs(spec(5), group(5), Pools.ready(5)), null, T0).view();
        PoolSpec next = spec(5);
        PoolSpec newer = new PoolSpec(next.namespace(), next.name(), next.uid(), 4, next.labels(), next.annotations(),
                next.finalizers(), null, next.spec(), next.infrastructure(), false);
        ScalingGroupState g = group(5);
        ScalingGroupState refused = new ScalingGroupState(g.pool(), g.cloud(), g.group(), g.exists(), g.desired(),
                g.min(), g.max(), g.templateVersion(), g.rolloutInFlight(), g.appliedGeneration(), g.lastCommandId(),
                new Failure("InvalidTemplate", "image ami-0123 does not exist"));

        assertThat(look(new PoolInputs(newer, refused, Pools.ready(5)), before, T0.plusSeconds(1)).status().status()
                .getObservedGeneration()).isEqualTo(3L);
        assertThat(look(new PoolInputs(newer, g, Pools.ready(5)), before, T0.plusSeconds(2)).status().status()
                .getObservedGeneration()).isEqualTo(4L);
    }

    /**
     * The cloud cannot launch the instances the pool asks for (an AMI gone, no capacity): InfrastructureReady says so,
     * and the generation is still observed, since the command that asked for them was carried out. A command's failure
     * comes first: it is what the user changes the spec for.
     */
    @Test
    void shouldShowTheCloudsLaunchFailureOnInfrastructureReadyAndStillObserveTheGeneration() {
        ScalingGroupState g = group(3);
        Failure noImage = new Failure("LaunchFailed", "Auto Scaling could not launch an instance into group workers: "
                + "The image id '[ami-0abc]' does not exist. Launching EC2 instance failed.");
        ScalingGroupState failing = withLaunchFailure(g, null, noImage);
        ScalingGroupState alsoRefused = withLaunchFailure(g,
                new Failure("InvalidTemplate", "image ami-0123 does not exist"), noImage);

        MachinePoolStatus short1 = status(new PoolInputs(spec(3), failing, Pools.ready(1)));

        assertThat(condition(short1, "InfrastructureReady")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo(Conditions.Status.FALSE);
            assertThat(c.getReason()).isEqualTo("LaunchFailed");
            assertThat(c.getMessage()).isEqualTo(noImage.message());
        });
        assertThat(short1.getObservedGeneration()).isEqualTo(3L);
        assertThat(condition(status(new PoolInputs(spec(3), alsoRefused, Pools.ready(1))), "InfrastructureReady")
                .getReason()).isEqualTo("InvalidTemplate");
        assertThat(condition(status(new PoolInputs(spec(3), g, Pools.ready(1))), "InfrastructureReady").getStatus())
                .isEqualTo(Conditions.Status.TRUE);
    }

    /** Subscribers hear of a launch failure once, as a PoolError, and of it again only when it returns. */
    @Test
    void shouldPublishALaunchFailureAsAPoolErrorOnceWhenItAppears() {
        ScalingGroupState g = group(3);
        Failure noCapacity = new Failure("LaunchFailed", "Auto Scaling could not launch an instance into group "
                + "workers: We currently do not have sufficient m5.large capacity in the Availability Zone you "
                + "requested (us-east-1a).");
        ScalingGroupState failing = withLaunchFailure(g, null, noCapacity);
        PoolView before = look(new PoolInputs(spec(3), g, Pools.ready(1)), null, T0).view();

        StatusCalculator.Look failed = look(new PoolInputs(spec(3), failing, Pools.ready(1)), before,
                T0.plusSeconds(1));
        StatusCalculator.Look again = look(new PoolInputs(spec(3), failing, Pools.ready(1)), failed.view(),
                T0.plusSeconds(2));
        StatusCalculator.Look cleared = look(new PoolInputs(spec(3), g, Pools.ready(2)), again.view(),
                T0.plusSeconds(3));
        StatusCalculator.Look returned = look(new PoolInputs(spec(3), failing, Pools.ready(2)), cleared.view(),
                T0.plusSeconds(4));

        assertThat(failed.events()).filteredOn(PoolError.class::isInstance).singleElement()
                .satisfies(e -> assertThat(((PoolError) e).failure()).isEqualTo(noCapacity));
        assertThat(again.events()).noneMatch(PoolError.class::isInstance);
        assertThat(cleared.events()).noneMatch(PoolError.class::isInstance);
        assertThat(returned.events()).filteredOn(PoolError.class::isInstance).hasSize(1);
    }

    /**
     * Between a spec change and its RollOut carried out, the group is still on the template before: its instances are
     * on the group's current template, and still none is up to date with the spec, so a user waiting for the roll-out
     * to finish does not see it finished before it began. A provider that names no template leaves it as it was.
     */
    @Test
    void shouldCountNoInstanceUpToDateWhileTheGroupIsOnAnotherTemplateThanTheSpecAsksFor() {
        PoolSpec spec = spec(3);
        ScalingGroupState g = group(3);
        String wanted = dev.poolstream.events.command.GroupTemplate.of(spec).fingerprint();

        MachinePoolStatus before = status(new PoolInputs(spec, withTemplate(g, "0123456789abcdef"), Pools.ready(3)));
        MachinePoolStatus after = status(new PoolInputs(spec, withTemplate(g, wanted), Pools.ready(3)));

        assertThat(before.getUpToDateReplicas()).isZero();
        assertThat(condition(before, "RollingOut").getStatus()).isEqualTo(Conditions.Status.TRUE);
        assertThat(after.getUpToDateReplicas()).isEqualTo(3);
        assertThat(status(new PoolInputs(spec, g, Pools.ready(3))).getUpToDateReplicas()).isEqualTo(3);
        // The members the reconciler reads stay up to date on the group's template: were the RollOut refused, their
        // replacements would get the same template, and be replaced in turn.
        assertThat(look(new PoolInputs(spec, withTemplate(g, "0123456789abcdef"), Pools.ready(3)), null, T0).status()
                .members()).hasSize(3).allMatch(PoolMember::upToDate);
    }

    /** {@code g} with this last error, no known template, and this launch failure. */
    private static ScalingGroupState withLaunchFailure(ScalingGroupState g, Failure lastError, Failure launchFailure) {
        return new ScalingGroupState(g.pool(), g.cloud(), g.group(), g.exists(), g.desired(), g.min(), g.max(),
                g.templateVersion(), g.rolloutInFlight(), g.appliedGeneration(), g.lastCommandId(), lastError, null,
                launchFailure);
    }

    private static ScalingGroupState withTemplate(ScalingGroupState g, String fingerprint) {
        return new ScalingGroupState(g.pool(), g.cloud(), g.group(), g.exists(), g.desired(), g.min(), g.max(),
                g.templateVersion(), g.rolloutInFlight(), g.appliedGeneration(), g.lastCommandId(), g.lastError(),
                fingerprint);
    }

    @Test
    void shouldKeepThePreviousPhaseWhenNoPhaseRuleMatches() {
        PoolView running = look(new PoolInputs(spec(1), group(1), Pools.ready(1)), null, T0).view();
        PoolSpec bootstrapless = spec(1);
        bootstrapless.spec().getTemplate().getSpec().getBootstrap().setDataSecretName(null);

        MachinePoolStatus after = look(new PoolInputs(bootstrapless, null, Map.of()), running, T0.plusSeconds(1))
                .status().status();

        assertThat(running.status().status().getPhase()).isEqualTo(Phase.RUNNING);
        assertThat(after.getPhase()).isEqualTo(Phase.RUNNING);
        assertThat(status(new PoolInputs(bootstrapless, null, Map.of())).getPhase()).isEqualTo(Phase.PENDING);
    }

    @Test
    void shouldLookAgainWhenARetiredNodeIsToBeDroppedWithoutANewEvent() {
        PoolView before = look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null, T0).view();
        Map<String, Member> one = new HashMap<>(Pools.ready(1));

        PoolView after = look(new PoolInputs(spec(1), group(1), one, Pools.leftAfter(before, T0.plusSeconds(4), aws(2))),
                before,
                T0.plusSeconds(5)).view();

        assertThat(before.nextLook()).isNull();
        assertThat(after.nextLook()).isEqualTo(T0.plusSeconds(5).plus(StatusCalculator.RETIRED_KEPT));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "latest model {0}, group {1}, instance {2} -> {3}")
    @org.junit.jupiter.params.provider.CsvSource(nullValues = "null", textBlock = """
            false, 1,    1,    false
            true,  1,    1,    true
            true,  2,    1,    false
            true,  null, 1,    true
            true,  2,    null, true
            """)
    void shouldCountAnInstanceUpToDateOnlyWhenItRunsTheGroupsLatestTemplate(boolean latestModel, String groupVersion,
                                                                          String instanceVersion, boolean upToDate) {
        InstanceState instance = new InstanceState(aws(1), POOL, Cloud.AWS, "i-1", "us-east-1a",
                InstanceLifecycle.RUNNING, "InService", instanceVersion, latestModel, T0);
        ScalingGroupState group = new ScalingGroupState(POOL, Cloud.AWS, "workers", true, 1, 0, 100, groupVersion,
                false, 3, "c", null);

        assertThat(StatusCalculator.upToDate(new Member(instance, null), group)).isEqualTo(upToDate);
        assertThat(StatusCalculator.upToDate(new Member(instance, null), null)).isEqualTo(latestModel);
    }
}
