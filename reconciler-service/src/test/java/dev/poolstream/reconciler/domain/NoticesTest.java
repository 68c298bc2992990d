package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.POOL;
import static dev.poolstream.reconciler.domain.Pools.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a user reads in the Events of the reconciler's decisions, drains and errors. */
class NoticesTest {

    private static final ScalingGroupState FIVE = Pools.group(5, "x");
    private static final ScalingGroupState GONE = new ScalingGroupState(POOL, null, "workers", false, 5, 0, 0, null,
            false, 7, "x", null);

    static Stream<Arguments> sent() {
        var template = GroupTemplate.of(Pools.aws(3));
        EnsureGroup ensure = EnsureGroup.of(POOL, 7, "workers-1a2b", template, new Capacity(3, 0, 50, false));
        SetCapacity set = SetCapacity.of(POOL, 7, "workers", new Capacity(20, 0, 50, false), "x");
        RollOut rollOut = RollOut.of(POOL, 7, "workers", template);
        TerminateInstances one = TerminateInstances.of(POOL, 7, "workers", List.of("aws:///us-east-1a/i-0001"));
        TerminateInstances three = TerminateInstances.of(POOL, 7, "workers",
                List.of("aws:///us-east-1a/i-0001", "aws:///us-east-1a/i-0002", "aws:///a/i-booting"));
        DeleteGroup delete = DeleteGroup.of(POOL, 7, "workers");
        return Stream.of(
                Arguments.of(ensure, null, false, Notices.SCALING,
                        "Scaling from 0 to 3: ensuring scaling group workers-1a2b (command " + ensure.id() + ")"),
                Arguments.of(ensure, GONE, false, Notices.SCALING,
                        "Scaling from 0 to 3: ensuring scaling group workers-1a2b (command " + ensure.id() + ")"),
                Arguments.of(set, FIVE, false, Notices.SCALING,
                        "Scaling from 5 to 20 (scaling group workers) (command " + set.id() + ")"),
                Arguments.of(set, null, false, Notices.SCALING,
                        "Scaling from 0 to 20 (scaling group workers) (command " + set.id() + ")"),
                Arguments.of(rollOut, FIVE, false, Notices.ROLLING_OUT, "Rolling out the template (Kubernetes"
                        + " v1.33.1, infrastructure pool generation 2) to scaling group workers (command "
                        + rollOut.id() + ")"),
                Arguments.of(one, FIVE, true, Notices.TERMINATING, "Terminating 1 instance:"
                        + " aws:///us-east-1a/i-0001 (Node node-1); scaling from 5 to 4 (command " + one.id() + ")"),
                Arguments.of(one, FIVE, false, Notices.TERMINATING, "Terminating 1 instance:"
                        + " aws:///us-east-1a/i-0001; scaling from 5 to 4 (command " + one.id() + ")"),
                Arguments.of(three, Pools.group(2, "x"), true, Notices.TERMINATING, "Terminating 3 instances:"
                        + " aws:///a/i-booting, aws:///us-east-1a/i-0001 (Node node-1), aws:///us-east-1a/i-0002"
                        + " (Node node-2); scaling from 2 to 0 (command " + three.id() + ")"),
                Arguments.of(delete, FIVE, false, Notices.DELETING_GROUP,
                        "Deleting scaling group workers (command " + delete.id() + ")"));
    }

    @ParameterizedTest(name = "{3}: {4}")
    @MethodSource("sent")
    void shouldSayWhatACommandDoesAndFromWhichSizeWhenSent(ScalingGroupCommand command, ScalingGroupState group,
                                                          boolean withStatus, String reason, String note) {
        // A booting instance has no Node yet: none is named for it.
        PoolMember booting = new PoolMember("aws:///a/i-booting", null, null, InstanceLifecycle.PENDING, T0, false,
                false, true, false, false);
        var status = withStatus ? Pools.status(List.of(Pools.member(1, true, true), Pools.member(2, true, true),
                booting)) : null;

        Notice notice = Notices.sent(command, group, status);

        assertThat(notice).isEqualTo(Notice.normal(notice.action(), reason, note));
        assertThat(notice.action()).isNotBlank();
    }

    @Test
    void shouldNameTheFirstNodeOfAnInstanceTheStatusListsTwice() {
        TerminateInstances one = TerminateInstances.of(POOL, 7, "workers", List.of("aws:///us-east-1a/i-0001"));
        PoolMember again = new PoolMember("aws:///us-east-1a/i-0001", "node-1b", "uid", InstanceLifecycle.RUNNING, T0,
                true, true, true, false, true);

        Notice notice = Notices.sent(one, FIVE, Pools.status(List.of(Pools.member(1, true, true), again)));

        assertThat(notice.note()).contains("aws:///us-east-1a/i-0001 (Node node-1);");
    }

    static Stream<Arguments> drained() {
        return Stream.of(
                Arguments.of(new DrainOutcome.Drained(), false, Notices.DRAINED,
                        "Node node-1 (aws:///a/i-1) drained in 42s"),
                Arguments.of(new DrainOutcome.NodeGone(), false, Notices.NODE_GONE,
                        "Node node-1 (aws:///a/i-1) is gone: nothing to drain"),
                Arguments.of(new DrainOutcome.TimedOut(2, "a PodDisruptionBudget refuses evicting apps/db-0"), true,
                        Notices.DRAIN_TIMED_OUT, "Node node-1 (aws:///a/i-1): drain timed out after 42s"
                                + " (nodeDrainTimeoutSeconds) with 2 pods left (a PodDisruptionBudget refuses"
                                + " evicting apps/db-0); terminating its instance anyway"),
                Arguments.of(new DrainOutcome.TimedOut(-1, "the API server answered 500"), true,
                        Notices.DRAIN_TIMED_OUT, "Node node-1 (aws:///a/i-1): drain timed out after 42s"
                                + " (nodeDrainTimeoutSeconds) with an unknown number of pods left (the API server"
                                + " answered 500); terminating its instance anyway"),
                Arguments.of(new DrainOutcome.TimedOut(0, "waiting for 0 evicted pods to stop"), true,
                        Notices.DRAIN_TIMED_OUT, "Node node-1 (aws:///a/i-1): drain timed out after 42s"
                                + " (nodeDrainTimeoutSeconds) with 0 pods left (waiting for 0 evicted pods to stop);"
                                + " terminating its instance anyway"),
                Arguments.of(new DrainOutcome.Failed("java.lang.IllegalStateException: boom"), true,
                        Notices.DRAIN_FAILED, "Node node-1 (aws:///a/i-1): drain failed"
                                + " (java.lang.IllegalStateException: boom); its instance is not terminated; draining"
                                + " again in 20s"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("drained")
    void shouldSayHowADrainEndedAndWhetherItsInstanceIsTerminated(DrainOutcome outcome, boolean warning,
                                                                 String reason, String note) {
        // It failed once before: the next failure waits the second backoff (20 s).
        Memory.Drain drain = new Memory.Drain("aws:///a/i-1", "node-1", T0, null, null, 1, null, null);

        assertThat(Notices.drained(drain, outcome, T0.plusSeconds(42), Retries.DEFAULT))
                .isEqualTo(new Notice(warning, "Drain", reason, note));
    }

    @Test
    void shouldSayAnUnknownDurationForADrainWithoutAStart() {
        Memory.Drain drain = new Memory.Drain("aws:///a/i-1", "node-1", null, null, null, 0, null, null);

        assertThat(Notices.drained(drain, new DrainOutcome.Drained(), T0, Retries.DEFAULT).note())
                .isEqualTo("Node node-1 (aws:///a/i-1) drained in ?");
    }

    @Test
    void shouldSayWhichNodeIsDrainedAndUntilWhen() {
        Memory.Drain bounded = Memory.Drain.start("aws:///a/i-1", "node-1", T0, T0.plusSeconds(300));
        Memory.Drain unbounded = Memory.Drain.start("aws:///a/i-1", "node-1", T0, null);

        assertThat(Notices.draining(bounded)).isEqualTo(Notice.normal("Drain", Notices.DRAINING,
                "Draining Node node-1 (aws:///a/i-1) before its instance is terminated, until " + T0.plusSeconds(300)));
        assertThat(Notices.draining(unbounded).note())
                .isEqualTo("Draining Node node-1 (aws:///a/i-1) before its instance is terminated");
    }

    @Test
    void shouldSayTheNodeOfAnInstanceIsLookedForWhenNoneWasSeen() {
        Memory.Drain unseen = Memory.Drain.start("aws:///a/i-1", "", T0, T0.plusSeconds(300));

        assertThat(Notices.draining(unseen).note()).isEqualTo("Draining the Node of instance aws:///a/i-1 before its"
                + " instance is terminated (no Node of it was seen: it is looked for by provider ID), until "
                + T0.plusSeconds(300));
        assertThat(Notices.drained(unseen, new DrainOutcome.NodeGone(), T0, Retries.DEFAULT).note())
                .isEqualTo("Instance aws:///a/i-1 has no Node in its workload cluster: nothing to drain");
        assertThat(Notices.drained(unseen, new DrainOutcome.TimedOut(-1, "the workload cluster's API server: x"),
                T0.plusSeconds(300), Retries.DEFAULT).note()).startsWith("The Node of instance aws:///a/i-1: drain"
                + " timed out after 300s");
    }

    @Test
    void shouldWarnWhenAPodDisruptionBudgetRefusesAnEviction() {
        assertThat(Notices.blocked("node-1", List.of("apps/db-0", "apps/db-1"))).isEqualTo(Notice.warning("Drain",
                Notices.DRAIN_BLOCKED, "Node node-1: eviction of apps/db-0, apps/db-1 refused by a"
                        + " PodDisruptionBudget; retrying"));
    }

    @Test
    void shouldWarnWhenEvictionsFailForAnotherReason() {
        assertThat(Notices.evictionFailed("node-1", List.of("apps/db-0: 500 etcdserver: request timed out")))
                .isEqualTo(Notice.warning("Drain", Notices.DRAIN_BLOCKED, "Node node-1: evicting apps/db-0: 500 "
                        + "etcdserver: request timed out failed; retrying"));
    }
}
