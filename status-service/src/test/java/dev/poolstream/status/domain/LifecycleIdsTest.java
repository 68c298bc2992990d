package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.POOL;
import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.aws;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.lifecycle.NodeJoined;
import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.NodeRemoved;
import dev.poolstream.events.lifecycle.PoolError;
import dev.poolstream.events.lifecycle.PoolReady;
import dev.poolstream.events.lifecycle.RolloutProgress;
import dev.poolstream.events.lifecycle.ScalingFinished;
import dev.poolstream.events.lifecycle.ScalingStarted;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A transition's id: the same whenever it is looked at, different for every other transition. */
class LifecycleIdsTest {

    private static final Instant LATER = T0.plusSeconds(30);

    @Test
    void shouldGiveTheSameTransitionTheSameIdWhenItIsSeenAtAnotherTime() {
        PoolView status = view(7, member("uid-1", T0));

        assertThat(LifecycleIds.of(new NodeReady(POOL, T0, "n1", aws(1), 10), status, null))
                .isEqualTo(LifecycleIds.of(new NodeReady(POOL, LATER, "n1", aws(1), 40), status, null));
        assertThat(LifecycleIds.of(new ScalingStarted(POOL, T0, 7, 1, 3), status, null))
                .isEqualTo(LifecycleIds.of(new ScalingStarted(POOL, LATER, 7, 1, 3), status, null));
        assertThat(LifecycleIds.of(new ScalingFinished(POOL, T0, 7, 1, 3, null), status, null))
                .isEqualTo(LifecycleIds.of(new ScalingFinished(POOL, LATER, 7, 1, 3, null), status, null));
    }

    @Test
    void shouldTellANodeReadyAgainFromTheFirstByItsReadyTransition() {
        String first = LifecycleIds.of(new NodeReady(POOL, T0, "n1", aws(1), 10), view(7, member("uid-1", T0)),
                null);
        String again = LifecycleIds.of(new NodeReady(POOL, LATER, "n1", aws(1), 10),
                view(7, member("uid-1", LATER)), null);

        assertThat(again).isNotEqualTo(first);
    }

    @Test
    void shouldTellANodeRecreatedUnderItsNameFromTheOldOneByItsUid() {
        String old = LifecycleIds.of(new NodeJoined(POOL, T0, "n1", aws(1)), view(7, member("uid-1", T0)), null);
        String recreated = LifecycleIds.of(new NodeJoined(POOL, T0, "n1", aws(1)), view(7, member("uid-2", T0)),
                null);

        assertThat(recreated).isNotEqualTo(old);
    }

    @Test
    void shouldFindARemovedNodesUidInTheStatusBefore() {
        NodeRemoved removed = new NodeRemoved(POOL, T0, "n1", aws(1));

        assertThat(LifecycleIds.of(removed, view(7), view(7, member("uid-1", T0)).status()))
                .isNotEqualTo(LifecycleIds.of(removed, view(7), view(7, member("uid-2", T0)).status()));
    }

    @Test
    void shouldTellPoolReadyAgainAfterANodeWasReadyAgain() {
        assertThat(LifecycleIds.of(new PoolReady(POOL, T0, 7, 1), view(7, member("uid-1", T0)), null))
                .isNotEqualTo(LifecycleIds.of(new PoolReady(POOL, T0, 7, 1), view(7, member("uid-1", LATER)),
                        null));
    }

    @Test
    void shouldGiveDifferentTransitionsDifferentIds() {
        PoolView status = view(7, member("uid-1", T0));
        List<String> ids = List.of(
                LifecycleIds.of(new ScalingStarted(POOL, T0, 7, 1, 3), status, null),
                LifecycleIds.of(new ScalingStarted(POOL, T0, 8, 1, 3), status, null),
                LifecycleIds.of(new ScalingStarted(POOL, T0, 7, 2, 3), status, null),
                LifecycleIds.of(new ScalingStarted(POOL, T0, 7, 1, 4), status, null),
                LifecycleIds.of(new ScalingFinished(POOL, T0, 7, 1, 3, null), status, null),
                LifecycleIds.of(new ScalingFinished(POOL, T0, 8, 1, 3, null), status, null),
                LifecycleIds.of(new ScalingFinished(POOL, T0, 7, 2, 3, null), status, null),
                LifecycleIds.of(new ScalingFinished(POOL, T0, 7, 1, 4, null), status, null),
                LifecycleIds.of(new ScalingStarted("team-b/workers", T0, 7, 1, 3), status, null),
                LifecycleIds.of(new RolloutProgress(POOL, T0, 7, 1, 3), status, null),
                LifecycleIds.of(new RolloutProgress(POOL, T0, 7, 2, 3), status, null),
                LifecycleIds.of(new RolloutProgress(POOL, T0, 8, 1, 3), status, null),
                LifecycleIds.of(new RolloutProgress(POOL, T0, 7, 1, 4), status, null),
                LifecycleIds.of(new PoolReady(POOL, T0, 7, 1), status, null),
                LifecycleIds.of(new PoolReady(POOL, T0, 8, 1), status, null),
                LifecycleIds.of(new PoolReady(POOL, T0, 7, 2), status, null),
                LifecycleIds.of(new NodeJoined(POOL, T0, "n1", aws(1)), status, null),
                LifecycleIds.of(new NodeJoined(POOL, T0, "n2", aws(2)), status, null),
                LifecycleIds.of(new PoolError(POOL, T0, new Failure("InfrastructureNotFound", "m")), status, null),
                LifecycleIds.of(new PoolError(POOL, T0, new Failure("Other", "m")), status, null),
                LifecycleIds.of(new PoolError(POOL, T0, new Failure("Other", "m")), view(8), null));

        assertThat(ids).doesNotHaveDuplicates();
    }

    @Test
    void shouldTellATransitionThatComesAgainInOneGenerationByItsOrdinal() {
        // An autoscaler outside Cluster API moves the desired capacity 3 -> 5 -> 3 -> 5 in one generation; an error
        // clears and comes back. A subscriber that drops an id it has seen would drop the second of each.
        ScalingStarted up = new ScalingStarted(POOL, T0, 7, 3, 5);
        ScalingFinished upDone = new ScalingFinished(POOL, T0, 7, 3, 5, null);
        PoolError error = new PoolError(POOL, T0, new Failure("CloudRejected", "quota"));

        assertThat(LifecycleIds.of(up, counted(1, 0, 7), null)).isNotEqualTo(LifecycleIds.of(up, counted(3, 0, 7), null));
        assertThat(LifecycleIds.of(upDone, counted(1, 0, 7), null))
                .isNotEqualTo(LifecycleIds.of(upDone, counted(3, 0, 7), null));
        assertThat(LifecycleIds.of(error, counted(0, 1, 7), null))
                .isNotEqualTo(LifecycleIds.of(error, counted(0, 2, 7), null));
        assertThat(LifecycleIds.of(error, counted(5, 1, 7), null)).as("the error's own ordinal only")
                .isEqualTo(LifecycleIds.of(error, counted(6, 1, 7), null));
    }

    @Test
    void shouldTakeANodesUidFromItsOwnMemberAmongSeveral() {
        NodeJoined second = new NodeJoined(POOL, T0, "n2", aws(2));

        assertThat(LifecycleIds.of(second, view(7, member("uid-1", T0), member(2, "uid-2", T0)), null))
                .isNotEqualTo(LifecycleIds.of(second, view(7, member("uid-1", T0), member(2, "uid-3", T0)), null));
    }

    private static PoolMember member(String nodeUid, Instant readySince) {
        return member(1, nodeUid, readySince);
    }

    private static PoolMember member(int instance, String nodeUid, Instant readySince) {
        return new PoolMember(aws(instance), "n" + instance, nodeUid, InstanceLifecycle.RUNNING, T0, true, true, true, false, true,
                ConditionStatus.TRUE, readySince, "v1.33.1");
    }

    private static PoolView view(long generation, PoolMember... members) {
        return counted(0, 0, generation, members);
    }

    /** A look's view with {@code scalingRuns} scale runs started and {@code errors} PoolErrors published so far. */
    private static PoolView counted(long scalingRuns, long errors, long generation, PoolMember... members) {
        PoolStatus status = new PoolStatus(POOL, generation, "team-a/demo", "AWSMachinePool", "workers",
                new MachinePoolStatus(), List.of(), true, List.of(members), List.of());
        return new PoolView(status, 0, null, Map.of(), List.of(), null, List.of(), scalingRuns, errors,
                null);
    }
}
