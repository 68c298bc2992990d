package dev.poolstream.status.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Failure;
import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.PoolError;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StatusMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final StatusMetrics metrics = new StatusMetrics(registry);

    @Test
    void everyCounterReadsZeroFromTheStartNotAbsent() {
        assertThat(registry.find("poolstream.status.looks").counter()).isNotNull();
        assertThat(registry.find("poolstream.status.look.failures").counter()).isNotNull();
        assertThat(registry.find("poolstream.status.published").counter()).isNotNull();
        for (Class<?> kind : PoolLifecycleEvent.class.getPermittedSubclasses()) {
            assertThat(events(kind.getSimpleName())).as(kind.getSimpleName()).isNotNull()
                    .extracting(Counter::count).isEqualTo(0.0);
        }
    }

    @Test
    void countsEachEventUnderItsKindAndEachLookAndStatus() {
        Instant at = Instant.parse("2026-12-02T12:00:00Z");
        metrics.record(new NodeReady("team-a/workers", at, "node-1", "aws:///us-east-1a/i-1", 90_000));
        metrics.record(new NodeReady("team-a/workers", at, "node-2", "aws:///us-east-1a/i-2", -1));
        metrics.record(new PoolError("team-a/workers", at, new Failure("InvalidSpec", "no")));
        metrics.looked();
        metrics.looked();
        metrics.statusPublished();
        metrics.lookFailed();

        assertThat(events("NodeReady").count()).isEqualTo(2.0);
        assertThat(events("PoolError").count()).isEqualTo(1.0);
        assertThat(events("ScalingStarted").count()).isEqualTo(0.0);
        assertThat(registry.get("poolstream.status.looks").counter().count()).isEqualTo(2.0);
        assertThat(registry.get("poolstream.status.published").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("poolstream.status.look.failures").counter().count()).isEqualTo(1.0);
        // Only a known launch time is a latency.
        assertThat(registry.get("poolstream.status.node.ready").timer().count()).isEqualTo(1);
        assertThat(registry.get("poolstream.status.node.ready").timer().totalTime(TimeUnit.MILLISECONDS))
                .isEqualTo(Duration.ofSeconds(90).toMillis());
    }

    private Counter events(String kind) {
        return registry.find("poolstream.status.lifecycle.events").tag("event", kind).counter();
    }
}
