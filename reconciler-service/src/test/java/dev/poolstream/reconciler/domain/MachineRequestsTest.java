package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.T0;
import static dev.poolstream.reconciler.domain.Pools.drained;
import static dev.poolstream.reconciler.domain.Pools.aws;
import static dev.poolstream.reconciler.domain.Pools.deleting;
import static dev.poolstream.reconciler.domain.Pools.group;
import static dev.poolstream.reconciler.domain.Pools.id;
import static dev.poolstream.reconciler.domain.Pools.look;
import static dev.poolstream.reconciler.domain.Pools.machine;
import static dev.poolstream.reconciler.domain.Pools.marked;
import static dev.poolstream.reconciler.domain.Pools.member;
import static dev.poolstream.reconciler.domain.Pools.members;
import static dev.poolstream.reconciler.domain.Pools.request;
import static dev.poolstream.reconciler.domain.Pools.seen;
import static dev.poolstream.reconciler.domain.Pools.status;
import static dev.poolstream.reconciler.domain.Pools.with;
import static dev.poolstream.reconciler.domain.Pools.withGeneration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.Failure;
import dev.poolstream.events.HealthCheck;
import dev.poolstream.events.MachineRequest;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a pool's Machines ask of the reconciler (docs/machines.md): to go first on a scale-down, to be deleted (exactly
 * their instance, drained, then replaced or removed), to be remediated.
 */
class MachineRequestsTest {

    private static final KubeAction.MachineCondition MACHINE_DELETING = new KubeAction.MachineCondition(
            ClusterApi.CONDITION_OWNER_REMEDIATED, ClusterApi.REASON_MACHINE_DELETING, "Machine is deleting");

    // --- victim order ---------------------------------------------------------------------------------------

    @Test
    void shouldTakeTheMachineAnnotatedForDeletionFirstOnASurplusBeforeTheNodeTheAutoscalerTainted() {
        List<PoolMember> all = new ArrayList<>(members(5));
        all.set(1, new PoolMember(id(2), "node-2", "uid-2", dev.poolstream.events.InstanceLifecycle.RUNNING,
                T0.plusSeconds(2), true, true, true, true, true));
        PoolSpec spec = with(aws(3), request(4, false, true, false, null));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(all), seen(spec)));

        assertThat(decision.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-4", "node-2");
    }

    /**
     * cluster-autoscaler marks the Node it chose (its taint, then its Machine) before it lowers the replicas, but the
     * lowered replicas can reach a look first. Within the settle nobody is taken by the delete policy, so the marked
     * instance, arriving next, is the one that goes.
     */
    @ParameterizedTest(name = "marked by its {0}")
    @CsvSource({"Machine", "Node"})
    void shouldTakeNobodyByPolicyWithinTheSettleSoTheMarkedInstanceArrivingNextIsTheOneThatGoes(String markedBy) {
        PoolSpec lowered = aws(4);
        Decision first = PoolReconciler.decide(settling(lowered, status(members(5)), seen(lowered), T0));

        assertThat(first.drains()).isEmpty();
        assertThat(first.commands()).isEmpty();
        assertThat(first.lookAgainAt()).isEqualTo(T0.plus(SETTLE));

        List<PoolMember> all = new ArrayList<>(members(5));
        PoolSpec marked = lowered;
        if (markedBy.equals("Machine")) {
            marked = with(lowered, request(3, false, true, false, null));
        } else {
            all.set(2, new PoolMember(id(3), "node-3", "uid-3", dev.poolstream.events.InstanceLifecycle.RUNNING,
                    T0.plusSeconds(3), true, true, true, true, true));
        }
        Decision second = PoolReconciler.decide(settling(marked, status(all), first.memory(), T0.plusSeconds(1)));

        assertThat(second.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-3");
    }

    @Test
    void shouldTakeByPolicyOnceTheSettleIsOverAndAgainAfterANewGeneration() {
        PoolSpec lowered = aws(4);
        Decision first = PoolReconciler.decide(settling(lowered, status(members(5)), seen(lowered), T0));
        Decision settled = PoolReconciler.decide(settling(lowered, status(members(5)), first.memory(),
                T0.plus(SETTLE)));

        assertThat(settled.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-1");

        // Lowered again later: a new generation, a new settle from when it is seen.
        PoolSpec again = withGeneration(aws(3), lowered.generation() + 1);
        Decision next = PoolReconciler.decide(settling(again, status(members(5)), first.memory(),
                T0.plusSeconds(60)));

        assertThat(next.drains()).isEmpty();
        assertThat(next.lookAgainAt()).isEqualTo(T0.plusSeconds(60).plus(SETTLE));
    }

    private static final Duration SETTLE = Duration.ofSeconds(5);

    private static PoolReconciler.Look settling(PoolSpec spec, PoolStatus status, Memory memory, Instant now) {
        return new PoolReconciler.Look(spec, group(5, "x"), status, memory, now, false, Duration.ofMinutes(2), null,
                Duration.ofSeconds(10), List.of(), Retries.DEFAULT, SETTLE);
    }

    @Test
    void shouldRemoveNothingForADeleteAnnotationAlone() {
        PoolSpec spec = with(aws(5), request(4, false, true, false, null));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.drains()).isEmpty();
        assertThat(decision.actions()).isEmpty();
    }

    @Test
    void shouldTakeTheAnnotatedOutOfDateInstanceFirstWithinARollOutsBudget() {
        // Azure maxSurge 0, maxUnavailable 1: one old Ready instance may go at a time.
        PoolSpec before = Pools.azure(3, "v1.33.1", 0, 1);
        PoolSpec after = with(Pools.azure(3, "v1.34.0", 0, 1), request(3, false, true, false, null));
        Memory memory = seen(before).withTemplate(PoolReconciler.templateKey(after), null);

        Decision decision = PoolReconciler.decide(look(after, group(3, "x"),
                status(List.of(member(1, true, false), member(2, true, false), member(3, true, false))), memory));

        assertThat(decision.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-3");
    }

    @Test
    void shouldNeverLetAReadyInstanceAskedToGoTakeTheSlotOfAnUnreadyOneBeyondTheBudget() {
        // Azure's defaults, maxSurge 1 and maxUnavailable 0, surged to 4: two old Ready (1 asked to go), one old not
        // Ready (3), one new Ready (4). Only the unready one may go: a Ready one would leave two Ready of 3.
        PoolSpec before = Pools.azure(3, "v1.33.1", 1, 0);
        PoolSpec after = with(Pools.azure(3, "v1.34.0", 1, 0), request(1, false, true, false, null));
        Memory memory = seen(before).withTemplate(PoolReconciler.templateKey(after), null);

        Decision decision = PoolReconciler.decide(look(after, group(4, "x"), status(List.of(member(1, true, false),
                member(2, true, false), member(3, false, false), member(4, true, true))), memory));

        assertThat(decision.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-3");
    }

    // --- deleting Machines ----------------------------------------------------------------------------------

    /** Replicas unchanged: exactly that instance is drained and terminated, then the group is raised again. */
    @Test
    void shouldDrainAndTerminateExactlyTheDeletingMachinesInstanceThenReplaceIt() {
        PoolSpec spec = with(aws(5), deleting(3));

        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(drain.commands()).as("nothing terminated before its drain ended").isEmpty();
        assertThat(drain.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-3");

        Decision terminate = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), drained(drain)));

        TerminateInstances sent = (TerminateInstances) terminate.commands().get(0);
        assertThat(terminate.commands()).hasSize(1);
        assertThat(sent.providerIDs()).containsExactly(id(3));

        // The provider lowered the group by one: the same replicas refill it, on the current template.
        List<PoolMember> left = new ArrayList<>(members(5));
        left.remove(2);
        Decision refill = PoolReconciler.decide(look(Pools.aws(5), group(4, sent.id()), status(left),
                terminate.memory()));

        assertThat(refill.commands()).singleElement().isInstanceOfSatisfying(SetCapacity.class,
                c -> assertThat(c.capacity().desired()).isEqualTo(5));
        assertThat(refill.drains()).isEmpty();
    }

    /** Replicas lowered with the delete (cluster-autoscaler): the deleting one is the surplus, nothing refills. */
    @Test
    void shouldRemoveOnlyTheDeletingMachinesInstanceWhenTheReplicasWereLoweredWithIt() {
        PoolSpec spec = with(aws(4), deleting(3));

        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(drain.drains()).as("the deleting one counts toward the surplus: not node-1 as well")
                .extracting(Memory.Drain::nodeName).containsExactly("node-3");

        Decision terminate = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), drained(drain)));
        TerminateInstances sent = (TerminateInstances) terminate.commands().get(0);
        assertThat(terminate.commands()).hasSize(1);
        assertThat(sent.providerIDs()).containsExactly(id(3));

        List<PoolMember> left = new ArrayList<>(members(5));
        left.remove(2);
        Decision after = PoolReconciler.decide(look(Pools.aws(4), group(4, sent.id()), status(left),
                terminate.memory()));

        assertThat(after.commands()).as("removed, not replaced").isEmpty();
        assertThat(after.drains()).isEmpty();
    }

    @ParameterizedTest(name = "replicas {0}, deleting {1} -> drained {2}")
    @CsvSource(textBlock = """
            5, 3,   node-3
            4, 3,   node-3
            3, 3,   node-3 node-1
            3, 3 4, node-3 node-4
            4, 3 4, node-3 node-4
            5, 9,   ''
            """)
    void shouldCountDeletingMachinesTowardTheSurplus(int replicas, String deletingMembers, String drained) {
        PoolSpec spec = with(aws(replicas), java.util.Arrays.stream(deletingMembers.split(" "))
                .map(n -> deleting(Integer.parseInt(n))).toArray(MachineRequest[]::new));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.drains()).extracting(Memory.Drain::nodeName)
                .containsExactlyElementsOf(drained.isEmpty() ? List.of() : List.of(drained.split(" ")));
        assertThat(decision.commands()).isEmpty();
    }

    @Test
    void shouldBoundADeletingMachinesDrainByTheNodeDrainTimeoutAndTerminateItOnceTimedOut() {
        PoolSpec spec = with(aws(5), deleting(2));
        var deletion = new dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Deletion();
        deletion.setNodeDrainTimeoutSeconds(120);
        spec.spec().getTemplate().getSpec().setDeletion(deletion);

        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        Memory.Drain started = drain.drains().get(0);
        assertThat(started.deadline()).isEqualTo(T0.plusSeconds(120));

        Memory timedOut = drain.memory().withDrains(Map.of(started.providerID(),
                started.ended(new DrainOutcome.TimedOut(1, "a PodDisruptionBudget"), T0.plusSeconds(121),
                        Retries.DEFAULT)));
        Decision terminate = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), timedOut));

        assertThat(terminate.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactly(id(2)));
    }

    @Test
    void shouldTerminateADeletingMachinesInstanceWithTheSurplusVictimsOfTheSameLook() {
        PoolSpec spec = with(aws(2), deleting(4));

        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        Decision terminate = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), drained(drain)));

        assertThat(drain.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-4", "node-1", "node-2");
        assertThat(terminate.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactlyInAnyOrder(id(4), id(1), id(2)));
    }

    @Test
    void shouldDrainADeletingMachineBesidesARollOutsVictimsWithoutCountingItAsReady() {
        // maxSurge 0, maxUnavailable 1, three old Ready instances: one may go. The deleting one is going anyway
        // and is no Ready member to count on, so it leaves no room for a second (two Ready must stay).
        PoolSpec before = Pools.azure(3, "v1.33.1", 0, 1);
        PoolSpec after = with(Pools.azure(3, "v1.34.0", 0, 1), deleting(3));
        Memory memory = seen(before).withTemplate(PoolReconciler.templateKey(after), null);
        List<PoolMember> old = List.of(member(1, true, false), member(2, true, false), member(3, true, false));
        List<PoolMember> replacing = List.of(member(1, true, false), member(2, true, false), member(3, true, false),
                member(4, true, true));

        Decision decision = PoolReconciler.decide(look(after, group(3, "x"), status(old), memory));
        Decision withANewOne = PoolReconciler.decide(look(after, group(4, "x"), status(replacing), memory));

        assertThat(decision.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-3");
        assertThat(withANewOne.drains()).as("a new Ready instance makes room for one old one")
                .extracting(Memory.Drain::nodeName).containsExactly("node-3", "node-1");
    }

    @Test
    void shouldWaitForTheAwaitedCommandBeforeDrainingADeletingMachine() {
        PoolSpec spec = with(aws(20), deleting(3));
        Decision scaled = PoolReconciler.decide(look(Pools.aws(20), group(5, "x"), status(members(5)),
                seen(spec)));

        Decision next = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), scaled.memory()));

        assertThat(scaled.commands()).singleElement().isInstanceOf(SetCapacity.class);
        assertThat(next.commands()).isEmpty();
        assertThat(next.drains()).isEmpty();
    }

    @Test
    void shouldTerminateADeletingMachineOfAnAutoscaledPoolAndPushNoCapacity() {
        PoolSpec external = with(aws(5, "v1.33.1", Map.of(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "autoscaler"),
                null), deleting(2));

        Decision drain = PoolReconciler.decide(look(external, group(5, "x"), status(members(5)), seen(external)));
        Decision terminate = PoolReconciler.decide(look(external, group(5, "x"), status(members(5)),
                drained(drain)));
        TerminateInstances sent = (TerminateInstances) terminate.commands().get(0);
        List<PoolMember> left = new ArrayList<>(members(5));
        left.remove(1);
        Decision after = PoolReconciler.decide(look(external, group(4, sent.id()), status(left),
                terminate.memory()));

        assertThat(drain.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-2");
        assertThat(sent.providerIDs()).containsExactly(id(2));
        assertThat(after.commands()).isEmpty();
        assertThat(after.actions()).containsExactly(new KubeAction.SetReplicas(4));
    }

    @Test
    void shouldDrainNothingForADeletingMachineOfAPausedPool() {
        PoolSpec paused = with(aws(5, "v1.33.1", Map.of(ClusterApi.PAUSED_ANNOTATION, ""), null), deleting(3),
                marked(4));

        Decision decision = PoolReconciler.decide(look(paused, group(5, "x"), status(members(5)), seen(paused)));

        assertThat(decision.drains()).isEmpty();
        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).isEmpty();
    }

    // --- remediation ----------------------------------------------------------------------------------------

    @Test
    void shouldMarkTheMachineDeletingThenDeleteItWhenAHealthCheckMarkedIt() {
        PoolSpec spec = with(aws(5), marked(3));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.actions()).singleElement().isInstanceOfSatisfying(KubeAction.RemediateMachine.class,
                r -> {
                    assertThat(r.machine()).isEqualTo(machine(3));
                    assertThat(r.providerID()).isEqualTo(id(3));
                    assertThat(r.conditions()).as("the health check marked it: only the owner's condition")
                            .containsExactly(MACHINE_DELETING);
                    assertThat(r.notices()).extracting(Notice::reason).containsExactly("MachineRemediating");
                });
        assertThat(decision.commands()).as("the remediation changes no size itself").isEmpty();
        assertThat(decision.drains()).isEmpty();
    }

    /**
     * The terminate lowers the group's size by one; a pool whose size an autoscaler owns follows it and is not filled
     * again: its remediation says so, not "replaced".
     */
    @Test
    void shouldSayWhetherARemediatedInstanceIsReplaced() {
        assertThat(remediationNote(Map.of())).isEqualTo("Remediating Machine " + machine(3) + " (" + id(3)
                + "): deleting it; its instance is drained, terminated and replaced");
        assertThat(remediationNote(Map.of(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "cluster-autoscaler")))
                .isEqualTo("Remediating Machine " + machine(3) + " (" + id(3) + "): deleting it; its instance is"
                        + " drained and terminated, not replaced: the pool's size is its autoscaler's, which adds an"
                        + " instance when it needs one");
    }

    private static String remediationNote(Map<String, String> annotations) {
        PoolSpec spec = with(aws(5, "v1.33.1", annotations, null), marked(3));
        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        KubeAction.RemediateMachine remediate = (KubeAction.RemediateMachine) decision.actions().get(0);
        return remediate.notices().get(0).note();
    }

    @Test
    void shouldDeriveTheMachineNameWhenTheWatcherGaveNone() {
        PoolSpec spec = with(aws(5), new MachineRequest(id(3), null, null, false, false, true,
                ClusterApi.REASON_WAITING_FOR_REMEDIATION, false, false));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.actions()).singleElement().extracting(a -> ((KubeAction.RemediateMachine) a).machine())
                .isEqualTo(dev.poolstream.api.PoolMachines.machineName("workers", id(3)));
    }

    /**
     * At most max(1, maxUnavailable) in flight (admitted with MachineDeleting, or being deleted); the rest deferred,
     * written only when not deferred already. AWS's defaults allow 0 unavailable of 5: one at a time. Requests: M
     * marked by a health check, D being deleted, A admitted before (MachineDeleting, not yet deleted), R deferred.
     */
    @ParameterizedTest(name = "{0} -> remediated [{1}], deferred [{2}]")
    @CsvSource(textBlock = """
            M5 M3 M4, 3,   4 5
            M4,       4,   ''
            D1 R3 R4, '',  ''
            D1 M3,    '',  3
            A2 R3,    2,   ''
            A2 M3,    2,   3
            R3 R4,    3,   ''
            R4 M3,    3,   ''
            """)
    void shouldRemediateAtMostOneAtATimeUnderAwsDefaultsAndDeferTheRestOnce(String requests, String remediated,
                                                                           String deferred) {
        List<MachineRequest> asked = java.util.Arrays.stream(requests.split(" ")).map(r -> {
            int n = Integer.parseInt(r.substring(1));
            return switch (r.charAt(0)) {
                case 'M' -> marked(n);
                case 'D' -> deleting(n);
                case 'A' -> request(n, false, false, true, ClusterApi.REASON_MACHINE_DELETING);
                default -> request(n, false, false, true, ClusterApi.REASON_REMEDIATION_DEFERRED);
            };
        }).toList();
        PoolSpec spec = aws(5).withMachines(asked, List.of());

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.actions().stream().filter(KubeAction.RemediateMachine.class::isInstance)
                .map(a -> ((KubeAction.RemediateMachine) a).machine()).toList()).isEqualTo(names(remediated));
        assertThat(decision.actions().stream().filter(KubeAction.DeferRemediation.class::isInstance)
                .map(a -> ((KubeAction.DeferRemediation) a).machine()).toList()).isEqualTo(names(deferred));
    }

    /**
     * A mark its MachineHealthCheck no longer stands behind ({@code HealthCheckSucceeded} not False: the Machine
     * recovered before its turn, or before its admitted delete went through): removed, not acted on, and holding no
     * remediation slot. Kept, a check that short-circuits later (writing False without asking for remediation) would
     * have it remediated.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {ClusterApi.REASON_REMEDIATION_DEFERRED, ClusterApi.REASON_MACHINE_DELETING})
    void shouldRemoveAMarkItsHealthCheckNoLongerStandsBehindAndNotRemediateIt(String reason) {
        PoolSpec spec = with(aws(5), request(3, false, false, false, reason), marked(4));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.actions()).filteredOn(KubeAction.ClearRemediation.class::isInstance).singleElement()
                .isInstanceOfSatisfying(KubeAction.ClearRemediation.class, c -> {
                    assertThat(c.machine()).isEqualTo(machine(3));
                    assertThat(c.markHealthy()).as("the check's own condition is the check's").isFalse();
                    assertThat(c.notices()).extracting(Notice::reason).containsExactly("MachineHealthy");
                });
        assertThat(decision.actions()).filteredOn(KubeAction.RemediateMachine.class::isInstance)
                .extracting(a -> ((KubeAction.RemediateMachine) a).machine()).as("3 holds no slot")
                .containsExactly(machine(4));
        assertThat(decision.drains()).isEmpty();
    }

    @Test
    void shouldDeferWithTheReasonWhyAndNoHealthCheckConditionInProviderMode() {
        PoolSpec spec = with(aws(5), marked(3), marked(4));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.actions()).element(1).isInstanceOfSatisfying(KubeAction.DeferRemediation.class, d -> {
            assertThat(d.machine()).isEqualTo(machine(4));
            assertThat(d.conditions()).singleElement().satisfies(c -> {
                assertThat(c.type()).isEqualTo(ClusterApi.CONDITION_OWNER_REMEDIATED);
                assertThat(c.reason()).isEqualTo(ClusterApi.REASON_REMEDIATION_DEFERRED);
                assertThat(c.message()).contains("0 remediations in flight, at most 1");
            });
            assertThat(d.notices()).extracting(Notice::reason).containsExactly("RemediationDeferred");
        });
    }

    /**
     * A percentage of the pool's size: of the group's size when an autoscaler sizes the pool (the MachinePool's
     * replicas then lag behind it), of the MachinePool's replicas otherwise.
     */
    @ParameterizedTest(name = "replicas managed externally: {0} -> {1} admitted of 4")
    @CsvSource(textBlock = """
            true,  4
            false, 1
            """)
    void shouldTakeMaxUnavailableOfTheGroupsSizeWhenAnAutoscalerSizesThePool(boolean external, int admitted) {
        List<MachineRequest> requests = new ArrayList<>();
        for (int n = 5; n <= 8; n++) {
            requests.add(marked(n));
        }
        Map<String, String> annotations = external
                ? Map.of(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "cluster-autoscaler") : Map.of();
        PoolSpec spec = Pools.spec(2, "v1.33.1", annotations, null,
                Pools.azure(2, "v1.33.1", 1, "50%").infrastructure().spec(), ClusterApi.KIND_AZURE_MACHINE_POOL,
                List.of(ClusterApi.POOLSTREAM_FINALIZER)).withMachines(requests, List.of());

        Decision decision = PoolReconciler.decide(look(spec, group(8, "x"), status(members(8)), seen(spec)));

        assertThat(decision.actions().stream().filter(KubeAction.RemediateMachine.class::isInstance).count())
                .isEqualTo(admitted);
    }

    @ParameterizedTest(name = "Azure maxUnavailable {0}, {1} in flight -> {2} admitted of 4")
    @CsvSource(textBlock = """
            0, 0, 1
            2, 0, 2
            2, 1, 1
            2, 2, 0
            3, 0, 3
            """)
    void shouldAdmitUpToThePoolsMaxUnavailable(int maxUnavailable, int inFlight, int admitted) {
        List<MachineRequest> requests = new ArrayList<>();
        for (int n = 1; n <= inFlight; n++) {
            requests.add(request(n, true, false, true, ClusterApi.REASON_MACHINE_DELETING));
        }
        for (int n = 5; n <= 8; n++) {
            requests.add(marked(n));
        }
        PoolSpec spec = Pools.azure(8, "v1.33.1", 1, maxUnavailable).withMachines(requests, List.of());

        Decision decision = PoolReconciler.decide(look(spec, group(8, "x"), status(members(8)), seen(spec)));

        assertThat(decision.actions().stream().filter(KubeAction.RemediateMachine.class::isInstance).count())
                .isEqualTo(admitted);
        assertThat(decision.actions().stream().filter(KubeAction.DeferRemediation.class::isInstance).count())
                .isEqualTo(4 - admitted);
    }

    @Test
    void shouldRemediateNothingThatSkipsRemediationAndNothingOfAPoolBeingDeleted() {
        MachineRequest skipped = new MachineRequest(id(3), machine(3), machine(3), false, false, true,
                ClusterApi.REASON_WAITING_FOR_REMEDIATION, true, false);
        PoolSpec spec = with(aws(5), skipped);
        PoolSpec deleted = with(aws(5, "v1.33.1", Map.of(), T0), marked(3));

        assertThat(PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec))).actions())
                .isEmpty();
        assertThat(PoolReconciler.decide(look(deleted, group(5, "x"), status(members(5)), seen(deleted)))
                .actions()).isEmpty();
    }

    @Test
    void shouldRemediateWhileACapacityCommandIsAwaited() {
        PoolSpec spec = with(aws(20), marked(3));
        Decision scaled = PoolReconciler.decide(look(Pools.aws(20), group(5, "x"), status(members(5)),
                seen(spec)));

        Decision next = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), scaled.memory()));

        assertThat(next.commands()).isEmpty();
        assertThat(next.actions()).singleElement().isInstanceOf(KubeAction.RemediateMachine.class);
    }

    // --- owner mode: health checks --------------------------------------------------------------------------

    private static final HealthCheck READY_FALSE_5M = new HealthCheck("team-a/workers-mhc", 600,
            List.of(new HealthCheck.UnhealthyNodeCondition("Ready", ConditionStatus.FALSE, 300)), null);

    @Test
    void shouldMarkAndRemediateAMemberWhoseNodeIsNotReadyPastTheTimeoutInOwnerModeOnly() {
        List<PoolMember> all = new ArrayList<>(members(5));
        all.set(2, notReady(3, T0.minusSeconds(301)));
        all.set(3, notReady(4, T0.minusSeconds(200)));
        PoolSpec spec = aws(5).withMachines(List.of(), List.of(READY_FALSE_5M));

        Decision owner = PoolReconciler.decide(owner(spec, group(5, "x"), status(all), seen(spec)));
        Decision provider = PoolReconciler.decide(look(spec, group(5, "x"), status(all), seen(spec)));

        assertThat(owner.actions()).singleElement().isInstanceOfSatisfying(KubeAction.RemediateMachine.class, r -> {
            assertThat(r.machine()).isEqualTo(machine(3));
            assertThat(r.conditions()).hasSize(2).last().isEqualTo(MACHINE_DELETING);
            assertThat(r.conditions().get(0)).satisfies(c -> {
                assertThat(c.type()).isEqualTo(ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED);
                assertThat(c.reason()).isEqualTo(HealthChecks.REASON_UNHEALTHY_NODE);
                assertThat(c.message()).contains("node-3", "Ready False", "300s");
            });
            assertThat(r.notices()).extracting(Notice::reason)
                    .containsExactly("MachineMarkedUnhealthy", "MachineRemediating");
        });
        assertThat(owner.lookAgainAt()).as("when node-4's timeout passes").isEqualTo(T0.plusSeconds(100));
        assertThat(provider.actions()).as("Cluster API's MachineHealthCheck marks there").isEmpty();
        assertThat(provider.lookAgainAt()).isNull();
    }

    @Test
    void shouldMarkAndDeferAnUnhealthyMemberWhenOneIsAlreadyInFlight() {
        List<PoolMember> all = new ArrayList<>(members(5));
        all.set(2, notReady(3, T0.minusSeconds(400)));
        PoolSpec spec = aws(5).withMachines(List.of(request(1, true, false, true,
                ClusterApi.REASON_MACHINE_DELETING)), List.of(READY_FALSE_5M));

        Decision decision = PoolReconciler.decide(owner(spec, group(5, "x"), status(all), seen(spec)));

        assertThat(decision.actions()).singleElement().isInstanceOfSatisfying(KubeAction.DeferRemediation.class,
                d -> {
                    assertThat(d.conditions()).extracting(KubeAction.MachineCondition::reason)
                            .containsExactly(HealthChecks.REASON_UNHEALTHY_NODE,
                                    ClusterApi.REASON_REMEDIATION_DEFERRED);
                    assertThat(d.notices()).extracting(Notice::reason)
                            .containsExactly("MachineMarkedUnhealthy", "RemediationDeferred");
                });
    }

    @Test
    void shouldClearTheMarkOfADeferredMachineWhoseNodeIsReadyAgainInsteadOfReplacingItInOwnerMode() {
        PoolSpec spec = aws(5).withMachines(List.of(request(3, false, false, true,
                ClusterApi.REASON_REMEDIATION_DEFERRED)), List.of(READY_FALSE_5M));

        Decision owner = PoolReconciler.decide(owner(spec, group(5, "x"), status(members(5)), seen(spec)));
        Decision provider = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(owner.actions()).singleElement().isInstanceOfSatisfying(KubeAction.ClearRemediation.class, c -> {
            assertThat(c.machine()).isEqualTo(machine(3));
            assertThat(c.markHealthy()).as("owner mode is the health check").isTrue();
            assertThat(c.notices()).extracting(Notice::reason).containsExactly(Remediations.RECOVERED);
        });
        assertThat(provider.actions()).as("Cluster API's MachineHealthCheck clears its own marks there")
                .singleElement().isInstanceOf(KubeAction.RemediateMachine.class);
    }

    @Test
    void shouldKeepTheMarkOfADeferredMachineAStrictCheckStillFindsUnhealthy() {
        List<PoolMember> all = new ArrayList<>(members(5));
        all.set(1, notReady(2, T0.minusSeconds(400)));
        all.set(2, notReady(3, T0.minusSeconds(400)));
        HealthCheck strict = new HealthCheck("team-a/strict", 600, READY_FALSE_5M.unhealthyNodeConditions(), "20%");
        PoolSpec spec = aws(5).withMachines(List.of(request(3, false, false, true,
                ClusterApi.REASON_REMEDIATION_DEFERRED)), List.of(strict));

        Decision decision = PoolReconciler.decide(owner(spec, group(5, "x"), status(all), seen(spec)));

        assertThat(decision.actions()).noneMatch(KubeAction.ClearRemediation.class::isInstance);
    }

    @Test
    void shouldNotMarkAgainAMemberItsOwnMarkAlreadyShows() {
        List<PoolMember> all = new ArrayList<>(members(5));
        all.set(2, notReady(3, T0.minusSeconds(400)));
        PoolSpec deferred = aws(5).withMachines(List.of(deleting(1), request(3, false, false, true,
                ClusterApi.REASON_REMEDIATION_DEFERRED)), List.of(READY_FALSE_5M));

        Decision decision = PoolReconciler.decide(owner(deferred, group(5, "x"), status(all), seen(deferred)));

        assertThat(decision.actions()).isEmpty();
    }

    @Test
    void shouldRemediateNoneAndSayItOnceWhenMoreAreUnhealthyThanTheCheckAllows() {
        List<PoolMember> all = new ArrayList<>(members(5));
        all.set(1, notReady(2, T0.minusSeconds(400)));
        all.set(2, notReady(3, T0.minusSeconds(400)));
        HealthCheck strict = new HealthCheck("team-a/strict", 600, READY_FALSE_5M.unhealthyNodeConditions(), "20%");
        PoolSpec spec = aws(5).withMachines(List.of(), List.of(strict));

        Decision first = PoolReconciler.decide(owner(spec, group(5, "x"), status(all), seen(spec)));
        Decision again = PoolReconciler.decide(owner(spec, group(5, "x"), status(all), first.memory()));
        Decision recovered = PoolReconciler.decide(owner(spec, group(5, "x"), status(members(5)),
                again.memory()));
        Decision restrictedAgain = PoolReconciler.decide(owner(spec, group(5, "x"), status(all),
                recovered.memory()));

        assertThat(first.actions()).isEmpty();
        assertThat(first.notices()).singleElement().satisfies(n -> {
            assertThat(n.reason()).isEqualTo("RemediationRestricted");
            assertThat(n.warning()).isTrue();
            assertThat(n.note()).contains("team-a/strict", "2 of 5", "20%");
        });
        assertThat(first.memory().restricted()).containsExactly("team-a/strict");
        assertThat(again.notices()).as("said once").isEmpty();
        assertThat(again.actions()).isEmpty();
        assertThat(recovered.memory().restricted()).isEmpty();
        assertThat(restrictedAgain.notices()).extracting(Notice::reason).containsExactly("RemediationRestricted");
    }

    @Test
    void shouldRemediateAMemberWithoutANodePastTheStartupTimeoutAndOneAnnotatedForRemediation() {
        PoolMember booting = new PoolMember(id(6), "", null, dev.poolstream.events.InstanceLifecycle.RUNNING,
                T0.minusSeconds(601), false, false, true, false, false);
        List<PoolMember> all = new ArrayList<>(members(5));
        all.add(booting);
        MachineRequest annotated = new MachineRequest(id(2), machine(2), machine(2), false, false, false, null,
                false, true);
        PoolSpec spec = Pools.azure(6, "v1.33.1", 1, 2).withMachines(List.of(annotated), List.of(READY_FALSE_5M));

        Decision decision = PoolReconciler.decide(owner(spec, group(6, "x"), status(all), seen(spec)));

        assertThat(decision.actions()).hasSize(2).allSatisfy(a -> assertThat(a)
                .isInstanceOf(KubeAction.RemediateMachine.class));
        assertThat(decision.actions()).extracting(a -> ((KubeAction.RemediateMachine) a).conditions().get(0)
                .reason()).containsExactly(HealthChecks.REASON_REMEDIATE_ANNOTATION,
                HealthChecks.REASON_NODE_STARTUP_TIMEOUT);
        assertThat(((KubeAction.RemediateMachine) decision.actions().get(1)).conditions().get(0).message())
                .as("a Node deleted after it joined is found so too: the message says both")
                .isEqualTo("Health check failed: instance " + id(6) + " has no Node 600s after its launch"
                        + " (nodeStartupTimeoutSeconds): none joined, or it was deleted");
    }

    @Test
    void shouldRemediateNothingByItsHealthChecksWhileTheWorkloadClustersNodesCannotBeSeen() {
        // Not Ready for 10 minutes, without a Node past the startup timeout, and annotated for remediation: the last
        // test's pool, and more. But the watcher cannot see the cluster, so its members' Nodes are as last seen or
        // missing though they run; Cluster API's check does nothing until its connection to the cluster is back.
        List<PoolMember> all = new ArrayList<>(members(4));
        all.add(notReady(5, T0.minus(Duration.ofMinutes(10))));
        all.add(new PoolMember(id(6), "", null, dev.poolstream.events.InstanceLifecycle.RUNNING,
                T0.minusSeconds(601), false, false, true, false, false));
        MachineRequest annotated = new MachineRequest(id(2), machine(2), machine(2), false, false, false, null,
                false, true);
        PoolSpec spec = Pools.azure(6, "v1.33.1", 1, 2).withMachines(List.of(annotated), List.of(READY_FALSE_5M))
                .withWorkloadCluster(new Failure(PoolSpec.REASON_WORKLOAD_CLUSTER_UNREACHABLE,
                        "the Nodes of workload cluster team-a/demo cannot be watched: its API server does not answer"));

        Decision decision = PoolReconciler.decide(owner(spec, group(6, "x"), status(all), seen(spec)));

        assertThat(decision.actions()).isEmpty();
    }

    @Test
    void shouldRemediateNothingByItsHealthChecksUntilTheStatusHadTimeToCatchUpWithTheNodesSeenAgain() {
        // The cluster was out of sight for longer than the startup timeout, and an instance joined meanwhile. The
        // watcher sees it again and says so at once; the status that carries the new Node comes after, through the
        // status service. A look between the two finds the instance without a Node past its startup timeout.
        List<PoolMember> all = new ArrayList<>(members(4));
        all.add(new PoolMember(id(5), "", null, dev.poolstream.events.InstanceLifecycle.RUNNING,
                T0.minusSeconds(601), false, false, true, false, false));
        PoolSpec seenAgain = Pools.azure(5, "v1.33.1", 1, 2).withMachines(List.of(), List.of(READY_FALSE_5M));
        PoolSpec unseen = seenAgain.withWorkloadCluster(new Failure(PoolSpec.REASON_WORKLOAD_CLUSTER_UNREACHABLE,
                "the Nodes of workload cluster team-a/demo cannot be watched: its API server does not answer"));

        Decision whileUnseen = PoolReconciler.decide(owner(unseen, group(5, "x"), status(all), seen(unseen)));
        Decision atOnce = PoolReconciler.decide(new PoolReconciler.Look(seenAgain, group(5, "x"), status(all),
                whileUnseen.memory(), T0.plusSeconds(1), true, Duration.ofMinutes(2)));
        Decision settled = PoolReconciler.decide(new PoolReconciler.Look(seenAgain, group(5, "x"), status(all),
                atOnce.memory(), T0.plus(Remediations.NODES_SETTLE), true, Duration.ofMinutes(2)));

        assertThat(whileUnseen.actions()).isEmpty();
        assertThat(atOnce.actions()).isEmpty();
        assertThat(atOnce.lookAgainAt()).as("looked at again once settled").isEqualTo(T0.plus(Remediations.NODES_SETTLE));
        assertThat(settled.actions()).as("a status that still has no Node for it, 30 s on").singleElement()
                .isInstanceOf(KubeAction.RemediateMachine.class);
        assertThat(PoolReconciler.decide(owner(seenAgain, group(5, "x"), status(all), seen(seenAgain))).actions())
                .as("a cluster never out of sight since the start: no wait").singleElement()
                .isInstanceOf(KubeAction.RemediateMachine.class);
    }

    private static PoolMember notReady(int n, Instant since) {
        return new PoolMember(id(n), "node-" + n, "uid-" + n, dev.poolstream.events.InstanceLifecycle.RUNNING,
                T0.minusSeconds(3600), false, false, true, false, true, ConditionStatus.FALSE, since, "v1.33.1");
    }

    private static List<String> names(String members) {
        return members.isEmpty() ? List.of() : java.util.Arrays.stream(members.split(" "))
                .map(n -> machine(Integer.parseInt(n))).toList();
    }

    private static PoolReconciler.Look owner(PoolSpec spec, ScalingGroupState group, PoolStatus status,
                                             Memory memory) {
        return new PoolReconciler.Look(spec, group, status, memory, T0, true, Duration.ofMinutes(2));
    }

    /** Every drain the decision started, ended drained. */
    // --- Cluster API's machine deletion hooks and exclude-node-draining ---------------------------------------

    private static final String PRE_DRAIN = ClusterApi.PRE_DRAIN_HOOK_PREFIX + "/backup";
    private static final String PRE_TERMINATE = ClusterApi.PRE_TERMINATE_HOOK_PREFIX + "/volumes";

    private static MachineRequest hooked(int n, boolean deleting, boolean excludeNodeDraining, List<String> preDrain,
                                         List<String> preTerminate) {
        return new MachineRequest(id(n), machine(n), machine(n), deleting, false, false, null, false, false,
                excludeNodeDraining, preDrain, preTerminate);
    }

    @Test
    void shouldNotDrainADeletingMachinesNodeWhileItHasAPreDrainHookAndDrainItOnceTheHookIsRemoved() {
        PoolSpec spec = with(aws(5), hooked(3, true, false, List.of(PRE_DRAIN), List.of()));

        Decision waiting = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(waiting.drains()).isEmpty();
        assertThat(waiting.commands()).isEmpty();
        assertThat(waiting.memory().drains()).isEmpty();
        assertThat(waiting.notices()).singleElement().satisfies(n -> {
            assertThat(n.reason()).isEqualTo(Notices.WAITING_FOR_PRE_DRAIN_HOOK);
            assertThat(n.note()).contains(machine(3), PRE_DRAIN);
        });

        PoolSpec released = with(aws(5), deleting(3));
        Decision drain = PoolReconciler.decide(look(released, group(5, "x"), status(members(5)), waiting.memory()));

        assertThat(drain.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-3");
    }

    @Test
    void shouldStopADrainWhenAPreDrainHookIsAddedWhileItRunsAndStartItAgainFromItsStartOnceTheHookIsGone() {
        PoolSpec deleting = with(aws(5), deleting(3));
        Decision started = PoolReconciler.decide(look(deleting, group(5, "x"), status(members(5)), seen(deleting)));
        assertThat(started.memory().drains()).containsOnlyKeys(id(3));

        PoolSpec hooked = with(aws(5), hooked(3, true, false, List.of(PRE_DRAIN), List.of()));
        Decision held = PoolReconciler.decide(look(hooked, group(5, "x"), status(members(5)), started.memory()));

        assertThat(held.memory().drains()).as("forgotten: the service stops the drain").isEmpty();
        assertThat(held.drains()).isEmpty();
        assertThat(held.commands()).isEmpty();
        assertThat(held.notices()).extracting(Notice::reason).containsExactly(Notices.WAITING_FOR_PRE_DRAIN_HOOK);

        // The hook's owner is done; the Node, cordoned by the stopped drain, says when that drain started.
        List<PoolMember> cordoned = new ArrayList<>(members(5));
        PoolMember third = cordoned.get(2);
        cordoned.set(2, new PoolMember(third.providerID(), third.nodeName(), third.nodeUid(), third.lifecycle(),
                third.launchTime(), true, true, true, false, true, null, null, null, T0.minusSeconds(30)));
        Decision again = PoolReconciler.decide(look(deleting, group(5, "x"), status(cordoned), held.memory()));

        assertThat(again.drains()).singleElement().satisfies(d -> {
            assertThat(d.nodeName()).isEqualTo("node-3");
            assertThat(d.startedAt()).isEqualTo(T0.minusSeconds(30));
        });
    }

    @Test
    void shouldNotTerminateADrainedVictimWhileItsMachineHasAPreTerminateHookAndTerminateItOnceRemoved() {
        PoolSpec spec = with(aws(5), hooked(3, true, false, List.of(), List.of(PRE_TERMINATE)));

        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        assertThat(drain.drains()).as("a pre-terminate hook holds no drain").extracting(Memory.Drain::nodeName)
                .containsExactly("node-3");
        assertThat(drain.actions()).as("deleting already").isEmpty();

        Decision held = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), drained(drain)));

        assertThat(held.commands()).isEmpty();
        assertThat(held.drains()).isEmpty();
        assertThat(held.memory().drains()).as("still a victim, drained").containsOnlyKeys(id(3));
        assertThat(held.notices()).singleElement().satisfies(n -> {
            assertThat(n.reason()).isEqualTo(Notices.WAITING_FOR_PRE_TERMINATE_HOOK);
            assertThat(n.note()).contains(machine(3), PRE_TERMINATE);
        });

        Decision terminate = PoolReconciler.decide(look(with(aws(5), deleting(3)), group(5, "x"), status(members(5)),
                held.memory()));

        assertThat(terminate.drains()).as("not drained again").isEmpty();
        assertThat(terminate.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactly(id(3)));
    }

    @Test
    void shouldTerminateTheVictimsNoHookHoldsAndKeepTheHeldOneForALaterLook() {
        PoolSpec spec = with(aws(5), deleting(2), hooked(4, true, false, List.of(), List.of(PRE_TERMINATE)));

        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        Decision terminate = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), drained(drain)));

        assertThat(terminate.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactly(id(2)));
        assertThat(terminate.memory().drains()).containsOnlyKeys(id(4));
    }

    @Test
    void shouldTerminateAMachineWithExcludeNodeDrainingWithoutDrainingItsNode() {
        PoolSpec spec = with(aws(5), hooked(3, true, true, List.of(), List.of()));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.drains()).as("no drain started").isEmpty();
        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactly(id(3)));
        assertThat(decision.notices()).extracting(Notice::reason).contains(Notices.DRAIN_SKIPPED);
    }

    @Test
    void shouldSkipTheDrainUnderWayOnceItsMachineAsksToExcludeNodeDraining() {
        PoolSpec draining = with(aws(5), hooked(3, true, false, List.of(), List.of()));
        Decision first = PoolReconciler.decide(look(draining, group(5, "x"), status(members(5)), seen(draining)));
        assertThat(first.drains()).extracting(Memory.Drain::providerID).containsExactly(id(3));
        assertThat(first.commands()).isEmpty();

        // A PodDisruptionBudget holds it; the operator annotates the Machine, as Cluster API documents.
        PoolSpec excluded = with(aws(5), hooked(3, true, true, List.of(), List.of()));
        Decision decision = PoolReconciler.decide(look(excluded, group(5, "x"), status(members(5)), first.memory()));

        assertThat(decision.drains()).as("no drain round").isEmpty();
        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactly(id(3)));
        assertThat(decision.notices()).extracting(Notice::reason).contains(Notices.DRAIN_SKIPPED);
    }

    @Test
    void shouldChooseMembersWhoseMachinesHaveNoHookFirstOnAScaleDown() {
        PoolSpec plain = aws(3);
        List<String> chosenWithoutHooks = PoolReconciler.decide(look(plain, group(5, "x"), status(members(5)),
                seen(plain))).drains().stream().map(Memory.Drain::providerID).toList();
        assertThat(chosenWithoutHooks).hasSize(2);
        int first = index(chosenWithoutHooks.get(0));
        int second = index(chosenWithoutHooks.get(1));
        PoolSpec spec = with(aws(3), hooked(first, false, false, List.of(), List.of(PRE_TERMINATE)),
                hooked(second, false, false, List.of(PRE_DRAIN), List.of()));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.drains()).hasSize(2).extracting(Memory.Drain::providerID)
                .doesNotContainAnyElementsOf(chosenWithoutHooks);
    }

    /**
     * cluster-autoscaler annotated the Machine of the Node it drained, and another controller's hook is on it: that
     * Machine still goes first (Cluster API's MachineSet deletes it whatever hooks it carries), not a loaded Node.
     */
    @Test
    void shouldChooseAMachineAnnotatedToGoFirstOnAScaleDownWhateverHooksItCarries() {
        PoolSpec plain = aws(4);
        String plainChoice = PoolReconciler.decide(look(plain, group(5, "x"), status(members(5)), seen(plain)))
                .drains().get(0).providerID();
        int annotated = index(plainChoice) == 5 ? 1 : 5;
        MachineRequest asked = new MachineRequest(id(annotated), machine(annotated), machine(annotated), false, true,
                false, null, false, false, false, List.of(PRE_DRAIN), List.of());
        PoolSpec spec = with(aws(4), asked);

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.drains()).isEmpty();
        assertThat(decision.notices()).anySatisfy(n -> assertThat(n.reason())
                .isEqualTo(Notices.WAITING_FOR_PRE_DRAIN_HOOK));
        assertThat(decision.actions()).containsExactly(new KubeAction.DeleteMachine(id(annotated),
                machine(annotated)));
    }

    @Test
    void shouldDeleteTheMachineOfItsOwnHookedVictimSoThatTheHooksOwnersSeeADeletingMachine() {
        List<MachineRequest> allHooked = new ArrayList<>();
        for (int n = 1; n <= 5; n++) {
            allHooked.add(hooked(n, false, false, List.of(), List.of(PRE_TERMINATE)));
        }
        PoolSpec spec = aws(4).withMachines(allHooked, List.of());

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));

        assertThat(decision.drains()).hasSize(1);
        String victim = decision.drains().get(0).providerID();
        assertThat(decision.actions()).containsExactly(new KubeAction.DeleteMachine(victim, machine(index(victim))));
    }

    private static int index(String providerID) {
        for (int n = 1; n <= 5; n++) {
            if (id(n).equals(providerID)) {
                return n;
            }
        }
        throw new IllegalArgumentException(providerID);
    }
}
