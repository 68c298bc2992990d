package dev.poolstream.status.stream;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.status.domain.PoolInputs;
import dev.poolstream.status.domain.PoolView;
import dev.poolstream.status.domain.StatusCalculator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.MDC;

/**
 * Looks at a pool whenever one of its inputs changes, and again when time alone changes it (a Node becoming
 * available after minReadySeconds): a wall-clock punctuation looks at the pools whose next look is due, with their
 * inputs read from the stores the join keeps (a view keeps no copy of them). It forwards the status only when it
 * changed, and the lifecycle events of the look.
 */
final class StatusProcessor implements Processor<String, PoolInputs, String, Keyed> {

    static final String VIEWS = "pool-views";
    static final String SPECS = "specs";
    static final String GROUPS = "groups";
    static final String POOL_MEMBERS = "pool-members";

    private final Duration lookInterval;
    private final StatusMetrics metrics;
    private ProcessorContext<String, Keyed> context;
    private KeyValueStore<String, PoolView> views;
    private TimestampedKeyValueStore<String, PoolSpec> specs;
    private TimestampedKeyValueStore<String, ScalingGroupState> groups;
    private TimestampedKeyValueStore<String, PoolMembers> poolMembers;

    StatusProcessor(Duration lookInterval, StatusMetrics metrics) {
        this.lookInterval = lookInterval;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Keyed> context) {
        this.context = context;
        this.views = context.getStateStore(VIEWS);
        this.specs = context.getStateStore(SPECS);
        this.groups = context.getStateStore(GROUPS);
        this.poolMembers = context.getStateStore(POOL_MEMBERS);
        context.schedule(lookInterval, PunctuationType.WALL_CLOCK_TIME, this::lookAtDuePools);
    }

    @Override
    public void process(Record<String, PoolInputs> record) {
        PoolInputs inputs = record.value() == null ? new PoolInputs(null, null, Map.of()) : record.value();
        look(record.key(), inputs, now(), record.timestamp());
    }

    private void lookAtDuePools(long wallClockMillis) {
        Instant now = Instant.ofEpochMilli(wallClockMillis);
        List<KeyValue<String, PoolView>> due = new ArrayList<>();
        try (KeyValueIterator<String, PoolView> all = views.all()) {
            all.forEachRemaining(entry -> {
                Instant next = entry.value.nextLook();
                if (next != null && !next.isAfter(now)) {
                    due.add(entry);
                }
            });
        }
        due.forEach(entry -> look(entry.key, inputs(entry.key), now, wallClockMillis));
    }

    /** A pool's inputs as the join would give them now, read from the join's own stores. */
    private PoolInputs inputs(String pool) {
        PoolMembers members = ValueAndTimestamp.getValueOrNull(poolMembers.get(pool));
        return new PoolInputs(ValueAndTimestamp.getValueOrNull(specs.get(pool)),
                ValueAndTimestamp.getValueOrNull(groups.get(pool)), members == null ? Map.of() : members.members());
    }

    /**
     * A failure carries the pool's key to the error handlers: the processing exception handler dead-letters the
     * record and goes on, the uncaught-exception handler logs it.
     */
    private void look(String pool, PoolInputs inputs, Instant now, long timestamp) {
        try {
            lookAt(pool, inputs, now, timestamp);
        } catch (PoolProcessingException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PoolProcessingException(pool, e);
        }
    }

    private void lookAt(String pool, PoolInputs inputs, Instant now, long timestamp) {
        try (var ignored = MDC.putCloseable("pool", pool)) {
            PoolView previous = views.get(pool);
            StatusCalculator.Look look = StatusCalculator.look(pool, inputs, previous, now);
            if (look.view() == null) {
                if (previous != null) {
                    views.delete(pool);
                    context.forward(new Record<>(pool, null, timestamp));
                }
                return;
            }
            views.put(pool, look.view());
            if (previous == null || !look.status().equals(previous.status())) {
                context.forward(new Record<>(pool, look.status(), timestamp));
                metrics.statusPublished();
            }
            for (PoolLifecycleEvent event : look.events()) {
                context.forward(new Record<>(pool, event, timestamp));
                metrics.record(event);
            }
        }
    }

    private Instant now() {
        return Instant.ofEpochMilli(context.currentSystemTimeMs());
    }
}
