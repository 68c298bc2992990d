package dev.poolstream.watcher.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.testing.MockCluster;
import dev.poolstream.watcher.Watcher;
import dev.poolstream.watcher.kafka.TopicReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * A Cluster deleted while no replica watched it (its owner died first): the replica that reads its tombstone reads
 * the cluster's Nodes back from {@code node.v1} and tombstones them. When that read fails, it is tried again;
 * once the Nodes stayed on the topic as orphans for good.
 */
@EmbeddedKafka
class DeletedClusterReadBackIT {

    private static final String CLUSTER = "team-a/deleted-unwatched";

    /** Kafka's reader, whose first two reads of {@code node.v1} fail (the broker slow to answer, say). */
    static final class FirstNodeReadsFail extends TopicReader {

        final AtomicInteger nodeReads = new AtomicInteger();

        FirstNodeReadsFail(ConsumerFactory<?, ?> consumers) {
            super(consumers);
        }

        @Override
        public <V> Map<String, V> readAll(Topics.TopicSpec topic, Class<V> type, Duration timeout)
                throws TimeoutException {
            if (topic.equals(Topics.NODE) && nodeReads.incrementAndGet() <= 2) {
                throw new TimeoutException("node.v1 not read within " + timeout + " (the test's read "
                        + nodeReads.get() + ")");
            }
            return super.readAll(topic, type, timeout);
        }
    }

    @Test
    void shouldTombstoneTheNodesOfAClusterDeletedUnwatchedWhenTheFirstReadsBackFail(EmbeddedKafkaBroker broker)
            throws Exception {
        String brokers = broker.getBrokersAsString();
        FirstNodeReadsFail[] reader = new FirstNodeReadsFail[1];
        try (MockCluster management = new MockCluster();
             ConfigurableApplicationContext watcher = Watchers.start(management, brokers, "watcher-a",
                     context -> ((GenericApplicationContext) context).registerBean("firstNodeReadFails",
                             TopicReader.class, () -> reader[0] = new FirstNodeReadsFail(
                                     context.getBean(ConsumerFactory.class)), bean -> bean.setPrimary(true)));
             TopicTail tail = new TopicTail(brokers, List.of(Topics.NODE.name()));
             KafkaProducer<String, Object> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, EventSerializer.class,
                     "poolstream.cloudevents.source", "/test"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> watcher.getBean(Watcher.class).leading());
            // What the dead owner left: two Nodes of the cluster on node.v1, then the Cluster's tombstone.
            List<NodeState> orphans = List.of(node("n1", "aws:///us-east-1a/i-0deleted1"),
                    node("n2", "aws:///us-east-1a/i-0deleted2"));
            for (NodeState node : orphans) {
                producer.send(new ProducerRecord<>(Topics.NODE.name(), node.key(), node)).get();
            }
            producer.send(new ProducerRecord<>(Topics.WORKLOAD_CLUSTER.name(), CLUSTER, null)).get();

            for (NodeState node : orphans) {
                tail.await(node.key(), r -> r.value() == null);
            }
            assertThat(reader[0].nodeReads.get()).as("the failed read, the failed retry, then the one that read")
                    .isGreaterThanOrEqualTo(3);
            assertThat(watcher.getBean(Watcher.class).watchedClusters()).doesNotContain(CLUSTER);
        }
    }

    private static NodeState node(String name, String providerId) {
        return new NodeState(CLUSTER, name, "uid-" + name, providerId, ConditionStatus.TRUE, null, "v1.34.4", false,
                List.of(), Map.of());
    }
}
