package dev.poolstream.provider.engine;

import dev.poolstream.events.Failure;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.provider.cloud.ScalingGroup;
import dev.poolstream.provider.domain.Backoff;
import dev.poolstream.provider.domain.GroupOwnership;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.InventoryDiff;
import dev.poolstream.provider.domain.PollSchedule;
import dev.poolstream.provider.domain.PoolRecord;
import dev.poolstream.provider.domain.Projection;
import dev.poolstream.provider.domain.Reasons;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;

/**
 * Describes every known group when it is due (often while a change is in flight, rarely at rest: {@link PollSchedule})
 * and publishes what changed: the group's state, new or changed instances, tombstones for vanished ones. A pool
 * whose group is gone and has nothing left published is forgotten.
 */
public class InventoryPoller implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(InventoryPoller.class);

    private final ScalingGroup cloud;
    private final Inventory inventory;
    private final PoolLocks locks;
    private final PoolPublisher publisher;
    private final PollSchedule schedule;
    private final Backoff failureBackoff;
    private final Duration tick;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Predicate<String> held;
    private ScheduledExecutorService executor;

    /** A poller of pools that are always this instance's: for tests without Kafka. */
    public InventoryPoller(ScalingGroup cloud, Inventory inventory, PoolLocks locks, Publication publication,
                           PollSchedule schedule, Backoff failureBackoff, Duration tick, MeterRegistry meters,
                           Clock clock) {
        this(cloud, inventory, locks, publication, schedule, failureBackoff, tick, meters, clock, pool -> true);
    }

    /**
     * @param held whether the pool's command partition is surely still this instance's (its consumer polled recently
     *             enough that Kafka cannot have given it away): a stalled consumer's pools are neither described nor
     *             published, as their new owner may be publishing them already
     */
    public InventoryPoller(ScalingGroup cloud, Inventory inventory, PoolLocks locks, Publication publication,
                           PollSchedule schedule, Backoff failureBackoff, Duration tick, MeterRegistry meters,
                           Clock clock, Predicate<String> held) {
        this.held = held;
        this.cloud = cloud;
        this.inventory = inventory;
        this.locks = locks;
        this.publisher = new PoolPublisher(cloud.cloud(), publication);
        this.schedule = schedule;
        this.failureBackoff = failureBackoff;
        this.tick = tick;
        this.meters = meters;
        this.clock = clock;
    }

    /** Polls every pool that is due now. */
    public void pollDue() {
        for (PoolRecord record : inventory.all()) {
            if (!clock.instant().isBefore(record.nextPollAt())) {
                poll(record);
            }
        }
    }

    /** Failed describes in a row after which the pool's state says so (one failure is a blip, retried soon). */
    static final int FAILURES_SHOWN_AFTER = 3;

    /** Whether the record is still the one the inventory holds for its pool: not forgotten or replaced. */
    private boolean tracked(PoolRecord record) {
        return inventory.get(record.pool()).orElse(null) == record;
    }

    void poll(PoolRecord record) {
        ReentrantLock lock = locks.of(record.pool());
        if (!lock.tryLock()) {
            return; // a command is running for this pool and will publish itself
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable("pool", record.pool())) {
            if (!tracked(record)) {
                return; // forgotten or replaced meanwhile
            }
            if (!held.test(record.pool())) {
                lapsed(record);
                return;
            }
            Optional<GroupSnapshot> snapshot = cloud.describe(record.group());
            if (!tracked(record)) {
                // Let go during the describe (its partition went to another consumer, which has read the topics back
                // already): what this one saw is not its to publish, and would outlive the other's picture.
                return;
            }
            if (!held.test(record.pool())) {
                lapsed(record); // the lease ran out during the describe
                return;
            }
            Optional<Failure> notOwned = snapshot.flatMap(g -> GroupOwnership.notOwned(cloud.ownership(), g,
                    record.pool(), null));
            if (notOwned.isPresent()) {
                // There, but no longer the pool's own (its tags were changed or removed): its instances still run,
                // and a tombstone would have the status service delete their Nodes, undrained. The pool keeps what
                // was last published and says why; its commands are refused until the group is tagged back.
                if (!record.lastState().map(s -> notOwned.get().equals(s.lastError())).orElse(false)) {
                    log.warn("group {} is no longer the pool's own; its instances are kept as last published: {}",
                            record.group(), notOwned.get().message());
                    publisher.publishFailure(record, notOwned.get());
                }
            } else {
                // Tagged back (or it was never the tags), or described again after failures: no longer said otherwise.
                boolean errorCleared = record.lastState().map(ScalingGroupState::lastError)
                        .filter(e -> Reasons.DESCRIBE_FAILED.equals(e.reason())
                                || snapshot.isPresent() && Reasons.GROUP_NOT_OWNED.equals(e.reason())).isPresent();
                if (errorCleared) {
                    record.lastState(Projection.withError(record.pool(), cloud.cloud(), record.group(),
                            record.lastState(), null));
                }
                InventoryDiff diff = publisher.publish(record, snapshot, -1, null, null, errorCleared);
                if (!diff.isEmpty()) {
                    log.info("group {}: published {} instance change(s) and {} tombstone(s)", record.group(),
                            diff.upserts().size(), diff.tombstones().size());
                }
            }
            record.pollFailures(0);
            Instant now = clock.instant();
            record.nextPollAt(now.plus(schedule.interval(snapshot, record.lastCommandAt(), now)));
            if (snapshot.isEmpty() && record.published().isEmpty() && !record.groupExists()
                    && schedule.settled(record.lastCommandAt(), now)) {
                inventory.forget(record.pool());
                log.info("group {} is gone and nothing of it is published: no longer polled", record.group());
            }
            meters.counter("poolstream.provider.polls", "outcome", "ok").increment();
        } catch (RuntimeException e) {
            int failures = record.pollFailures() + 1;
            record.pollFailures(failures);
            Duration delay = failureBackoff.delay(failures, ThreadLocalRandom.current().nextDouble());
            record.nextPollAt(clock.instant().plus(delay));
            meters.counter("poolstream.provider.polls", "outcome", "failed").increment();
            // The pool's key in the line itself: the MDC closed with the try.
            log.warn("pool {}: describing group {} failed ({} in a row), next try in {}: {}", record.pool(),
                    record.group(), failures, delay, e.getMessage());
            if (failures == FAILURES_SHOWN_AFTER && record.lastState().map(s -> s.lastError() == null).orElse(false)
                    && held.test(record.pool())) {
                // Only the poller talks to the cloud while a pool is steady: without this, the pool would show its
                // last counts as current, and no condition, for as long as the cloud cannot be read.
                publisher.publishFailure(record, new Failure(Reasons.DESCRIBE_FAILED, "describing group "
                        + record.group() + " failed " + failures + " times in a row; its instances are as last seen: "
                        + e.getMessage()));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The pool's partition may be another instance's already (its consumer has not polled for most of
     * {@code max.poll.interval.ms}): nothing is published, and the pool is looked at again a tick later, when the
     * consumer has polled (and kept it, or let it go) or not.
     */
    private void lapsed(PoolRecord record) {
        record.nextPollAt(clock.instant().plus(tick));
        meters.counter("poolstream.provider.polls", "outcome", "lease_lapsed").increment();
        log.debug("group {}: not published, its pool's partition may be another instance's (its consumer has not "
                + "polled in time)", record.group());
    }

    @Override
    public synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "inventory-poller");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(() -> {
            try {
                pollDue();
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                // Anything thrown out of here would end every later round without a word: the poller is what asks
                // the cloud of every steady pool.
                log.error("inventory poll round failed; the next round comes as usual", e);
            }
        }, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return executor != null;
    }
}
