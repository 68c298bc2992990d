package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.POOL;
import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.aws;
import static dev.poolstream.status.domain.Pools.instance;
import static dev.poolstream.status.domain.Pools.members;
import static dev.poolstream.status.domain.Pools.node;
import static dev.poolstream.status.domain.Pools.readyNode;
import static dev.poolstream.status.domain.Pools.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.lifecycle.NodeJoined;
import dev.poolstream.events.lifecycle.NodeRemoved;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.events.lifecycle.PoolReady;
import dev.poolstream.events.lifecycle.RolloutProgress;
import dev.poolstream.events.lifecycle.ScalingFinished;
import dev.poolstream.events.lifecycle.ScalingStarted;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lifecycle events between looks, one look a second through {@link StatusCalculator}. */
class TransitionsTest {

    private static ScalingGroupState group(int desired, String version) {
        return new ScalingGroupState(POOL, Cloud.AWS, "workers", true, desired, 0, 100, version, false, 3, "c", null);
    }

    /** The events of each look, in order. */
    private static List<List<PoolLifecycleEvent>> looks(PoolInputs... inputs) {
        PoolView view = null;
        List<List<PoolLifecycleEvent>> events = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            StatusCalculator.Look look = StatusCalculator.look(POOL, inputs[i], view, T0.plusSeconds(i));
            view = look.view();
            events.add(look.events());
        }
        return events;
    }

    private static Map<String, Member> onVersions(String... versions) {
        List<InstanceState> instances = new ArrayList<>();
        List<NodeState> nodes = new ArrayList<>();
        for (int i = 0; i < versions.length; i++) {
            instances.add(instance(aws(i + 1), i + 1, InstanceLifecycle.RUNNING, versions[i]));
            nodes.add(readyNode("n" + (i + 1), aws(i + 1)));
        }
        return members(instances, nodes);
    }

    private static <T> List<T> only(List<PoolLifecycleEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void shouldTellANodeRemovedOnlyForTheMembersThatLeft() {
        Map<String, Member> two = new HashMap<>(Pools.ready(3));
        two.remove(aws(2));

        var events = looks(new PoolInputs(spec(3), group(3, "1"), Pools.ready(3)),
                new PoolInputs(spec(2), group(2, "1"), two));

        assertThat(only(events.get(1), NodeRemoved.class))
                .containsExactly(new NodeRemoved(POOL, T0.plusSeconds(1), "node-2", aws(2)));
    }

    @Test
    void shouldFinishAScaleUpOnlyWhenEveryDesiredReplicaIsReady() {
        Map<String, Member> threeReady = new HashMap<>(Pools.ready(3));
        threeReady.put(aws(4), new Member(instance(aws(4), 4), node("node-4", aws(4), ConditionStatus.FALSE, T0)));

        var events = looks(new PoolInputs(spec(2), group(2, "1"), Pools.ready(2)),
                new PoolInputs(spec(4), group(4, "1"), Pools.ready(2)),
                new PoolInputs(spec(4), group(4, "1"), threeReady),
                new PoolInputs(spec(4), group(4, "1"), Pools.ready(4)));

        assertThat(only(events.get(2), ScalingFinished.class)).isEmpty();
        assertThat(only(events.get(3), ScalingFinished.class)).singleElement()
                .satisfies(f -> assertThat(f.toReplicas()).isEqualTo(4));
    }

    @Test
    void shouldGiveAScaleThatComesAgainInOneGenerationAnotherIdAndALookAgainTheSame() {
        // 3 -> 5 -> 3 -> 5 in one generation (an autoscaler outside Cluster API sets the group's desired capacity).
        PoolInputs three = new PoolInputs(spec(3), group(3, "1"), Pools.ready(3));
        PoolInputs five = new PoolInputs(spec(5), group(5, "1"), Pools.ready(5));
        PoolView view = null;
        List<String> startIds = new ArrayList<>();
        List<String> finishIds = new ArrayList<>();
        PoolView beforeSecondUp = null;
        PoolInputs[] inputs = {three, five, three, five};
        for (int i = 0; i < inputs.length; i++) {
            if (i == 3) {
                beforeSecondUp = view;
            }
            StatusCalculator.Look look = StatusCalculator.look(POOL, inputs[i], view, T0.plusSeconds(i));
            for (PoolLifecycleEvent event : look.events()) {
                String id = LifecycleIds.of(event, look.view(), view == null ? null : view.status());
                if (event instanceof ScalingStarted) {
                    startIds.add(id);
                } else if (event instanceof ScalingFinished) {
                    finishIds.add(id);
                }
            }
            view = look.view();
        }

        assertThat(view.scalingRuns()).as("scale runs started, counted in the view").isEqualTo(4);
        assertThat(startIds).hasSize(4).doesNotHaveDuplicates();
        assertThat(finishIds).hasSize(4).doesNotHaveDuplicates();
        // After a crash, the topology looks again from the view before the second scale up: the same id.
        PoolView before = beforeSecondUp;
        StatusCalculator.Look again = StatusCalculator.look(POOL, five, before, T0.plusSeconds(9));
        assertThat(again.events()).filteredOn(ScalingStarted.class::isInstance).singleElement()
                .satisfies(e -> assertThat(LifecycleIds.of(e, again.view(), before.status()))
                        .isEqualTo(startIds.get(3)));
    }

    @Test
    void shouldCountThePoolErrorsInTheView() {
        // An error that clears and comes back: each a PoolError of its own, counted for its id's ordinal.
        PoolView view = null;
        for (int replicas : new int[] {3, -1, 3, -1}) {
            view = StatusCalculator.look(POOL, new PoolInputs(spec(replicas), group(3, "1"), Pools.ready(3)), view,
                    T0).view();
        }

        assertThat(view.errors()).isEqualTo(2);
    }

    @Test
    void shouldFinishAScaleDownWhenTheReplicasAreGoneEvenIfARemainingNodeIsNotReady() {
        Map<String, Member> twoLeft = new HashMap<>(Pools.ready(1));
        twoLeft.put(aws(2), new Member(instance(aws(2), 2), node("node-2", aws(2), ConditionStatus.FALSE, T0)));

        var events = looks(new PoolInputs(spec(3), group(3, "1"), Pools.ready(3)),
                new PoolInputs(spec(2), group(2, "1"), twoLeft));

        assertThat(only(events.get(1), ScalingFinished.class)).singleElement()
                .satisfies(f -> assertThat(f.toReplicas()).isEqualTo(2));
    }

    @Test
    void shouldTellRolloutProgressOnlyWhenTheUpToDateCountMovesDuringARollout() {
        var events = looks(new PoolInputs(spec(2), group(2, "2"), onVersions("1", "1")),
                new PoolInputs(spec(2), group(2, "2"), onVersions("2", "1")),
                new PoolInputs(spec(2), group(2, "2"), onVersions("2", "1")),
                new PoolInputs(spec(2), group(2, "2"), onVersions("2", "2")),
                new PoolInputs(spec(3), group(3, "2"), onVersions("2", "2", "2")));

        assertThat(only(events.get(1), RolloutProgress.class))
                .containsExactly(new RolloutProgress(POOL, T0.plusSeconds(1), 3, 1, 2));
        assertThat(only(events.get(2), RolloutProgress.class)).isEmpty();
        assertThat(only(events.get(3), RolloutProgress.class))
                .containsExactly(new RolloutProgress(POOL, T0.plusSeconds(3), 3, 2, 2));
        // A scale-up of an up-to-date pool is no roll-out.
        assertThat(only(events.get(4), RolloutProgress.class)).isEmpty();
    }

    @Test
    void shouldTellThePoolReadyOnlyWhenItBecomesRunning() {
        var events = looks(new PoolInputs(spec(2), group(2, "1"), Pools.ready(2)),
                new PoolInputs(spec(2), group(2, "1"), Pools.ready(2)),
                new PoolInputs(spec(3), group(3, "1"), Pools.ready(2)),
                new PoolInputs(spec(3), group(3, "1"), Pools.ready(3)));

        assertThat(events).extracting(e -> only(e, PoolReady.class).size()).containsExactly(1, 0, 0, 1);
    }

    @Test
    void shouldTakeTheFirstOfTwoRecordsOfOneInstanceWhenThePreviousStatusRepeatsIt() {
        StatusCalculator.Look first = StatusCalculator.look(POOL, new PoolInputs(spec(1), group(1, "1"),
                Pools.ready(1)), null, T0);
        PoolStatus was = first.status();
        PoolMember withNode = was.members().get(0);
        PoolMember withoutNode = new PoolMember(withNode.providerID(), "", null, withNode.lifecycle(),
                withNode.launchTime(), false, false, true, false, false);
        PoolStatus repeated = new PoolStatus(was.pool(), was.generation(), was.cluster(), was.infrastructureKind(),
                was.infrastructureName(), was.status(), was.providerIDList(), was.infrastructureReady(),
                List.of(withNode, withoutNode), was.retired());
        PoolView previous = new PoolView(repeated, first.view().desired(), null, Map.of(), List.of(), null);

        List<PoolLifecycleEvent> events = StatusCalculator.look(POOL, new PoolInputs(spec(1), group(1, "1"),
                Pools.ready(1)), previous, T0.plusSeconds(1)).events();

        assertThat(only(events, NodeJoined.class)).isEmpty();
    }
}
