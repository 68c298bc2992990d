package dev.poolstream.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.kube.KubeEvents;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real-API-server tier: Events on a MachinePool as kubectl describe shows them, repeats counted on one Event. */
class KubeEventsRealApiIT {

    @Test
    void shouldCountARepeatedEventOnItsSeriesAndWriteADifferentOneAnew() {
        KubeApiServer server = KubeApiServer.shared().namespace("events");
        KubernetesClient kube = server.client();
        MachinePool pool = kube.resource(MachinePoolSpecs.machinePool("events", "workers", "demo", 3)).create();
        MovableClock clock = MovableClock.at(Instant.parse("2026-11-29T12:00:00Z"));
        KubeEvents events = new KubeEvents(kube, "poolstream.dev/reconciler", "reconciler-0", clock);

        events.record(pool, KubeEvents.Type.Warning, "Drain", "DrainBlocked", "Node n1: a PodDisruptionBudget refused");
        clock.advance(Duration.ofSeconds(1));
        events.record(pool, KubeEvents.Type.Warning, "Drain", "DrainBlocked", "Node n1: a PodDisruptionBudget refused");
        assertThat(events(kube)).singleElement().satisfies(e -> assertThat(e.getSeries()).isNull());

        clock.advance(KubeEvents.SERIES_INTERVAL);
        events.record(pool, KubeEvents.Type.Warning, "Drain", "DrainBlocked", "Node n1: a PodDisruptionBudget refused");
        events.record(pool, KubeEvents.Type.Normal, "Drain", "NodeDrained", "Node n1 drained");

        List<Event> written = events(kube);
        assertThat(written).hasSize(2);
        assertThat(written.get(0).getReason()).isEqualTo("DrainBlocked");
        assertThat(written.get(0).getSeries().getCount()).isEqualTo(3);
        assertThat(written.get(0).getRegarding().getKind()).isEqualTo("MachinePool");
        assertThat(written.get(0).getRegarding().getUid()).isEqualTo(pool.getMetadata().getUid());
        assertThat(written.get(0).getReportingController()).isEqualTo("poolstream.dev/reconciler");
        assertThat(written.get(1).getReason()).isEqualTo("NodeDrained");

        clock.advance(KubeEvents.SERIES_WINDOW.plus(Duration.ofSeconds(1)));
        events.record(pool, KubeEvents.Type.Normal, "Drain", "NodeDrained", "Node n1 drained");
        assertThat(events(kube)).filteredOn(e -> e.getReason().equals("NodeDrained")).hasSize(2);
    }

    private static List<Event> events(KubernetesClient kube) {
        return kube.events().v1().events().inNamespace("events").list().getItems().stream()
                .sorted(Comparator.comparing(e -> e.getMetadata().getCreationTimestamp() + e.getMetadata().getName()))
                .toList();
    }
}
