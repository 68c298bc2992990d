package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.T0;
import static dev.poolstream.reconciler.domain.Pools.aws;
import static dev.poolstream.reconciler.domain.Pools.group;
import static dev.poolstream.reconciler.domain.Pools.look;
import static dev.poolstream.reconciler.domain.Pools.member;
import static dev.poolstream.reconciler.domain.Pools.members;
import static dev.poolstream.reconciler.domain.Pools.seen;
import static dev.poolstream.reconciler.domain.Pools.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.RefreshPreferences;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupNames;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decisions as tables: one roll-out step, the capacity a command asks for, what a deleted pool gets. */
class DecisionTablesTest {

    /**
     * One look during a roll-out of five (Azure): surge first (capacity desired + maxSurge) while the group and its
     * instances are below that; then out-of-date instances go, the unready ones first, Ready ones only as far as
     * {@code ready - desired + maxUnavailable} allows.
     */
    @ParameterizedTest(name = "surge {0}, unavailable {1}, group {2}; old {3} Ready + {4} not, new {5} Ready + {6}"
            + " booting -> capacity {7}, {8} victims")
    @CsvSource(textBlock = """
            1, 0, 5, 5, 0, 0, 0, 6, 0
            1, 0, 6, 5, 0, 0, 0, 0, 0
            1, 0, 6, 5, 0, 0, 1, 0, 0
            1, 0, 6, 5, 0, 1, 0, 0, 1
            1, 0, 6, 4, 1, 0, 1, 0, 1
            1, 0, 5, 5, 0, 1, 0, 0, 1
            1, 0, 5, 4, 0, 0, 0, 6, 0
            0, 1, 5, 5, 0, 0, 0, 0, 1
            0, 2, 5, 4, 1, 0, 0, 0, 2
            2, 1, 7, 5, 0, 2, 0, 0, 3
            2, 1, 7, 1, 1, 5, 0, 0, 2
            2, 0, 7, 3, 0, 2, 2, 0, 0
            """)
    void shouldSurgeThenReplaceOutOfDateInstancesWithinTheBudgetWhenRollingOut(int surge, int unavailable,
            int groupDesired, int readyOld, int unreadyOld, int readyNew, int bootingNew, int capacity, int victims) {
        PoolSpec spec = Pools.azure(5, "v1.34.0", surge, unavailable);
        List<PoolMember> members = new ArrayList<>();
        int n = 1;
        for (int i = 0; i < readyOld; i++) {
            members.add(member(n++, true, false));
        }
        for (int i = 0; i < unreadyOld; i++) {
            members.add(member(n++, false, false));
        }
        for (int i = 0; i < readyNew; i++) {
            members.add(member(n++, true, true));
        }
        for (int i = 0; i < bootingNew; i++) {
            members.add(member(n++, false, true));
        }

        Decision decision = PoolReconciler.decide(look(spec, group(groupDesired, "x"), status(members), seen(spec)));

        if (capacity > 0) {
            assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(SetCapacity.class,
                    c -> assertThat(c.capacity().desired()).isEqualTo(capacity));
        } else {
            assertThat(decision.commands()).isEmpty();
        }
        assertThat(decision.drains()).hasSize(victims);
        // The unready out-of-date instances go first; never an up-to-date one.
        List<String> old = members.stream().filter(m -> !m.upToDate()).sorted((a, b) -> Boolean.compare(a.ready(),
                b.ready())).map(PoolMember::nodeName).toList();
        assertThat(decision.drains()).extracting(Memory.Drain::nodeName)
                .containsExactlyInAnyOrderElementsOf(old.subList(0, victims));
    }

    @Test
    void shouldSetTheGroupsCapacityWhenItDiffersThoughTheInstancesAlreadyMatch() {
        PoolSpec spec = aws(5);

        Decision decision = PoolReconciler.decide(look(spec, group(4, "x"), status(members(5)), seen(spec)));

        assertThat(decision.drains()).isEmpty();
        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(SetCapacity.class,
                c -> assertThat(c.capacity().desired()).isEqualTo(5));
    }

    /** The capacity a group is ensured with: desired, and AWS's min and max (or none), widened for a surge. */
    @ParameterizedTest(name = "AWS min={0} max={1}, {2} replicas -> {3}..{4}")
    @CsvSource(nullValues = "null", textBlock = """
            2,    10,   5, 2, 10
            null, null, 5, 0, 5
            0,    50,   0, 0, 50
            """)
    void shouldEnsureTheGroupWithTheAwsPoolsMinAndMax(Integer min, Integer max, int replicas, int expectedMin,
                                                      int expectedMax) {
        AWSMachinePoolSpec aws = new AWSMachinePoolSpec();
        aws.setMinSize(min);
        aws.setMaxSize(max);
        PoolSpec spec = Pools.spec(replicas, "v1.33.1", Map.of(), null, new InfraSpec.Aws(aws),
                ClusterApi.KIND_AWS_MACHINE_POOL, List.of(ClusterApi.POOLSTREAM_FINALIZER));

        Decision decision = PoolReconciler.decide(look(spec, null, null, Memory.EMPTY));

        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(EnsureGroup.class,
                e -> assertThat(e.capacity()).isEqualTo(new Capacity(replicas, expectedMin, expectedMax, false)));
    }

    @Test
    void shouldLetARollOutsSurgeGoAboveTheAwsPoolsMaxSize() {
        AWSMachinePoolSpec aws = new AWSMachinePoolSpec();
        aws.setMinSize(5);
        aws.setMaxSize(5);
        RefreshPreferences preferences = new RefreshPreferences();
        preferences.setMinHealthyPercentage(100L);
        preferences.setMaxHealthyPercentage(120L);
        aws.setRefreshPreferences(preferences);
        PoolSpec spec = Pools.spec(5, "v1.34.0", Map.of(), null, new InfraSpec.Aws(aws),
                ClusterApi.KIND_AWS_MACHINE_POOL, List.of(ClusterApi.POOLSTREAM_FINALIZER));
        List<PoolMember> old = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            old.add(member(i, true, false));
        }

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(old), seen(spec)));

        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(SetCapacity.class,
                c -> assertThat(c.capacity()).isEqualTo(new Capacity(6, 5, 6, false)));
    }

    @ParameterizedTest(name = "Azure surge {0}, {1} replicas -> max {2}")
    @CsvSource(textBlock = """
            1, 5, 6
            3, 5, 8
            0, 4, 4
            """)
    void shouldEnsureAnAzureGroupWithRoomForItsSurge(int surge, int replicas, int max) {
        PoolSpec spec = Pools.azure(replicas, "v1.33.1", surge, surge == 0 ? 1 : 0);

        Decision decision = PoolReconciler.decide(look(spec, null, null, Memory.EMPTY));

        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(EnsureGroup.class,
                e -> assertThat(e.capacity()).isEqualTo(new Capacity(replicas, 0, max, false)));
    }

    @Test
    void shouldEnsureAnExternallyManagedPoolsNewGroupWithItsSpecsReplicas() {
        PoolSpec external = aws(5, "v1.33.1", Map.of(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "autoscaler"), null);

        Decision decision = PoolReconciler.decide(look(external, null, null, Memory.EMPTY));

        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(EnsureGroup.class,
                e -> assertThat(e.capacity()).isEqualTo(new Capacity(5, 0, 50, true)));
    }

    @Test
    void shouldWaitForAnEnsureGroupInFlightAndLookAgainWhenItIsOutOfTime() {
        PoolSpec spec = aws(3);
        Decision sent = PoolReconciler.decide(look(spec, null, null, Memory.EMPTY));

        Decision waiting = PoolReconciler.decide(new PoolReconciler.Look(spec, null, null, sent.memory(),
                T0.plusSeconds(30), false, Duration.ofMinutes(2)));

        assertThat(waiting.commands()).isEmpty();
        assertThat(waiting.memory().awaiting().commandId()).isEqualTo(sent.commands().get(0).id());
        assertThat(waiting.lookAgainAt()).isEqualTo(T0.plusSeconds(120));
    }

    @Test
    void shouldKeepTheDrainedVictimsWhileTheirTerminateWaitsForItsNextAttempt() {
        PoolSpec spec = aws(4);
        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        Map<String, Memory.Drain> drained = new HashMap<>();
        drain.memory().drains().forEach((id, d) -> drained.put(id, d.ended(new DrainOutcome.Drained(), T0,
                Retries.DEFAULT)));
        Decision terminate = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)),
                drain.memory().withDrains(drained)));
        TerminateInstances first = (TerminateInstances) terminate.commands().get(0);
        List<CommandFailure> failed = List.of(CommandFailure.of(first, new Failure("RetriesExhausted", "throttled")));

        // Dead-lettered: the victim is drained again (a no-op on a drained Node), then its terminate waits.
        Decision redrain = decide(spec, group(5, "x"), members(5), terminate.memory(), T0.plusSeconds(1), failed);
        assertThat(redrain.commands()).isEmpty();
        assertThat(redrain.drains()).extracting(Memory.Drain::providerID).containsExactlyElementsOf(drained.keySet());
        Map<String, Memory.Drain> again = new HashMap<>();
        redrain.memory().drains().forEach((id, d) -> again.put(id, d.ended(new DrainOutcome.Drained(),
                T0.plusSeconds(2), Retries.DEFAULT)));
        Decision held = decide(spec, group(5, "x"), members(5), redrain.memory().withDrains(again), T0.plusSeconds(2),
                failed);
        Decision retried = decide(spec, group(5, "x"), members(5), held.memory(), T0.plusSeconds(11), failed);

        assertThat(held.commands()).isEmpty();
        assertThat(held.drains()).as("not drained again").isEmpty();
        assertThat(held.memory().drains()).as("still the victims, drained").containsOnlyKeys(drained.keySet())
                .allSatisfy((id, d) -> assertThat(d.done()).isTrue());
        assertThat(held.lookAgainAt()).isEqualTo(T0.plusSeconds(11));
        assertThat(retried.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class, t -> {
            assertThat(t.id()).isEqualTo(Attempts.attemptId(first, 2));
            assertThat(t.providerIDs()).isEqualTo(first.providerIDs());
        });
        assertThat(retried.memory().drains()).isEmpty();
    }

    @Test
    void shouldKeepAVictimBeingDrainedThoughThePolicyWouldNowChooseAnother() {
        PoolSpec spec = aws(4);
        // node-5 was chosen (it was not Ready then) and is being drained; now it is Ready, and node-1 is older.
        PoolMember fifth = member(5, true, true);
        Memory draining = seen(spec).withDrains(Map.of(fifth.providerID(), Memory.Drain.start(fifth.providerID(),
                fifth.nodeName(), T0, null, true)));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), draining));

        assertThat(decision.memory().drains()).containsOnlyKeys(fifth.providerID());
        assertThat(decision.commands()).isEmpty();
    }

    @Test
    void shouldDecideNothingWithoutASpec() {
        Memory memory = seen(aws(3));

        Decision decision = PoolReconciler.decide(look(null, group(3, "x"), status(members(3)), memory));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).isEmpty();
        assertThat(decision.memory()).isEqualTo(Memory.EMPTY);
    }

    @Test
    void shouldDeleteTheGroupWhenOnlyTheInfrastructurePoolIsBeingDeleted() {
        PoolSpec spec = aws(5);
        InfrastructurePool infra = spec.infrastructure();
        PoolSpec infraDeleting = new PoolSpec(spec.namespace(), spec.name(), spec.uid(), spec.generation(),
                spec.labels(), spec.annotations(), spec.finalizers(), null, spec.spec(),
                new InfrastructurePool(infra.apiGroup(), infra.kind(), infra.name(), infra.uid(), infra.generation(),
                        infra.finalizers(), T0, infra.spec(), null), false);

        Decision decision = PoolReconciler.decide(look(infraDeleting, group(5, "x"), status(members(5)),
                seen(spec)));

        assertThat(decision.commands()).singleElement().isInstanceOf(DeleteGroup.class);
    }

    /** Which finalizer holds a deleted pool, in which mode, with which picture of its cloud. */
    @ParameterizedTest(name = "owner={0}, infra finalizer={1}, pool finalizer={2}, infra resolved={3}, group={4}"
            + " -> {5}")
    @CsvSource(textBlock = """
            true,  false, true,  true,  false, DeleteGroup
            false, false, true,  true,  false, nothing
            true,  false, true,  false, false, RemoveFinalizers
            true,  false, true,  false, true,  DeleteGroup
            false, true,  false, true,  false, DeleteGroup
            false, false, false, true,  true,  DeleteGroup
            """)
    void shouldDeleteTheGroupOnlyWhenAFinalizerHoldsThePoolAndACloudCanBeAsked(boolean owner,
            boolean infraFinalizer, boolean poolFinalizer, boolean infraResolved, boolean groupExists,
            String expected) {
        PoolSpec base = aws(5, "v1.33.1", Map.of(), T0);
        InfrastructurePool infra = base.infrastructure();
        List<String> infraFinalizers = infraFinalizer ? List.of(ClusterApi.POOLSTREAM_FINALIZER) : List.of();
        InfrastructurePool resolvedOrNot = infraResolved
                ? new InfrastructurePool(infra.apiGroup(), infra.kind(), infra.name(), infra.uid(), infra.generation(),
                        infraFinalizers, null, infra.spec(), null)
                : new InfrastructurePool(infra.apiGroup(), infra.kind(), infra.name(), null, 0, infraFinalizers, null,
                        null, new Failure(InfrastructurePool.REASON_NOT_FOUND, "gone"));
        PoolSpec spec = new PoolSpec(base.namespace(), base.name(), base.uid(), base.generation(), base.labels(),
                base.annotations(), poolFinalizer ? List.of(ClusterApi.MACHINE_POOL_FINALIZER) : List.of(), T0,
                base.spec(), resolvedOrNot, false);
        ScalingGroupState group = groupExists ? group(5, "x") : null;

        Decision decision = PoolReconciler.decide(new PoolReconciler.Look(spec, group, status(List.of()),
                Memory.EMPTY, T0, owner, Duration.ofMinutes(2)));

        switch (expected) {
            case "DeleteGroup" -> {
                assertThat(decision.commands()).singleElement().isInstanceOf(DeleteGroup.class);
                assertThat(decision.actions()).isEmpty();
            }
            case "RemoveFinalizers" -> {
                assertThat(decision.commands()).isEmpty();
                assertThat(decision.actions()).containsExactly(new KubeAction.RemoveFinalizers());
            }
            default -> {
                assertThat(decision.commands()).isEmpty();
                assertThat(decision.actions()).isEmpty();
            }
        }
    }

    @Test
    void shouldDeleteTheGroupNamedAfterTheInfrastructurePoolWhenTheTakeoverAnnotationNamesNoValidGroup() {
        PoolSpec base = aws(5, "v1.33.1", Map.of(ScalingGroupNames.ANNOTATION, "no spaces allowed"), T0);
        // The MachinePool "pool-a", its AWSMachinePool "workers".
        PoolSpec deleting = new PoolSpec(base.namespace(), "pool-a", base.uid(), base.generation(), base.labels(),
                base.annotations(), base.finalizers(), T0, base.spec(), base.infrastructure(), false);

        Decision decision = PoolReconciler.decide(look(deleting, null, null, Memory.EMPTY));

        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(DeleteGroup.class,
                d -> assertThat(d.group()).isEqualTo("workers"));
    }

    @Test
    void shouldTakeTheRetriesGivenAndTheDefaultsWithoutThem() {
        Retries quick = new Retries(Duration.ofSeconds(1), Duration.ofSeconds(4), 2, Duration.ofSeconds(3));

        PoolReconciler.Look given = new PoolReconciler.Look(aws(3), null, null, Memory.EMPTY, T0, false,
                Duration.ofMinutes(2), null, Duration.ofSeconds(10), null, quick);
        PoolReconciler.Look none = new PoolReconciler.Look(aws(3), null, null, Memory.EMPTY, T0, false,
                Duration.ofMinutes(2), null, Duration.ofSeconds(10), null, null);

        assertThat(given.retries()).isSameAs(quick);
        assertThat(given.failures()).isEmpty();
        assertThat(none.retries()).isSameAs(Retries.DEFAULT);
    }

    @ParameterizedTest(name = "earliest of {0} and {1} is {2}")
    @CsvSource(nullValues = "null", textBlock = """
            null, null, null
            5,    null, 5
            null, 7,    7
            5,    7,    5
            7,    5,    5
            5,    5,    5
            """)
    void shouldLookAgainAtTheEarliestOfTwoTimes(Long a, Long b, Long expected) {
        assertThat(Decision.earliest(at(a), at(b))).isEqualTo(at(expected));
    }

    @Test
    void shouldNameABootstrapConfigByKindGroupAndName() {
        assertThat(new BootstrapData.ConfigRef("bootstrap.cluster.x-k8s.io", "KubeadmConfig", "workers").toString())
                .isEqualTo("KubeadmConfig.bootstrap.cluster.x-k8s.io workers");
    }

    private static Instant at(Long seconds) {
        return seconds == null ? null : T0.plusSeconds(seconds);
    }

    private static Decision decide(PoolSpec spec, ScalingGroupState group, List<PoolMember> members, Memory memory,
                                   Instant now, List<CommandFailure> failures) {
        return PoolReconciler.decide(new PoolReconciler.Look(spec, group, status(members), memory, now, false,
                Duration.ofMinutes(2), null, Duration.ofSeconds(10), failures, Retries.DEFAULT));
    }
}
