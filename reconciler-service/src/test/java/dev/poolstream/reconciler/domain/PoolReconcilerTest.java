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
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolReconcilerTest {

    @Test
    void shouldAddTheFinalizersOnFirstSightAndEnsureTheGroupOnlyOnceTheyAreOn() {
        PoolSpec first = Pools.spec(5, "v1.33.1", Map.of(), null, aws(5).infrastructure().spec(),
                ClusterApi.KIND_AWS_MACHINE_POOL, List.of());

        Decision decision = PoolReconciler.decide(look(first, null, null, Memory.EMPTY));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).containsExactly(new KubeAction.AddFinalizers());

        decision = PoolReconciler.decide(look(aws(5), null, null, decision.memory()));

        assertThat(decision.actions()).isEmpty();
        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(EnsureGroup.class, ensure -> {
            assertThat(ensure.pool()).isEqualTo("team-a/workers");
            assertThat(ensure.group()).isEqualTo("workers");
            assertThat(ensure.generation()).isEqualTo(7);
            assertThat(ensure.capacity().desired()).isEqualTo(5);
            assertThat(ensure.template().bootstrapDataSecret().name()).isEqualTo("workers-bootstrap");
            assertThat(ensure.template().version()).isEqualTo("v1.33.1");
        });
    }

    @Test
    void shouldEnsureNoGroupInOwnerModeWhileTheMachinePoolLacksItsFinalizer() {
        PoolSpec infraHeld = aws(5);
        PoolSpec poolBare = new PoolSpec(infraHeld.namespace(), infraHeld.name(), infraHeld.uid(),
                infraHeld.generation(), Map.of(), Map.of(), List.of(), null, infraHeld.spec(),
                infraHeld.infrastructure(), false);

        Decision decision = PoolReconciler.decide(owner(poolBare, null, null, Memory.EMPTY));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).containsExactly(new KubeAction.AddFinalizers());
        assertThat(PoolReconciler.decide(owner(infraHeld, null, null, Memory.EMPTY)).commands())
                .singleElement().isInstanceOf(EnsureGroup.class);
    }

    @Test
    void shouldSendTheSameCommandsWithTheSameIdsAfterARestart() {
        PoolSpec spec = aws(5);
        ScalingGroupState group = group(5, "x");

        Decision first = PoolReconciler.decide(look(spec, group, status(members(5)), Memory.EMPTY));
        Decision again = PoolReconciler.decide(look(spec, group, status(members(5)), Memory.EMPTY));

        assertThat(first.commands()).singleElement().isInstanceOf(RollOut.class);
        assertThat(again.commands()).extracting(c -> c.id()).isEqualTo(first.commands().stream().map(c -> c.id())
                .toList());
        assertThat(PoolReconciler.decide(look(spec, group, status(members(5)), first.memory())).commands()).isEmpty();
    }

    @Test
    void shouldScaleUpWithOneCapacityCommandAndWaitForIt() {
        PoolSpec spec = aws(20);
        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(SetCapacity.class,
                c -> assertThat(c.capacity().desired()).isEqualTo(20));
        String id = decision.commands().get(0).id();
        // Not carried out yet: nothing more.
        assertThat(PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), decision.memory()))
                .commands()).isEmpty();
        // Carried out: nothing left to do.
        assertThat(PoolReconciler.decide(look(spec, group(20, id), status(members(20)), decision.memory()))
                .commands()).isEmpty();
    }

    @Test
    void shouldKnowACapacityCommandCarriedOutWhenACommandSentAfterItIs() {
        PoolSpec spec = aws(20);
        Decision scaled = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        PoolSpec upgraded = aws(20, "v1.34.0", Map.of(), null);
        Decision rolled = PoolReconciler.decide(look(upgraded, group(5, "x"), status(members(5)), scaled.memory()));
        String rollOutId = rolled.commands().get(0).id();

        Decision next = PoolReconciler.decide(look(upgraded, group(20, rollOutId), status(members(20)),
                rolled.memory()));

        assertThat(rolled.commands()).singleElement().isInstanceOf(RollOut.class);
        assertThat(next.memory().awaiting()).isNull();
    }

    @Test
    void shouldStopWaitingForACommandAfterTheTimeout() {
        PoolSpec spec = aws(20);
        Decision sent = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        Decision later = PoolReconciler.decide(new PoolReconciler.Look(spec, group(5, "x"), status(members(5)),
                sent.memory(), T0.plusSeconds(121), false, Duration.ofMinutes(2)));

        assertThat(later.commands()).extracting(c -> c.id()).containsExactly(sent.commands().get(0).id());
    }

    @Test
    void shouldDrainFiveNamedNodesBeforeTerminatingTheirInstances() {
        PoolSpec spec = aws(15);
        Decision drain = PoolReconciler.decide(look(spec, group(20, "x"), status(members(20)), seen(spec)));

        assertThat(drain.commands()).isEmpty();
        assertThat(drain.drains()).extracting(Memory.Drain::nodeName)
                .containsExactly("node-1", "node-2", "node-3", "node-4", "node-5");

        Map<String, Memory.Drain> done = new HashMap<>();
        drain.memory().drains().forEach((id, d) -> done.put(id, d.finished()));
        Decision terminate = PoolReconciler.decide(look(spec, group(20, "x"), status(members(20)),
                drain.memory().withDrains(done)));

        assertThat(terminate.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactlyInAnyOrder(
                        members(5).stream().map(PoolMember::providerID).toArray(String[]::new)));
        assertThat(terminate.memory().drains()).isEmpty();
    }

    @Test
    void shouldKeepTheVictimsItStartedDrainingWhenThePictureChanges() {
        PoolSpec spec = aws(4);
        Decision first = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        assertThat(first.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-1");
        List<PoolMember> changed = new ArrayList<>(members(5));
        changed.set(4, member(5, false, true));

        Decision second = PoolReconciler.decide(look(spec, group(5, "x"), status(changed), first.memory()));

        assertThat(second.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-1");
    }

    @Test
    void shouldRollOutWithinMaxSurgeOneAndMaxUnavailableZeroNeverBelowFiveReady() {
        PoolSpec before = Pools.azure(5, "v1.33.1", 1, 0);
        PoolSpec after = Pools.azure(5, "v1.34.0", 1, 0);
        Simulation sim = new Simulation(5);
        Memory memory = seen(before);
        int minReady = Integer.MAX_VALUE;
        boolean rolledOut = false;
        for (int step = 0; step < 100 && !sim.allUpToDate(); step++) {
            Decision decision = PoolReconciler.decide(look(after, sim.group(), sim.status(), memory));
            memory = sim.apply(decision);
            rolledOut |= decision.commands().stream().anyMatch(RollOut.class::isInstance);
            minReady = Math.min(minReady, sim.ready());
        }

        assertThat(rolledOut).isTrue();
        assertThat(sim.allUpToDate()).isTrue();
        assertThat(minReady).isGreaterThanOrEqualTo(5);
        assertThat(sim.members).hasSize(5);
        assertThat(sim.maxSize).isEqualTo(6);
    }

    @Test
    void shouldDeleteTheGroupAndRemoveTheFinalizersOnlyWhenItIsGone() {
        PoolSpec deleting = aws(5, "v1.33.1", Map.of(), T0);

        Decision delete = PoolReconciler.decide(look(deleting, group(5, "x"), status(members(5)), Memory.EMPTY));
        assertThat(delete.commands()).singleElement().isInstanceOf(DeleteGroup.class);
        assertThat(delete.actions()).isEmpty();
        String deleteId = delete.commands().get(0).id();
        ScalingGroupState gone = gone(deleteId);
        assertThat(PoolReconciler.decide(look(deleting, gone, status(members(2)), Memory.EMPTY)).actions())
                .isEmpty();
        assertThat(PoolReconciler.decide(look(deleting, gone, status(List.of()), Memory.EMPTY)).actions())
                .containsExactly(new KubeAction.RemoveFinalizers());
    }

    @Test
    void shouldDeleteAGroupItCannotProveGoneBeforeLettingThePoolGo() {
        PoolSpec deleting = aws(5, "v1.33.1", Map.of(), T0);

        // No group state yet, or one from before: an EnsureGroup may still be on its way to the cloud.
        for (ScalingGroupState unproven : java.util.Arrays.asList(null, gone("an-earlier-command"))) {
            Decision decision = PoolReconciler.decide(look(deleting, unproven, status(List.of()), Memory.EMPTY));
            assertThat(decision.commands()).as(String.valueOf(unproven)).singleElement()
                    .isInstanceOf(DeleteGroup.class);
            assertThat(decision.actions()).isEmpty();
        }
    }

    @Test
    void shouldDoNothingForADeletedPoolPoolstreamNeverHeld() {
        PoolSpec neverHeld = Pools.spec(5, "v1.33.1", Map.of(), T0, aws(5).infrastructure().spec(),
                ClusterApi.KIND_AWS_MACHINE_POOL, List.of());

        Decision decision = PoolReconciler.decide(look(neverHeld, null, null, Memory.EMPTY));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).isEmpty();
    }

    private static ScalingGroupState gone(String lastCommandId) {
        return new ScalingGroupState(Pools.POOL, null, "workers", false, 0, 0, 0, null, false, 7, lastCommandId,
                null);
    }

    private static PoolReconciler.Look owner(PoolSpec spec, ScalingGroupState group, PoolStatus status,
                                             Memory memory) {
        return new PoolReconciler.Look(spec, group, status, memory, T0, true, Duration.ofMinutes(2));
    }

    @Test
    void shouldNeverPushCapacityForAnExternallyManagedPoolAndFollowItsSize() {
        PoolSpec external = aws(5, "v1.33.1", Map.of(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "autoscaler"), null);

        Decision decision = PoolReconciler.decide(look(external, group(8, "x"), status(members(8)), seen(external)));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).containsExactly(new KubeAction.SetReplicas(8));
    }

    @Test
    void shouldDoNothingForAPausedPool() {
        PoolSpec paused = aws(20, "v1.33.1", Map.of(ClusterApi.PAUSED_ANNOTATION, ""), null);

        Decision decision = PoolReconciler.decide(look(paused, group(5, "x"), status(members(5)), Memory.EMPTY));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).isEmpty();
        assertThat(decision.drains()).isEmpty();
    }

    @Test
    void shouldSendNothingForAnInvalidSpecAndSayWhy() {
        PoolSpec tooBig = aws(51);

        Decision decision = PoolReconciler.decide(look(tooBig, group(5, "x"), status(members(5)), seen(tooBig)));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.blocked().reason()).isEqualTo("ReplicasOutOfRange");
    }

    /** A cloud and a status service in miniature: capacity launches Ready up-to-date instances at once. */
    static final class Simulation {
        final List<PoolMember> members = new ArrayList<>();
        int desired;
        int maxSize;
        String lastCommand = "start";
        int next = 100;

        Simulation(int replicas) {
            for (int i = 1; i <= replicas; i++) {
                members.add(member(i, true, true));
            }
            desired = replicas;
            maxSize = replicas;
        }

        boolean templateRolled;

        ScalingGroupState group() {
            return Pools.group(desired, lastCommand);
        }

        PoolStatus status() {
            return Pools.status(List.copyOf(members));
        }

        int ready() {
            return (int) members.stream().filter(PoolMember::ready).count();
        }

        boolean allUpToDate() {
            return templateRolled && members.stream().allMatch(PoolMember::upToDate);
        }

        Memory apply(Decision decision) {
            Map<String, Memory.Drain> drained = new HashMap<>();
            decision.memory().drains().forEach((id, d) -> drained.put(id, d.finished()));
            for (var command : decision.commands()) {
                if (command instanceof RollOut) {
                    templateRolled = true;
                    members.replaceAll(m -> new PoolMember(m.providerID(), m.nodeName(), m.nodeUid(), m.lifecycle(),
                            m.launchTime(), m.ready(), m.available(), false, false, true));
                } else if (command instanceof SetCapacity set) {
                    while (members.size() < set.capacity().desired()) {
                        members.add(member(next++, true, true));
                    }
                    desired = set.capacity().desired();
                } else if (command instanceof TerminateInstances terminate) {
                    members.removeIf(m -> terminate.providerIDs().contains(m.providerID()));
                    desired -= terminate.providerIDs().size();
                }
                lastCommand = command.id();
                maxSize = Math.max(maxSize, members.size());
            }
            // Drains finish before the next look.
            return decision.memory().withDrains(drained);
        }
    }
}
