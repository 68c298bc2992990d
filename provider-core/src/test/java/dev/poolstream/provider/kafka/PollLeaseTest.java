package dev.poolstream.provider.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PollLeaseTest {

    private static final TopicPartition P0 = new TopicPartition("commands", 0);
    private static final TopicPartition P1 = new TopicPartition("commands", 1);

    private final AtomicLong now = new AtomicLong(1_000);
    private final PollLease lease = new PollLease(Duration.ofMinutes(5), now::get);
    private final MockConsumer<String, Object> consumer = new MockConsumer<>("earliest");

    @Test
    void shouldHoldAnAssignedPartitionForNineTenthsOfThePollIntervalAfterThePollBegan() {
        assertThat(lease.holds(P0)).as("never assigned").isFalse();
        assertThat(lease.sinceLastPoll(P0)).isNull();

        lease.assigned(List.of(P0)); // within a poll
        now.addAndGet(Duration.ofSeconds(269).toNanos());
        assertThat(lease.holds(P0)).isTrue();
        assertThat(lease.sinceLastPoll(P0)).isEqualTo(Duration.ofSeconds(269));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(lease.holds(P0)).as("4 min 30 s").isFalse();
        assertThat(lease.holds(P1)).as("not assigned").isFalse();
        assertThat(lease.hold()).isEqualTo(Duration.ofSeconds(270));

        lease.setupThreadState(consumer); // the next poll
        assertThat(lease.holds(P0)).isTrue();
        assertThat(lease.sinceLastPoll(P0)).isZero();
    }

    @Test
    void shouldAnswerForAPartitionNumberAsForItsTopicPartition() {
        assertThat(lease.holds(0)).as("never assigned").isFalse();
        lease.assigned(List.of(P0));

        assertThat(lease.holds(0)).isTrue();
        assertThat(lease.holds(1)).as("not assigned").isFalse();
        now.addAndGet(Duration.ofSeconds(270).toNanos());
        assertThat(lease.holds(0)).as("4 min 30 s").isFalse();
    }

    @Test
    void shouldNotTakeAnAssignmentForAPoll() {
        lease.setupThreadState(consumer);
        now.addAndGet(Duration.ofMinutes(4).toNanos());
        lease.assigned(List.of(P1)); // the same poll's callbacks: the poll began 4 minutes ago

        now.addAndGet(Duration.ofSeconds(31).toNanos());

        assertThat(lease.holds(P1)).isFalse();
    }

    @Test
    void shouldAskThePollsOfThePartitionsOwnConsumer() throws InterruptedException {
        lease.assigned(List.of(P0));
        Thread other = new Thread(() -> {
            lease.setupThreadState(consumer);
            lease.assigned(List.of(P1));
        });
        now.addAndGet(Duration.ofMinutes(4).toNanos());
        other.start();
        other.join();
        now.addAndGet(Duration.ofSeconds(31).toNanos());

        assertThat(lease.holds(P0)).as("this thread's consumer, 4 min 31 s ago").isFalse();
        assertThat(lease.holds(P1)).as("the other's, 31 s ago").isTrue();
    }

    @Test
    void shouldPassTheRecordOnAsItIs() {
        var record = new org.apache.kafka.clients.consumer.ConsumerRecord<Object, Object>("commands", 0, 7, "a", "b");
        assertThat(lease.intercept(record, null)).isSameAs(record);
    }
}
