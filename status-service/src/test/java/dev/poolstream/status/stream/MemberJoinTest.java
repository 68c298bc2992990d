package dev.poolstream.status.stream;

import static dev.poolstream.status.domain.Pools.POOL;
import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.adoptedNode;
import static dev.poolstream.status.domain.Pools.aws;
import static dev.poolstream.status.domain.Pools.instance;
import static dev.poolstream.status.domain.Pools.readyNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The instance-Node join on Kafka Streams' mock context with a real (in-memory) store: which pool hears of a member,
 * and what a start after a crash tells again.
 */
class MemberJoinTest {

    private final KeyValueStore<String, MemberJoin.MemberSides> store =
            MockedTask.store(MemberJoin.STORE, MemberJoin.MemberSides.class);
    private final MockedTask<String, MemberChange> task = new MockedTask<>(List.of(store));
    private MockProcessorContext<String, MemberChange> context = task.context();
    private MemberJoin join;
    private Instant now = T0;

    @BeforeEach
    void start() {
        startProcessor();
    }

    @Test
    void shouldTellTheInstancesPoolTheJoinedMemberWhicheverSideComesFirst() {
        node(readyNode("n1", aws(1)));
        assertThat(sent()).isEmpty();

        instanceRecord(instance(aws(1), 1));

        assertThat(sent()).singleElement().satisfies(change -> {
            assertThat(change.key).isEqualTo(POOL);
            assertThat(change.value.member().node().name()).isEqualTo("n1");
            assertThat(change.value.member().instance().providerID()).isEqualTo(aws(1));
        });
    }

    @Test
    void shouldTellTheCurrentMemberAgainOnEveryRecordEvenUnchanged() {
        instanceRecord(instance(aws(1), 1));
        instanceRecord(instance(aws(1), 1));

        assertThat(sent()).hasSize(2).allSatisfy(change -> assertThat(change.key).isEqualTo(POOL));
    }

    @Test
    void shouldKeepAnAdoptedNodeInItsPoolWhenItsInstanceIsGone() {
        instanceRecord(instance(aws(1), 1));
        node(adoptedNode("n1", aws(1)));
        sent();

        instanceRecord(null);

        assertThat(sent()).singleElement().satisfies(change -> {
            assertThat(change.key).isEqualTo(POOL);
            assertThat(change.value.member().instanceGone()).isTrue();
        });
    }

    @Test
    void shouldTellThePoolAMemberLeftWhenItsNodeNamesNoPool() {
        instanceRecord(instance(aws(1), 1));
        node(readyNode("n1", aws(1)));
        sent();

        instanceRecord(null);

        assertThat(sent()).singleElement().satisfies(change -> {
            assertThat(change.key).isEqualTo(POOL);
            assertThat(change.value.providerID()).isEqualTo(aws(1));
            assertThat(change.value.member()).isNull();
        });
    }

    @Test
    void shouldTellAPoolLeftAgainAtAStartWhileItIsRecent() {
        instanceRecord(instance(aws(1), 1));
        instanceRecord(null);
        sent();

        // The crash lost the telling, not the store's entry.
        restart();
        punctuate();

        assertThat(sent()).singleElement().satisfies(change -> {
            assertThat(change.key).isEqualTo(POOL);
            assertThat(change.value.member()).isNull();
        });
    }

    @Test
    void shouldTellAPoolLeftAgainAtAStartLongAfterTheCrashThoughTheTombstoneIsReadAgainFirst() {
        instanceRecord(instance(aws(1), 1));
        instanceRecord(null);
        sent();

        // The crash lost the telling, not the store's entry; the start comes minutes later, and the tombstone,
        // whose offset was not committed, is read again before the first punctuation.
        now = now.plus(MemberJoin.LEFT_KEPT).plusSeconds(30);
        restart();
        instanceRecord(null);
        punctuate();

        assertThat(sent()).singleElement().satisfies(change -> {
            assertThat(change.key).isEqualTo(POOL);
            assertThat(change.value.member()).isNull();
        });
        assertThat(store.get(aws(1))).as("forgotten once told").isNull();
    }

    @Test
    void shouldKeepADrainMarkSeenOnAnUncordonedNodeStaleWhenTheNodeIsCordonedAgain() {
        instanceRecord(instance(aws(1), 1));
        node(marked(false));
        node(marked(true)); // cordoned by someone else: the mark is the drain called off before
        NodeState kept = sent().get(2).value.member().node();

        assertThat(kept.annotations()).doesNotContainKey(ClusterApi.DRAIN_STARTED_ANNOTATION);
        // Kept across a restart: the store's entry says it.
        restart();
        node(marked(true));
        assertThat(sent()).singleElement().satisfies(change -> assertThat(change.value.member().node()
                .annotations()).doesNotContainKey(ClusterApi.DRAIN_STARTED_ANNOTATION));
    }

    private static NodeState marked(boolean unschedulable) {
        NodeState node = adoptedNode("node-1", aws(1));
        java.util.Map<String, String> annotations = new java.util.HashMap<>(node.annotations());
        annotations.put(ClusterApi.DRAIN_STARTED_ANNOTATION, "2026-11-21T05:00:00Z");
        return new NodeState(node.cluster(), node.name(), node.uid(), node.providerID(), node.ready(),
                node.readyTransitionTime(), node.kubeletVersion(), unschedulable, node.taints(), annotations);
    }

    @Test
    void shouldForgetAPoolLeftOnceItIsOlderThanItIsKept() {
        instanceRecord(instance(aws(1), 1));
        instanceRecord(null);
        punctuate();
        assertThat(store.get(aws(1))).isNotNull();

        now = now.plus(MemberJoin.LEFT_KEPT).plusSeconds(1);
        punctuate();

        assertThat(store.get(aws(1))).isNull();
        restart();
        punctuate();
        assertThat(sent()).isEmpty();
    }

    @Test
    void shouldNotTellTheOldPoolAgainOnceTheMemberIsBack() {
        instanceRecord(instance(aws(1), 1));
        instanceRecord(null);
        instanceRecord(instance(aws(1), 1));
        sent();

        restart();
        punctuate();

        assertThat(sent()).isEmpty();
        assertThat(store.get(aws(1)).left()).isEmpty();
    }

    @Test
    void shouldLeaveANodeThatNamesNoPoolInNone() {
        node(readyNode("cp-1", aws(9)));
        node(null);

        assertThat(sent()).isEmpty();
        assertThat(store.get(aws(9))).isNull();
    }

    @Test
    void shouldRefuseAnInstanceWhosePoolIsNoPoolKeyOnItsOwnRecordAndKeepNothing() {
        InstanceState bogus = new InstanceState(aws(2), "bogus", dev.poolstream.events.Cloud.AWS, "i", "z",
                dev.poolstream.events.InstanceLifecycle.RUNNING, "InService", "1", true, T0);

        assertThatThrownBy(() -> process(aws(2), new MemberJoin.InstanceSide(bogus)))
                .isInstanceOf(PoolProcessingException.class)
                .satisfies(e -> assertThat(PoolProcessingException.poolOf(e)).isEqualTo("bogus"));
        assertThat(store.get(aws(2))).isNull();
    }

    private void instanceRecord(InstanceState instance) {
        process(aws(1), new MemberJoin.InstanceSide(instance));
    }

    private void node(NodeState node) {
        process(node == null ? aws(9) : node.providerID(), new MemberJoin.NodeSide(node));
    }

    private void process(String key, MemberJoin.Side side) {
        task.at(now);
        join.process(new Record<>(key, side, now.toEpochMilli()));
    }

    private void startProcessor() {
        join = new MemberJoin();
        join.init(context);
    }

    private void restart() {
        context = task.restart();
        startProcessor();
    }

    private void punctuate() {
        task.punctuate(now);
    }

    private List<KeyValue<String, MemberChange>> sent() {
        List<KeyValue<String, MemberChange>> sent = context.forwarded().stream()
                .map(f -> KeyValue.<String, MemberChange>pair(f.record().key(), f.record().value())).toList();
        context.resetForwards();
        return sent;
    }
}
