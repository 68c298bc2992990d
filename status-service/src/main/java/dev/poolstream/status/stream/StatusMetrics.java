package dev.poolstream.status.stream;

import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.events.lifecycle.ScalingFinished;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The topology's counters (looks, statuses published, lifecycle events by kind), registered at the start so that
 * each reads 0 until it counts, and the provisioning latencies the lifecycle events carry, as histograms for
 * Prometheus. Each is held, not looked up by name and tags at each event.
 */
public final class StatusMetrics {

    private final Timer nodeReady;
    private final Timer firstReady;
    private final Timer lastReady;
    private final Counter looks;
    private final Counter lookFailures;
    private final Counter published;
    /** Pools that ran before whose status waits for the provider's first report, over this instance's tasks. */
    private final AtomicInteger waitingForProvider = new AtomicInteger();
    /** One per kind of event, registered at the start: a kind never seen reads 0, not absent. */
    private final Map<Class<?>, Counter> events = new HashMap<>();

    public StatusMetrics(MeterRegistry registry) {
        this.looks = registry.counter("poolstream.status.looks");
        this.lookFailures = registry.counter("poolstream.status.look.failures");
        this.published = registry.counter("poolstream.status.published");
        Gauge.builder("poolstream.status.pools.waiting", waitingForProvider, AtomicInteger::get)
                .description("Pools that ran before (their spec lists instances) whose status waits for the "
                        + "provider's first report of their group")
                .register(registry);
        for (Class<?> kind : PoolLifecycleEvent.class.getPermittedSubclasses()) {
            events.put(kind, registry.counter("poolstream.status.lifecycle.events", "event", kind.getSimpleName()));
        }
        this.nodeReady = timer(registry, "poolstream.status.node.ready",
                "From an instance's launch to its Node Ready");
        this.firstReady = timer(registry, "poolstream.status.scaleup.first.ready",
                "From a scale-up's start to its first new Node Ready");
        this.lastReady = timer(registry, "poolstream.status.scaleup.last.ready",
                "From a scale-up's start to its last new Node Ready");
    }

    void record(PoolLifecycleEvent event) {
        events.get(event.getClass()).increment();
        if (event instanceof NodeReady ready && ready.sinceLaunchMillis() >= 0) {
            nodeReady.record(Duration.ofMillis(ready.sinceLaunchMillis()));
        } else if (event instanceof ScalingFinished finished && finished.latency() != null) {
            firstReady.record(Duration.ofMillis(finished.latency().firstReadyMillis()));
            lastReady.record(Duration.ofMillis(finished.latency().lastReadyMillis()));
        }
    }

    void looked() {
        looks.increment();
    }

    void lookFailed() {
        lookFailures.increment();
    }

    void waitingForProvider(int change) {
        waitingForProvider.addAndGet(change);
    }

    void statusPublished() {
        published.increment();
    }

    private static Timer timer(MeterRegistry registry, String name, String description) {
        return Timer.builder(name).description(description).publishPercentiles(0.5, 0.9, 0.99)
                .publishPercentileHistogram().register(registry);
    }
}
