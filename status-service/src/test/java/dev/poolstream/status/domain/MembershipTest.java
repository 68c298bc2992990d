package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.Taint;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MembershipTest {

    @ParameterizedTest(name = "ready={0} transition=+{1}s minReady={2} now=+{3}s -> available {4}, next look {5}")
    @CsvSource(nullValues = "null", textBlock = """
            True,    0,    0,  0,  true,  null
            False,   0,    0,  0,  false, null
            Unknown, 0,    0,  0,  false, null
            True,    0,    20, 10, false, 20.001
            True,    0,    20, 20, false, 20.001
            True,    0,    20, 21, true,  null
            True,    null, 20, 99, false, null
            True,    null, 0,  0,  true,  null
            """)
    void shouldBeAvailableOnlyWhenReadyLongerThanMinReadySeconds(String ready, Integer transitionSecond,
                                                                 int minReadySeconds, int nowSecond,
                                                                 boolean available, Double nextLookSecond) {
        NodeState node = Pools.node("n", "aws:///a/i-1", ConditionStatus.valueOf(ready.toUpperCase()),
                transitionSecond == null ? null : T0.plusSeconds(transitionSecond));
        Instant now = T0.plusSeconds(nowSecond);

        assertThat(Membership.available(node, minReadySeconds, now)).isEqualTo(available);
        assertThat(Membership.becomesAvailable(node, minReadySeconds, now))
                .isEqualTo(java.util.Optional.ofNullable(nextLookSecond)
                        .map(s -> T0.plusMillis(Math.round(s * 1000))));
    }

    private static Member member(int id, Integer launchSecond, NodeState node) {
        InstanceState instance = Pools.instance(Pools.aws(id), 0);
        return new Member(new InstanceState(instance.providerID(), instance.pool(), instance.cloud(),
                instance.instanceId(), instance.zone(), instance.lifecycle(), instance.cloudState(),
                instance.templateVersion(), instance.latestModel(),
                launchSecond == null ? null : T0.plusSeconds(launchSecond)), node);
    }

    @ParameterizedTest(name = "unschedulable={0} annotation={1} -> {2}")
    @CsvSource(nullValues = "null", textBlock = """
            true,  2026-11-21T06:10:00Z, 2026-11-21T06:10:00Z
            false, 2026-11-21T06:10:00Z, null
            true,  null,                 null
            true,  yesterday,            null
            """)
    void shouldTellADrainStartedOnlyWhileItsNodeIsCordoned(boolean unschedulable, String annotation,
                                                          String started) {
        NodeState ready = Pools.readyNode("n", "aws:///a/i-1");
        NodeState node = new NodeState(ready.cluster(), ready.name(), ready.uid(), ready.providerID(), ready.ready(),
                ready.readyTransitionTime(), ready.kubeletVersion(), unschedulable, ready.taints(),
                annotation == null ? Map.of() : Map.of(ClusterApi.DRAIN_STARTED_ANNOTATION, annotation));

        PoolMember member = Membership.member(member(1, 0, node), true, 0, T0, "team-a", "workers", "demo");

        assertThat(member.drainStarted()).isEqualTo(started == null ? null : Instant.parse(started));
    }

    @Test
    void shouldTakeADrainMarkSeenOnAnUncordonedNodeForStaleTillTheNodeCarriesAnother() {
        NodeState drained = drainMarked(true, "2026-11-21T05:00:00Z");
        NodeState uncordoned = drainMarked(false, "2026-11-21T05:00:00Z");
        NodeState cordonedByHand = drainMarked(true, "2026-11-21T05:00:00Z");
        NodeState drainedAgain = drainMarked(true, "2026-11-21T07:00:00Z");

        NodeState first = Membership.drainMarkChecked(drained, null);
        NodeState second = Membership.drainMarkChecked(uncordoned, first);
        NodeState third = Membership.drainMarkChecked(cordonedByHand, second);
        NodeState fourth = Membership.drainMarkChecked(drainedAgain, third);

        assertThat(List.of(first, second, third, fourth)).extracting(Membership::drainStarted)
                .containsExactly(Instant.parse("2026-11-21T05:00:00Z"), null, null,
                        Instant.parse("2026-11-21T07:00:00Z"));
        assertThat(third.annotations()).doesNotContainKey(ClusterApi.DRAIN_STARTED_ANNOTATION)
                .containsEntry(Membership.STALE_DRAIN_STARTED, "2026-11-21T05:00:00Z");
        assertThat(Membership.drainMarkChecked(null, third)).isNull();
        assertThat(Membership.drainMarkChecked(Pools.readyNode("n", "aws:///a/i-1"), third).annotations())
                .as("no mark: nothing kept").isEmpty();
    }

    private static NodeState drainMarked(boolean unschedulable, String started) {
        NodeState ready = Pools.readyNode("n", "aws:///a/i-1");
        return new NodeState(ready.cluster(), ready.name(), ready.uid(), ready.providerID(), ready.ready(),
                ready.readyTransitionTime(), ready.kubeletVersion(), unschedulable, ready.taints(),
                Map.of(ClusterApi.DRAIN_STARTED_ANNOTATION, started));
    }

    @Test
    void shouldListOldestFirstThenByProviderIdWithUnknownLaunchTimesLastWhenLaunchOrderDiffersFromIds() {
        List<Member> listed = Membership.listed(List.of(member(1, 30, null), member(2, null, null),
                member(3, 10, null), member(4, 30, null), member(5, null, null)));

        assertThat(listed).extracting(Member::providerID).containsExactly(Pools.aws(3), Pools.aws(1), Pools.aws(4),
                Pools.aws(2), Pools.aws(5));
    }

    @Test
    void shouldAskForDeletionOnlyWhenTheNodeCarriesClusterApisDeleteAnnotation() {
        NodeState plain = Pools.readyNode("n", Pools.aws(1));
        NodeState marked = new NodeState(plain.cluster(), plain.name(), plain.uid(), plain.providerID(), plain.ready(),
                plain.readyTransitionTime(), plain.kubeletVersion(), false, List.of(),
                Map.of(ClusterApi.DELETE_MACHINE_ANNOTATION, ""));

        assertThat(Membership.member(member(1, 0, marked), true, 0, T0, "team-a", "workers", "demo")
                .deleteRequested()).isTrue();
        assertThat(Membership.member(member(1, 0, plain), true, 0, T0, "team-a", "workers", "demo")
                .deleteRequested()).isFalse();
    }

    @Test
    void shouldAskForDeletionWhenClusterAutoscalerTaintedTheNodeForRemoval() {
        NodeState plain = Pools.readyNode("n", Pools.aws(1));
        NodeState chosen = new NodeState(plain.cluster(), plain.name(), plain.uid(), plain.providerID(), plain.ready(),
                plain.readyTransitionTime(), plain.kubeletVersion(), true,
                List.of(new Taint(ClusterApi.AUTOSCALER_DELETING_TAINT_KEY, "1732950000", "NoSchedule")), Map.of());
        NodeState candidate = new NodeState(plain.cluster(), plain.name(), plain.uid(), plain.providerID(),
                plain.ready(), plain.readyTransitionTime(), plain.kubeletVersion(), false,
                List.of(new Taint("DeletionCandidateOfClusterAutoscaler", "1732950000", "PreferNoSchedule")), Map.of());

        assertThat(Membership.member(member(1, 0, chosen), true, 0, T0, "team-a", "workers", "demo")
                .deleteRequested()).isTrue();
        // Only a candidate: the autoscaler has not decided yet.
        assertThat(Membership.member(member(1, 0, candidate), true, 0, T0, "team-a", "workers", "demo")
                .deleteRequested()).isFalse();
    }

    @Test
    void shouldDescribeAnInstanceWithoutNodeAsNotReadyNotAdoptedAndNamelessWhenItHasNoNode() {
        PoolMember member = Membership.member(member(1, 0, null), false, 0, T0, "team-a", "workers", "demo");

        assertThat(member).isEqualTo(new PoolMember(Pools.aws(1), "", null, InstanceLifecycle.RUNNING, T0, false,
                false, false, false, false));
    }

    @Test
    void shouldCarryTheNodesReadyConditionItsTransitionAndTheKubeletVersionWhenItHasANode() {
        NodeState node = Pools.node("n-1", Pools.aws(1), ConditionStatus.FALSE, T0.plusSeconds(7));

        PoolMember member = Membership.member(member(1, 0, node), true, 0, T0, "team-a", "workers", "demo");

        assertThat(member.nodeReady()).isEqualTo(ConditionStatus.FALSE);
        assertThat(member.nodeReadySince()).isEqualTo(T0.plusSeconds(7));
        assertThat(member.kubeletVersion()).isEqualTo("v1.33.1");
    }

    /** Owner annotations as Cluster API core and Poolstream's writer set them, with one changed. */
    private static NodeState owned(String providerId, String kind, String namespace, String name) {
        Map<String, String> annotations = new java.util.HashMap<>();
        annotations.put(ClusterApi.NODE_CLUSTER_NAME_ANNOTATION, "demo");
        if (kind != null) {
            annotations.put(ClusterApi.NODE_OWNER_KIND_ANNOTATION, kind);
        }
        if (namespace != null) {
            annotations.put(ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION, namespace);
        }
        if (name != null) {
            annotations.put(ClusterApi.NODE_OWNER_NAME_ANNOTATION, name);
        }
        return new NodeState("team-a/demo", "n", "u", providerId, ConditionStatus.TRUE, T0, "v1.33.1", false,
                List.of(), annotations);
    }

    @ParameterizedTest(name = "id {0}, owner-kind {1}, namespace {2}, owner-name {3} -> {4}")
    @CsvSource(nullValues = "null", textBlock = """
            aws:///a/i-1, MachinePool, team-a, workers, team-a/workers
            aws:///a/i-1, MachineSet,  team-a, workers, null
            aws:///a/i-1, null,        team-a, workers, null
            aws:///a/i-1, MachinePool, null,   workers, null
            aws:///a/i-1, MachinePool, team-a, null,    null
            aws:///a/i-1, MachinePool, ' ',    workers, null
            aws:///a/i-1, MachinePool, team-a, '',      null
            aws:///a/i-1, MachinePool, team/a, workers, null
            aws:///a/i-1, MachinePool, team-a, wor/kers, null
            aws:///a/i-1, MachinePool, /team-a, workers, null
            aws:///a/i-1, MachinePool, team-a, /workers, null
            '',           MachinePool, team-a, workers, null
            """)
    void shouldFindTheOwnerPoolOfANodeOnlyFromCompleteMachinePoolOwnerAnnotations(String providerId, String kind,
                                                                                    String namespace, String name,
                                                                                    String pool) {
        assertThat(Membership.ownerPool(owned(providerId, kind, namespace, name))).isEqualTo(pool);
    }

    @Test
    void shouldFindNoOwnerPoolWithoutANode() {
        assertThat(Membership.ownerPool(null)).isNull();
    }

    @Test
    void shouldLeaveNodesWhoseInstanceIsGoneOutOfTheList() {
        Member left = new Member(null, Pools.adoptedNode("n9", Pools.aws(9)));

        assertThat(Membership.listed(List.of(member(1, 0, null), left))).extracting(Member::providerID)
                .containsExactly(Pools.aws(1));
    }
}
