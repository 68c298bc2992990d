package dev.poolstream.watcher.it;

import dev.poolstream.testing.MockCluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.watcher.Watcher;
import dev.poolstream.watcher.domain.Change;
import dev.poolstream.watcher.kafka.LeaderSender;
import dev.poolstream.watcher.kube.Leadership;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/** One watcher publishes; a standby takes over, and what changed meanwhile reaches the topic exactly once. */
@EmbeddedKafka
class LeaderFailoverIT {

    /** The lease duration the watchers run with (Watchers.start), plus room for a retry period and a busy CI. */
    private static final Duration TAKEOVER = Duration.ofSeconds(3).plusSeconds(5);

    @Test
    void shouldHandOverToTheStandbyAndLoseNothing(EmbeddedKafkaBroker broker) {
        try (MockCluster management = new MockCluster()) {
            KubernetesClient kube = management.client();
            kube.resource(Objects.cluster("demo")).create();
            // A pool's infrastructure pool is its own: one each, made up front for the pools made later too.
            for (String pool : List.of("steady", "doomed", "born-under-b", "born-in-the-gap")) {
                kube.resource(Objects.awsPool(pool + "-aws", "t3.large")).create();
            }
            kube.resource(Objects.machinePool("steady", "demo", 3, "AWSMachinePool", "steady-aws")).create();
            kube.resource(Objects.machinePool("doomed", "demo", 3, "AWSMachinePool", "doomed-aws")).create();

            ConfigurableApplicationContext a = Watchers.start(management, broker.getBrokersAsString(), "watcher-a");
            ConfigurableApplicationContext b = null;
            try (TopicTail tail = new TopicTail(broker.getBrokersAsString(), List.of(Topics.MACHINEPOOL_SPEC.name()))) {
                await().atMost(TAKEOVER).until(() -> leading(a));
                b = Watchers.start(management, broker.getBrokersAsString(), "watcher-b");
                ConfigurableApplicationContext standby = b;
                tail.await("team-a/steady", r -> r.value() != null);
                tail.await("team-a/doomed", r -> r.value() != null);
                await().atMost(TAKEOVER).until(() -> "watcher-a".equals(
                        standby.getBean(Leadership.class).currentLeader()));
                assertThat(leading(standby)).isFalse();

                // The leader goes away; the standby takes over within the lease duration.
                a.close();
                await().atMost(TAKEOVER).until(() -> leading(standby));

                kube.resource(Objects.machinePool("doomed", "demo", 3, "AWSMachinePool", "doomed-aws")).delete();
                kube.resource(Objects.machinePool("born-under-b", "demo", 1, "AWSMachinePool", "born-under-b-aws")).create();
                tail.await("team-a/doomed", r -> r.value() == null);
                tail.await("team-a/born-under-b", r -> r.value() != null);

                // Now no watcher runs at all while the pools change; the next one catches up from the topic.
                b.close();
                kube.resource(Objects.machinePool("born-under-b", "demo", 1, "AWSMachinePool", "born-under-b-aws")).delete();
                kube.resource(Objects.machinePool("born-in-the-gap", "demo", 2, "AWSMachinePool", "born-in-the-gap-aws")).create();
                ConfigurableApplicationContext c =
                        Watchers.start(management, broker.getBrokersAsString(), "watcher-c");
                try {
                    tail.await("team-a/born-under-b", r -> r.value() == null);
                    PoolSpec gap = (PoolSpec) tail.await("team-a/born-in-the-gap", r -> r.value() != null).value();
                    assertThat(gap.spec().getReplicas()).isEqualTo(2);
                    await().atMost(TAKEOVER).until(() -> leading(c));
                } finally {
                    c.close();
                }
                // Three leaders, one record for the pool that never changed: each new leader read the topic back.
                assertThat(tail.recordsFor("team-a/steady")).hasSize(1);
                assertThat(tail.recordsFor("team-a/doomed")).hasSize(2);
            } finally {
                a.close();
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    @Test
    void shouldStopPublishingWhenFencedAndTakeOverAgainWhileItStillHoldsTheLease(EmbeddedKafkaBroker broker) {
        String brokers = broker.getBrokersAsString();
        try (MockCluster management = new MockCluster()) {
            KubernetesClient kube = management.client();
            kube.resource(Objects.cluster("fenced")).create();
            kube.resource(Objects.awsPool("before-fence-aws", "t3.large")).create();
            kube.resource(Objects.awsPool("after-fence-aws", "t3.large")).create();
            kube.resource(Objects.machinePool("before-fence", "fenced", 1, "AWSMachinePool", "before-fence-aws")).create();
            ConfigurableApplicationContext a = Watchers.start(management, brokers, "watcher-a");
            try (TopicTail tail = new TopicTail(brokers, List.of(Topics.MACHINEPOOL_SPEC.name()));
                 LeaderSender intruder = new LeaderSender(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                         ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                         ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, EventSerializer.class,
                         "poolstream.cloudevents.source", "/intruder"),
                         "poolstream-watcher", new SimpleMeterRegistry())) {
                await().atMost(TAKEOVER).until(() -> leading(a));
                tail.await("team-a/before-fence", r -> r.value() != null);
                // There at 0 before the first fencing, for an alert on its increase.
                assertThat(a.getBean(MeterRegistry.class).find("poolstream.watcher.fenced").counter())
                        .isNotNull().extracting(c -> c.count()).isEqualTo(0.0);

                // Another producer registers the leader's transactional id (the Lease's name) while watcher-a still
                // holds the Lease: watcher-a's next record is refused, and it stops publishing.
                intruder.fence();
                kube.resource(Objects.machinePool("after-fence", "fenced", 2, "AWSMachinePool", "after-fence-aws"))
                        .create();
                await().atMost(TAKEOVER).until(() -> a.getBean(MeterRegistry.class)
                        .counter("poolstream.watcher.fenced").count() >= 1);

                // Its elector still says it leads: a lease duration later it takes over again, fencing the other.
                PoolSpec after = (PoolSpec) tail.await("team-a/after-fence", r -> r.value() != null).value();
                assertThat(after.spec().getReplicas()).isEqualTo(2);
                await().atMost(TAKEOVER).until(() -> leading(a));
                assertThat(intruder.send(List.of(new LeaderSender.Outgoing(Topics.MACHINEPOOL_SPEC,
                        new Change.Delete<>("team-a/before-fence", null))))).isEqualTo(LeaderSender.Outcome.FENCED);
                assertThat(tail.recordsFor("team-a/before-fence")).hasSize(1);
                assertThat(tail.recordsFor("team-a/after-fence")).hasSize(1);
            } finally {
                a.close();
            }
        }
    }

    private static boolean leading(ConfigurableApplicationContext context) {
        return context.isActive() && context.getBean(Watcher.class).leading();
    }
}
