package dev.poolstream.watcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.kafka.StaticMembership;
import dev.poolstream.watcher.kafka.ClusterAssignment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;

/** The liveness of a replica's place in the workload clusters' group. */
class WorkloadClusterGroupHealthTest {

    @Test
    void shouldBeUpBeforeTheStartAndDownWithTheReasonOnceTheReplicaCouldNotJoin() {
        ClusterAssignment assignment = new ClusterAssignment(
                new DefaultKafkaConsumerFactory<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "not a broker")),
                properties(), new StaticMembership(""), new ClusterAssignment.Listener() {
                    @Override
                    public void clustersAssigned(Set<String> taken, Set<String> gone) {
                    }

                    @Override
                    public void clustersReleased(Set<String> released) {
                    }
                });
        WatcherHealth.WorkloadClusterGroup indicator = new WatcherHealth.WorkloadClusterGroup(assignment);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

        assertThatThrownBy(assignment::start).isInstanceOf(RuntimeException.class);

        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("why")).startsWith("could not join the group: ")
                .contains("not a broker");
    }

    private static WatcherProperties properties() {
        return new WatcherProperties(List.of(), Duration.ofMinutes(10),
                new WatcherProperties.Lease("test", "test", "test", Duration.ofSeconds(15), Duration.ofSeconds(10),
                        Duration.ofSeconds(2)),
                new WatcherProperties.Workload(Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofSeconds(10)),
                Duration.ofSeconds(60),
                new WatcherProperties.Nodes("test-nodes", Duration.ofSeconds(6), Duration.ofSeconds(2)));
    }
}
