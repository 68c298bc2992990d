package dev.poolstream.watcher.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.Topics;
import dev.poolstream.events.WorkloadCluster;
import dev.poolstream.watcher.domain.Change;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A commit that times out (the broker out of reach past max.block.ms) leaves Kafka's transactional producer taking no
 * call but that commit again: abort and begin throw IllegalStateException (kafka-clients' TransactionManager
 * throwIfPendingState). The producer here does as that one does.
 */
class LeaderSenderTest {

    /** Kafka's mock producer, with the real client's answers after a commit timed out. */
    private static final class TimingOut extends MockProducer<String, Keyed> {
        boolean commitTimedOut;

        TimingOut() {
            super(true, null, new StringSerializer(), (topic, value) -> new byte[0]);
        }

        @Override
        public void commitTransaction() {
            commitTimedOut = true;
            throw new TimeoutException("Timeout expired after 60000ms while awaiting EndTxn(true)");
        }

        @Override
        public void abortTransaction() {
            pending();
            super.abortTransaction();
        }

        @Override
        public void beginTransaction() {
            pending();
            super.beginTransaction();
        }

        private void pending() {
            if (commitTimedOut) {
                throw new IllegalStateException("Cannot attempt operation `abortTransaction` because the previous "
                        + "call to `commitTransaction` timed out and must be retried");
            }
        }
    }

    @Test
    void shouldSendTheOthersAndNameTheOneWhenARecordIsTooLargeToSend() {
        // A pool whose record passed the producer's max.request.size failed its whole transaction, every time, and with
        // it every takeover's batch of every pool.
        MockProducer<String, Keyed> producer = new MockProducer<>(true, null, new StringSerializer(),
                (topic, value) -> new byte[0]);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        LeaderSender sender = new LeaderSender(() -> producer,
                outgoing -> outgoing.change().key().equals("team-a/huge") ? 2_000_000 : 300, 1_000_000, meters);
        sender.fence();

        LeaderSender.Outcome outcome = sender.send(List.of(
                new LeaderSender.Outgoing(Topics.WORKLOAD_CLUSTER, new Change.Upsert<>("team-a/huge",
                        WorkloadCluster.of("team-a", "huge"))),
                new LeaderSender.Outgoing(Topics.WORKLOAD_CLUSTER, new Change.Upsert<>("team-a/small",
                        WorkloadCluster.of("team-a", "small")))));

        assertThat(outcome).isEqualTo(LeaderSender.Outcome.SENT);
        assertThat(producer.history()).extracting(r -> r.key()).containsExactly("team-a/small");
        assertThat(meters.find("poolstream.watcher.records.oversized").counter()).isNotNull()
                .satisfies(c -> assertThat(c.count()).isEqualTo(1.0));
    }

    @Test
    void shouldSayBrokenWhenACommitTimedOutSoThatTheLeaderFencesAnew() {
        List<TimingOut> made = new ArrayList<>();
        LeaderSender sender = new LeaderSender(() -> {
            TimingOut producer = new TimingOut();
            made.add(producer);
            return producer;
        }, outgoing -> 10, 1000, new SimpleMeterRegistry());
        sender.fence();
        List<LeaderSender.Outgoing> batch = List.of(new LeaderSender.Outgoing(Topics.WORKLOAD_CLUSTER,
                new Change.Upsert<>("team-a/demo", WorkloadCluster.of("team-a", "demo"))));

        assertThat(sender.send(batch)).isEqualTo(LeaderSender.Outcome.BROKEN);
        assertThat(made.get(0).closed()).as("the producer that cannot go on is closed").isTrue();
        assertThat(sender.send(batch)).as("nothing more until a new fence").isEqualTo(LeaderSender.Outcome.BROKEN);
        assertThat(made).hasSize(1);

        sender.fence();
        assertThat(made).hasSize(2);
    }
}
