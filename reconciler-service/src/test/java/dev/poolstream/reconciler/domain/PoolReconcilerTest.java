package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.T0;
import static dev.poolstream.reconciler.domain.Pools.aws;
import static dev.poolstream.reconciler.domain.Pools.gone;
import static dev.poolstream.reconciler.domain.Pools.group;
import static dev.poolstream.reconciler.domain.Pools.look;
import static dev.poolstream.reconciler.domain.Pools.member;
import static dev.poolstream.reconciler.domain.Pools.members;
import static dev.poolstream.reconciler.domain.Pools.seen;
import static dev.poolstream.reconciler.domain.Pools.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupNames;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
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
            assertThat(ensure.group()).isEqualTo(ScalingGroupNames.derive(Cloud.AWS, "demo", "team-a", "workers"))
                    .startsWith("workers-");
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

    /**
     * Subnets, zones, tags and suspended processes are the group's, not its instances': a change of them alone (an
     * AWSMachinePool edited, its MachinePool not) goes to the group in a RollOut, once. The provider ID list, written
     * into the same spec at every instance's join, sends nothing.
     */
    @Test
    void shouldRollOutAChangeOfTheGroupsSettingsAloneButNotOfItsProviderIdList() {
        PoolSpec before = aws(5);
        AWSMachinePoolSpec changed = ((InfraSpec.Aws) before.infrastructure().spec()).spec().edit()
                .withAvailabilityZones("us-east-1c").withNewSuspendProcesses().withAll(true).endSuspendProcesses()
                .build();
        PoolSpec after = withInfra(before, changed);
        AWSMachinePoolSpec listed = ((InfraSpec.Aws) before.infrastructure().spec()).spec().edit()
                .withProviderIDList("aws:///us-east-1a/i-0001").build();

        Decision decision = PoolReconciler.decide(look(after, group(5, "x"), status(members(5)), seen(before)));

        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(RollOut.class, r -> {
            assertThat(r.template().infrastructure()).isEqualTo(after.infrastructure().spec());
            assertThat(r.template().fingerprint()).isEqualTo(GroupTemplate.of(before).fingerprint());
        });
        assertThat(PoolReconciler.decide(look(after, group(5, decision.commands().get(0).id()), status(members(5)),
                decision.memory())).commands()).isEmpty();
        assertThat(PoolReconciler.decide(look(withInfra(before, listed), group(5, "x"), status(members(5)),
                seen(before))).commands()).isEmpty();
    }

    private static PoolSpec withInfra(PoolSpec spec, AWSMachinePoolSpec aws) {
        InfrastructurePool infra = spec.infrastructure();
        return new PoolSpec(spec.namespace(), spec.name(), spec.uid(), spec.generation(), spec.labels(),
                spec.annotations(), spec.finalizers(), spec.deletionTimestamp(), spec.spec(),
                new InfrastructurePool(infra.apiGroup(), infra.kind(), infra.name(), infra.uid(),
                        infra.generation() + 1, infra.finalizers(), null, new InfraSpec.Aws(aws), null, null), false);
    }

    /**
     * A template changed, and changed back, in one generation of the MachinePool (an AWSMachinePool edited and
     * reverted): each change is a RollOut of its own. Under the earlier one's id the provider would drop it as a
     * repeat, and the group would keep the other template until the await timeout.
     */
    @Test
    void shouldRollOutATemplateChangedBackInTheSameGenerationUnderANewId() {
        PoolSpec first = aws(5);
        PoolSpec second = aws(5, "v1.34.0", Map.of(), null);

        RollOut toSecond = (RollOut) PoolReconciler.decide(look(second, group(5, "x"), status(members(5)),
                seen(first))).commands().get(0);
        Decision back = PoolReconciler.decide(look(first, group(5, toSecond.id()), status(members(5)),
                seen(second)));
        Decision toSecondAgain = PoolReconciler.decide(look(second, group(5, back.commands().get(0).id()),
                status(members(5)), back.memory()));

        assertThat(toSecondAgain.commands()).singleElement().isInstanceOfSatisfying(RollOut.class, r -> {
            assertThat(r.template()).isEqualTo(toSecond.template());
            assertThat(r.id()).isNotEqualTo(toSecond.id());
        });
        // Other commands carried out meanwhile leave its id as it was: the group naming it confirms it.
        assertThat(PoolReconciler.decide(look(second, group(5, "later"), status(members(5)),
                toSecondAgain.memory())).memory().unconfirmed()).isNotNull();
        assertThat(PoolReconciler.decide(look(second, group(5, toSecondAgain.commands().get(0).id()),
                status(members(5)), toSecondAgain.memory())).memory().unconfirmed()).isNull();
    }

    /**
     * A group deleted out of band, created again, and deleted again in one generation: created again by a new
     * command each time. Under the first one's id the provider would drop it as a repeat, and the pool would have no
     * group until the await timeout. A restart that sees the same gone group sends the same one.
     */
    @Test
    void shouldCreateAGroupDeletedAgainInTheSameGenerationUnderANewId() {
        PoolSpec spec = aws(5);

        ScalingGroupCommand first = PoolReconciler.decide(look(spec, gone("x"), status(List.of()), seen(spec)))
                .commands().get(0);
        ScalingGroupCommand again = PoolReconciler.decide(look(spec, gone(first.id()), status(List.of()),
                seen(spec))).commands().get(0);

        assertThat(again).isInstanceOf(EnsureGroup.class);
        assertThat(again.id()).isNotEqualTo(first.id());
        assertThat(PoolReconciler.decide(look(spec, gone(first.id()), status(List.of()), Memory.EMPTY)).commands())
                .extracting(ScalingGroupCommand::id).containsExactly(again.id());
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

    /**
     * What the running service sends when the provider never reports a capacity command: nothing at the await
     * timeout (the same id again would be dropped by the sender), a {@code RetryingCommand} notice, then after the
     * backoff the next attempt under its own id; past the attempts the same, never given up, at most the cap (60 s)
     * apart. The looks are only those the service makes: the ones its decisions schedule (nothing else arrives).
     */
    @Test
    void shouldKeepSendingEachNextAttemptUnderANewIdPastTheAttemptsWhenACommandIsNeverCarriedOut() {
        PoolSpec spec = aws(20);
        ServiceLoop service = new ServiceLoop(spec, group(5, "x"), status(members(5)), seen(spec), T0,
                Duration.ofMinutes(2), Retries.DEFAULT);
        List<ScalingGroupCommand> sent = service.lookAt(T0);
        SetCapacity first = (SetCapacity) sent.get(0);
        assertThat(sent).hasSize(1);
        java.time.Instant sentAt = T0;

        int budget = Retries.DEFAULT.attempts();
        for (int attempt = 2; attempt <= budget + 3; attempt++) {
            // The await timeout: nothing sent, the retry announced.
            assertThat(service.nextTimer()).as("looked at again when it is out of time")
                    .isEqualTo(sentAt.plus(Duration.ofMinutes(2)).plusMillis(1));
            int noticed = service.notices.size();
            assertThat(service.timerFires()).as("attempt " + (attempt - 1) + " timed out").isEmpty();
            assertThat(service.notices.subList(noticed, service.notices.size())).singleElement().satisfies(n -> {
                assertThat(n.reason()).isEqualTo(Attempts.REASON_RETRYING);
                assertThat(n.warning()).isTrue();
            });
            assertThat(service.notices.get(noticed).note()).contains("SetCapacity", CommandFailure.REASON_TIMED_OUT,
                    attempt <= budget ? "attempt " + attempt + " of 5" : "attempt " + attempt + "; ");
            assertThat(service.last.retrying().reason()).isEqualTo(Attempts.REASON_RETRYING);
            assertThat(service.last.blocked()).as("never given up").isNull();
            java.time.Instant timedOutAt = service.now;

            // After the backoff (10 s, 20 s, 40 s, 80 s, then 60 s at most): the next attempt, under its own id.
            java.time.Duration backoff = attempt <= budget ? Retries.DEFAULT.delay(attempt - 1)
                    : Duration.ofSeconds(60);
            assertThat(service.nextTimer()).isEqualTo(timedOutAt.plus(backoff).plusMillis(1));
            int n = attempt;
            assertThat(service.timerFires()).singleElement().isInstanceOfSatisfying(SetCapacity.class, c -> {
                assertThat(c.id()).isNotEqualTo(first.id()).isEqualTo(Attempts.attemptId(first, n));
                assertThat(c.capacity()).isEqualTo(first.capacity());
                assertThat(c.group()).isEqualTo(first.group());
            });
            assertThat(service.last.retrying()).isNull();
            sentAt = service.now;
        }
        assertThat(service.sent).extracting(ScalingGroupCommand::id).doesNotHaveDuplicates().hasSize(budget + 3);

        // The cause is gone: the provider carries out the eighth attempt, and the pool converges.
        String last = service.sent.get(service.sent.size() - 1).id();
        service.group = group(20, last);
        service.status = status(members(20));
        assertThat(service.lookAt(sentAt.plusSeconds(5))).isEmpty();
        assertThat(service.last.retrying()).isNull();
        assertThat(service.memory.awaiting()).isNull();
        while (service.nextTimer() != null) {
            assertThat(service.timerFires()).as("nothing more once carried out").isEmpty();
        }
    }

    @Test
    void shouldRetryADeadLetteredCommandWithBackoffUnderAnIdThatNamesTheAttemptPastTheAttemptsToo() {
        PoolSpec spec = aws(20);
        Decision sent = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        SetCapacity decided = (SetCapacity) sent.commands().get(0);
        List<CommandFailure> failures = new ArrayList<>();
        Memory memory = sent.memory();
        java.time.Instant now = T0;
        List<String> ids = new ArrayList<>(List.of(decided.id()));
        for (int attempt = 1; attempt <= Retries.DEFAULT.attempts() + 2; attempt++) {
            // The provider dead-letters the attempt.
            failures.add(CommandFailure.of(Attempts.withId(decided, ids.get(attempt - 1)),
                    new Failure("RetriesExhausted", "Rate exceeded")));
            Decision failed = decide(spec, group(5, "x"), status(members(5)), memory, now, failures);
            assertThat(failed.commands()).as("attempt " + attempt + " failed: nothing at once").isEmpty();
            assertThat(failed.notices()).singleElement().extracting(Notice::reason)
                    .isEqualTo(Attempts.REASON_RETRYING);
            assertThat(failed.blocked()).as("never given up").isNull();
            assertThat(failed.retrying().message()).contains("SetCapacity", "Rate exceeded", "attempt "
                    + (attempt + 1));
            memory = failed.memory();
            // Backoff: 10 s, 20 s, 40 s, 80 s; past the five attempts, 60 s at most. Not before.
            java.time.Instant due = now.plus(attempt < Retries.DEFAULT.attempts() ? Retries.DEFAULT.delay(attempt)
                    : Duration.ofSeconds(60));
            assertThat(failed.lookAgainAt()).isEqualTo(due);
            assertThat(decide(spec, group(5, "x"), status(members(5)), memory, due.minusMillis(1), failures)
                    .commands()).isEmpty();
            Decision retried = decide(spec, group(5, "x"), status(members(5)), memory, due, failures);
            assertThat(retried.commands()).singleElement().isInstanceOfSatisfying(SetCapacity.class, c -> {
                assertThat(c.capacity()).isEqualTo(decided.capacity());
                assertThat(ids).doesNotContain(c.id());
            });
            String id = retried.commands().get(0).id();
            assertThat(id).as("derived: the same attempt is the same command").isEqualTo(
                    Attempts.attemptId(decided, attempt + 1));
            // Looked at again while it is in flight: the same id (the sender drops the repeat).
            assertThat(decide(spec, group(5, "x"), status(members(5)), retried.memory(), due.plusSeconds(1),
                    failures).commands()).isEmpty();
            ids.add(id);
            memory = retried.memory();
            now = due.plusSeconds(2);
        }

        // A new generation decides anew, under its own ids, whatever the last one's attempts (once the attempt in
        // flight is carried out or out of time).
        PoolSpec changed = new PoolSpec(spec.namespace(), spec.name(), spec.uid(), 8, spec.labels(),
                spec.annotations(), spec.finalizers(), null, aws(20).spec(), spec.infrastructure(), false);
        assertThat(decide(changed, group(5, "x"), status(members(5)), memory, now.plusSeconds(3600), failures)
                .commands())
                .singleElement().isInstanceOfSatisfying(SetCapacity.class, c -> {
                    assertThat(c.generation()).isEqualTo(8);
                    assertThat(ids).doesNotContain(c.id());
                });
    }

    /**
     * The pool: its bootstrap Secret is missing, so the provider refuses each {@code EnsureGroup}, well
     * past the attempts. Once the Secret is created (nothing about it reaches the reconciler) the next scheduled
     * attempt is carried out, and the pool converges in the same generation.
     */
    @Test
    void shouldCreateTheGroupOnceItsBootstrapSecretExistsHoweverOftenEnsureGroupFailedBefore() {
        PoolSpec spec = aws(3);
        ServiceLoop service = new ServiceLoop(spec, null, null, Memory.EMPTY, T0, Duration.ofMinutes(2),
                Retries.DEFAULT);
        Failure missing = new Failure("InvalidTemplate", "bootstrap data Secret team-a/workers-bootstrap not found");
        List<ScalingGroupCommand> sent = service.lookAt(T0);
        for (int failed = 1; failed <= 8; failed++) {
            ScalingGroupCommand attempt = sent.get(0);
            assertThat(attempt).isInstanceOf(EnsureGroup.class);
            // The provider dead-letters it a second later: the only thing that arrives.
            java.time.Instant failedAt = service.now.plusSeconds(1);
            service.failures.add(CommandFailure.of(attempt, missing));
            assertThat(service.lookAt(failedAt)).isEmpty();
            assertThat(service.last.retrying().message()).contains("EnsureGroup", missing.message());
            java.time.Instant due = failedAt.plus(Retries.DEFAULT.attemptDelay(failed));
            // Only the looks its decisions scheduled (an earlier attempt's await timeout among them).
            sent = List.of();
            while (sent.isEmpty()) {
                java.time.Instant at = service.nextTimer();
                assertThat(at).as("a look is scheduled after failure " + failed).isNotNull();
                sent = service.timerFires();
                assertThat(sent.isEmpty() || at.equals(due.plusMillis(1))).as("sent when due, not before").isTrue();
            }
        }

        // The Secret exists now: the ninth attempt is carried out.
        ScalingGroupCommand ninth = sent.get(0);
        assertThat(ninth.id()).isEqualTo(Attempts.attemptId(service.sent.get(0), 9));
        service.group = new ScalingGroupState(Pools.POOL, Cloud.AWS, ((EnsureGroup) ninth).group(), true, 3, 0, 50,
                "1", false, 7, ninth.id(), null);
        service.status = status(members(3));
        assertThat(service.lookAt(service.now.plusSeconds(5))).isEmpty();
        assertThat(service.last.retrying()).isNull();
        assertThat(service.sent).hasSize(9).allSatisfy(c -> {
            assertThat(c).isInstanceOf(EnsureGroup.class);
            assertThat(c.generation()).isEqualTo(7);
        }).extracting(ScalingGroupCommand::id).doesNotHaveDuplicates();
        while (service.nextTimer() != null) {
            assertThat(service.timerFires()).as("nothing more once the group exists").isEmpty();
        }
    }

    /**
     * The awaited command's failure arrives after the pool's generation moved on (the provider ID list written into
     * the spec moves it all the time): it ends the wait at once, says so, and the new generation decides anew; not
     * dropped as an older generation's, which held the pool until the await timeout and said nothing.
     */
    @Test
    void shouldEndTheWaitAndDecideAnewWhenTheAwaitedCommandOfAnOlderGenerationFails() {
        PoolSpec five = aws(5);
        Decision first = PoolReconciler.decide(look(five, group(3, "x"), status(members(3)), seen(five)));
        SetCapacity sent = (SetCapacity) first.commands().get(0);
        PoolSpec moved = Pools.withGeneration(five, five.generation() + 1);

        Decision next = decide(moved, group(3, "x"), status(members(3)), first.memory(), T0.plusSeconds(1),
                List.of(CommandFailure.of(sent, new Failure("RetriesExhausted", "throttled"))));

        assertThat(next.commands()).singleElement().isInstanceOfSatisfying(SetCapacity.class, c -> {
            assertThat(c.generation()).isEqualTo(five.generation() + 1);
            assertThat(c.capacity().desired()).isEqualTo(5);
        });
        assertThat(next.notices()).filteredOn(n -> n.reason().equals(Attempts.REASON_RETRYING)).singleElement()
                .satisfies(n -> assertThat(n.note()).isEqualTo("SetCapacity " + sent.id() + " of generation "
                        + five.generation() + " failed (RetriesExhausted: throttled); generation "
                        + (five.generation() + 1) + " decides again now"));
    }

    @Test
    void shouldRetryAnEnsureGroupThatFailedBeforeTheGroupExists() {
        PoolSpec spec = aws(3);
        Decision sent = PoolReconciler.decide(look(spec, null, null, Memory.EMPTY));
        EnsureGroup ensure = (EnsureGroup) sent.commands().get(0);
        List<CommandFailure> failed = List.of(CommandFailure.of(ensure, new Failure("InvalidTemplate", "no AMI")));

        Decision held = decide(spec, null, null, sent.memory(), T0.plusSeconds(1), failed);
        Decision retried = decide(spec, null, null, held.memory(), T0.plusSeconds(11), failed);

        assertThat(held.commands()).isEmpty();
        assertThat(held.retrying().message()).contains("EnsureGroup", "InvalidTemplate", "no AMI");
        assertThat(retried.commands()).singleElement().isInstanceOfSatisfying(EnsureGroup.class, e -> {
            assertThat(e.id()).isEqualTo(Attempts.attemptId(ensure, 2));
            assertThat(e.group()).isEqualTo(ensure.group());
        });
        assertThat(retried.retrying()).isNull();
    }

    /**
     * Every command names the pool's cluster: the provider acts on the group the pool's state names only if that
     * cluster owns it (a same-named pool of another cluster left its group behind), a delete above all.
     */
    @Test
    void shouldNameThePoolsClusterInEveryCommand() {
        PoolSpec spec = aws(20);
        PoolSpec deleting = aws(5, "v1.33.1", Map.of(), T0);

        assertThat(PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec))).commands())
                .singleElement().isInstanceOfSatisfying(SetCapacity.class,
                        c -> assertThat(c.cluster()).isEqualTo("demo"));
        assertThat(PoolReconciler.decide(look(deleting, group(5, "x"), status(List.of()), Memory.EMPTY)).commands())
                .singleElement().isInstanceOfSatisfying(DeleteGroup.class,
                        c -> assertThat(c.cluster()).isEqualTo("demo"));
        Decision drain = PoolReconciler.decide(look(aws(4), group(5, "x"), status(members(5)), seen(aws(4))));
        assertThat(PoolReconciler.decide(look(aws(4), group(5, "x"), status(members(5)), Pools.drained(drain)))
                .commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                        c -> assertThat(c.cluster()).isEqualTo("demo"));
    }

    @Test
    void shouldRetryAFailedDeleteGroupAndKnowTheGroupGoneWhenItsAttemptIsCarriedOut() {
        PoolSpec deleting = aws(5, "v1.33.1", Map.of(), T0);
        Decision delete = PoolReconciler.decide(look(deleting, group(5, "x"), status(List.of()), Memory.EMPTY));
        DeleteGroup first = (DeleteGroup) delete.commands().get(0);
        List<CommandFailure> failed = List.of(CommandFailure.of(first, new Failure("RetriesExhausted", "throttled")));

        Decision held = decide(deleting, group(5, "x"), status(List.of()), delete.memory(), T0.plusSeconds(1),
                failed);
        Decision retried = decide(deleting, group(5, "x"), status(List.of()), held.memory(), T0.plusSeconds(11),
                failed);
        assertThat(held.commands()).isEmpty();
        String attempt = retried.commands().get(0).id();
        Decision gone = decide(deleting, gone(attempt), status(List.of()), retried.memory(), T0.plusSeconds(20),
                failed);

        assertThat(attempt).isEqualTo(Attempts.attemptId(first, 2));
        assertThat(gone.actions()).containsExactly(new KubeAction.RemoveFinalizers());
    }

    /**
     * A deleted pool whose group the provider refuses to delete as not the pool's own (a takeover annotation that named
     * another's group, its tags changed): no group of the pool's is left, so its finalizers go at once, the group
     * stays, and a Warning says so; sending the delete again would be refused for good, the pool never gone.
     */
    @Test
    void shouldLetADeletedPoolGoWhenItsGroupIsRefusedAsNotItsOwnAndLeaveTheGroup() {
        PoolSpec deleting = aws(5, "v1.33.1", Map.of(), T0);
        Decision delete = PoolReconciler.decide(look(deleting, group(5, "x"), status(List.of()), Memory.EMPTY));
        DeleteGroup first = (DeleteGroup) delete.commands().get(0);
        List<CommandFailure> refused = List.of(CommandFailure.of(first, new Failure(Failure.GROUP_NOT_OWNED,
                "AutoScalingGroup workers exists but is not pool team-a/workers's")));

        Decision letGo = decide(deleting, group(5, "x"), status(List.of()), delete.memory(), T0.plusSeconds(1),
                refused);

        assertThat(letGo.commands()).isEmpty();
        assertThat(letGo.actions()).containsExactly(new KubeAction.RemoveFinalizers());
        assertThat(letGo.notices()).singleElement().satisfies(n -> {
            assertThat(n.warning()).isTrue();
            assertThat(n.reason()).isEqualTo(Failure.GROUP_NOT_OWNED);
            assertThat(n.note()).isEqualTo("Group " + first.group() + " is left in place, not this pool's to delete"
                    + " (AutoScalingGroup workers exists but is not pool team-a/workers's); the pool's finalizers are"
                    + " removed");
        });
    }

    /**
     * A deleted pool whose {@code DeleteGroup} is never reported (its failure dead-lettered while the partition was
     * reassigned), as the running service handles it: nothing at the await timeout but a {@code RetryingCommand}
     * notice, then after the backoff the next attempt under its own id; past the attempts the same, at most 60 s
     * apart, never given up. Once the group state shows the group gone by an attempt, the finalizers go.
     */
    @Test
    void shouldSendADeleteGroupAgainUnderEachNextAttemptWhileItIsNotSeenAndLetThePoolGoOnceTheGroupIsGone() {
        PoolSpec deleting = aws(5, "v1.33.1", Map.of(), T0);
        ServiceLoop service = new ServiceLoop(deleting, group(5, "x"), status(members(5)), Memory.EMPTY, T0,
                Duration.ofMinutes(2), Retries.DEFAULT);
        DeleteGroup first = (DeleteGroup) service.lookAt(T0).get(0);
        assertThat(service.sent).hasSize(1);
        // A record arrives meanwhile: the same decision, the same id (nothing sent), the same timeout.
        assertThat(service.lookAt(T0.plusSeconds(30))).isEmpty();
        assertThat(service.last.commands()).extracting(ScalingGroupCommand::id).containsExactly(first.id());
        java.time.Instant sentAt = T0;

        int budget = Retries.DEFAULT.attempts();
        for (int attempt = 2; attempt <= budget + 2; attempt++) {
            assertThat(service.nextTimer()).as("looked at again when it is out of time")
                    .isEqualTo(sentAt.plus(Duration.ofMinutes(2)).plusMillis(1));
            int noticed = service.notices.size();
            assertThat(service.timerFires()).as("attempt " + (attempt - 1) + " timed out").isEmpty();
            assertThat(service.notices.subList(noticed, service.notices.size())).singleElement().satisfies(n -> {
                assertThat(n.reason()).isEqualTo(Attempts.REASON_RETRYING);
                assertThat(n.warning()).isTrue();
                assertThat(n.note()).contains("DeleteGroup", CommandFailure.REASON_TIMED_OUT);
            });
            assertThat(service.last.actions()).as("the finalizers stay").isEmpty();
            assertThat(service.last.retrying().message()).contains("DeleteGroup");
            java.time.Instant timedOutAt = service.now;

            Duration backoff = attempt <= budget ? Retries.DEFAULT.delay(attempt - 1) : Duration.ofSeconds(60);
            assertThat(service.nextTimer()).isEqualTo(timedOutAt.plus(backoff).plusMillis(1));
            int n = attempt;
            assertThat(service.timerFires()).singleElement().isInstanceOfSatisfying(DeleteGroup.class, d -> {
                assertThat(d.id()).isEqualTo(Attempts.attemptId(first, n));
                assertThat(d.group()).isEqualTo(first.group());
            });
            sentAt = service.now;
        }
        assertThat(service.sent).extracting(ScalingGroupCommand::id).doesNotHaveDuplicates().hasSize(budget + 2);

        // The cloud carries out the last attempt: the group and its instances are gone, and so are the finalizers.
        service.group = gone(service.sent.get(service.sent.size() - 1).id());
        service.status = status(List.of());
        assertThat(service.lookAt(sentAt.plusSeconds(3))).isEmpty();
        assertThat(service.last.actions()).containsExactly(new KubeAction.RemoveFinalizers());
        assertThat(service.last.retrying()).isNull();
        assertThat(service.memory.unconfirmed()).isNull();
        while (service.nextTimer() != null) {
            assertThat(service.timerFires()).as("nothing more once gone").isEmpty();
        }
    }

    /**
     * The ids are derived, so a restarted reconciler (nothing remembered) sends the same ones: the decision's own,
     * then, when that is not seen in time, the same second attempt as before the restart (a repeat the provider
     * drops). And a group state showing the group gone by an attempt it does not remember still lets the pool go.
     */
    @Test
    void shouldSendTheSameDeleteGroupIdsAfterARestartAndKnowTheGroupGoneByAnAttemptItDoesNotRemember() {
        PoolSpec deleting = aws(5, "v1.33.1", Map.of(), T0);
        ServiceLoop before = new ServiceLoop(deleting, group(5, "x"), status(List.of()), Memory.EMPTY, T0,
                Duration.ofMinutes(2), Retries.DEFAULT);
        before.lookAt(T0);
        before.timerFires();
        before.timerFires();
        assertThat(before.sent).hasSize(2);
        DeleteGroup first = (DeleteGroup) before.sent.get(0);

        java.time.Instant restart = T0.plusSeconds(200);
        ServiceLoop after = new ServiceLoop(deleting, group(5, "x"), status(List.of()), Memory.EMPTY, restart,
                Duration.ofMinutes(2), Retries.DEFAULT);
        assertThat(after.lookAt(restart)).extracting(ScalingGroupCommand::id).containsExactly(first.id());
        assertThat(after.nextTimer()).isEqualTo(restart.plus(Duration.ofMinutes(2)).plusMillis(1));
        assertThat(after.timerFires()).isEmpty();
        assertThat(after.timerFires()).extracting(ScalingGroupCommand::id)
                .containsExactly(before.sent.get(1).id());

        Decision fresh = decide(deleting, gone(before.sent.get(1).id()), status(List.of()), Memory.EMPTY,
                restart.plusSeconds(400), List.of());
        assertThat(fresh.commands()).isEmpty();
        assertThat(fresh.actions()).containsExactly(new KubeAction.RemoveFinalizers());
        assertThat(fresh.lookAgainAt()).isNull();
    }

    /**
     * A template change whose {@code RollOut} is never reported: it holds up neither the drain nor the terminate of
     * the instance too many; at the await timeout it has failed ({@code RetryingCommand}), and after the backoff it
     * goes again under its second attempt's id, until the group state names it.
     */
    @Test
    void shouldSendARollOutAgainWhenItIsNotSeenCarriedOutWithoutHoldingUpTheDrainOrTheTerminate() {
        PoolSpec upgraded = aws(4, "v1.34.0", Map.of(), null);
        ServiceLoop service = new ServiceLoop(upgraded, group(5, "x"), status(members(5)), seen(aws(4)), T0,
                Duration.ofMinutes(2), Retries.DEFAULT);
        RollOut first = (RollOut) service.lookAt(T0).get(0);
        assertThat(service.sent).hasSize(1);
        assertThat(service.last.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-1");

        Map<String, Memory.Drain> drained = new HashMap<>();
        service.memory.drains().forEach((id, d) -> drained.put(id, d.ended(new DrainOutcome.Drained(),
                T0.plusSeconds(15), Retries.DEFAULT)));
        service.memory = service.memory.withDrains(drained);
        TerminateInstances terminate = (TerminateInstances) service.lookAt(T0.plusSeconds(20)).get(0);
        // The cloud carries out the terminate, never the RollOut.
        service.group = group(4, terminate.id());
        service.status = status(members(5).subList(1, 5));
        assertThat(service.lookAt(T0.plusSeconds(25))).isEmpty();
        assertThat(service.memory.awaiting()).as("the terminate is done").isNull();

        assertThat(service.nextTimer()).isEqualTo(T0.plus(Duration.ofMinutes(2)).plusMillis(1));
        assertThat(service.timerFires()).isEmpty();
        assertThat(service.notices).singleElement().satisfies(n -> {
            assertThat(n.reason()).isEqualTo(Attempts.REASON_RETRYING);
            assertThat(n.note()).contains("RollOut", first.id(), CommandFailure.REASON_TIMED_OUT, "attempt 2 of 5");
        });
        assertThat(service.nextTimer()).isEqualTo(service.now.plusSeconds(10).plusMillis(1));
        assertThat(service.timerFires()).singleElement().isInstanceOfSatisfying(RollOut.class, r -> {
            assertThat(r.id()).isEqualTo(Attempts.attemptId(first, 2));
            assertThat(r.template()).isEqualTo(first.template());
        });

        service.group = group(4, service.sent.get(2).id());
        assertThat(service.lookAt(service.now.plusSeconds(3))).isEmpty();
        assertThat(service.memory.unconfirmed()).isNull();
        while (service.nextTimer() != null) {
            assertThat(service.timerFires()).as("nothing more once carried out").isEmpty();
        }
        assertThat(service.sent).extracting(c -> c.getClass().getSimpleName())
                .containsExactly("RollOut", "TerminateInstances", "RollOut");
    }

    /**
     * The first look since a start sends the pool's {@code RollOut} without knowing whether it is needed (a repeat
     * the provider drops does not show in the group state): not seen in time, it goes again under its next attempt's
     * id without a failure shown. Only when that attempt is not seen either is it a failure.
     */
    @Test
    void shouldConfirmTheTemplateAfterARestartWithoutShowingAFailureUnlessTheConfirmationIsNotSeenEither() {
        ServiceLoop service = new ServiceLoop(aws(5), group(5, "x"), status(members(5)), Memory.EMPTY, T0,
                Duration.ofMinutes(2), Retries.DEFAULT);
        RollOut first = (RollOut) service.lookAt(T0).get(0);

        assertThat(service.timerFires()).as("out of time").isEmpty();
        assertThat(service.notices).as("no failure shown").isEmpty();
        assertThat(service.timerFires()).extracting(ScalingGroupCommand::id)
                .containsExactly(Attempts.attemptId(first, 2));
        assertThat(service.timerFires()).as("the confirmation out of time").isEmpty();
        assertThat(service.notices).singleElement().satisfies(n -> assertThat(n.note())
                .contains("RollOut", CommandFailure.REASON_TIMED_OUT, "attempt 3 of 5"));
        assertThat(service.timerFires()).extracting(ScalingGroupCommand::id)
                .containsExactly(Attempts.attemptId(first, 3));
    }

    @Test
    void shouldAwaitOnlyTheDeleteGroupOnceAPoolWhoseRollOutIsNotSeenYetIsDeleted() {
        PoolSpec upgraded = aws(5, "v1.34.0", Map.of(), null);
        Decision rolled = PoolReconciler.decide(look(upgraded, group(5, "x"), status(members(5)), seen(aws(5))));
        assertThat(rolled.memory().unconfirmed().kind()).isEqualTo("RollOut");

        // Deleted, and the RollOut's time is long over: not a failure of anything the pool still needs.
        Decision delete = decide(aws(5, "v1.34.0", Map.of(), T0), group(5, "x"), status(members(5)),
                rolled.memory(), T0.plusSeconds(500), List.of());

        DeleteGroup deleteGroup = (DeleteGroup) delete.commands().get(0);
        assertThat(delete.notices()).isEmpty();
        assertThat(delete.memory().unconfirmed().commandId()).isEqualTo(deleteGroup.id());
        assertThat(delete.lookAgainAt()).isEqualTo(T0.plusSeconds(620));
    }

    @Test
    void shouldForgetAnUnseenRollOutWhenTheGroupIsGoneSinceTheEnsureGroupCarriesTheTemplate() {
        PoolSpec upgraded = aws(5, "v1.34.0", Map.of(), null);
        Decision rolled = PoolReconciler.decide(look(upgraded, group(5, "x"), status(members(5)), seen(aws(5))));

        Decision ensure = decide(upgraded, gone("x"), status(List.of()), rolled.memory(), T0.plusSeconds(10),
                List.of());
        String ensureId = ensure.commands().get(0).id();
        Decision after = decide(upgraded, group(5, ensureId), status(members(5)), ensure.memory(),
                T0.plusSeconds(500), List.of());

        assertThat(ensure.commands()).singleElement().isInstanceOf(EnsureGroup.class);
        assertThat(ensure.memory().unconfirmed()).isNull();
        assertThat(after.commands()).as("nothing to roll out: the group was made with the template").isEmpty();
        assertThat(after.notices()).isEmpty();
    }

    @Test
    void shouldNotTerminateAfterAFailedDrainAndDrainAgainAfterTheBackoff() {
        PoolSpec spec = aws(4);
        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        Memory.Drain started = drain.drains().get(0);

        Memory failed = drain.memory().withDrains(Map.of(started.providerID(),
                started.ended(new DrainOutcome.Failed("java.lang.IllegalStateException: boom"), T0, Retries.DEFAULT)));
        Decision waiting = decide(spec, group(5, "x"), status(members(5)), failed, T0.plusSeconds(1), List.of());
        Decision again = decide(spec, group(5, "x"), status(members(5)), failed, T0.plusSeconds(10), List.of());

        assertThat(waiting.commands()).as("an error is never drained").isEmpty();
        assertThat(waiting.drains()).isEmpty();
        assertThat(waiting.lookAgainAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(again.commands()).isEmpty();
        assertThat(again.drains()).singleElement().satisfies(d -> {
            assertThat(d.nodeName()).isEqualTo(started.nodeName());
            assertThat(d.startedAt()).as("the deadline still counts from the first start").isEqualTo(T0);
        });
    }

    /**
     * No Node known is not "no Node": it may have joined while its workload cluster could not be watched. Its drain
     * starts (the drainer looks for its Node by provider ID), and only its end lets the instance be terminated.
     */
    @Test
    void shouldDrainAVictimWithNoNodeKnownAndTerminateItOnlyOnceTheDrainSaysItHasNone() {
        PoolSpec spec = aws(4);
        List<PoolMember> all = new ArrayList<>(members(4));
        PoolMember unseen = new PoolMember(Pools.id(5), "", "", InstanceLifecycle.RUNNING, T0, false, false, true,
                false, false);
        all.add(unseen);

        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(all), seen(spec)));

        assertThat(drain.commands()).as("not terminated before its drain ends").isEmpty();
        assertThat(drain.drains()).singleElement().satisfies(d -> {
            assertThat(d.providerID()).isEqualTo(unseen.providerID());
            assertThat(d.nodeName()).isEmpty();
        });
        Memory.Drain started = drain.drains().get(0);
        Decision terminate = decide(spec, group(5, "x"), status(all), drain.memory().withDrains(Map.of(
                started.providerID(), started.ended(new DrainOutcome.NodeGone(), T0, Retries.DEFAULT))),
                T0.plusSeconds(1), List.of());
        assertThat(terminate.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactly(unseen.providerID()));
    }

    /**
     * A booting victim's drain found no Node, but the terminate waited (another victim's drain, a hook, a backoff) and
     * its Node joined meanwhile, uncordoned, taking pods. It is drained before its instance goes, its deadline still
     * counted from the first start.
     */
    @Test
    void shouldDrainAgainAVictimWhoseNodeJoinedAfterItsDrainFoundNone() {
        PoolSpec spec = aws(4);
        List<PoolMember> booting = new ArrayList<>(members(4));
        booting.add(new PoolMember(Pools.id(5), "", "", InstanceLifecycle.RUNNING, T0, false, false, true, false,
                false));
        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(booting), seen(spec)));
        Memory.Drain started = drain.drains().get(0);
        Memory gone = drain.memory().withDrains(Map.of(started.providerID(),
                started.ended(new DrainOutcome.NodeGone(), T0, Retries.DEFAULT)));
        List<PoolMember> joined = new ArrayList<>(members(4));
        joined.add(new PoolMember(Pools.id(5), "node-5", "uid-5", InstanceLifecycle.RUNNING, T0, true, true, true,
                false, true));

        Decision next = decide(spec, group(5, "x"), status(joined), gone, T0.plusSeconds(30), List.of());

        assertThat(next.commands()).as("not terminated with its Node's pods on it").isEmpty();
        assertThat(next.drains()).singleElement().satisfies(d -> {
            assertThat(d.providerID()).isEqualTo(Pools.id(5));
            assertThat(d.nodeName()).isEqualTo("node-5");
            assertThat(d.startedAt()).isEqualTo(T0);
        });
        // A Node the drain knew and found gone (the status not caught up yet) is not drained again.
        Memory.Drain known = Memory.Drain.start(Pools.id(5), "node-5", T0, null);
        Decision stale = decide(spec, group(5, "x"), status(joined), drain.memory().withDrains(Map.of(
                Pools.id(5), known.ended(new DrainOutcome.NodeGone(), T0, Retries.DEFAULT))), T0.plusSeconds(30),
                List.of());
        assertThat(stale.commands()).singleElement().isInstanceOf(TerminateInstances.class);
    }

    @Test
    void shouldTerminateOnlyOnceEveryVictimIsDrainedGoneOrTimedOut() {
        PoolSpec spec = aws(2);
        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        List<Memory.Drain> started = drain.drains();
        assertThat(started).hasSize(3);
        DrainOutcome[] outcomes = {new DrainOutcome.Drained(), new DrainOutcome.NodeGone(),
                new DrainOutcome.TimedOut(1, "a PodDisruptionBudget refuses evicting apps/db-0")};
        Map<String, Memory.Drain> drains = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            drains.put(started.get(i).providerID(), started.get(i).ended(outcomes[i], T0, Retries.DEFAULT));
            Decision decision = decide(spec, group(5, "x"), status(members(5)), drain.memory().withDrains(drains),
                    T0.plusSeconds(1), List.of());
            if (i < 2) {
                assertThat(decision.commands()).as("not all ended yet").isEmpty();
            } else {
                assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                        t -> assertThat(t.providerIDs()).hasSize(3));
            }
        }
    }

    /**
     * A victim drained long before its terminate is decided (another victim's drain held up by a
     * PodDisruptionBudget) may have taken pods since: it is drained again before its instance goes, its deadline still
     * counted from the first start.
     */
    @Test
    void shouldDrainAgainAVictimDrainedLongBeforeTheTerminateIsDecided() {
        PoolSpec spec = aws(3);
        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        assertThat(drain.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-1", "node-2");
        Instant later = T0.plus(Duration.ofMinutes(20));
        Map<String, Memory.Drain> ended = new HashMap<>();
        ended.put(Pools.id(1), drain.drains().get(0).ended(new DrainOutcome.Drained(), T0, Retries.DEFAULT));
        ended.put(Pools.id(2), drain.drains().get(1).ended(new DrainOutcome.TimedOut(1,
                "a PodDisruptionBudget refuses evicting apps/db-0"), later, Retries.DEFAULT));

        Decision decision = decide(spec, group(5, "x"), status(members(5)), drain.memory().withDrains(ended), later,
                List.of());

        assertThat(decision.commands()).as("node-1 not terminated on a drain 20 minutes old").isEmpty();
        assertThat(decision.drains()).singleElement().satisfies(d -> {
            assertThat(d.providerID()).isEqualTo(Pools.id(1));
            assertThat(d.startedAt()).isEqualTo(T0);
        });
        Map<String, Memory.Drain> again = new HashMap<>(decision.memory().drains());
        again.put(Pools.id(1), decision.drains().get(0).ended(new DrainOutcome.Drained(), later.plusSeconds(1),
                Retries.DEFAULT));
        Decision terminate = decide(spec, group(5, "x"), status(members(5)), decision.memory().withDrains(again),
                later.plusSeconds(1), List.of());
        assertThat(terminate.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactlyInAnyOrder(Pools.id(1), Pools.id(2)));
    }

    @Test
    void shouldBoundTheDrainByNodeDrainTimeoutSecondsAndNotWhenUnsetOrZero() {
        PoolSpec spec = aws(4);
        var deletion = new dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Deletion();
        spec.spec().getTemplate().getSpec().setDeletion(deletion);
        assertThat(PoolReconciler.drainDeadline(spec, T0)).as("unset").isNull();
        deletion.setNodeDrainTimeoutSeconds(0);
        assertThat(PoolReconciler.drainDeadline(spec, T0)).as("0").isNull();
        deletion.setNodeDrainTimeoutSeconds(300);
        assertThat(PoolReconciler.drainDeadline(spec, T0)).isEqualTo(T0.plusSeconds(300));

        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        assertThat(drain.drains()).singleElement().extracting(Memory.Drain::deadline)
                .isEqualTo(T0.plusSeconds(300));
    }

    @Test
    void shouldNameANewGroupUniquelyPerClusterNamespaceAndInfrastructurePool() {
        PoolSpec here = aws(3);
        PoolSpec otherNamespace = in("team-b", "demo", here);
        PoolSpec otherCluster = in("team-a", "other", here);

        List<String> names = java.util.stream.Stream.of(here, otherNamespace, otherCluster)
                .map(spec -> ((EnsureGroup) PoolReconciler.decide(look(spec, null, null, Memory.EMPTY)).commands()
                        .get(0)).group()).toList();

        assertThat(names).doesNotHaveDuplicates().allMatch(n -> n.startsWith("workers-"));
        assertThat(names.get(0)).isEqualTo(ScalingGroupNames.derive(Cloud.AWS, "demo", "team-a", "workers"));
        assertThat(names.get(1)).isEqualTo(ScalingGroupNames.derive(Cloud.AWS, "demo", "team-b", "workers"));
        assertThat(names.get(2)).isEqualTo(ScalingGroupNames.derive(Cloud.AWS, "other", "team-a", "workers"));
        // The same pool, the same name: a decision made again keeps its id.
        assertThat(((EnsureGroup) PoolReconciler.decide(look(here, null, null, Memory.EMPTY)).commands().get(0))
                .group()).isEqualTo(names.get(0));
    }

    @Test
    void shouldKeepTheNameAGroupStateAlreadyNames() {
        // A group created before names were derived (named as its infrastructure pool): it keeps its name.
        PoolSpec spec = aws(20);
        ScalingGroupState existing = group(5, "x");
        assertThat(existing.group()).isEqualTo("workers");

        Decision scale = PoolReconciler.decide(look(spec, existing, status(members(5)), seen(spec)));
        Decision delete = PoolReconciler.decide(look(aws(5, "v1.33.1", Map.of(), T0), existing, status(members(5)),
                Memory.EMPTY));

        assertThat(scale.commands()).singleElement().extracting(c -> c.group()).isEqualTo("workers");
        assertThat(delete.commands()).singleElement().extracting(c -> c.group()).isEqualTo("workers");
        assertThat(PoolReconciler.decide(look(aws(5, "v1.33.1", Map.of(), T0), null, null, Memory.EMPTY))
                .commands()).singleElement().extracting(c -> c.group())
                .as("deleted without a state: the name it was given")
                .isEqualTo(ScalingGroupNames.derive(Cloud.AWS, "demo", "team-a", "workers"));
    }

    @Test
    void shouldTakeOverTheGroupTheAnnotationNamesAndRefuseAnInvalidName() {
        PoolSpec takeover = aws(3, "v1.33.1", Map.of(ScalingGroupNames.ANNOTATION, "capa-workers"), null);
        PoolSpec invalid = aws(3, "v1.33.1", Map.of(ScalingGroupNames.ANNOTATION, "no spaces allowed"), null);

        Decision taken = PoolReconciler.decide(look(takeover, null, null, Memory.EMPTY));
        Decision refused = PoolReconciler.decide(look(invalid, null, null, Memory.EMPTY));

        assertThat(taken.commands()).singleElement().extracting(c -> c.group()).isEqualTo("capa-workers");
        assertThat(refused.commands()).isEmpty();
        assertThat(refused.blocked().reason()).isEqualTo(ScalingGroupNames.REASON_INVALID_NAME);
    }

    private static PoolSpec in(String namespace, String cluster, PoolSpec spec) {
        var machinePool = dev.poolstream.testing.MachinePoolSpecs.of(cluster, 3, "v1.33.1", "workers-bootstrap",
                ClusterApi.KIND_AWS_MACHINE_POOL, "workers", 0);
        return new PoolSpec(namespace, spec.name(), spec.uid(), spec.generation(), spec.labels(), spec.annotations(),
                spec.finalizers(), null, machinePool, spec.infrastructure(), false);
    }

    private static Decision decide(PoolSpec spec, ScalingGroupState group, PoolStatus status, Memory memory,
                                   java.time.Instant now, List<CommandFailure> failures) {
        return PoolReconciler.decide(new PoolReconciler.Look(spec, group, status, memory, now, false,
                Duration.ofMinutes(2), null, Duration.ofSeconds(10), failures, Retries.DEFAULT));
    }

    @Test
    void shouldDrainFiveNamedNodesBeforeTerminatingTheirInstances() {
        PoolSpec spec = aws(15);
        Decision drain = PoolReconciler.decide(look(spec, group(20, "x"), status(members(20)), seen(spec)));

        assertThat(drain.commands()).isEmpty();
        assertThat(drain.drains()).extracting(Memory.Drain::nodeName)
                .containsExactly("node-1", "node-2", "node-3", "node-4", "node-5");

        Decision terminate = PoolReconciler.decide(look(spec, group(20, "x"), status(members(20)),
                Pools.drained(drain)));

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
    void shouldDrainAndTerminateAVictimWhoseDrainStartedWhenThePoolIsScaledBackUp() {
        Decision first = scaledDownFromFiveToFour();

        // Back to five before the drain ends: the cordoned Node is not left behind, cordoned, for good.
        PoolSpec five = aws(5);
        Decision second = resizedWhileItDrains(first, five);
        assertThat(second.memory().drains()).containsOnlyKeys(Pools.id(1));

        Decision third = PoolReconciler.decide(look(five, group(5, "x"), status(members(5)), Pools.drained(second)));

        assertThat(third.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactly(Pools.id(1)));
    }

    /** A pool of five scaled to four: its first member's drain starts. */
    private static Decision scaledDownFromFiveToFour() {
        Decision first = PoolReconciler.decide(look(aws(4), group(5, "x"), status(members(5)), seen(aws(4))));
        assertThat(first.drains()).extracting(Memory.Drain::nodeName).containsExactly("node-1");
        return first;
    }

    /** The next look once the pool's spec says {@code spec}, the group and its five members as they were. */
    private static Decision resizedWhileItDrains(Decision first, PoolSpec spec) {
        return PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)),
                first.memory().withTemplate(PoolReconciler.templateKey(spec), null)));
    }

    /**
     * Scaled up past its size while a victim's drain runs: the scale-up goes at once, not after the drain, which a
     * PodDisruptionBudget may hold for good when the cluster is full (the evicted pod's replacement Pending for want of
     * the Node the scale-up brings). The draining member counts, as a deleting Machine in Cluster API's MachineSet: its
     * terminate lowers the group by one, and the next look fills it again.
     */
    @Test
    void shouldScaleUpWhileAVictimDrainsAndReplaceTheVictimOnceItIsTerminated() {
        Decision first = scaledDownFromFiveToFour();

        PoolSpec six = aws(6);
        Decision scaleUp = resizedWhileItDrains(first, six);

        assertThat(scaleUp.commands()).singleElement().isInstanceOfSatisfying(SetCapacity.class,
                c -> assertThat(c.capacity().desired()).isEqualTo(6));
        assertThat(scaleUp.memory().drains()).as("the drain goes on").containsOnlyKeys(Pools.id(1));
        String scaleUpId = scaleUp.commands().get(0).id();

        // Carried out, the new instance not listed yet: nothing more is asked; the drain ends, the victim goes.
        Decision booting = PoolReconciler.decide(look(six, group(6, scaleUpId), status(members(5)),
                scaleUp.memory()));
        assertThat(booting.commands()).isEmpty();
        List<PoolMember> withNew = new ArrayList<>(members(5));
        withNew.add(member(6, true, true));
        // The new instance listed before the group's state says 6: the pool is whole, the victim counted in it.
        assertThat(PoolReconciler.decide(look(six, group(5, "x"), status(withNew), booting.memory())).commands())
                .isEmpty();
        Decision terminate = PoolReconciler.decide(look(six, group(6, scaleUpId), status(withNew),
                Pools.drained(booting)));
        assertThat(terminate.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class,
                t -> assertThat(t.providerIDs()).containsExactly(Pools.id(1)));

        String terminateId = terminate.commands().get(0).id();
        Decision refill = PoolReconciler.decide(look(six, group(5, terminateId), status(withNew.subList(1, 6)),
                terminate.memory()));
        assertThat(refill.commands()).singleElement().isInstanceOfSatisfying(SetCapacity.class,
                c -> assertThat(c.capacity().desired()).isEqualTo(6));
    }

    /**
     * The group state that says a terminate was carried out can come before the status without its instances: a look
     * at the members still listed would choose the same victims again (or, by a seeded random policy, others). The
     * terminate is seen through once the status drops them, or after the await timeout, with no failure shown.
     */
    @Test
    void shouldSeeATerminateThroughOnlyOnceTheStatusNoLongerListsItsInstances() {
        PoolSpec spec = aws(4);
        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        Decision terminate = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)),
                Pools.drained(drain)));
        String terminateId = terminate.commands().get(0).id();

        Decision stale = PoolReconciler.decide(look(spec, group(4, terminateId), status(members(5)),
                terminate.memory()));

        assertThat(stale.drains()).as("no victim chosen from the stale status").isEmpty();
        assertThat(stale.commands()).isEmpty();
        assertThat(stale.memory().awaiting()).isNotNull();

        List<PoolMember> four = members(5).subList(1, 5);
        Decision caughtUp = PoolReconciler.decide(look(spec, group(4, terminateId), status(four), stale.memory()));
        assertThat(caughtUp.memory().awaiting()).isNull();
        assertThat(caughtUp.drains()).isEmpty();
        assertThat(caughtUp.commands()).isEmpty();

        // Still listed past the await timeout (on Azure: a delete the cloud failed after the provider stopped
        // waiting): not held for good, and tried again under a new id, which no one drops as a repeat.
        Instant late = T0.plus(Duration.ofMinutes(3));
        Decision timedOut = decide(spec, group(4, terminateId), status(members(5)), stale.memory(), late, List.of());
        assertThat(timedOut.memory().awaiting()).as("not held for good").isNull();
        assertThat(timedOut.notices()).anySatisfy(n -> assertThat(n.note())
                .contains(CommandFailure.REASON_INSTANCES_STILL_LISTED).contains(terminateId));
        Instant retry = late.plus(Duration.ofMinutes(5));
        Decision drainedAgain = decide(spec, group(4, terminateId), status(members(5)),
                Pools.drained(timedOut, retry), retry, List.of());
        assertThat(drainedAgain.commands()).singleElement().isInstanceOfSatisfying(TerminateInstances.class, t -> {
            assertThat(t.id()).isEqualTo(Attempts.attemptId(terminate.commands().get(0), 2));
            assertThat(t.providerIDs()).isEqualTo(((TerminateInstances) terminate.commands().get(0)).providerIDs());
        });
    }

    @Test
    void shouldTakeUpADrainStartedBeforeARestartAndCountItsTimeoutFromThen() {
        PoolSpec spec = aws(4);
        var deletion = new dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Deletion();
        deletion.setNodeDrainTimeoutSeconds(300);
        spec.spec().getTemplate().getSpec().setDeletion(deletion);
        List<PoolMember> members = new ArrayList<>(members(5));
        PoolMember third = members.get(2);
        // The Node as the process before the restart left it: cordoned, with when its drain started.
        members.set(2, new PoolMember(third.providerID(), third.nodeName(), third.nodeUid(), third.lifecycle(),
                third.launchTime(), true, true, true, false, true, null, null, null, T0.minusSeconds(200)));

        Decision decision = PoolReconciler.decide(look(spec, group(5, "x"), status(members), seen(spec)));

        assertThat(decision.drains()).singleElement().satisfies(d -> {
            assertThat(d.nodeName()).isEqualTo("node-3");
            assertThat(d.startedAt()).isEqualTo(T0.minusSeconds(200));
            assertThat(d.deadline()).isEqualTo(T0.plusSeconds(100));
        });
    }

    /**
     * A roll-out of five instances, step by step against {@link SimulatedPool}, whose new instances boot for
     * {@code bootLooks} looks before their Node is Ready: never fewer Ready than desired minus maxUnavailable, never
     * more instances than desired plus maxSurge, only out-of-date instances terminated, and every one replaced.
     * With instant boots (0) a budget that counts a booting instance as Ready looks right; only slow boots show it.
     */
    @ParameterizedTest(name = "Azure maxSurge={0} maxUnavailable={1}, boots for {2} looks: >= {3} Ready, <= {4} instances")
    @CsvSource(textBlock = """
            1,   0,   0, 5, 6
            1,   0,   2, 5, 6
            1,   0,   5, 5, 6
            2,   0,   3, 5, 7
            0,   1,   3, 4, 5
            25%, 25%, 3, 4, 7
            """)
    void shouldNeverDropBelowDesiredReadyDuringARollOutWhenNewInstancesBootSlowly(String maxSurge,
            String maxUnavailable, int bootLooks, int fewestReady, int mostInstances) {
        PoolSpec before = Pools.azure(5, "v1.33.1", intOrPercent(maxSurge), intOrPercent(maxUnavailable));
        PoolSpec after = Pools.azure(5, "v1.34.0", intOrPercent(maxSurge), intOrPercent(maxUnavailable));
        SimulatedPool sim = new SimulatedPool(5, bootLooks);
        Memory memory = seen(before);
        boolean done = false;
        for (int step = 0; step < 200 && !done; step++) {
            Instant now = T0.plusSeconds(step);
            Decision decision = PoolReconciler.decide(new PoolReconciler.Look(after, sim.group(), sim.status(),
                    memory, now, false, Duration.ofMinutes(2)));
            // Done: five up-to-date instances, all Ready, and nothing more to do.
            done = sim.allUpToDate() && sim.members.size() == 5 && sim.ready() == 5
                    && decision.commands().isEmpty() && decision.drains().isEmpty();
            memory = sim.apply(decision, now);
        }

        assertThat(done).as("rolled out: " + sim.members).isTrue();
        assertThat(sim.maxBooting > 0).as("instances booted while old ones ran").isEqualTo(bootLooks > 0);
        assertThat(sim.minReady).as("fewest Ready during the roll-out").isEqualTo(fewestReady);
        assertThat(sim.maxMembers).as("most instances during the roll-out").isEqualTo(mostInstances);
        assertThat(sim.terminated.stream().filter(m -> !m.upToDate()).map(PoolMember::providerID))
                .as("each old instance terminated once").containsExactlyInAnyOrderElementsOf(
                        members(5).stream().map(PoolMember::providerID).toList());
    }

    private static Object intOrPercent(String value) {
        return value.endsWith("%") ? value : (Object) Integer.parseInt(value);
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

    /**
     * The group is gone; the status service deletes the pool's retired Nodes and drops each from
     * {@code status.retired} as soon as its Node is gone. The finalizers stay while one is listed and go at the look
     * that sees the list empty: nothing is sent again meanwhile, and no time is waited for (no look is scheduled;
     * the next status record brings the next look).
     */
    @ParameterizedTest(name = "owner mode {0}")
    @CsvSource({"false", "true"})
    void shouldKeepTheFinalizersWhileRetiredNodesAreListedAndRemoveThemOnceTheListIsEmpty(boolean owner) {
        PoolSpec deleting = aws(5, "v1.33.1", Map.of(), T0);
        Decision delete = PoolReconciler.decide(new PoolReconciler.Look(deleting, group(2, "x"),
                status(members(2)), Memory.EMPTY, T0, owner, Duration.ofMinutes(2)));
        ScalingGroupState gone = gone(delete.commands().get(0).id());
        java.time.Instant now = T0.plusSeconds(30);
        for (int retired = 2; retired >= 0; retired--) {
            PoolStatus status = new PoolStatus(Pools.POOL, 7, "team-a/demo", "AWSMachinePool", "workers", null,
                    List.of(), false, List.of(), members(retired));
            now = now.plusSeconds(1);

            Decision decision = PoolReconciler.decide(new PoolReconciler.Look(deleting, gone, status,
                    delete.memory(), now, owner, Duration.ofMinutes(2)));

            assertThat(decision.commands()).as(retired + " retired: the group is gone for good").isEmpty();
            assertThat(decision.lookAgainAt()).as("nothing waits for a time").isNull();
            if (retired > 0) {
                assertThat(finalizerActions(decision)).as(retired + " retired Nodes listed").isEmpty();
            } else {
                assertThat(finalizerActions(decision)).containsExactly(new KubeAction.RemoveFinalizers());
            }
        }
        assertThat(finalizerActions(PoolReconciler.decide(new PoolReconciler.Look(deleting, gone, null,
                delete.memory(), now, owner, Duration.ofMinutes(2))))).as("no status at all").containsExactly(
                new KubeAction.RemoveFinalizers());
    }

    /** The actions but owner mode's deletion of the infrastructure pool (DecisionTablesTest's). */
    private static List<KubeAction> finalizerActions(Decision decision) {
        return decision.actions().stream().filter(a -> !(a instanceof KubeAction.DeleteInfrastructurePool)).toList();
    }

    @Test
    void shouldDeleteAGroupItCannotProveGoneBeforeLettingThePoolGo() {
        PoolSpec deleting = aws(5, "v1.33.1", Map.of(), T0);

        PoolSpec live = aws(5);
        String groupOfThePool = PoolReconciler.decide(look(live, null, null, seen(live))).commands().get(0).group();

        // No group state yet, or one from before: an EnsureGroup may still be on its way to the cloud. The group is
        // the one the state names, or without a state the one the pool's EnsureGroup names.
        for (ScalingGroupState unproven : java.util.Arrays.asList(null, gone("an-earlier-command"))) {
            Decision decision = PoolReconciler.decide(look(deleting, unproven, status(List.of()), Memory.EMPTY));
            assertThat(decision.commands()).as(String.valueOf(unproven)).singleElement()
                    .isInstanceOfSatisfying(DeleteGroup.class, d -> assertThat(d.group())
                            .isEqualTo(unproven == null ? groupOfThePool : unproven.group()));
            assertThat(decision.actions()).isEmpty();
        }
    }

    /**
     * A pool deleted, then created again under the same name (GitOps replaces objects so): the same generations, the
     * same group name, the same decisions. The group state still names the first one's DeleteGroup, carried out; the
     * second one's commands carry ids of their own, so that state proves nothing of its group (an EnsureGroup of it
     * may be on its way) and its own EnsureGroup is not dropped as a repeat of the first one's.
     */
    @Test
    void shouldGiveAPoolCreatedAgainUnderTheSameNameCommandIdsOfItsOwn() {
        PoolSpec first = aws(5, "v1.33.1", Map.of(), T0);
        PoolSpec again = new PoolSpec(first.namespace(), first.name(), "uid-of-the-second", first.generation(),
                first.labels(), first.annotations(), first.finalizers(), first.deletionTimestamp(), first.spec(),
                first.infrastructure(), false);
        String firstDelete = PoolReconciler.decide(look(first, group(5, "x"), status(members(5)), Memory.EMPTY))
                .commands().get(0).id();
        assertThat(PoolReconciler.decide(look(first, gone(firstDelete), status(List.of()), Memory.EMPTY)).actions())
                .as("the first one's group gone for good").containsExactly(new KubeAction.RemoveFinalizers());

        Decision second = PoolReconciler.decide(look(again, gone(firstDelete), status(List.of()), Memory.EMPTY));

        assertThat(second.actions()).as("not proven gone by the first one's DeleteGroup").isEmpty();
        assertThat(second.commands()).singleElement().isInstanceOfSatisfying(DeleteGroup.class,
                d -> assertThat(d.id()).isNotEqualTo(firstDelete));
        PoolSpec firstLive = aws(5);
        PoolSpec againLive = new PoolSpec(firstLive.namespace(), firstLive.name(), "uid-of-the-second",
                firstLive.generation(), firstLive.labels(), firstLive.annotations(), firstLive.finalizers(), null,
                firstLive.spec(), firstLive.infrastructure(), false);
        assertThat(PoolReconciler.decide(look(againLive, null, null, seen(againLive))).commands().get(0).id())
                .isNotEqualTo(PoolReconciler.decide(look(firstLive, null, null, seen(firstLive))).commands().get(0)
                        .id());
    }

    @Test
    void shouldDoNothingForADeletedPoolPoolstreamNeverHeld() {
        PoolSpec neverHeld = Pools.spec(5, "v1.33.1", Map.of(), T0, aws(5).infrastructure().spec(),
                ClusterApi.KIND_AWS_MACHINE_POOL, List.of());

        Decision decision = PoolReconciler.decide(look(neverHeld, null, null, Memory.EMPTY));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).isEmpty();
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

    /** Paused on its infrastructure pool alone (CAPA and CAPZ honour it there): nothing either. */
    @Test
    void shouldDoNothingForAPoolWhoseInfrastructurePoolIsPaused() {
        PoolSpec s = aws(20);
        InfrastructurePool i = s.infrastructure();
        PoolSpec paused = new PoolSpec(s.namespace(), s.name(), s.uid(), s.generation(), s.labels(), s.annotations(),
                s.finalizers(), s.deletionTimestamp(), s.spec(), new InfrastructurePool(i.apiGroup(), i.kind(),
                i.name(), i.uid(), i.generation(), i.finalizers(), i.deletionTimestamp(), i.spec(), i.error(), true),
                false);

        Decision decision = PoolReconciler.decide(look(paused, group(5, "x"), status(members(5)), Memory.EMPTY));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).isEmpty();
        assertThat(PoolReconciler.decide(look(s, group(5, "x"), status(members(5)), Memory.EMPTY)).commands())
                .isNotEmpty();
    }

    /**
     * Paused (a `clusterctl move`, an incident) while a drain runs, held up by a budget: the drain stops, as every
     * other act; the Node's drain-started annotation brings the victim and its deadline back once resumed.
     */
    @Test
    void shouldStopTheDrainsUnderWayWhenThePoolOrItsClusterIsPaused() {
        PoolSpec spec = aws(4);
        Decision drain = PoolReconciler.decide(look(spec, group(5, "x"), status(members(5)), seen(spec)));
        assertThat(drain.memory().drains()).hasSize(1);
        PoolSpec paused = aws(4, "v1.33.1", Map.of(ClusterApi.PAUSED_ANNOTATION, ""), null);

        Decision decision = decide(paused, group(5, "x"), status(members(5)), drain.memory(), T0.plusSeconds(5),
                List.of());

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.drains()).isEmpty();
        assertThat(decision.memory().drains()).as("forgotten: the reconciler stops the running drain").isEmpty();
    }

    @Test
    void shouldSendNothingForAnInvalidSpecAndSayWhy() {
        PoolSpec tooBig = aws(51);

        Decision decision = PoolReconciler.decide(look(tooBig, group(5, "x"), status(members(5)), seen(tooBig)));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.blocked().reason()).isEqualTo("ReplicasOutOfRange");
    }

    @Test
    void shouldDrainAndTerminateNothingWhenAnAzurePoolAsksForNegativeReplicas() {
        // Azure has no min/max of its own to hold replicas in: -1 once made every member a victim.
        PoolSpec negative = Pools.azure(-1, "x", 1, 0);

        Decision decision = PoolReconciler.decide(look(negative, group(3, "x"), status(members(3)), seen(negative)));

        assertThat(decision.commands()).isEmpty();
        assertThat(decision.drains()).isEmpty();
        assertThat(decision.blocked().reason()).isEqualTo("ReplicasOutOfRange");
    }
}
