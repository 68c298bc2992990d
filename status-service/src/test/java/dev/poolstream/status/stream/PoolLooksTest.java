package dev.poolstream.status.stream;

import static dev.poolstream.status.domain.Pools.POOL;
import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.adoptedNode;
import static dev.poolstream.status.domain.Pools.aws;
import static dev.poolstream.status.domain.Pools.group;
import static dev.poolstream.status.domain.Pools.instance;
import static dev.poolstream.status.domain.Pools.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolDeparture;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.status.domain.Member;
import dev.poolstream.status.domain.PoolView;
import dev.poolstream.status.domain.StatusCalculator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool half of the topology on Kafka Streams' mock context with real (in-memory) stores: when a pool is looked
 * at, and what a start after a crash sends again. A "restart" is a new processor on the stores as a crash left them:
 * Kafka Streams restores them from their changelogs, which can be ahead of what was sent.
 */
class PoolLooksTest {

    private static final Duration INTERVAL = Duration.ofMillis(10);
    private static final Duration MAX_DELAY = Duration.ofSeconds(2);
    private static final String OTHER = "team-a/other";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final KeyValueStore<String, Member> members = MockedTask.store(PoolLooks.MEMBERS, Member.class);
    private final KeyValueStore<String, PoolSpec> specs = MockedTask.store(PoolLooks.SPECS, PoolSpec.class);
    private final KeyValueStore<String, ScalingGroupState> groups =
            MockedTask.store(PoolLooks.GROUPS, ScalingGroupState.class);
    private final KeyValueStore<String, PoolView> views = MockedTask.store(PoolLooks.VIEWS, PoolView.class);
    private final KeyValueStore<String, PoolDeparture> departures =
            MockedTask.store(PoolLooks.DEPARTURES, PoolDeparture.class);
    private final MockedTask<String, Keyed> task = new MockedTask<>(
            List.of(members, specs, groups, views, departures));
    private MockProcessorContext<String, Keyed> context = task.context();
    private PoolLooks looks;
    private Instant now = T0;

    @BeforeEach
    void start() {
        startProcessor();
    }

    @Test
    void shouldLookAtAPoolAtOnceWhenItWasNotLookedAtWithinTheInterval() {
        pool(2);
        punctuate();
        context.resetForwards();

        now = now.plusSeconds(1);
        member(1, adoptedNode("node-1", aws(1)));

        assertThat(statuses()).singleElement().satisfies(s -> assertThat(s.status().getReplicas()).isEqualTo(1));
    }

    @Test
    void shouldTakeTheChangesWithinTheIntervalTogetherInOneLook() {
        pool(3);
        punctuate();
        now = now.plusSeconds(1);
        member(1, adoptedNode("node-1", aws(1)));
        context.resetForwards();

        member(2, adoptedNode("node-2", aws(2)));
        member(3, adoptedNode("node-3", aws(3)));
        assertThat(statuses()).isEmpty();
        now = now.plus(INTERVAL);
        punctuate();

        assertThat(statuses()).singleElement().satisfies(s -> assertThat(s.status().getReadyReplicas()).isEqualTo(3));
    }

    @Test
    void shouldLetALateChangesLookWaitAsLongAsItWasLateBeyondTheIntervalAndTakeThePoolsNextChangesIntoIt() {
        pool(3);
        punctuate();
        now = now.plusSeconds(1);
        context.resetForwards();
        double looksBefore = looks();

        // Written 400 ms more than the look interval ago: the topology is behind, the pool's look waits those 400 ms,
        // and its next changes join it.
        lateMember(1, INTERVAL.plusMillis(400));
        now = now.plusMillis(200);
        lateMember(2, INTERVAL.plusMillis(400));
        now = now.plusMillis(199);
        punctuate();
        assertThat(statuses()).isEmpty();
        lateMember(3, INTERVAL.plusMillis(300));
        now = now.plusMillis(1);
        punctuate();

        assertThat(statuses()).singleElement().satisfies(s -> assertThat(s.status().getReadyReplicas()).isEqualTo(3));
        assertThat(looks() - looksBefore).isEqualTo(1);
    }

    /**
     * One stall of the stream, no backlog: the change just missed the interval, and its look does not wait as long
     * again.
     */
    @Test
    void shouldLookAtAChangeThatJustMissedTheIntervalAlmostAtOnce() {
        pool(1);
        punctuate();
        now = now.plusSeconds(1);
        context.resetForwards();

        lateMember(1, INTERVAL.plusMillis(1));
        assertThat(statuses()).isEmpty();
        now = now.plusMillis(1);
        punctuate();

        assertThat(statuses()).singleElement().satisfies(s -> assertThat(s.status().getReplicas()).isEqualTo(1));
    }

    @Test
    void shouldNotLetALateChangesLookWaitLongerThanTheMaxLookDelay() {
        pool(1);
        punctuate();
        now = now.plusSeconds(1);
        context.resetForwards();

        lateMember(1, Duration.ofHours(1));
        now = now.plus(MAX_DELAY).minusMillis(1);
        punctuate();
        assertThat(statuses()).isEmpty();
        now = now.plusMillis(1);
        punctuate();

        assertThat(statuses()).singleElement().satisfies(s -> assertThat(s.status().getReplicas()).isEqualTo(1));
    }

    @Test
    void shouldLookAtAWaitingPoolAtOnceWhenItsChangesComeOnTimeAgain() {
        pool(2);
        punctuate();
        now = now.plusSeconds(1);
        lateMember(1, Duration.ofSeconds(1));
        context.resetForwards();

        member(2, adoptedNode("node-2", aws(2)));

        assertThat(statuses()).singleElement().satisfies(s -> assertThat(s.status().getReplicas()).isEqualTo(2));
        now = now.plusSeconds(1);
        punctuate();
        assertThat(statuses()).hasSize(1);
    }

    @Test
    void shouldKeepEachMemberUnderThePoolsPrefixAndForgetOneThatLeft() {
        pool(2);
        punctuate();
        member(1, adoptedNode("node-1", aws(1)));
        member(2, adoptedNode("node-2", aws(2)));

        process(new Record<>(POOL, new MemberChange(aws(1), null), now.toEpochMilli()));

        assertThat(members.get(POOL + PoolLooks.SEPARATOR + aws(1))).isNull();
        assertThat(members.get(POOL + PoolLooks.SEPARATOR + aws(2))).isNotNull();
        now = now.plus(INTERVAL);
        punctuate();
        assertThat(last().providerIDList()).containsExactly(aws(2));
    }

    @Test
    void shouldSayInTheStatusWhichMemberLeftAndWhenTheLeaveWasProcessed() {
        pool(2);
        punctuate();
        member(1, adoptedNode("node-1", aws(1)));
        member(2, adoptedNode("node-2", aws(2)));
        now = now.plus(INTERVAL);
        punctuate();
        long listed = last().look();
        now = now.plusSeconds(1);
        Instant left = now;

        leave(1);
        now = now.plus(INTERVAL);
        punctuate();

        PoolStatus after = last();
        assertThat(after.departed()).as("after the last status that listed it")
                .containsExactly(new PoolDeparture(aws(1), left, listed));
        assertThat(after.look()).as("the pool's next status").isEqualTo(listed + 1);
        assertThat(departure(1)).isEqualTo(new PoolDeparture(aws(1), left,
                listed));
    }

    @Test
    void shouldNotSayThatAMemberLeftWhoseJoinACrashLost() {
        // Its join was sent on (the status that listed it reached the broker), its write to the members' changelog
        // was lost with the crash: the store restored without it. Missing, it did not leave.
        poolOfOneMember();
        now = now.plus(INTERVAL);
        punctuate();
        assertThat(last().providerIDList()).containsExactly(aws(1));
        members.delete(POOL + PoolLooks.SEPARATOR + aws(1));

        restart();
        now = now.plusSeconds(1);
        punctuate();

        PoolStatus atTheStart = last();
        assertThat(atTheStart.providerIDList()).isEmpty();
        assertThat(atTheStart.departed()).isEmpty();
    }

    @Test
    void shouldSayThatAnInstanceLeftWhenItWentAndItsNodeLingersButNotForANodeThatNeverHadOne() {
        pool(2);
        punctuate();
        member(1, adoptedNode("node-1", aws(1)));
        now = now.plusSeconds(1);
        Instant went = now;

        process(new Record<>(POOL, new MemberChange(aws(1), new Member(null, adoptedNode("node-1", aws(1)))),
                now.toEpochMilli()));
        process(new Record<>(POOL, new MemberChange(aws(2), new Member(null, adoptedNode("node-2", aws(2)))),
                now.toEpochMilli()));
        now = now.plusSeconds(1);
        process(new Record<>(POOL, new MemberChange(aws(1), new Member(null, adoptedNode("node-1", aws(1)))),
                now.toEpochMilli()));
        now = now.plus(INTERVAL);
        punctuate();

        assertThat(last().departed()).as("the instance went at the first record that said so")
                .extracting(PoolDeparture::providerID, PoolDeparture::at)
                .containsExactly(tuple(aws(1), went));
    }

    @Test
    void shouldWriteTheDepartureWhenItsLeaveIsReadAgainAfterACrashKeptOnlyTheMembersDeletion() {
        // The two writes of a leave go to two changelogs: a crash before the commit can keep one. The leave, not
        // committed, is read again.
        poolOfOneMember();
        members.delete(POOL + PoolLooks.SEPARATOR + aws(1));
        restart();
        now = now.plusSeconds(1);
        Instant readAgain = now;

        leave(1);

        assertThat(departure(1)).extracting(PoolDeparture::at)
                .isEqualTo(readAgain);
    }

    @Test
    void shouldForgetTheDeparturesOfAPoolThatIsGone() {
        poolOfOneMember();
        leave(1);
        now = now.plus(INTERVAL);
        punctuate();
        assertThat(departure(1)).isNotNull();

        process(new Record<>(POOL, new PoolLooks.SpecInput(null), now.toEpochMilli()));
        process(new Record<>(POOL, new PoolLooks.GroupInput(null), now.toEpochMilli()));
        now = now.plus(INTERVAL);
        punctuate();

        assertThat(tombstones()).contains(POOL);
        assertThat(departure(1)).isNull();
    }

    @Test
    void shouldForgetTheDeparturesOfADeletedPoolWithItsTombstoneWhileItsGroupIsStillThere() {
        poolOfOneMember();
        leave(1);
        now = now.plus(INTERVAL);
        punctuate();

        process(new Record<>(POOL, new PoolLooks.SpecInput(null), now.toEpochMilli()));
        now = now.plus(INTERVAL);
        punctuate();

        assertThat(tombstones()).contains(POOL);
        assertThat(departure(1)).isNull();
    }

    @Test
    void shouldForgetTheDeparturesOfAPoolThatNeverHadASpec() {
        // Its members' records came, its spec never did: the look of its last leave forgets the pool.
        punctuate();
        member(1, adoptedNode("node-1", aws(1)));

        leave(1);

        assertThat(departure(1)).isNull();
    }

    @Test
    void shouldKeepWhenAMemberLeftWhenItsLeaveIsToldAgain() {
        // MemberJoin tells the pools left within the last minute again at every start.
        poolOfOneMember();
        Instant left = now;
        leave(1);
        now = now.plusSeconds(30);

        leave(1);

        assertThat(departedAfterTheInterval()).containsExactly(tuple(aws(1), left));
    }

    @Test
    void shouldTakeTheLastDepartureOfAMemberThatCameBackAndLeftAgain() {
        // A scale set's instance ID back in its pool: the objects made since are the later departure's to let go.
        poolOfOneMember();
        leave(1);
        now = now.plusSeconds(30);
        member(1, adoptedNode("node-1", aws(1)));
        now = now.plusSeconds(30);
        Instant leftAgain = now;

        leave(1);

        assertThat(departedAfterTheInterval()).containsExactly(tuple(aws(1), leftAgain));
    }

    @Test
    void shouldKeepADepartureOfAPausedPoolForAnHourAfterItsResume() {
        poolOfOneMember();
        process(new Record<>(POOL, new PoolLooks.SpecInput(spec(1, 0, Map.of(ClusterApi.PAUSED_ANNOTATION, ""),
                false)), now.toEpochMilli()));
        now = now.plusSeconds(1);
        Instant left = now;
        leave(1);
        now = now.plusSeconds(7200);

        pool(1);
        now = now.plus(INTERVAL);
        punctuate();

        assertThat(last().departed()).as("resumed two hours later")
                .extracting(PoolDeparture::providerID, PoolDeparture::at).containsExactly(tuple(aws(1), left));
        assertThat(departure(1)).extracting(PoolDeparture::at)
                .isEqualTo(left);
    }

    @Test
    void shouldForgetADepartureAfterTheTimeItIsKept() {
        poolOfOneMember();
        Instant left = now;
        leave(1);

        now = left.plus(StatusCalculator.DEPARTED_KEPT).minusMillis(1);
        member(2, adoptedNode("node-2", aws(2)));
        assertThat(last().departed()).as("a millisecond short of the time kept")
                .extracting(PoolDeparture::providerID, PoolDeparture::at)
                .containsExactly(tuple(aws(1), left));
        now = left.plus(StatusCalculator.DEPARTED_KEPT);
        member(2, adoptedNode("node-2b", aws(2)));
        now = now.plus(INTERVAL);
        punctuate();

        assertThat(last().departed()).isEmpty();
        assertThat(departure(1)).isNull();
    }

    @Test
    void shouldSendEveryStatusAgainAtAStartEvenWhenUnchanged() {
        poolOfOneMember();
        now = now.plus(INTERVAL);
        punctuate();
        PoolStatus before = last();

        restart();
        punctuate();

        assertThat(last()).isEqualTo(before);
    }

    @Test
    void shouldSendTheRecentLifecycleEventsAgainAtAStartWithTheSameIds() {
        pool(1);
        punctuate();
        member(1, node(ConditionStatus.FALSE));
        now = now.plusSeconds(1);
        member(1, node(ConditionStatus.TRUE));
        List<CapturedForward<? extends String, ? extends Keyed>> first = readyEvents();
        assertThat(first).hasSize(1);

        // Restarted with the stores as they were (the view written at the look), the event perhaps lost: it is sent
        // again, with the same id.
        restart();
        punctuate();

        List<CapturedForward<? extends String, ? extends Keyed>> again = readyEvents();
        assertThat(again).hasSize(1);
        assertThat(id(again.get(0))).isEqualTo(id(first.get(0)));
        assertThat(again.get(0).record().value()).isEqualTo(first.get(0).record().value());
    }

    @Test
    void shouldNotSendEventsOlderThanTheRecentWindowAgain() {
        assertThat(aNodeTurnedReady()).hasSize(1);

        now = now.plus(PoolView.RECENT_KEPT).plusSeconds(1);
        member(1, adoptedNode("node-1", aws(1)));
        punctuate();
        restart();
        punctuate();

        assertThat(readyEvents()).isEmpty();
    }

    @Test
    void shouldSendTheLastEventsAgainHoweverLongAfterTheCrashTheStartComes() {
        String id = id(aNodeTurnedReady().get(0));

        now = now.plus(Duration.ofHours(1));
        restart();
        punctuate();

        assertThat(readyEvents()).singleElement().satisfies(again -> assertThat(id(again)).isEqualTo(id));
    }

    @Test
    void shouldNotSendAQuietPoolsEventsAgainThatCameLongBeforeTheTasksLast() {
        assertThat(aNodeTurnedReady()).hasSize(1);
        // Another pool of the task starts scaling well after: the quiet pool's NodeReady was committed since.
        now = now.plus(PoolView.RECENT_KEPT).plusSeconds(1);
        otherPool();
        context.resetForwards();

        restart();
        punctuate();

        assertThat(context.forwarded()).extracting(f -> f.record().value())
                .filteredOn(PoolLifecycleEvent.class::isInstance)
                .extracting(e -> e.getClass().getSimpleName() + " " + ((PoolLifecycleEvent) e).pool())
                .containsExactly("ScalingStarted " + OTHER);
    }

    @Test
    void shouldSendADeletedPoolsStatusTombstoneAgainWhenACrashKeptTheViewsDeletionAndLostTheTombstone() {
        pool(1);
        punctuate();
        now = now.plusSeconds(1);
        process(new Record<>(POOL, new PoolLooks.SpecInput(null), now.toEpochMilli()));
        assertThat(tombstones()).containsExactly(POOL);
        assertThat(views.get(POOL)).isNull();

        // The crash kept the stores' deletions (their changelogs) and lost the tombstone: the spec tombstone, not
        // committed, is read again.
        restart();
        now = now.plusSeconds(1);
        process(new Record<>(POOL, new PoolLooks.SpecInput(null), now.toEpochMilli()));
        punctuate();

        assertThat(tombstones()).containsExactly(POOL);
    }

    @Test
    void shouldSendNoStatusTombstoneForAPoolWithoutSpecWhoseOtherInputsChange() {
        process(new Record<>(POOL, new PoolLooks.GroupInput(group(1)), now.toEpochMilli()));
        member(1, adoptedNode("node-1", aws(1)));
        punctuate();

        assertThat(context.forwarded()).isEmpty();
    }

    @Test
    void shouldGiveTheEventOfTheSameTransitionTheSameIdWhenTheViewWasLost() {
        String id = id(aNodeTurnedReady().get(0));

        // The crash lost the view's write, not the inputs': the look is made again from the view before.
        views.delete(POOL);
        now = now.plusSeconds(3);
        restart();
        punctuate();

        assertThat(readyEvents()).singleElement().satisfies(again -> assertThat(id(again)).isEqualTo(id));
    }

    @Test
    void shouldWriteAViewToItsStoreAtTheLookThatMadeIt() {
        pool(1);
        punctuate();
        now = now.plusSeconds(1);
        member(1, adoptedNode("node-1", aws(1)));
        assertThat(views.get(POOL).status().status().getReplicas()).isEqualTo(1);

        now = now.plusMillis(100);
        member(2, adoptedNode("node-2", aws(2)));
        assertThat(views.get(POOL).status().status().getReplicas()).isEqualTo(2);
    }

    @Test
    void shouldSendAgainAtAStartTheEventOfAChangeThatUndidTheOneBefore() {
        aNodeTurnedReady();
        now = now.plusSeconds(2);
        punctuate();
        now = now.plusMillis(200);
        member(1, node(ConditionStatus.FALSE));
        now = now.plusMillis(200);
        member(1, node(ConditionStatus.TRUE));
        List<CapturedForward<? extends String, ? extends Keyed>> second = readyEvents();
        assertThat(second).hasSize(1);

        // A crash here may have lost the second NodeReady. Its inputs say Ready, as they did before the Node's flip:
        // only the view of the look that sent it says that it was sent.
        restart();
        punctuate();

        assertThat(readyEvents()).extracting(PoolLooksTest::id).contains(id(second.get(0)));
    }

    @Test
    void shouldLookAgainWhenTimeAloneChangesThePool() {
        specs.put(POOL, spec(1, 20, Map.of(), false));
        groups.put(POOL, group(1));
        punctuate();
        member(1, adoptedNode("node-1", aws(1)));
        now = now.plus(INTERVAL);
        punctuate();
        assertThat(last().status().getAvailableReplicas()).isZero();

        now = now.plusSeconds(10);
        punctuate();
        assertThat(statuses()).isEmpty();
        now = now.plusSeconds(11);
        punctuate();

        assertThat(last().status().getAvailableReplicas()).isEqualTo(1);
    }

    @Test
    void shouldRefuseASpecWhoseKeyIsNoPoolKeyOnItsOwnRecord() {
        punctuate();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> process(new Record<>("no-slash",
                        new PoolLooks.SpecInput(spec(1)), now.toEpochMilli())))
                .isInstanceOf(PoolProcessingException.class)
                .satisfies(e -> assertThat(PoolProcessingException.poolOf(e)).isEqualTo("no-slash"));
        assertThat(specs.get("no-slash")).isNull();
    }

    @Test
    void shouldCountAPoolWhoseLookFailsInAPunctuationAndLookAtTheOthers() {
        pool(1);
        punctuate();
        // Kept under a key that is no pool key (only a bug could put it there): its look fails at every start.
        specs.put("no-slash", spec(1));

        restart();
        punctuate();

        assertThat(statuses()).extracting(PoolStatus::pool).containsExactly(POOL);
        assertThat(registry.counter("poolstream.status.look.failures").count()).isEqualTo(1);
    }

    private NodeState node(ConditionStatus ready) {
        return new NodeState("team-a/demo", "node-1", "uid-node-1", aws(1), ready, now, "v1.33.1", false,
                List.of(), adoptedNode("node-1", aws(1)).annotations());
    }

    /** The pool, looked at, then its member's Node turned Ready a second later: the NodeReady events sent. */
    private List<CapturedForward<? extends String, ? extends Keyed>> aNodeTurnedReady() {
        pool(1);
        punctuate();
        now = now.plusSeconds(1);
        member(1, node(ConditionStatus.TRUE));
        return readyEvents();
    }

    private void pool(int replicas) {
        process(new Record<>(POOL, new PoolLooks.SpecInput(spec(replicas)), now.toEpochMilli()));
        process(new Record<>(POOL, new PoolLooks.GroupInput(group(replicas)), now.toEpochMilli()));
    }

    private void member(int n, NodeState node) {
        process(new Record<>(POOL, new MemberChange(aws(n), new Member(instance(aws(n), n), node)),
                now.toEpochMilli()));
    }

    /** A pool of one replica, looked at, and its member. */
    private void poolOfOneMember() {
        pool(1);
        punctuate();
        member(1, adoptedNode("node-1", aws(1)));
    }

    /** The pool looked at after the look interval: the departures its status lists, as (provider ID, when). */
    private List<org.assertj.core.groups.Tuple> departedAfterTheInterval() {
        now = now.plus(INTERVAL);
        punctuate();
        return last().departed().stream().map(d -> tuple(d.providerID(), d.at())).toList();
    }

    /** The departure of instance {@code n} as the store holds it; null when none. */
    private PoolDeparture departure(int n) {
        return departures.get(POOL + PoolLooks.SEPARATOR + aws(n));
    }

    private void leave(int n) {
        process(new Record<>(POOL, new MemberChange(aws(n), null), now.toEpochMilli()));
    }

    /** A second pool of the task, with one replica: its first look starts a scale. */
    private void otherPool() {
        PoolSpec workers = spec(1);
        PoolSpec other = new PoolSpec("team-a", "other", "uid-other", 3, Map.of(), Map.of(), List.of(), null,
                workers.spec(), workers.infrastructure(), false);
        process(new Record<>(OTHER, new PoolLooks.SpecInput(other), now.toEpochMilli()));
    }

    /** A member change written {@code late} before it reaches the processor. */
    private void lateMember(int n, Duration late) {
        process(new Record<>(POOL, new MemberChange(aws(n), new Member(instance(aws(n), n),
                adoptedNode("node-" + n, aws(n)))), now.minus(late).toEpochMilli()));
    }

    private double looks() {
        return registry.counter("poolstream.status.looks").count();
    }

    private void process(Record<String, PoolLooks.Input> record) {
        task.at(now);
        looks.process(record);
    }

    private void startProcessor() {
        looks = new PoolLooks(INTERVAL, MAX_DELAY, new StatusMetrics(registry));
        looks.init(context);
    }

    private void restart() {
        context = task.restart();
        startProcessor();
    }

    private void punctuate() {
        task.punctuate(now);
    }

    private List<PoolStatus> statuses() {
        return context.forwarded().stream().map(f -> f.record().value()).filter(PoolStatus.class::isInstance)
                .map(PoolStatus.class::cast).toList();
    }

    private PoolStatus last() {
        List<PoolStatus> statuses = statuses();
        assertThat(statuses).as("statuses sent").isNotEmpty();
        context.resetForwards();
        return statuses.get(statuses.size() - 1);
    }

    /** The pools whose status tombstone was sent. */
    private List<String> tombstones() {
        List<String> pools = context.forwarded().stream().filter(f -> f.record().value() == null)
                .map(f -> (String) f.record().key()).toList();
        context.resetForwards();
        return pools;
    }

    private List<CapturedForward<? extends String, ? extends Keyed>> readyEvents() {
        List<CapturedForward<? extends String, ? extends Keyed>> ready = context.forwarded().stream()
                .filter(f -> f.record().value() instanceof NodeReady).toList();
        context.resetForwards();
        return ready;
    }

    private static String id(CapturedForward<? extends String, ? extends Keyed> forward) {
        Header header = forward.record().headers().lastHeader(EventSerializer.ID_HEADER);
        assertThat(header).as("the event's id header").isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }


}
