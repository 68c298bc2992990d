package dev.poolstream.watcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.watcher.kube.Leadership;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The liveness of a replica's place in the leader election. */
class LeaderElectionHealthTest {

    @Test
    void shouldBeUpBeforeTheStartAndDownWithTheReasonOnceTheReplicaCouldNotStand() {
        // Whatever the cause (the boot checks the lease's timings, the elector's usual failures come later, in its
        // future): a client whose elector cannot even be made.
        KubernetesClient client = (KubernetesClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {KubernetesClient.class}, (proxy, method, args) -> {
                    throw new IllegalStateException("no elector in this client");
                });
        Leadership leadership = new Leadership(client, new WatcherProperties.Lease("poolstream-watcher", "poolstream",
                "watcher-0", Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2)), null);
        WatcherHealth.LeaderElection indicator = new WatcherHealth.LeaderElection(leadership);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

        leadership.start();

        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("why"))
                .isEqualTo("could not stand for leadership of lease poolstream/poolstream-watcher: no elector in this"
                        + " client");
        leadership.close();
    }
}
