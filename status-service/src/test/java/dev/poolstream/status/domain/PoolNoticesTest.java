package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.POOL;
import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.group;
import static dev.poolstream.status.domain.Pools.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.status.domain.PoolNotices.Notice;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolNoticesTest {

    /** Looks at the pool through {@code inputs}, one a second, and returns the statuses. */
    private static List<PoolStatus> looks(PoolInputs... inputs) {
        PoolView view = null;
        java.util.ArrayList<PoolStatus> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            StatusCalculator.Look look = StatusCalculator.look(POOL, inputs[i], view, T0.plusSeconds(i));
            view = look.view();
            statuses.add(look.status());
        }
        return statuses;
    }

    private static ScalingGroupState failed(String reason, String message) {
        return new ScalingGroupState(POOL, Cloud.AWS, "workers", true, 2, 0, 100, "1", false, 3, "c",
                new Failure(reason, message));
    }

    @Test
    void shouldTellASpecProblemOnceAsAWarningWithItsMessage() {
        List<PoolStatus> s = looks(new PoolInputs(spec(500), group(2), Pools.ready(2)),
                new PoolInputs(spec(500), group(2), Pools.ready(2)));

        List<Notice> first = PoolNotices.between(null, s.get(0));
        assertThat(first).singleElement().satisfies(n -> {
            assertThat(n.warning()).isTrue();
            assertThat(n.reason()).isEqualTo("ReplicasOutOfRange");
            assertThat(n.note()).startsWith("replicas 500 is outside [0, 100]");
        });
        assertThat(PoolNotices.between(PoolNotices.seen(s.get(0)), s.get(1))).isEmpty();
    }

    @Test
    void shouldTellTheCloudsErrorAndAgainWhenItChanges() {
        List<PoolStatus> s = looks(new PoolInputs(spec(2), group(2), Pools.ready(2)),
                new PoolInputs(spec(2), failed("CloudRejected", "quota"), Pools.ready(2)),
                new PoolInputs(spec(2), failed("InvalidTemplate", "no AMI"), Pools.ready(2)));

        assertThat(PoolNotices.between(PoolNotices.seen(s.get(0)), s.get(1))).extracting(Notice::reason)
                .containsExactly("CloudRejected");
        assertThat(PoolNotices.between(PoolNotices.seen(s.get(1)), s.get(2)))
                .containsExactly(new Notice(true, "Reconcile", "InvalidTemplate", "no AMI"));
    }

    @Test
    void shouldTellMissingBootstrapDataAsAnError() {
        var noBootstrap = spec(1);
        noBootstrap.spec().getTemplate().getSpec().getBootstrap().setDataSecretName(null);

        assertThat(PoolNotices.between(null, looks(new PoolInputs(noBootstrap, null, Map.of())).get(0)))
                .extracting(Notice::reason).containsExactly("BootstrapDataMissing");
    }

    @Test
    void shouldTellThePoolRunningAndTheScaleFinishedWhenTheLastNodeTurnsReady() {
        List<PoolStatus> s = looks(new PoolInputs(spec(2), group(2), Pools.ready(1)),
                new PoolInputs(spec(2), group(2), Pools.ready(2)));

        assertThat(PoolNotices.between(PoolNotices.seen(s.get(0)), s.get(1))).containsExactly(
                new Notice(false, "Scale", "ScalingFinished", "Scaling finished: 2 replicas, 2 Ready"),
                new Notice(false, "Provision", "PoolReady", "The pool is Running: 2 of 2 replicas are Ready"));
    }

    @Test
    void shouldTellNoTransitionOnAFirstLookNorWhenNothingChanged() {
        List<PoolStatus> s = looks(new PoolInputs(spec(2), group(2), Pools.ready(2)),
                new PoolInputs(spec(2), group(2), Pools.ready(2)));

        assertThat(PoolNotices.between(null, s.get(0))).isEmpty();
        assertThat(PoolNotices.between(PoolNotices.seen(s.get(0)), s.get(1))).isEmpty();
    }

    @Test
    void shouldNotCallAScaleThatASpecProblemHoldsBackFinished() {
        List<PoolStatus> s = looks(new PoolInputs(spec(3), group(3), Pools.ready(2)),
                new PoolInputs(spec(500), group(3), Pools.ready(2)));

        assertThat(PoolNotices.between(PoolNotices.seen(s.get(0)), s.get(1))).extracting(Notice::reason)
                .containsExactly("ReplicasOutOfRange");
    }

    @Test
    void shouldTellNothingWhenThereIsNoComputedStatus() {
        PoolStatus none = new PoolStatus(POOL, 3, null, null, null, null, List.of(), false, List.of(), List.of());

        assertThat(PoolNotices.between(null, none)).isEmpty();
        assertThat(PoolNotices.between(PoolNotices.seen(looks(new PoolInputs(spec(500), group(2), Pools.ready(2)))
                .get(0)), none)).isEmpty();
    }

    private static dev.poolstream.events.PoolSpec unwatchable(String message) {
        return spec(2).withWorkloadCluster(new Failure("WorkloadClusterUnreachable", message));
    }

    @Test
    void shouldTellThatThePoolsNodesCannotBeSeenOnceAsAWarningAndAgainWhenTheReasonChanges() {
        List<PoolStatus> s = looks(new PoolInputs(spec(2), group(2), Pools.ready(2)),
                new PoolInputs(unwatchable("kubeconfig unusable"), group(2), Pools.ready(2)),
                new PoolInputs(unwatchable("kubeconfig unusable"), group(2), Pools.ready(2)),
                new PoolInputs(unwatchable("connection refused"), group(2), Pools.ready(2)),
                new PoolInputs(spec(2), group(2), Pools.ready(2)));

        assertThat(PoolNotices.between(PoolNotices.seen(s.get(0)), s.get(1)))
                .containsExactly(new Notice(true, "WatchNodes", "WorkloadClusterUnreachable", "kubeconfig unusable"));
        assertThat(PoolNotices.between(PoolNotices.seen(s.get(1)), s.get(2))).isEmpty();
        assertThat(PoolNotices.between(PoolNotices.seen(s.get(2)), s.get(3)))
                .containsExactly(new Notice(true, "WatchNodes", "WorkloadClusterUnreachable", "connection refused"));
        assertThat(PoolNotices.between(PoolNotices.seen(s.get(3)), s.get(4))).isEmpty();
        // A process that never told it (a restart): told once more.
        assertThat(PoolNotices.between(null, s.get(1))).extracting(Notice::reason)
                .containsExactly("WorkloadClusterUnreachable");
    }

    @Test
    void shouldTellASpecProblemAndUnseenNodesTogether() {
        List<PoolStatus> s = looks(new PoolInputs(spec(500).withWorkloadCluster(new Failure(
                "WorkloadClusterUnreachable", "why")), group(2), Pools.ready(2)));

        assertThat(PoolNotices.between(null, s.get(0))).extracting(Notice::reason)
                .containsExactly("ReplicasOutOfRange", "WorkloadClusterUnreachable");
    }
}
