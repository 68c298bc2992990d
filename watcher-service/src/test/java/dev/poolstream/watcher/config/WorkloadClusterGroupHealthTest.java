package dev.poolstream.watcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.watcher.kafka.ClusterAssignment;
import dev.poolstream.watcher.testing.Assignments;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The liveness of a replica's place in the workload clusters' group. */
class WorkloadClusterGroupHealthTest {

    @Test
    void shouldBeUpBeforeTheStartAndDownWithTheReasonOnceTheReplicaCouldNotJoin() {
        ClusterAssignment assignment = Assignments.notStarted("not a broker");
        WatcherHealth.WorkloadClusterGroup indicator = new WatcherHealth.WorkloadClusterGroup(assignment);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

        assertThatThrownBy(assignment::start).isInstanceOf(RuntimeException.class);

        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("why")).startsWith("could not join the group: ")
                .contains("not a broker");
    }
}
