package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.T0;
import static dev.poolstream.reconciler.domain.Pools.withGeneration;
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
import dev.poolstream.events.command.RollOut;
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
     * instances are below that; then out-of-date instances go: unready ones as far as they leave
     * {@code desired - maxUnavailable} besides the new ones still booting (never the whole pool at once when its Nodes
     * turn NotReady together), Ready ones as far as {@code ready - desired + maxUnavailable} allows.
     */
    @ParameterizedTest(name = "surge {0}, unavailable {1}, group {2}; old {3} Ready + {4} not, new {5} Ready + {6}"
            + " booting -> capacity {7}, {8} victims")
    @CsvSource(textBlock = """
            1, 0, 5, 5, 0, 0, 0, 6, 0
            1, 0, 6, 5, 0, 0, 0, 0, 0
            1, 0, 6, 5, 0, 0, 1, 0, 0
            1, 0, 6, 5, 0, 1, 0, 0, 1
            1, 0, 6, 4, 1, 0, 1, 0, 0
            1, 0, 6, 4, 1, 1, 0, 0, 1
            1, 0, 6, 0, 5, 0, 1, 0, 0
            1, 0, 6, 0, 5, 1, 0, 0, 1
            1, 2, 6, 0, 5, 0, 1, 0, 2
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
        Memory drained = Pools.drained(drain);
        Decision terminate = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), drained));
        TerminateInstances first = (TerminateInstances) terminate.commands().get(0);
        List<CommandFailure> failed = List.of(CommandFailure.of(first, new Failure("RetriesExhausted", "throttled")));

        // Dead-lettered: the victim is drained again (a no-op on a drained Node), then its terminate waits.
        Decision redrain = decide(spec, group(5, "x"), members(5), terminate.memory(), T0.plusSeconds(1), failed);
        assertThat(redrain.commands()).isEmpty();
        assertThat(redrain.drains()).extracting(Memory.Drain::providerID).containsExactlyElementsOf(drained.drains().keySet());
        Map<String, Memory.Drain> again = new HashMap<>();
        redrain.memory().drains().forEach((id, d) -> again.put(id, d.ended(new DrainOutcome.Drained(),
                T0.plusSeconds(2), Retries.DEFAULT)));
        Decision held = decide(spec, group(5, "x"), members(5), redrain.memory().withDrains(again), T0.plusSeconds(2),
                failed);
        Decision retried = decide(spec, group(5, "x"), members(5), held.memory(), T0.plusSeconds(11), failed);

        assertThat(held.commands()).isEmpty();
        assertThat(held.drains()).as("not drained again").isEmpty();
        assertThat(held.memory().drains()).as("still the victims, drained").containsOnlyKeys(drained.drains().keySet())
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
                fifth.nodeName(), T0, null)));

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

    /**
     * Owner mode: the infrastructure pool is deleted with its MachinePool, as Cluster API's MachinePool controller
     * deletes it; not when it is already being deleted, not when only it is, and never in infrastructure-provider mode
     * (Cluster API's own controller does it there).
     */
    @ParameterizedTest(name = "owner={0}, pool deleting={1}, infra deleting={2} -> infra deleted {3}")
    @CsvSource(textBlock = """
            true,  true,  false, true
            true,  true,  true,  false
            true,  false, true,  false
            false, true,  false, false
            """)
    void shouldDeleteTheInfrastructurePoolWithItsMachinePoolInOwnerModeOnly(boolean owner, boolean poolDeleting,
            boolean infraDeleting, boolean deleted) {
        PoolSpec base = aws(5, "v1.33.1", Map.of(), poolDeleting ? T0 : null);
        InfrastructurePool infra = base.infrastructure();
        PoolSpec spec = new PoolSpec(base.namespace(), base.name(), base.uid(), base.generation(), base.labels(),
                base.annotations(), base.finalizers(), base.deletionTimestamp(), base.spec(),
                new InfrastructurePool(infra.apiGroup(), infra.kind(), infra.name(), infra.uid(), infra.generation(),
                        infra.finalizers(), infraDeleting ? T0 : null, infra.spec(), null), false);

        Decision decision = PoolReconciler.decide(new PoolReconciler.Look(spec, group(5, "x"), status(members(5)),
                seen(spec), T0, owner, Duration.ofMinutes(2)));

        assertThat(decision.commands()).as("the group goes in every case").singleElement()
                .isInstanceOf(DeleteGroup.class);
        if (deleted) {
            assertThat(decision.actions()).containsExactly(new KubeAction.DeleteInfrastructurePool(infra.uid()));
        } else {
            assertThat(decision.actions()).isEmpty();
        }
    }

    /**
     * Owner mode: a deleting pool whose infrastructure pool another MachinePool named first (the watcher says so) leaves
     * it, and that pool's group, alone: it was never this pool's.
     */
    @Test
    void shouldNotDeleteAnInfrastructurePoolAnotherMachinePoolHas() {
        PoolSpec base = aws(1, "v1.33.1", Map.of(), T0);
        InfrastructurePool infra = base.infrastructure();
        PoolSpec spec = new PoolSpec(base.namespace(), base.name(), base.uid(), base.generation(), base.labels(),
                base.annotations(), base.finalizers(), base.deletionTimestamp(), base.spec(),
                InfrastructurePool.unresolved(infra.apiGroup(), infra.kind(), infra.name(),
                        new Failure(InfrastructurePool.REASON_SHARED, "AWSMachinePool team-a/x is MachinePool a's")),
                false);

        Decision decision = PoolReconciler.decide(new PoolReconciler.Look(spec, null, null, seen(spec), T0, true,
                Duration.ofMinutes(2)));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).as("its own finalizers only").containsExactly(new KubeAction.RemoveFinalizers());
    }

    /** Owner mode: once the group is gone, the bootstrap config goes with the pool, just before the finalizers. */
    @ParameterizedTest(name = "owner={0}")
    @CsvSource({"true", "false"})
    void shouldDeleteTheBootstrapConfigWithThePoolInOwnerModeOnlyOnceTheGroupIsGone(boolean owner) {
        PoolSpec spec = aws(5, "v1.33.1", Map.of(), T0);
        var ref = new dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.bootstrap.ConfigRef();
        ref.setApiGroup("bootstrap.cluster.x-k8s.io");
        ref.setKind("KubeadmConfig");
        ref.setName("workers-config");
        spec.spec().getTemplate().getSpec().getBootstrap().setConfigRef(ref);
        Decision delete = PoolReconciler.decide(new PoolReconciler.Look(spec, group(5, "x"), status(List.of()),
                Memory.EMPTY, T0, owner, Duration.ofMinutes(2)));
        assertThat(delete.actions()).as("not while the group exists")
                .noneMatch(KubeAction.DeleteBootstrapConfig.class::isInstance);

        Decision gone = PoolReconciler.decide(new PoolReconciler.Look(spec, Pools.gone(delete.commands().get(0).id()),
                status(List.of()), delete.memory(), T0.plusSeconds(5), owner, Duration.ofMinutes(2)));

        List<KubeAction> letGo = gone.actions().stream()
                .filter(a -> !(a instanceof KubeAction.DeleteInfrastructurePool)).toList();
        if (owner) {
            assertThat(letGo).containsExactly(new KubeAction.DeleteBootstrapConfig(
                    new BootstrapData.ConfigRef("bootstrap.cluster.x-k8s.io", "KubeadmConfig", "workers-config")),
                    new KubeAction.RemoveFinalizers());
        } else {
            assertThat(letGo).containsExactly(new KubeAction.RemoveFinalizers());
        }
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

        // Owner mode deletes the infrastructure pool with the MachinePool, whatever else the look decides.
        List<KubeAction> infraDeleted = owner && infraResolved
                ? List.of(new KubeAction.DeleteInfrastructurePool(infra.uid())) : List.of();
        switch (expected) {
            case "DeleteGroup" -> {
                assertThat(decision.commands()).singleElement().isInstanceOf(DeleteGroup.class);
                assertThat(decision.actions()).isEqualTo(infraDeleted);
            }
            case "RemoveFinalizers" -> {
                assertThat(decision.commands()).isEmpty();
                List<KubeAction> all = new ArrayList<>(infraDeleted);
                all.add(new KubeAction.RemoveFinalizers());
                assertThat(decision.actions()).isEqualTo(all);
            }
            default -> {
                assertThat(decision.commands()).isEmpty();
                assertThat(decision.actions()).isEmpty();
            }
        }
    }

    /**
     * One look at a deleted pool whose {@code DeleteGroup} (sent at T0, awaited for 2 min) was not seen carried out
     * before: only a group state showing the group gone by one of its attempts lets the pool go (a group that
     * exists, or is gone by an earlier command, is no proof); out of time, it has failed and its next attempt waits
     * the backoff; a failure seen (dead-lettered) waits its own.
     */
    @ParameterizedTest(name = "group {0} by {1}, at +{2}s, dead-lettered {3} -> sent {4}, notice {5}, finalizers"
            + " removed {6}, look again at +{7}s")
    @CsvSource(nullValues = "null", textBlock = """
            exists, x,      30,  false, first, null,             false, 120
            exists, x,      120, false, first, null,             false, 120
            exists, x,      121, false, none,  CommandTimedOut,  false, 131
            exists, first,  121, false, none,  CommandTimedOut,  false, 131
            exists, x,      30,  true,  none,  RetriesExhausted, false, 40
            gone,   first,  30,  false, none,  null,             true,  null
            gone,   first,  500, false, none,  null,             true,  null
            gone,   second, 30,  false, none,  null,             true,  null
            gone,   x,      30,  false, first, null,             false, 120
            gone,   x,      121, false, none,  CommandTimedOut,  false, 131
            """)
    void shouldAwaitADeleteGroupUntilTheGroupIsSeenGoneByOneOfItsAttempts(String state, String by, long at,
            boolean deadLettered, String sent, String notice, boolean released, Long lookAgain) {
        PoolSpec deleting = aws(5, "v1.33.1", Map.of(), T0);
        Decision first = PoolReconciler.decide(look(deleting, group(5, "x"), status(List.of()), Memory.EMPTY));
        DeleteGroup delete = (DeleteGroup) first.commands().get(0);
        String lastCommandId = switch (by) {
            case "first" -> delete.id();
            case "second" -> Attempts.attemptId(delete, 2);
            default -> by;
        };
        List<CommandFailure> failures = deadLettered
                ? List.of(CommandFailure.of(delete, new Failure("RetriesExhausted", "throttled"))) : List.of();

        Decision decision = decide(deleting, state.equals("exists") ? group(5, lastCommandId) : Pools.gone(
                lastCommandId), List.of(), first.memory(), T0.plusSeconds(at), failures);

        if (sent.equals("first")) {
            assertThat(decision.commands()).as("the same decision: the same id").extracting(c -> c.id())
                    .containsExactly(delete.id());
        } else {
            assertThat(decision.commands()).isEmpty();
        }
        if (notice == null) {
            assertThat(decision.notices()).isEmpty();
        } else {
            assertThat(decision.notices()).singleElement().satisfies(n -> {
                assertThat(n.reason()).isEqualTo(Attempts.REASON_RETRYING);
                assertThat(n.note()).contains("DeleteGroup " + delete.id(), notice);
            });
        }
        if (released) {
            assertThat(decision.actions()).containsExactly(new KubeAction.RemoveFinalizers());
        } else {
            assertThat(decision.actions()).isEmpty();
        }
        assertThat(decision.lookAgainAt()).isEqualTo(at(lookAgain));
    }

    /**
     * One look at a pool whose {@code RollOut} (sent at T0 for a new template, or, without memory, by the first look
     * since a start) was not seen carried out before. It is awaited, holding up nothing: seen once the group state
     * names one of its attempts (remembered or not), else out of time after 2 min, then a failure shown, unless it
     * was only sent to confirm the template. A newer generation with the same template keeps awaiting it, and sends
     * its own at once when it is out of time (attempts are per generation).
     */
    @ParameterizedTest(name = "sent {0} memory, group's last command {1}, generation {2}, at +{3}s -> sent {4},"
            + " notice {5}, look again at +{6}s")
    @CsvSource(nullValues = "null", textBlock = """
            with,    x,      7, 60,  none,  null,            120
            with,    x,      7, 120, none,  null,            120
            with,    x,      7, 121, none,  CommandTimedOut, 131
            with,    first,  7, 60,  none,  null,            null
            with,    first,  7, 500, none,  null,            null
            with,    second, 7, 121, none,  null,            null
            without, x,      7, 121, none,  null,            131
            without, first,  7, 60,  none,  null,            null
            with,    x,      8, 60,  none,  null,            120
            with,    x,      8, 121, own,   null,            241
            with,    first,  8, 121, none,  null,            null
            """)
    void shouldAwaitARollOutUntilTheGroupStateNamesOneOfItsAttemptsWithoutHoldingUpAnything(String memory,
            String by, long generation, long at, String sent, String notice, Long lookAgain) {
        PoolSpec upgraded = aws(5, "v1.34.0", Map.of(), null);
        Decision first = PoolReconciler.decide(look(upgraded, group(5, "x"), status(members(5)),
                memory.equals("with") ? seen(aws(5)) : Memory.EMPTY));
        RollOut rollOut = (RollOut) first.commands().get(0);
        assertThat(first.lookAgainAt()).isEqualTo(T0.plusSeconds(120));
        String lastCommandId = switch (by) {
            case "first" -> rollOut.id();
            case "second" -> Attempts.attemptId(rollOut, 2);
            default -> by;
        };
        PoolSpec spec = generation == upgraded.generation() ? upgraded : withGeneration(upgraded, generation);

        Decision decision = decide(spec, group(5, lastCommandId), members(5), first.memory(), T0.plusSeconds(at),
                List.of());

        if (sent.equals("own")) {
            assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(RollOut.class, r -> {
                assertThat(r.generation()).isEqualTo(generation);
                assertThat(r.id()).isEqualTo(RollOut.of(r.pool(), generation, r.group(), r.template(), "x")
                                .forPoolUid(spec.uid()).id())
                        .isNotEqualTo(rollOut.id());
            });
        } else {
            assertThat(decision.commands()).isEmpty();
        }
        if (notice == null) {
            assertThat(decision.notices()).isEmpty();
        } else {
            assertThat(decision.notices()).singleElement().satisfies(n -> assertThat(n.note())
                    .contains("RollOut " + rollOut.id(), notice));
        }
        assertThat(decision.lookAgainAt()).isEqualTo(at(lookAgain));
        assertThat(decision.drains()).isEmpty();
    }

    /**
     * The first look since a start sends the pool's {@code RollOut} (its own id: a repeat the provider drops when it
     * was carried out) and awaits it only when the group state does not already name one of its attempts.
     */
    @ParameterizedTest(name = "group's last command {0} -> awaited {1}")
    @CsvSource(textBlock = """
            x,      true
            first,  false
            second, false
            """)
    void shouldAwaitTheFirstLooksRollOutOnlyWhenTheGroupStateDoesNotNameIt(String by, boolean awaited) {
        PoolSpec spec = aws(5);
        RollOut rollOut = (RollOut) PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)),
                Memory.EMPTY)).commands().get(0);
        String lastCommandId = switch (by) {
            case "first" -> rollOut.id();
            case "second" -> Attempts.attemptId(rollOut, 2);
            default -> by;
        };

        Decision decision = PoolReconciler.decide(look(spec, group(5, lastCommandId), status(members(5)),
                Memory.EMPTY));

        assertThat(decision.commands()).extracting(c -> c.id()).containsExactly(rollOut.id());
        if (awaited) {
            assertThat(decision.memory().unconfirmed()).satisfies(u -> {
                assertThat(u.commandId()).isEqualTo(rollOut.id());
                assertThat(u.confirming()).isTrue();
            });
            assertThat(decision.lookAgainAt()).isEqualTo(T0.plusSeconds(120));
        } else {
            assertThat(decision.memory().unconfirmed()).isNull();
            assertThat(decision.lookAgainAt()).isNull();
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
