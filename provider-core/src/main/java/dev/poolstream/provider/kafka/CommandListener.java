package dev.poolstream.provider.kafka;

import dev.poolstream.events.Failure;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.serde.MalformedRecordException;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.kafka.KeyedRetries;
import dev.poolstream.provider.cloud.CommandFencedException;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.domain.RetryNotice;
import dev.poolstream.provider.engine.CommandExecutor;
import dev.poolstream.provider.engine.PoolLocks;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.ApplicationListener;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.event.ListenerContainerIdleEvent;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.util.backoff.BackOff;

/**
 * Reads {@code scalinggroup.commands.<cloud>.v1} and carries out each command. A pool's commands run in order and
 * never two at once. One that fails for a reason that may pass is tried again with backoff on the retry thread
 * ({@link KeyedRetries}, keyed by pool), while the commands of every other pool are carried out at once; the pool's
 * later commands wait behind it. A command that cannot be carried out, or whose retries ran out, goes to the
 * dead-letter topic with the reason. Offsets are committed only up to the oldest command not done, so a restart
 * delivers again what was still being retried.
 *
 * <p>It is also the container's rebalance listener: before partitions go it commits what is done, drops their
 * waiting commands and waits for one still running (their new owner carries them out), then lets
 * {@link OwnershipListener} forget their pools; on assignment the pools are restored first.
 */
public class CommandListener implements ConsumerAwareRebalanceListener,
        ApplicationListener<ListenerContainerIdleEvent>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CommandListener.class);

    /** The listener (container) id, for health lookups; not the consumer group, which is configured. */
    public static final String ID = "scalinggroup-commands";

    /** How long partitions that go wait for a command still running for one of their pools. */
    static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(60);

    private final CommandExecutor executor;
    private final String topic;
    private final ConsumerRecordRecoverer deadLetters;
    private final OwnershipListener ownership;
    private final PoolLocks locks;
    private final KeyedRetries<Delivery> retries;
    private final PollLease lease;
    /** Partitions given up and not assigned again: a command of theirs still due is left to their new owner. */
    private final Set<TopicPartition> gone = ConcurrentHashMap.newKeySet();
    /** Partitions assigned and restored. */
    private final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
    /** Pool → partition of the command being carried out for it. */
    private final Map<String, TopicPartition> inFlight = new ConcurrentHashMap<>();
    private volatile boolean restoring;

    /** A record as delivered, and the command read from it (null: a tombstone, or a record that was unreadable). */
    static final class Delivery {
        final ConsumerRecord<?, ?> record;
        final ScalingGroupCommand command;
        final TopicPartition partition;
        volatile boolean deadLettered;
        volatile boolean leftToNewOwner;

        Delivery(ConsumerRecord<?, ?> record, ScalingGroupCommand command) {
            this.record = record;
            this.command = command;
            this.partition = new TopicPartition(record.topic(), record.partition());
        }

        String kind() {
            return command.getClass().getSimpleName();
        }
    }

    /**
     * @param deadLetters where a command goes that cannot be carried out, with the reason (it throws when Kafka did
     *                    not take the record)
     * @param backOff     between attempts of one command, and when to give up
     */
    public CommandListener(CommandExecutor executor, String topic, ConsumerRecordRecoverer deadLetters,
                           OwnershipListener ownership, PoolLocks locks, BackOff backOff, MeterRegistry meters) {
        this(executor, topic, deadLetters, ownership, locks, backOff, meters,
                new PollLease(PollLease.DEFAULT_MAX_POLL_INTERVAL));
    }

    /** @param lease how long a partition is surely still this consumer's (the container's record interceptor) */
    public CommandListener(CommandExecutor executor, String topic, ConsumerRecordRecoverer deadLetters,
                           OwnershipListener ownership, PoolLocks locks, BackOff backOff, MeterRegistry meters,
                           PollLease lease) {
        this.lease = lease;
        this.executor = executor;
        this.topic = topic;
        this.deadLetters = deadLetters;
        this.ownership = ownership;
        this.locks = locks;
        this.retries = new KeyedRetries<>(ID, KeyedRetries.Order.IN_ORDER, this::carryOut, backOff,
                CommandListener::retryable, new Outcomes());
        Gauge.builder("poolstream.provider.commands.retrying", retries, KeyedRetries::waitingKeys)
                .description("pools whose command waits for another attempt (their later commands wait behind it)")
                .register(meters);
    }

    public String topic() {
        return topic;
    }

    @KafkaListener(id = ID, idIsGroup = false, topics = "#{__listener.topic()}",
            containerFactory = "providerCommandContainerFactory")
    public void onCommand(ConsumerRecord<String, ScalingGroupCommand> record, Consumer<?, ?> consumer) {
        ownership.restoreIfNeeded(consumer);
        ScalingGroupCommand command = record.value();
        if (command == null) {
            log.debug("skipping a null record at {}-{}@{}", record.topic(), record.partition(), record.offset());
            retries.submit(record, new Delivery(record, null));
        } else if (ownership.deadLetteredBefore(record)) {
            // Delivered again after a restart (the commit stopped at an older command still retried): it was given up.
            log.info("pool {}: {} {} at {}-{}@{} was dead-lettered before: not again", command.pool(),
                    command.getClass().getSimpleName(), command.id(), record.topic(), record.partition(),
                    record.offset());
            retries.submit(keyed(record, command.pool()), new Delivery(record, null));
        } else {
            try (MDC.MDCCloseable ignored = MDC.putCloseable("pool", command.pool())) {
                // Taken in the turn of the pool the command names (what must not run twice at once, or out of
                // order); a record keyed otherwise is refused when its turn comes (CommandChecks: KeyMismatch).
                retries.submit(keyed(record, command.pool()), new Delivery(record, command));
            }
        }
        retries.commit(consumer);
    }

    /** Whether a record was dead-lettered before this instance took its partition: not to be dead-lettered again. */
    public boolean deadLetteredBefore(ConsumerRecord<?, ?> record) {
        return ownership.deadLetteredBefore(record);
    }

    /**
     * A record the container could not read, dead-lettered by its error handler: taken in its key's turn so that its
     * offset is committed once the records before it are done, and it is not dead-lettered again after a restart.
     */
    public void skipped(ConsumerRecord<?, ?> record, Consumer<?, ?> consumer) {
        retries.submit(keyed(record, record.key() instanceof String key ? key : null), new Delivery(record, null));
        if (consumer != null) {
            retries.commit(consumer);
        }
    }

    /** Commits when no record came for a while: what the retry thread finished since the last record. */
    @Override
    public void onApplicationEvent(ListenerContainerIdleEvent event) {
        if (event.getListenerId().startsWith(ID)) {
            // The event comes on the consumer thread.
            ownership.restoreIfNeeded(event.getConsumer());
            retries.commit(event.getConsumer());
        }
    }

    private static ConsumerRecord<String, Object> keyed(ConsumerRecord<?, ?> record, String key) {
        return new ConsumerRecord<>(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.timestampType(), record.serializedKeySize(), record.serializedValueSize(), key,
                record.value(), record.headers(), record.leaderEpoch());
    }

    /** One attempt at a record, on the consumer thread or the retry thread. What it throws is tried again. */
    private void carryOut(String pool, Delivery d) {
        if (d.command == null) {
            return;
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable("pool", pool)) {
            inFlight.put(pool, d.partition);
            ReentrantLock lock = locks.of(pool);
            lock.lock();
            try {
                if (gone.contains(d.partition)) {
                    // Checked under the pool's lock, which letGo waits for: either this ran before, or not at all.
                    d.leftToNewOwner = true;
                    log.info("pool {}: {} {} left to the new owner of partition {}", pool, d.kind(), d.command.id(),
                            d.partition);
                    return;
                }
                executor.execute(d.record.key() instanceof String key ? key : null, d.command,
                        () -> !gone.contains(d.partition) && lease.holds(d.partition));
            } catch (CommandFencedException e) {
                if (!gone.contains(d.partition)) {
                    // Not known to be gone, but perhaps given away already: tried again once the consumer polled
                    // and knows (then gone, or still its own).
                    throw new RetryableCommandException(Reasons.CONSUMER_POLL_OVERDUE, "the consumer of partition "
                            + d.partition + " began its last poll " + lease.sinceLastPoll(d.partition)
                            + " ago, past the " + lease.hold() + " it surely holds it for (max.poll.interval.ms): no "
                            + "write until it polled again", e);
                }
                // Stalled past the hand-over: its new owner carries it out from a fresh read.
                d.leftToNewOwner = true;
            } catch (RuntimeException e) {
                if (retryable(e)) {
                    throw e;
                }
                deadLetter(d, e);
            } finally {
                lock.unlock();
                inFlight.remove(pool, d.partition);
            }
        }
    }

    /** Refused commands and unreadable ones are not tried again (the classification the error handler had). */
    static boolean retryable(Exception e) {
        if (e instanceof DeadLetterUnavailableException) {
            return true;
        }
        return ProviderKafkaConfiguration.find(e, CommandRefusedException.class) == null
                && ProviderKafkaConfiguration.find(e, MalformedRecordException.class) == null
                && ProviderKafkaConfiguration.find(e, DeserializationException.class) == null
                && ProviderKafkaConfiguration.find(e, IllegalArgumentException.class) == null;
    }

    private void deadLetter(Delivery d, Exception failure) {
        try {
            deadLetters.accept(d.record, failure);
            d.deadLettered = true;
        } catch (RuntimeException sendFailed) {
            // Kafka did not take it: the record stays unfinished (not committed) and is tried again.
            throw new DeadLetterUnavailableException(failure, sendFailed);
        }
    }

    private final class Outcomes implements KeyedRetries.Outcomes<Delivery> {

        @Override
        public void retrying(ConsumerRecord<String, ?> record, Delivery d, int failedAttempts, Duration next,
                             Exception e) {
            if (d.command == null || gone.contains(d.partition)) {
                return;
            }
            String pool = record.key();
            try (MDC.MDCCloseable ignored = MDC.putCloseable("pool", pool)) {
                if (!lease.holds(d.partition)) {
                    // The partition may be another consumer's already: its pool's state is not this one's to publish
                    // (it would stand over the new owner's). The log line says it; the state waits for the poll.
                    log.warn("pool {}: {} {} waits (attempt {}, next in {}): {}", pool, d.kind(), d.command.id(),
                            failedAttempts, RetryNotice.human(next), errorOf(e));
                    return;
                }
                if (e instanceof DeadLetterUnavailableException) {
                    log.warn("pool {}: could not dead-letter {} {} (attempt {}), next try in {}: {}", pool, d.kind(),
                            d.command.id(), failedAttempts, RetryNotice.human(next), e.getMessage());
                    return; // the pool's condition already says why the command failed
                }
                String error = errorOf(e);
                log.warn("pool {}: {} {} failed (attempt {}), next attempt in {}: {}", pool, d.kind(), d.command.id(),
                        failedAttempts, RetryNotice.human(next), error);
                RetryableCommandException retryable = ProviderKafkaConfiguration.find(e,
                        RetryableCommandException.class);
                executor.reportRetrying(d.command, RetryNotice.of(d.kind(), failedAttempts, next,
                        retryable == null ? null : retryable.reason(), error));
            }
        }

        @Override
        public void recovered(ConsumerRecord<String, ?> record, Delivery d, int failedAttempts) {
            if (d.command != null && !d.deadLettered && !d.leftToNewOwner) {
                try (MDC.MDCCloseable ignored = MDC.putCloseable("pool", record.key())) {
                    log.info("pool {}: {} {} carried out after {} failed attempt(s)", record.key(), d.kind(),
                            d.command.id(), failedAttempts);
                }
            }
        }

        @Override
        public void gaveUp(ConsumerRecord<String, ?> record, Delivery d, Exception e) {
            if (d.command == null) {
                return;
            }
            Exception failure = e instanceof DeadLetterUnavailableException u ? u.failure() : e;
            try (MDC.MDCCloseable ignored = MDC.putCloseable("pool", record.key())) {
                log.warn("pool {}: giving up {} {}: {}", record.key(), d.kind(), d.command.id(), errorOf(failure));
                // Throws when Kafka does not take it: the retry thread then tries the record again in a second.
                deadLetters.accept(d.record, failure);
                d.deadLettered = true;
                // Whatever the error: each attempt said the pool was retrying it, and it no longer is.
                executor.reportFailure(d.command, new Failure(Reasons.RETRIES_EXHAUSTED, errorOf(failure)));
            }
        }
    }

    private static String errorOf(Exception e) {
        RetryableCommandException retryable = ProviderKafkaConfiguration.find(e, RetryableCommandException.class);
        return retryable != null ? retryable.getMessage() : DeadLetters.rootCause(e);
    }

    // ---- rebalance ----------------------------------------------------------------------------------------------

    @Override
    public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // Synchronously, while the partitions are still ours: their next owner starts at the oldest command not done.
        retries.commitSync(consumer, Duration.ofSeconds(10));
        letGo(partitions);
        ownership.onPartitionsRevokedBeforeCommit(consumer, partitions);
    }

    @Override
    public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        ownership.onPartitionsRevokedAfterCommit(consumer, partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        letGo(partitions); // nothing can be committed for them any more
        ownership.onPartitionsLost(consumer, partitions);
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        lease.assigned(partitions);
        restoring = true;
        try {
            ownership.onPartitionsAssigned(consumer, partitions);
        } finally {
            gone.removeAll(partitions);
            owned.addAll(partitions);
            restoring = false;
        }
    }

    /** Drops the partitions' waiting commands, and waits for one of theirs still running on the retry thread. */
    private void letGo(Collection<TopicPartition> partitions) {
        owned.removeAll(partitions);
        gone.addAll(partitions);
        retries.revoked(partitions);
        long deadline = System.nanoTime() + IN_FLIGHT_WAIT.toNanos();
        inFlight.forEach((pool, partition) -> {
            if (!partitions.contains(partition)) {
                return;
            }
            ReentrantLock lock = locks.of(pool);
            try {
                if (lock.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    lock.unlock();
                } else {
                    log.warn("pool {}: a command still runs after {} as partition {} goes to another consumer",
                            pool, IN_FLIGHT_WAIT, partition);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    // ---- health -------------------------------------------------------------------------------------------------

    /** Command partitions assigned and restored. */
    public int ownedPartitions() {
        return owned.size();
    }

    /** A restore of newly assigned partitions is under way. */
    public boolean restoring() {
        return restoring;
    }

    /** Why the last restore failed, or null. */
    public String restoreFailure() {
        return ownership.restoreFailure();
    }

    /** Pools whose command waits for another attempt. */
    public int retryingPools() {
        return retries.waitingKeys();
    }

    @Override
    public void close() {
        retries.close();
    }
}
