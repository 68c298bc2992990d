package dev.poolstream.status.stream;

import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.events.lifecycle.ScalingFinished;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The provisioning latencies the lifecycle events carry, as histograms for Prometheus. */
public final class StatusMetrics {

    private final Timer nodeReady;
    private final Timer firstReady;
    private final Timer lastReady;
    private final MeterRegistry registry;

    public StatusMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.nodeReady = timer("poolstream.status.node.ready", "From an instance's launch to its Node Ready");
        this.firstReady = timer("poolstream.status.scaleup.first.ready",
                "From a scale-up's start to its first new Node Ready");
        this.lastReady = timer("poolstream.status.scaleup.last.ready",
                "From a scale-up's start to its last new Node Ready");
    }

    void record(PoolLifecycleEvent event) {
        registry.counter("poolstream.status.lifecycle.events", "event", event.getClass().getSimpleName())
                .increment();
        if (event instanceof NodeReady ready && ready.sinceLaunchMillis() >= 0) {
            nodeReady.record(Duration.ofMillis(ready.sinceLaunchMillis()));
        } else if (event instanceof ScalingFinished finished && finished.latency() != null) {
            firstReady.record(Duration.ofMillis(finished.latency().firstReadyMillis()));
            lastReady.record(Duration.ofMillis(finished.latency().lastReadyMillis()));
        }
    }

    void looked() {
        registry.counter("poolstream.status.looks").increment();
    }

    void lookFailed() {
        registry.counter("poolstream.status.look.failures").increment();
    }

    void statusPublished() {
        registry.counter("poolstream.status.published").increment();
    }

    private Timer timer(String name, String description) {
        return Timer.builder(name).description(description).publishPercentiles(0.5, 0.9, 0.99)
                .publishPercentileHistogram().register(registry);
    }
}
