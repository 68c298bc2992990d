package dev.poolstream.watcher.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.Topics;
import dev.poolstream.watcher.testing.Assignments;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A partition read back from its start at assignment: only the final state of each key counts, however the fetches
 * split it (a compacted topic hands out one segment per fetch).
 */
class ClusterAssignmentReadBackTest {

    private final TopicPartition p0 = new TopicPartition(Topics.WORKLOAD_CLUSTER.name(), 0);
    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private final List<Set<String>> taken = new CopyOnWriteArrayList<>();
    private final List<Set<String>> gone = new CopyOnWriteArrayList<>();

    @Test
    void shouldNotSayAClusterIsGoneWhenItsLiveRecordComesInALaterPollOfTheReadBack() {
        // Deleted and made again: its tombstone in an older segment, its live record in a newer one.
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(p0));
            consumer.updateBeginningOffsets(Map.of(p0, 0L));
            consumer.updateEndOffsets(Map.of(p0, 2L));
            consumer.addRecord(new ConsumerRecord<>(p0.topic(), 0, 0, "team-a/one", null));
        });
        consumer.schedulePollTask(() -> consumer.addRecord(
                new ConsumerRecord<>(p0.topic(), 0, 1, "team-a/one", new byte[] {'{', '}'})));
        ClusterAssignment assignment = started();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> taken.stream().anyMatch(t -> t.contains("team-a/one")));

            assertThat(gone).noneMatch(g -> g.contains("team-a/one"));
            assertThat(assignment.clusters()).containsExactly("team-a/one");
        } finally {
            assignment.close();
        }
    }

    @Test
    void shouldSayAClusterIsGoneWhenItsTombstoneIsTheLastRecordOfTheReadBack() {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(p0));
            consumer.updateBeginningOffsets(Map.of(p0, 0L));
            consumer.updateEndOffsets(Map.of(p0, 2L));
            consumer.addRecord(new ConsumerRecord<>(p0.topic(), 0, 0, "team-a/one", new byte[] {'{', '}'}));
        });
        consumer.schedulePollTask(() -> consumer.addRecord(
                new ConsumerRecord<>(p0.topic(), 0, 1, "team-a/one", null)));
        ClusterAssignment assignment = started();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> gone.stream().anyMatch(g -> g.contains("team-a/one")));

            assertThat(taken).noneMatch(t -> t.contains("team-a/one"));
            assertThat(assignment.clusters()).isEmpty();
        } finally {
            assignment.close();
        }
    }

    private ClusterAssignment started() {
        ClusterAssignment assignment = Assignments.notStarted(consumer, new ClusterAssignment.Listener() {
            @Override
            public void clustersAssigned(Set<String> takenNow, Set<String> goneNow) {
                taken.add(Set.copyOf(takenNow));
                gone.add(Set.copyOf(goneNow));
            }

            @Override
            public void clustersReleased(Set<String> released) {
            }
        });
        assignment.start();
        return assignment;
    }
}
