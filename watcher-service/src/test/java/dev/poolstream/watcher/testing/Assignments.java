package dev.poolstream.watcher.testing;

import dev.poolstream.kafka.StaticMembership;
import dev.poolstream.watcher.config.WatcherProperties;
import dev.poolstream.watcher.kafka.ClusterAssignment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;

/** A replica's place in the workload clusters' group, made by hand with the watcher's default settings. */
public final class Assignments {

    /** Not started; its consumer would reach the brokers at {@code bootstrapServers}; it ignores what it is given. */
    public static ClusterAssignment notStarted(String bootstrapServers) {
        return new ClusterAssignment(
                new DefaultKafkaConsumerFactory<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers)),
                properties(), new StaticMembership(""), new ClusterAssignment.Listener() {
                    @Override
                    public void clustersAssigned(Set<String> taken, Set<String> gone) {
                    }

                    @Override
                    public void clustersReleased(Set<String> released) {
                    }
                });
    }

    /** Not started; its consumer is made by {@code consumers}, and what it reads goes to {@code listener}. */
    public static ClusterAssignment notStarted(org.springframework.kafka.core.ConsumerFactory<?, ?> consumers,
                                               ClusterAssignment.Listener listener) {
        return new ClusterAssignment(consumers, properties(), new StaticMembership(""), listener);
    }

    /** Not started; its consumer is {@code consumer} (a MockConsumer), and what it reads goes to {@code listener}. */
    public static ClusterAssignment notStarted(org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer,
                                               ClusterAssignment.Listener listener) {
        return notStarted(new org.springframework.kafka.core.ConsumerFactory<String, byte[]>() {
            @Override
            public org.apache.kafka.clients.consumer.Consumer<String, byte[]> createConsumer(String group,
                    String prefix, String suffix, java.util.Properties properties) {
                return consumer;
            }

            @Override
            public boolean isAutoCommit() {
                return false;
            }
        }, listener);
    }

    private static WatcherProperties properties() {
        return new WatcherProperties(List.of(), Duration.ofMinutes(10),
                new WatcherProperties.Lease("test", "test", "test", Duration.ofSeconds(15), Duration.ofSeconds(10),
                        Duration.ofSeconds(2)),
                new WatcherProperties.Workload(Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofSeconds(10)),
                Duration.ofSeconds(60),
                new WatcherProperties.Nodes("test-nodes", Duration.ofSeconds(6), Duration.ofSeconds(2)));
    }

    private Assignments() {
    }
}
