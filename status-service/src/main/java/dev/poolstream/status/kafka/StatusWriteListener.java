package dev.poolstream.status.kafka;

import dev.poolstream.api.PoolKey;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.serde.MalformedRecordException;
import dev.poolstream.kafka.KeyedRetries;
import dev.poolstream.status.domain.RetryReports;
import dev.poolstream.status.domain.StatusPosition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.ApplicationListener;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.event.ListenerContainerIdleEvent;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.support.KafkaUtils;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.util.backoff.BackOff;

/**
 * Reads what the topology committed on {@code machinepool.status.v1} and writes it to Kubernetes, each pool on its
 * own: a pool whose write fails is tried again with backoff on the retry thread ({@link KeyedRetries}, keyed by
 * pool), for as long as it fails, while every other pool's status is written at once. A newer status of a waiting
 * pool replaces the waiting one ({@link KeyedRetries.Order#LATEST_WINS}), and so does its tombstone. Of each batch,
 * only each pool's latest status is written (a scale-up makes many in a row). A record that can never be written (one
 * that cannot be read, is keyed by no pool or by another pool than its status's, or is no status) goes to the DLT,
 * on a queue of its own; nothing else does.
 *
 * <p>Each status is written in two lanes: the pool's own objects ({@link Writer#writePool}: the MachinePool, the
 * infrastructure pool, the Events) on the consumer thread, then its per-instance objects ({@link
 * Writer#writeInstances}: machines, Nodes) on threads of their own, as many as there are consumers. A pool's status
 * never waits behind another pool's Machines; each lane retries its own failures, on as many threads, so that one
 * pool's slow retry does not hold the other pools' back.
 *
 * <p>Offsets are committed only up to the oldest record whose write is not done in both lanes, by this listener on
 * the consumer thread (the container commits nothing): a restart delivers again what was still being written or
 * retried. It is also the container's rebalance listener: before partitions go it commits what is done, drops their
 * waiting writes (their new owner reads them again) and waits for those still running.
 */
public class StatusWriteListener implements ConsumerAwareRebalanceListener,
        ApplicationListener<ListenerContainerIdleEvent>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StatusWriteListener.class);
    private static final LogAccessor LOG_ACCESSOR = new LogAccessor(StatusWriteListener.class);

    /** The listener (container) id, for health lookups; not the consumer group, which is configured. */
    public static final String ID = "status-writer";
    /** A failing pool is reported (WARN line, Event) at its first failure, then at most this often. */
    public static final Duration REPORT_INTERVAL = Duration.ofMinutes(1);
    /** How long partitions that go wait for a write of theirs still running on the retry thread. */
    static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(30);

    /** Where statuses go: the Kubernetes writer, in the service. */
    public interface Writer {
        /**
         * The pool's own objects.
         *
         * @param computedAt where the status stands among the pool's: its record's place and time
         */
        void writePool(PoolStatus status, StatusPosition computedAt);

        /**
         * The pool's per-instance objects: submitted after the first attempt of {@link #writePool} with the same
         * status, and not waiting for it to succeed (each lane retries its own failures).
         */
        void writeInstances(PoolStatus status, StatusPosition computedAt);

        /** The pool's status was tombstoned: the pool is gone, what was seen and told of it is let go. */
        void forgetPool(String pool);

        /** The pool's status was tombstoned (at {@code at}, its record's place): its instances' objects let go. */
        void forgetInstances(String pool, StatusPosition at);

        /** Tells where users look that the pool's status write fails and is tried again. */
        void tellRetrying(String pool, String note);

        /**
         * Partitions were given up: another replica may write their pools' objects now, so what this one saw of
         * them is no base for deciding that a status already stands when they come back.
         */
        void forgetSeenObjects();
    }

    /** What one record asks for. */
    sealed interface Delivery {
        ConsumerRecord<?, ?> record();

        record Write(ConsumerRecord<?, ?> record, PoolStatus status) implements Delivery {
        }

        record Forget(ConsumerRecord<?, ?> record) implements Delivery {
        }

        /** A record that could not be read: to the DLT, with the reason. */
        record Malformed(ConsumerRecord<?, ?> record, Exception error) implements Delivery {
        }
    }

    /** The two lanes a status is written in. */
    enum Lane {
        /** The pool's own objects, on the consumer thread: what users wait for first. */
        POOL("its status", "the pool's status"),
        /** Its per-instance objects, on threads of their own. */
        INSTANCES("its instances' objects", "the objects of the pool's instances");

        /** What the lane writes, in a log line that names the pool. */
        private final String what;
        /** The same, in a note on the pool's own object. */
        private final String whatOnThePool;

        Lane(String what, String whatOnThePool) {
            this.what = what;
            this.whatOnThePool = whatOnThePool;
        }
    }

    private final Writer writer;
    private final ConsumerRecordRecoverer deadLetters;
    private final Clock clock;
    /** The pool lane; it commits what both lanes are done with. */
    private final KeyedRetries<Delivery> poolWrites;
    private final KeyedRetries<Delivery> instanceWrites;
    private final RetryReports reports = new RetryReports(REPORT_INTERVAL);
    private final Counter failures;
    /** Partitions given up and not assigned again: a write of theirs still waiting is their new owner's. */
    private final Set<TopicPartition> gone = ConcurrentHashMap.newKeySet();
    /**
     * Partition → the consumer of this listener it was last assigned to. The consumers share the lanes, whose state is
     * per partition: one that lost a partition (it stayed past {@code max.poll.interval.ms}) must neither submit the
     * rest of its batch of it nor let go of it once another consumer here has it.
     */
    private final Map<TopicPartition, Consumer<?, ?>> owners = new ConcurrentHashMap<>();
    private volatile boolean joined;
    /** Lane and pool → the partition of its write running now. */
    private final Map<String, TopicPartition> inFlight = new ConcurrentHashMap<>();

    /**
     * @param deadLetters where a record goes that cannot be read (it throws when Kafka did not take it: tried again)
     * @param backOff     between attempts of one pool's write; it should never stop (a status write failing is
     *                    taken as transient)
     * @param laneThreads how many pools' writes each lane runs at once off the consumer threads: the instances'
     *                    objects, and each lane's retries
     */
    public StatusWriteListener(Writer writer, ConsumerRecordRecoverer deadLetters, BackOff backOff, Clock clock,
                               MeterRegistry registry, int laneThreads) {
        this.writer = writer;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.poolWrites = new KeyedRetries<>(ID, KeyedRetries.Order.LATEST_WINS,
                KeyedRetries.FirstAttempt.ON_SUBMITTER, laneThreads,
                (pool, delivery) -> attempt(Lane.POOL, pool, delivery), backOff, e -> true, new Outcomes(Lane.POOL));
        this.instanceWrites = new KeyedRetries<>(ID + "-instances", KeyedRetries.Order.LATEST_WINS,
                KeyedRetries.FirstAttempt.ON_OWN_THREAD, laneThreads,
                (pool, delivery) -> attempt(Lane.INSTANCES, pool, delivery),
                backOff, e -> true, new Outcomes(Lane.INSTANCES));
        poolWrites.alsoWaitFor(instanceWrites);
        Gauge.builder("poolstream.status.write.retrying", this, StatusWriteListener::retryingPools)
                .description("pools whose status write failed and waits for another attempt")
                .register(registry);
        this.failures = Counter.builder("poolstream.status.write.failures")
                .description("failed attempts at writing a pool's status").register(registry);
    }

    @KafkaListener(id = ID, idIsGroup = false, topics = "machinepool.status.v1", batch = "true",
            containerFactory = "statusWriterContainerFactory")
    public void onStatuses(List<ConsumerRecord<String, Keyed>> records, Consumer<?, ?> consumer) {
        // A status replaces the one before: of each pool only its latest status (or tombstone), in the order they
        // came. A malformed record is none, and replaces nothing.
        Map<String, ConsumerRecord<String, Keyed>> latest = new LinkedHashMap<>();
        List<Delivery> deliveries = new ArrayList<>();
        for (ConsumerRecord<String, Keyed> record : records) {
            Delivery.Malformed malformed = malformed(record);
            if (malformed != null) {
                deliveries.add(malformed);
            } else {
                latest.remove(record.key());
                latest.put(record.key(), record);
            }
        }
        for (ConsumerRecord<String, Keyed> record : latest.values()) {
            deliveries.add(record.value() == null ? new Delivery.Forget(record)
                    : new Delivery.Write(record, (PoolStatus) record.value()));
        }
        for (Delivery delivery : deliveries) {
            @SuppressWarnings("unchecked")
            ConsumerRecord<String, ?> record = (ConsumerRecord<String, ?>) delivery.record();
            if (!owns(consumer, new TopicPartition(record.topic(), record.partition()))) {
                // The partition went to another consumer here while this one was in its batch (each first attempt
                // runs here, and they take time): that one reads it again.
                continue;
            }
            if (delivery instanceof Delivery.Malformed) {
                // An unreadable record is no status of its pool: in a queue of its own, it neither replaces a status
                // waiting to be written (the latest wins) nor waits behind it.
                poolWrites.submit(queuedApart(record), delivery);
            } else {
                poolWrites.submit(record, delivery);
                instanceWrites.submit(record, delivery);
            }
        }
        commit(consumer);
    }

    /** Commits what both lanes are done with, of the partitions that are still the consumer's own. */
    private void commit(Consumer<?, ?> consumer) {
        poolWrites.commit(consumer, owned(consumer));
    }

    /** The consumer's partitions that no other consumer of this listener has been assigned since. */
    private List<TopicPartition> owned(Consumer<?, ?> consumer) {
        return consumer.assignment().stream().filter(partition -> owns(consumer, partition)).toList();
    }

    private boolean owns(Consumer<?, ?> consumer, TopicPartition partition) {
        Consumer<?, ?> owner = owners.get(partition);
        return owner == null || owner == consumer;
    }

    /**
     * The record as a malformed one, or null for a status or tombstone of the pool its key names. Neither is ever
     * writable: retried, it would hold the partition's commits at this record for good.
     */
    private static Delivery.Malformed malformed(ConsumerRecord<String, Keyed> record) {
        DeserializationException unreadable = SerializationUtils.getExceptionFromHeader(record,
                KafkaUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG_ACCESSOR);
        if (unreadable != null) {
            return new Delivery.Malformed(record, unreadable);
        }
        String keyProblem = keyProblem(record);
        if (keyProblem != null) {
            return new Delivery.Malformed(record, MalformedRecordException.at(record, PoolStatus.class,
                    new IllegalArgumentException(keyProblem)));
        }
        if (record.value() != null && !(record.value() instanceof PoolStatus)) {
            return new Delivery.Malformed(record, new IllegalArgumentException(
                    "not a pool status: " + record.value().getClass().getSimpleName()));
        }
        return null;
    }

    /** Why the record's key names no pool this status can be written for, or null. */
    private static String keyProblem(ConsumerRecord<String, Keyed> record) {
        try {
            PoolKey.parse(record.key());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (record.value() instanceof PoolStatus status && !record.key().equals(status.pool())) {
            return "the status is of pool '" + status.pool() + "', not of its key '" + record.key() + "'";
        }
        return null;
    }

    /** The record under a key of its own (its place in the partition unchanged, for the commits). */
    private static ConsumerRecord<String, ?> queuedApart(ConsumerRecord<String, ?> record) {
        return new ConsumerRecord<>(record.topic(), record.partition(), record.offset(),
                "unreadable@" + record.offset() + " " + record.key(), record.value());
    }

    /** Commits when no record came for a while: what the retry thread finished since the last batch. */
    @Override
    public void onApplicationEvent(ListenerContainerIdleEvent event) {
        if (event.getListenerId().startsWith(ID) && event.getConsumer() != null) {
            commit(event.getConsumer()); // the event comes on the consumer thread
        }
    }

    /** One attempt at a record in a lane, on the lane's thread or its retry thread. What it throws is tried again. */
    private void attempt(Lane lane, String pool, Delivery delivery) {
        TopicPartition partition = new TopicPartition(delivery.record().topic(), delivery.record().partition());
        String running = lane + " " + pool;
        synchronized (inFlight) {
            if (gone.contains(partition)) {
                return; // its new owner writes it
            }
            inFlight.put(running, partition);
        }
        try {
            StatusPosition at = new StatusPosition(Instant.ofEpochMilli(delivery.record().timestamp()),
                    partition.toString(), delivery.record().offset(),
                    delivery instanceof Delivery.Write write ? write.status().look() : 0);
            if (delivery instanceof Delivery.Write write) {
                if (lane == Lane.POOL) {
                    writer.writePool(write.status(), at);
                } else {
                    writer.writeInstances(write.status(), at);
                }
            } else if (delivery instanceof Delivery.Malformed malformed) {
                deadLetters.accept(malformed.record(), malformed.error());
            } else if (lane == Lane.POOL) {
                writer.forgetPool(pool);
            } else {
                writer.forgetInstances(pool, at);
            }
        } finally {
            synchronized (inFlight) {
                inFlight.remove(running);
                inFlight.notifyAll();
            }
        }
    }

    private final class Outcomes implements KeyedRetries.Outcomes<Delivery> {

        private final Lane lane;

        Outcomes(Lane lane) {
            this.lane = lane;
        }

        @Override
        public void retrying(ConsumerRecord<String, ?> queued, Delivery delivery, int failedAttempts, Duration next,
                             Exception e) {
            ConsumerRecord<?, ?> record = delivery.record();
            String pool = (String) record.key();
            failures.increment();
            if (!reports.failed(lane + " " + pool, clock.instant())) {
                return;
            }
            try (var ignored = MDC.putCloseable("pool", pool)) {
                if (delivery instanceof Delivery.Malformed) {
                    log.warn("pool {}: an unreadable record ({}-{}@{}) could not be dead-lettered (attempt {}), next "
                                    + "attempt in {}: {}", pool, record.topic(), record.partition(), record.offset(),
                            failedAttempts, seconds(next), describe(e));
                    return;
                }
                log.warn("pool {}: writing {} failed (attempt {}), next attempt in {}, and on until it is "
                        + "written: {}", pool, lane.what, failedAttempts, seconds(next), describe(e));
                writer.tellRetrying(pool, "Writing " + lane.whatOnThePool + " failed and is tried again with backoff: "
                        + describe(e));
            }
        }

        @Override
        public void recovered(ConsumerRecord<String, ?> queued, Delivery delivery, int failedAttempts) {
            String pool = (String) delivery.record().key();
            reports.recovered(lane + " " + pool);
            try (var ignored = MDC.putCloseable("pool", pool)) {
                String done = delivery instanceof Delivery.Write ? lane.what + " written"
                        : delivery instanceof Delivery.Forget ? "it is gone (its status tombstoned)"
                        : "an unreadable record of it was dead-lettered";
                log.info("pool {}: {} after {} failed attempt(s)", pool, done, failedAttempts);
            }
        }

        @Override
        public void gaveUp(ConsumerRecord<String, ?> queued, Delivery delivery, Exception e) {
            ConsumerRecord<?, ?> record = delivery.record();
            // The backoff never stops and every failure is retryable: this is a bug if it happens.
            try (var ignored = MDC.putCloseable("pool", (String) record.key())) {
                log.error("pool {}: gave up writing {} ({}-{}@{}): {}", record.key(), lane.what, record.topic(),
                        record.partition(), record.offset(), describe(e));
            }
        }
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    // ---- rebalance ----------------------------------------------------------------------------------------------

    @Override
    public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // Synchronously, while the partitions are still ours: their next owner starts at the oldest write not done.
        poolWrites.commitSync(consumer, owned(consumer), Duration.ofSeconds(10));
        letGo(consumer, partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        letGo(consumer, partitions); // nothing can be committed for them any more
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        synchronized (inFlight) {
            partitions.forEach(partition -> owners.put(partition, consumer));
            gone.removeAll(partitions);
        }
        joined = true;
        // A consumer of this pod that lost them while in a batch may still be writing one of their statuses: its
        // older status must not land after this one's newer.
        awaitInFlight(partitions);
    }

    /** A consumer of the writer has had its first assignment (partitions or none): it is in its group. */
    public boolean joined() {
        return joined;
    }

    /**
     * Drops the partitions' waiting writes, and waits for one of theirs still running on the retry thread: an older
     * status written after their new owner wrote a newer one would stand until the pool's next change.
     */
    private void letGo(Consumer<?, ?> consumer, Collection<TopicPartition> given) {
        List<TopicPartition> partitions;
        synchronized (inFlight) {
            // Only those still the consumer's: one that another consumer here has since is that one's to keep.
            partitions = given.stream()
                    .filter(partition -> owners.get(partition) == null || owners.remove(partition, consumer))
                    .toList();
            gone.addAll(partitions);
        }
        if (partitions.isEmpty()) {
            return;
        }
        poolWrites.revoked(partitions);
        instanceWrites.revoked(partitions);
        try {
            awaitInFlight(partitions);
        } finally {
            // After the write in flight: it keeps the copies it read or wrote, which must not outlast the hand-over.
            writer.forgetSeenObjects();
        }
    }

    private void awaitInFlight(Collection<TopicPartition> partitions) {
        long deadline = System.nanoTime() + IN_FLIGHT_WAIT.toNanos();
        synchronized (inFlight) {
            while (inFlight.values().stream().anyMatch(partitions::contains)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("a status write of partitions {} still runs after {}; their new owner may write an "
                            + "older status after it", partitions, IN_FLIGHT_WAIT);
                    return;
                }
                try {
                    inFlight.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Pools whose status write (or their instances' objects') failed and waits for another attempt. */
    public int retryingPools() {
        Set<String> pools = new java.util.HashSet<>(poolWrites.failingKeys());
        pools.addAll(instanceWrites.failingKeys());
        return pools.size();
    }

    @Override
    public void close() {
        poolWrites.close();
        instanceWrites.close();
    }
}
