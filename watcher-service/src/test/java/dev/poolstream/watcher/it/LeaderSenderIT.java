package dev.poolstream.watcher.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.Topics;
import dev.poolstream.events.WorkloadCluster;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.watcher.domain.Change;
import dev.poolstream.watcher.kafka.LeaderSender;
import dev.poolstream.watcher.kafka.LeaderSender.Outcome;
import dev.poolstream.watcher.kafka.LeaderSender.Outgoing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * A deposed leader that has not noticed (stalled past its lease) writes nothing its successor's readers see: the
 * successor's first act fences it, on a real KRaft broker, read as the services read (committed records only).
 */
@EmbeddedKafka(topics = "workloadcluster.v1", partitions = 1)
class LeaderSenderIT {

    private static final String ID = "poolstream-watcher";
    private static final String TOPIC = Topics.WORKLOAD_CLUSTER.name();

    @Test
    void shouldRefuseEverySendOfTheLeaderBeforeOnceTheNextOneTookOver(EmbeddedKafkaBroker broker) {
        Map<String, Object> settings = settings(broker);
        try (LeaderSender deposed = new LeaderSender(settings, ID, new SimpleMeterRegistry());
             LeaderSender next = new LeaderSender(settings, ID, new SimpleMeterRegistry());
             TopicTail tail = new TopicTail(broker.getBrokersAsString(), List.of(TOPIC))) {
            deposed.fence();
            assertThat(deposed.send(List.of(cluster("team-a/one")))).isEqualTo(Outcome.SENT);

            next.fence();
            // The deposed leader wakes up and publishes what its stale cache says.
            assertThat(deposed.send(List.of(cluster("team-a/stale")))).isEqualTo(Outcome.FENCED);
            assertThat(next.send(List.of(cluster("team-a/two"), cluster("team-a/three")))).isEqualTo(Outcome.SENT);

            tail.await("team-a/three", r -> r.value() != null);
            // (The class's tests share the broker and the topic: each has a namespace of its own.)
            assertThat(tail.records()).extracting(TopicTail.Read::key).filteredOn(k -> k.startsWith("team-a/"))
                    .containsExactly("team-a/one", "team-a/two", "team-a/three");
        }
    }

    @Test
    void shouldAbortTheTransactionTheLeaderBeforeHadOpenWhenTheNextOneTakesOver(EmbeddedKafkaBroker broker) {
        Map<String, Object> settings = settings(broker);
        // The leader before, stalled in the middle of a transaction: its record is written, not committed.
        Map<String, Object> zombieSettings = new java.util.HashMap<>(settings);
        zombieSettings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, ID);
        try (KafkaProducer<String, Keyed> zombie = new KafkaProducer<>(zombieSettings);
             LeaderSender next = new LeaderSender(settings, ID, new SimpleMeterRegistry());
             TopicTail tail = new TopicTail(broker.getBrokersAsString(), List.of(TOPIC))) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>(TOPIC, "team-b/stale", WorkloadCluster.of("team-b", "stale")));
            zombie.flush();

            next.fence();
            assertThat(next.send(List.of(cluster("team-b/current")))).isEqualTo(Outcome.SENT);

            // Readers are not held back by the open transaction: it was aborted, and it can never commit.
            tail.await("team-b/current", r -> r.value() != null);
            assertThatThrownBy(zombie::commitTransaction).isInstanceOf(KafkaException.class);
            assertThat(tail.records()).extracting(TopicTail.Read::key).filteredOn(k -> k.startsWith("team-b/"))
                    .containsExactly("team-b/current");
        }
    }

    private static Outgoing cluster(String key) {
        int slash = key.indexOf('/');
        return new Outgoing(Topics.WORKLOAD_CLUSTER,
                new Change.Upsert<>(key, WorkloadCluster.of(key.substring(0, slash), key.substring(slash + 1))));
    }

    private static Map<String, Object> settings(EmbeddedKafkaBroker broker) {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, EventSerializer.class,
                "poolstream.cloudevents.source", "/poolstream/watcher");
    }
}
