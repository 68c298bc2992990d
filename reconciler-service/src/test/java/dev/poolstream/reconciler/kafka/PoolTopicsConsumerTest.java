package dev.poolstream.reconciler.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.Failure;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.kafka.StaticMembership;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * The consumer against Kafka's {@link MockConsumer}, which plays the group coordinator as the test says: its
 * membership, its commits as a watermark of what went to the DLT, and what it tells the reconciler when.
 */
class PoolTopicsConsumerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final TopicPartition STATUS_0 = new TopicPartition(Topics.MACHINEPOOL_STATUS.name(), 0);

    private final EventSerializer<Keyed> serializer = new EventSerializer<>(URI.create("/test"), Clock.systemUTC());
    private final Coordinator consumer = new Coordinator();
    private final AtomicReference<Properties> overrides = new AtomicReference<>();
    /** What the reconciler was told, in order. */
    private final List<String> told = new CopyOnWriteArrayList<>();
    private final List<Long> deadLettered = new CopyOnWriteArrayList<>();
    private PoolTopicsConsumer pools;

    @AfterEach
    void stop() {
        if (pools != null) {
            pools.stop();
        }
    }

    @Test
    void shouldJoinAsAStaticMemberNamedAfterTheInstanceWhenItHasAnId() {
        start(new StaticMembership("reconciler-7d9f-x2"));

        await().atMost(WAIT).until(() -> overrides.get() != null);
        assertThat(overrides.get()).containsEntry(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                "reconciler-7d9f-x2-reconciler");
    }

    @Test
    void shouldJoinAsADynamicMemberWithoutAnInstanceId() {
        start(new StaticMembership(""));

        await().atMost(WAIT).until(() -> overrides.get() != null);
        assertThat(overrides.get()).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    }

    /** An earlier run dead-lettered the record at 1 and committed 2: only the one at 3 goes to the DLT now. */
    @Test
    void shouldDeadLetterOnlyTheMalformedRecordsAboveTheCommittedOffsetAndCommitHowFarItRead() {
        consumer.committedBefore = 2L;
        start(new StaticMembership(null));

        assign(5, List.of(valid(0), malformed(1), valid(2), malformed(3), valid(4)));

        await().atMost(WAIT).until(() -> told.contains("caughtUp"));
        assertThat(deadLettered).containsExactly(3L);
        assertThat(told).containsExactly("record 0", "record 2", "record 4", "caughtUp");
        assertThat(committed()).as("read back to the end").isEqualTo(5);
    }

    /** Read back two records a poll: the first polls are still below what an earlier run committed. */
    @Test
    void shouldNeverCommitBelowWhatAnEarlierRunCommitted() {
        consumer.committedBefore = 4L;
        consumer.setMaxPollRecords(2);
        start(new StaticMembership(null));

        assign(6, List.of(valid(0), malformed(1), valid(2), valid(3), valid(4), malformed(5)));

        await().atMost(WAIT).until(() -> told.contains("caughtUp"));
        assertThat(deadLettered).containsExactly(5L);
        assertThat(consumer.commits).as("every commit of status-0").containsExactly(4L, 6L);
    }

    /** The coordinator turns the asynchronous commits down (a rebalance in progress): the synchronous ones count. */
    @Test
    void shouldCommitWhatItDeadLetteredWhenItsPartitionsAreRevokedAndWhenItStops() {
        consumer.refuseAsyncCommits = Integer.MAX_VALUE;
        start(new StaticMembership(null));
        assign(3, List.of(valid(0), malformed(1), valid(2)));
        await().atMost(WAIT).until(() -> told.contains("caughtUp"));
        assertThat(consumer.commits).as("the asynchronous commit was turned down").isEmpty();

        consumer.schedulePollTask(() -> consumer.rebalance(List.of()));

        await().atMost(WAIT).until(() -> told.contains("revoked"));
        assertThat(committed()).isEqualTo(3);
        // Nothing assigned (caught up at once), then the partitions again, one record further.
        assign(5, List.of(valid(0), malformed(1), valid(2), malformed(3), valid(4)));
        await().atMost(WAIT).until(() -> told.stream().filter("caughtUp"::equals).count() == 3);
        pools.stop();
        assertThat(committed()).isEqualTo(5);
        assertThat(deadLettered).containsExactly(1L, 3L);
    }

    /**
     * The coordinator turns one asynchronous commit down: it is made again the next round, not left to the next
     * revocation. Else the group's offset stays below what was dead-lettered, and a restart in between dead-letters
     * those records again.
     */
    @Test
    void shouldCommitAgainTheNextRoundWhatTheCoordinatorTurnedDown() {
        consumer.refuseAsyncCommits = 1;
        start(new StaticMembership(null));
        assign(3, List.of(valid(0), malformed(1), valid(2)));

        await().atMost(WAIT).until(() -> committed() == 3);
        assertThat(consumer.refusedAsyncCommits).isEqualTo(1);
        assertThat(consumer.commits).containsExactly(3L);
    }

    /**
     * A rebalance can span polls: the partitions are revoked in one, the next assignment comes in a later one. In
     * between nothing is assigned, and nothing is caught up either.
     */
    @Test
    void shouldAnnounceNoCatchUpFromARevocationUntilTheNextAssignmentIsReadBack() {
        start(new StaticMembership(null));
        // Assigned, with a record not read yet: reading back.
        assign(1, List.of());

        consumer.schedulePollTask(() -> {
            consumer.holdAssignments = true;
            consumer.rebalance(List.of());
        });
        await().atMost(WAIT).until(() -> told.contains("revoked"));
        // Polls go by with nothing assigned; then the assignment comes, and is read back.
        consumer.schedulePollTask(() -> consumer.holdAssignments = false);
        assign(1, List.of(valid(0)));

        await().atMost(WAIT).until(() -> told.contains("caughtUp"));
        assertThat(told).containsExactly("revoked", "record 0", "caughtUp");
    }

    private void start(StaticMembership membership) {
        ConsumerFactory<String, byte[]> factory = new ConsumerFactory<>() {
            @Override
            public Consumer<String, byte[]> createConsumer(String groupId, String clientIdPrefix,
                                                           String clientIdSuffix, Properties properties) {
                overrides.set(properties);
                return consumer;
            }

            @Override
            public boolean isAutoCommit() {
                return false;
            }
        };
        pools = new PoolTopicsConsumer(factory, new PoolTopicsConsumer.Listener() {
            @Override
            public void record(String topic, String key, Object value) {
                told.add("record " + ((PoolStatus) value).generation());
            }

            @Override
            public void caughtUp() {
                told.add("caughtUp");
            }

            @Override
            public void revoked(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    told.add("revoked");
                }
            }

            @Override
            public void commandFailed(String key, ScalingGroupCommand command, Failure why) {
                told.add("failed " + command.id());
            }
        }, (record, e) -> deadLettered.add(record.offset()), membership);
        pools.start();
    }

    /**
     * What the coordinator does: every partition to this consumer; {@code status-0} ends at {@code end} and holds
     * these records, every other one is empty.
     */
    private void assign(long end, List<ConsumerRecord<String, byte[]>> records) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.MACHINEPOOL_SPEC.name(), Topics.SCALINGGROUP_STATE.name(),
                Topics.MACHINEPOOL_STATUS.name(), Topics.SCALINGGROUP_COMMANDS_AWS.deadLetter().name(),
                Topics.SCALINGGROUP_COMMANDS_AZURE.deadLetter().name())) {
            for (int p = 0; p < Topics.PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
        }
        Map<TopicPartition, Long> beginnings = new HashMap<>();
        Map<TopicPartition, Long> ends = new HashMap<>();
        partitions.forEach(p -> {
            beginnings.put(p, 0L);
            ends.put(p, p.equals(STATUS_0) ? end : 0L);
        });
        consumer.schedulePollTask(() -> {
            consumer.updateBeginningOffsets(beginnings);
            consumer.updateEndOffsets(ends);
            if (consumer.committedBefore != null) {
                consumer.commitSync(Map.of(STATUS_0, new OffsetAndMetadata(consumer.committedBefore)));
            }
            consumer.rebalance(partitions);
            records.forEach(consumer::addRecord);
        });
    }

    /** The offset of {@code status-0} last committed. */
    private long committed() {
        return consumer.commits.isEmpty() ? -1 : consumer.commits.get(consumer.commits.size() - 1);
    }

    /** A status record of the pool; its generation says which it is. */
    private ConsumerRecord<String, byte[]> valid(long offset) {
        PoolStatus status = new PoolStatus("team-a/workers", offset, null, null, null, null, List.of(), false,
                List.of(), List.of());
        return new ConsumerRecord<>(STATUS_0.topic(), 0, offset, "team-a/workers",
                serializer.serialize(STATUS_0.topic(), status));
    }

    private static ConsumerRecord<String, byte[]> malformed(long offset) {
        return new ConsumerRecord<>(STATUS_0.topic(), 0, offset, "team-a/workers",
                "{not json".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A {@link MockConsumer} that can keep an assignment back (a rebalance that goes on over several polls) and turn
     * asynchronous commits down, and that notes each offset of {@code status-0} committed.
     */
    private static final class Coordinator extends MockConsumer<String, byte[]> {
        volatile boolean holdAssignments;
        /** How many asynchronous commits to turn down from now on. */
        volatile int refuseAsyncCommits;
        volatile int refusedAsyncCommits;
        /** What an earlier run committed of {@code status-0} (the mock forgets commits made before it subscribes). */
        volatile Long committedBefore;
        final List<Long> commits = new CopyOnWriteArrayList<>();

        Coordinator() {
            super("earliest");
        }

        @Override
        public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
            super.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    listener.onPartitionsRevoked(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (!holdAssignments) {
                        listener.onPartitionsAssigned(partitions);
                    }
                }
            });
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             OffsetCommitCallback callback) {
            if (refuseAsyncCommits > 0) {
                refuseAsyncCommits--;
                refusedAsyncCommits++;
                callback.onComplete(offsets, new RebalanceInProgressException("a rebalance is in progress (test)"));
            } else {
                note(offsets);
                super.commitAsync(offsets, callback);
            }
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            // Not through commitAsync: a synchronous commit is never turned down here.
            note(offsets);
            super.commitAsync(offsets, null);
        }

        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            commitSync(offsets);
        }

        private void note(Map<TopicPartition, OffsetAndMetadata> offsets) {
            if (offsets.containsKey(STATUS_0)) {
                commits.add(offsets.get(STATUS_0).offset());
            }
        }
    }
}
