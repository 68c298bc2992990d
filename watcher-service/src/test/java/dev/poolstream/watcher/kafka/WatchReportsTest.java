package dev.poolstream.watcher.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.Topics;
import dev.poolstream.events.WorkloadClusterWatch;
import dev.poolstream.events.serde.EventSerializer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ConsumerFactory;

/** The reader of {@code workloadcluster.watch.v1}, on a consumer without a broker. */
class WatchReportsTest {

    private static final String TOPIC = Topics.WORKLOAD_CLUSTER_WATCH.name();
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    /** Kafka not reachable yet for the first two asks of the topic's partitions, as when the watcher starts first. */
    private static final class LateKafka extends MockConsumer<String, byte[]> {
        final AtomicInteger unanswered = new AtomicInteger(2);

        LateKafka() {
            super("earliest");
        }

        @Override
        public synchronized List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
            if (unanswered.getAndDecrement() > 0) {
                throw new TimeoutException("Timeout expired while fetching topic metadata");
            }
            return List.of(new PartitionInfo(TOPIC, 0, null, null, null));
        }
    }

    @Test
    void shouldWaitForKafkaAtStartAndThenFollowTheReports() throws Exception {
        LateKafka consumer = new LateKafka();
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.updateEndOffsets(Map.of(P0, 1L));
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "team-a/demo",
                new EventSerializer<WorkloadClusterWatch>(URI.create("/test"), Clock.systemUTC())
                        .serialize(TOPIC, new WorkloadClusterWatch("team-a", "demo", "the kubeconfig is expired", "watcher-0")))));
        ConsumerFactory<String, byte[]> factory = new ConsumerFactory<>() {
            @Override
            public Consumer<String, byte[]> createConsumer(String group, String prefix, String suffix,
                                                           Properties properties) {
                return consumer;
            }

            @Override
            public boolean isAutoCommit() {
                return false;
            }
        };

        try (WatchReports reports = new WatchReports(factory, cluster -> { })) {
            reports.start();

            // It once stopped at the first TimeoutException, for good.
            assertThat(reports.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
            assertThat(reports.state()).isEqualTo("following");
            await().atMost(Duration.ofSeconds(10)).until(() -> reports.problem("team-a/demo").isPresent());
            assertThat(reports.problem("team-a/demo")).contains("the kubeconfig is expired");
        }
    }
}
