package dev.poolstream.status.stream;

import dev.poolstream.api.PoolKey;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolDeparture;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.status.domain.LifecycleIds;
import dev.poolstream.status.domain.Member;
import dev.poolstream.status.domain.PoolInputs;
import dev.poolstream.status.domain.PoolView;
import dev.poolstream.status.domain.StatusCalculator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Keeps each pool's inputs, one store entry per member under the pool's prefix, and looks at a pool when they change:
 * at once when it was not looked at within the look interval, else once at the end of it, however many of its inputs
 * changed meanwhile (a scale-up of 20 Nodes is not 20 looks of 20 members). It looks again when time alone changes a
 * pool (a Node becoming available after minReadySeconds). It forwards the status when it changed, and the lifecycle
 * events of the look with their ids ({@link LifecycleIds}).
 *
 * <p>While the topology is behind (a change reaches it later than the look interval after it was written: a burst, a
 * backlog after a stop), a changed pool's look waits as long as the change was late beyond the look interval, up to
 * the max look delay, and the pool's further changes meanwhile join that look, as in a controller's work queue: a
 * status already late by that much comes at most that much later, and the backlog is worked off with far fewer looks
 * than changes.
 *
 * <p>At-least-once: a crash can lose what was sent since the last commit while the stores kept it, or the other way
 * round. So at its first run after a start it looks at every pool again and sends each status (unchanged or not), and
 * the lifecycle events its pools sent within {@link PoolView#RECENT_KEPT} before the last one it sent, again, with the
 * same ids: only those can have been sent after the last commit. Older ones, however long a quiet pool keeps them in
 * its view, were committed, and a subscriber has long forgotten their ids.
 */
final class PoolLooks implements Processor<String, PoolLooks.Input, String, Keyed> {

    static final String MEMBERS = "pool-members";
    static final String SPECS = "specs";
    static final String GROUPS = "groups";
    static final String VIEWS = "pool-views";
    /**
     * When each member that left its pool left it (or its instance went), and after which status, under the same keys
     * as {@link #MEMBERS}: written as the record that says so is processed, whose offset Kafka Streams commits only
     * once the write is in the changelog (a crash that loses it reads the record again). The status lists them
     * ({@link StatusCalculator#departed}) as the evidence on which the status writer lets their objects go; a member
     * only missing is none.
     */
    static final String DEPARTURES = "pool-departures";
    /** Between the pool key and the provider ID in a member's key: no pool key has it. */
    static final char SEPARATOR = '|';

    /** What a pool is made of: its members (from the member join), its spec and its cloud group. */
    sealed interface Input permits MemberChange, SpecInput, GroupInput {
    }

    record SpecInput(PoolSpec spec) implements Input {
    }

    record GroupInput(ScalingGroupState group) implements Input {
    }

    private static final Logger log = LoggerFactory.getLogger(PoolLooks.class);
    private static final StringSerializer KEYS = new StringSerializer();

    private final Duration lookInterval;
    private final Duration maxLookDelay;
    private final StatusMetrics metrics;
    private ProcessorContext<String, Keyed> context;
    private KeyValueStore<String, Member> members;
    private KeyValueStore<String, PoolSpec> specs;
    private KeyValueStore<String, ScalingGroupState> groups;
    private KeyValueStore<String, PoolView> views;
    private KeyValueStore<String, PoolDeparture> departures;
    /**
     * Each pool's spec, cloud group and view as its stores hold them, read from them once (at its first record or look
     * since the start) and written through: a view at the look that made it, before its events are sent. Its members
     * are read at each look, with one prefix scan: held in memory they were most of the heap at 100,000 Nodes, and
     * every Node event then replaced one in a long-lived map, which the collector paid for (bench/README.md).
     */
    private final Map<String, Pool> pools = new HashMap<>();
    /** Pools whose inputs changed since their last look, by when a punctuation looks at them. */
    private final Agenda changed = new Agenda();
    /** When each pool was last looked at (this task, since its start). */
    private final Map<String, Instant> lookedAt = new HashMap<>();
    /** When time alone changes a pool next. */
    private final Agenda timeChanges = new Agenda();
    /**
     * Pools whose spec tombstone came since their last look: that look sends the status tombstone even when the view
     * is gone already. A crash can keep the view's deletion (its changelog) and lose the tombstone sent with it; the
     * spec tombstone, not committed, is read again, and once found no view and sent nothing: the deleted pool's last
     * status stayed on the compacted topic, and the writer never let go of its objects.
     */
    private final Set<String> specDeleted = new HashSet<>();
    /** Pools of this task whose status waits for the provider's first report of their group (StatusCalculator). */
    private final Set<String> waitingForProvider = new HashSet<>();
    private boolean started;

    PoolLooks(Duration lookInterval, Duration maxLookDelay, StatusMetrics metrics) {
        this.lookInterval = lookInterval;
        this.maxLookDelay = maxLookDelay;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Keyed> context) {
        this.context = context;
        this.members = context.getStateStore(MEMBERS);
        this.specs = context.getStateStore(SPECS);
        this.groups = context.getStateStore(GROUPS);
        this.views = context.getStateStore(VIEWS);
        this.departures = context.getStateStore(DEPARTURES);
        context.schedule(lookInterval, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, Input> record) {
        String pool = record.key();
        Instant now = now();
        try {
            keep(pool, record.value(), now);
        } catch (RuntimeException e) {
            throw new PoolProcessingException(pool, e);
        }
        long lateMillis = now.toEpochMilli() - record.timestamp();
        long beyondInterval = lateMillis - lookInterval.toMillis();
        if (beyondInterval > 0) {
            // Behind: the look waits as long as the change was late beyond the look interval (bounded), and the
            // pool's next changes join it. Beyond, not in all: a change that just missed the interval (one stall of
            // the stream, no backlog) waits next to nothing, where it once waited as long again.
            changed.putNoLaterThan(pool, now.plusMillis(Math.min(beyondInterval, maxLookDelay.toMillis())));
            return;
        }
        Instant last = lookedAt.get(pool);
        if (started && (last == null || !last.plus(lookInterval).isAfter(now))) {
            look(pool, now, null);
        } else {
            changed.putNoLaterThan(pool, now);
        }
    }

    private void keep(String key, Input input, Instant now) {
        if (input instanceof MemberChange change) {
            String memberKey = key + SEPARATOR + change.providerID();
            if (change.member() == null) {
                // A member leaves now; one that is none already (told again after a start) left when it was seen.
                if (members.get(memberKey) != null || departures.get(memberKey) == null) {
                    departures.put(memberKey, departure(key, change.providerID(), now));
                }
                members.delete(memberKey);
            } else {
                if (change.member().instanceGone()) {
                    // Its instance went (its Node lingers): a Node without an instance before is no departure.
                    Member before = members.get(memberKey);
                    if (before != null && !before.instanceGone()) {
                        departures.put(memberKey, departure(key, change.providerID(), now));
                    }
                }
                members.put(memberKey, change.member());
            }
        } else if (input instanceof SpecInput spec) {
            PoolKey.parse(key);
            if (spec.spec() == null) {
                specDeleted.add(key);
            }
            put(specs, key, spec.spec());
            pool(key).spec = spec.spec();
        } else if (input instanceof GroupInput group) {
            PoolKey.parse(key);
            put(groups, key, group.group());
            pool(key).group = group.group();
        }
    }

    /** A departure now, after the pool's last status: the objects made for that one or an earlier one go. */
    private PoolDeparture departure(String pool, String providerID, Instant now) {
        PoolView view = pool(pool).view;
        return new PoolDeparture(providerID, now, view == null || view.status() == null ? 0 : view.status().look());
    }

    private Pool pool(String key) {
        return pools.computeIfAbsent(key, this::read);
    }

    /** A pool as its stores hold it. */
    private Pool read(String key) {
        Pool pool = new Pool();
        pool.spec = specs.get(key);
        pool.view = views.get(key);
        return readGroup(key, pool);
    }

    private Pool readGroup(String key, Pool pool) {
        pool.group = groups.get(key);
        return pool;
    }

    /** The pool's departures, by provider ID, with one prefix scan. */
    private Map<String, PoolDeparture> readDepartures(String key) {
        Map<String, PoolDeparture> found = new HashMap<>();
        try (KeyValueIterator<String, PoolDeparture> all = departures.prefixScan(key + SEPARATOR, KEYS)) {
            all.forEachRemaining(entry -> found.put(entry.value.providerID(), entry.value));
        }
        return found;
    }

    /** Deletes the departures the view no longer lists for their age ({@link StatusCalculator#departureKept}). */
    private void forgetOldDepartures(String pool, Map<String, PoolDeparture> found, PoolView view, Instant now) {
        forgetDepartures(pool, found.values().stream()
                .filter(d -> !StatusCalculator.departureKept(d.at(), view.departuresKeptFrom(), now)).toList());
    }

    private void forgetDepartures(String pool, Collection<PoolDeparture> gone) {
        gone.forEach(departure -> departures.delete(pool + SEPARATOR + departure.providerID()));
    }

    /** The pool's members, with one prefix scan. */
    private Map<String, Member> readMembers(String key) {
        Map<String, Member> found = new HashMap<>();
        try (KeyValueIterator<String, Member> all = members.prefixScan(key + SEPARATOR, KEYS)) {
            all.forEachRemaining(entry -> found.put(entry.value.providerID(), entry.value));
        }
        return found;
    }

    private static <V> void put(KeyValueStore<String, V> store, String key, V value) {
        if (value == null) {
            store.delete(key);
        } else {
            store.put(key, value);
        }
    }

    private void punctuate(long wallClockMillis) {
        Instant now = Instant.ofEpochMilli(wallClockMillis);
        if (!started) {
            started = true;
            lookAtEveryPool(now);
        }
        Set<String> pools = changed.dueAt(now);
        pools.addAll(timeChanges.dueAt(now));
        pools.forEach(pool -> lookInPunctuation(pool, now, null));
    }

    /** With no record to dead-letter, a failure is logged with the pool's key and the other pools are looked at. */
    private void lookInPunctuation(String pool, Instant now, Instant sendAgainAfter) {
        try {
            look(pool, now, sendAgainAfter);
        } catch (PoolProcessingException e) {
            timeChanges.remove(pool);
            metrics.lookFailed();
            log.error("looking at pool {} failed; it is looked at again at its next change", pool, e);
        }
    }

    /**
     * The first run after a start: every pool this task has, each status sent, and the events sent within
     * {@link PoolView#RECENT_KEPT} before the task's last. The scans that find the pools also load their views and specs
     * into memory, so each is read once.
     */
    private void lookAtEveryPool(Instant now) {
        Map<String, Pool> found = new HashMap<>();
        try (KeyValueIterator<String, PoolView> all = views.all()) {
            all.forEachRemaining(entry -> found.computeIfAbsent(entry.key, key -> new Pool()).view = entry.value);
        }
        try (KeyValueIterator<String, PoolSpec> all = specs.all()) {
            all.forEachRemaining(entry -> found.computeIfAbsent(entry.key, key -> new Pool()).spec = entry.value);
        }
        // A pool already in memory (a record came before this run) is as its stores hold it: keep it.
        found.forEach((key, pool) -> pools.computeIfAbsent(key, k -> readGroup(k, pool)));
        Instant sendAgainAfter = lastSent(found.values()).minus(PoolView.RECENT_KEPT);
        found.keySet().forEach(pool -> lookInPunctuation(pool, now, sendAgainAfter));
    }

    /**
     * When the task last sent an event, as its views remember: the time a crash came at the earliest, since the start
     * may come much later than the crash.
     */
    private static Instant lastSent(Collection<Pool> found) {
        return found.stream().filter(pool -> pool.view != null)
                .flatMap(pool -> pool.view.recent().stream())
                .map(sent -> sent.event().at())
                .max(Comparator.naturalOrder())
                .orElse(Instant.MIN.plus(PoolView.RECENT_KEPT));
    }

    /**
     * A failure carries the pool's key to the error handler, which dead-letters the record that asked for the look.
     *
     * @param sendAgainAfter at a start, the time after which the events the pool's view remembers are sent again (and
     *                       its status is sent, changed or not); null otherwise
     */
    private void look(String pool, Instant now, Instant sendAgainAfter) {
        try (var ignored = MDC.putCloseable("pool", pool)) {
            lookAt(pool, now, sendAgainAfter);
        } catch (RuntimeException e) {
            throw new PoolProcessingException(pool, e);
        } finally {
            changed.remove(pool);
        }
    }

    private void lookAt(String pool, Instant now, Instant sendAgainAfter) {
        boolean sendAgain = sendAgainAfter != null;
        metrics.looked();
        lookedAt.put(pool, now);
        long timestamp = now.toEpochMilli();
        Pool inputs = pool(pool);
        PoolView previous = inputs.view;
        Map<String, Member> poolMembers = readMembers(pool);
        Map<String, PoolDeparture> poolDepartures = readDepartures(pool);
        StatusCalculator.Look look = StatusCalculator.look(pool,
                new PoolInputs(inputs.spec, inputs.group, poolMembers, poolDepartures), previous, now);
        boolean specTombstoned = specDeleted.remove(pool);
        waiting(pool, look.waitsForProvider());
        if (look.view() == null) {
            timeChanges.remove(pool);
            lookedAt.remove(pool);
            inputs.view = null;
            boolean forgotten = inputs.spec == null && inputs.group == null && poolMembers.isEmpty();
            if (forgotten) {
                pools.remove(pool);
            }
            boolean tombstoned = specTombstoned || previous != null;
            if (tombstoned) {
                views.delete(pool);
                context.forward(new Record<>(pool, null, timestamp));
            }
            if (forgotten || tombstoned) {
                // Forgotten, nothing reads them again. Tombstoned, every object of the pool is let go, and its
                // departures say nothing of a pool made again under its name, whose statuses are numbered from 1 again
                // (and an Azure scale set of the same name numbers its VMs from 0 again): a departure after its old
                // status 50 was after the new one's status 3.
                forgetDepartures(pool, poolDepartures.values());
            }
            return;
        }
        List<PoolView.Sent> sent = new ArrayList<>();
        for (PoolLifecycleEvent event : look.events()) {
            sent.add(new PoolView.Sent(LifecycleIds.of(event, look.view(),
                    previous == null ? null : previous.status()), event));
        }
        PoolView view = look.view().remembering(previous, sent, now);
        inputs.view = view;
        forgetOldDepartures(pool, poolDepartures, view, now);
        // Written before anything is sent, at every look: a crash then finds a view at least as new as every event
        // sent before the last commit, and sends the view's recent events again. A view written later (it was once a
        // second) let a change and its undoing collapse into no change at the restart, and the second event was lost.
        views.put(pool, view);
        timeChanges.put(pool, view.nextLook());
        if (sendAgain || previous == null || !look.status().equals(previous.status())) {
            context.forward(new Record<>(pool, look.status(), timestamp));
            metrics.statusPublished();
        }
        if (sendAgain && previous != null) {
            previous.recent().stream().filter(again -> again.event().at().isAfter(sendAgainAfter))
                    .forEach(again -> send(pool, again, timestamp));
        }
        for (PoolView.Sent event : sent) {
            send(pool, event, timestamp);
            metrics.record(event.event());
        }
    }

    /** Counts the pool in the gauge, and says it once, while its status waits for the provider's first report. */
    private void waiting(String pool, boolean waits) {
        if (waits ? waitingForProvider.add(pool) : waitingForProvider.remove(pool)) {
            metrics.waitingForProvider(waits ? 1 : -1);
            if (waits) {
                log.info("pool {} ran before (its spec lists instances): its status is left as it is until the "
                        + "provider's first report of its group", pool);
            }
        }
    }

    /** The task leaves this instance: its pools are another's to count. */
    @Override
    public void close() {
        metrics.waitingForProvider(-waitingForProvider.size());
        waitingForProvider.clear();
    }

    private void send(String pool, PoolView.Sent event, long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(EventSerializer.ID_HEADER, event.id().getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<>(pool, event.event(), timestamp, headers));
    }

    private Instant now() {
        return Instant.ofEpochMilli(context.currentSystemTimeMs());
    }

    /** A pool's inputs and view, as its stores hold them. */
    private static final class Pool {
        private PoolSpec spec;
        private ScalingGroupState group;
        private PoolView view;
    }
}
