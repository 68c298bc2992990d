package dev.poolstream.kafka;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Work on keyed records (one pool per key) where a key that fails is tried again with backoff on a thread of its
 * own, while the consumer goes on with every other key: one pool's failing cloud or API server never delays
 * another pool. Work for one key is never run twice at once, and while a key has work waiting, later records of
 * that key wait behind it ({@link Order#IN_ORDER}: commands) or replace it ({@link Order#LATEST_WINS}: a status
 * replaces the one before). An Error the work throws (a class missing at run time, a stack too deep) is a failure
 * like any other, as a {@link WorkError}: retried, told, and given up when the backoff stops.
 *
 * <p>Nothing is lost on a restart: {@link #committable(Collection)} gives, per partition, the offset of the oldest
 * record whose work is not done (or the end of what was delivered), so a record is committed only once its work is
 * done, given up, or superseded. The consumer commits that (see {@link #commit(Consumer)}); its container commits
 * nothing of its own (ack mode MANUAL, never acknowledged).
 *
 * <p>The consumers of a concurrent container can share one: a record's first attempt runs on the thread of the
 * consumer its partition is assigned to, and each consumer commits only its own partitions. Or every attempt runs on
 * the work's own thread ({@link FirstAttempt#ON_OWN_THREAD}): a second kind of work on the same records that must not
 * hold the consumer up, whose records are then committed only once both are done with them
 * ({@link #alsoWaitFor(KeyedRetries)}).
 *
 * @param <V> the record's value
 */
public final class KeyedRetries<V> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeyedRetries.class);

    /** What a key's later records do while it has work waiting. */
    public enum Order {
        /** Queue behind it, and run in order once it is done. */
        IN_ORDER,
        /** Replace it: only the newest value of a key matters. */
        LATEST_WINS
    }

    /** Where a record's first attempt runs. */
    public enum FirstAttempt {
        /** On the thread that submits it (the consumer's); later ones on the retry thread. */
        ON_SUBMITTER,
        /** On the retry thread, as every later one: {@link #submit} only queues it. */
        ON_OWN_THREAD
    }

    /** The work on one record; an exception means it failed. */
    @FunctionalInterface
    public interface Work<V> {
        void run(String key, V value) throws Exception;
    }

    /** What the owner hears of a key's retries. Called on the thread that made the attempt. */
    public interface Outcomes<V> {
        /** An attempt failed and another comes after {@code next}. */
        default void retrying(ConsumerRecord<String, ?> record, V value, int failedAttempts, Duration next,
                              Exception e) {
        }

        /** A record's work succeeded after {@code failedAttempts} failed ones. */
        default void recovered(ConsumerRecord<String, ?> record, V value, int failedAttempts) {
        }

        /** The record's work failed for good: not retryable, or its backoff ran out (send it to the DLT). */
        void gaveUp(ConsumerRecord<String, ?> record, V value, Exception e);
    }

    private final String name;
    private final Order order;
    private final FirstAttempt firstAttempt;
    private final Work<V> work;
    private final BackOff backOff;
    private final Predicate<Exception> retryable;
    private final Outcomes<V> outcomes;
    private final ScheduledExecutorService retryThreads;
    /** Another's work on the same records: a record is committed only once that is done with it too. */
    private volatile KeyedRetries<?> alongside;

    /** Key → its records whose work is waiting, oldest first (at most one with LATEST_WINS). */
    private final Map<String, Deque<Item<V>>> waiting = new HashMap<>();
    /** Per partition: the offsets of records whose work is not done. */
    private final Map<TopicPartition, TreeMap<Long, Item<V>>> pending = new HashMap<>();
    /** Per partition: the offset after the last record delivered. */
    private final Map<TopicPartition, Long> delivered = new HashMap<>();
    /** Per partition: the offset last handed out to commit. */
    private final Map<TopicPartition, Long> handedOut = new HashMap<>();

    /**
     * @param name      for the retry thread's name and log lines
     * @param backOff   how long between attempts of one record, and when to give up ({@code STOP})
     * @param retryable whether a failure is worth another attempt; the others are given up at once
     */
    public KeyedRetries(String name, Order order, Work<V> work, BackOff backOff, Predicate<Exception> retryable,
                        Outcomes<V> outcomes) {
        this(name, order, FirstAttempt.ON_SUBMITTER, 1, work, backOff, retryable, outcomes);
    }

    /**
     * @param firstAttempt where a record's first attempt runs
     * @param threads      how many keys' attempts may run at once (one key's never do: a key has at most one run
     *                     scheduled, the next scheduled only when it ends)
     */
    public KeyedRetries(String name, Order order, FirstAttempt firstAttempt, int threads, Work<V> work,
                        BackOff backOff, Predicate<Exception> retryable, Outcomes<V> outcomes) {
        this.name = name;
        this.order = order;
        this.firstAttempt = firstAttempt;
        this.work = work;
        this.backOff = backOff;
        this.retryable = retryable;
        this.outcomes = outcomes;
        this.retryThreads = Executors.newScheduledThreadPool(threads, r -> {
            Thread thread = new Thread(r, name + "-retries");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** An Error the work threw, as the failure it is to the caller (its message names the Error). */
    public static final class WorkError extends RuntimeException {
        WorkError(Error cause) {
            super(cause.toString(), cause);
        }
    }

    private static final class Item<V> {
        final ConsumerRecord<String, ?> record;
        final V value;
        final TopicPartition partition;
        BackOffExecution backOff;
        int failures;

        Item(ConsumerRecord<String, ?> record, V value) {
            this.record = record;
            this.value = value;
            this.partition = new TopicPartition(record.topic(), record.partition());
        }
    }

    /**
     * Commits a record only once {@code other} is done with it too: a second kind of work on the same records, each
     * of which is submitted here first and then there, on the same consumer thread.
     */
    public void alsoWaitFor(KeyedRetries<?> other) {
        this.alongside = other;
    }

    /**
     * On the consumer thread: runs the record's work now, unless its key has work waiting (then it waits behind it,
     * or replaces it). A failure is tried again later on the retry thread; the call returns either way. With
     * {@link FirstAttempt#ON_OWN_THREAD} the work is queued for the retry thread, never run here.
     */
    public void submit(ConsumerRecord<String, ?> record, V value) {
        Item<V> item = new Item<>(record, value);
        Deque<Item<V>> queue;
        synchronized (this) {
            delivered.merge(item.partition, record.offset() + 1, Math::max);
            queue = waiting.get(record.key());
            if (queue != null) {
                if (order == Order.LATEST_WINS) {
                    // The waiting value is superseded; the new one keeps the retry schedule already running.
                    Item<V> replaced = queue.pollLast();
                    if (replaced != null) {
                        done(replaced);
                        item.backOff = replaced.backOff;
                        item.failures = replaced.failures;
                    }
                }
                queue.addLast(item);
                pending(item);
                return;
            }
            if (firstAttempt == FirstAttempt.ON_OWN_THREAD) {
                queue = new ArrayDeque<>();
                queue.addLast(item);
                waiting.put(record.key(), queue);
                pending(item);
            }
        }
        if (queue != null) {
            schedule(record.key(), queue, 0);
            return;
        }
        attempt(item, null);
    }

    /**
     * Runs one attempt of an item: its first on the submitter ({@code queue} null), or on the retry thread as the
     * head of {@code queue}, its key's queue when the run was scheduled.
     */
    private void attempt(Item<V> item, Deque<Item<V>> queue) {
        try {
            work.run(item.record.key(), item.value);
        } catch (Exception e) {
            failed(item, queue, e);
            return;
        } catch (Error e) {
            // A failure of the work like any other: retried with backoff, told, given up when the backoff stops. On
            // the consumer thread it would stop every consumer of the container, and a revoke on the way out could
            // commit past the record.
            failed(item, queue, new WorkError(e));
            return;
        }
        if (queue != null) {
            if (item.failures > 0) {
                outcomes.recovered(item.record, item.value, item.failures);
            }
            finished(item, queue);
        }
    }

    private void failed(Item<V> item, Deque<Item<V>> queue, Exception e) {
        boolean retry = queue != null;
        boolean stillWanted;
        synchronized (this) {
            stillWanted = !retry || (waiting.get(item.record.key()) == queue && queue.peekFirst() == item);
        }
        if (!stillWanted) {
            finished(item, queue); // replaced by a newer value, or revoked, while it ran: the failure is moot
            return;
        }
        item.failures++;
        long next = BackOffExecution.STOP;
        if (retryable.test(e)) {
            if (item.backOff == null) {
                item.backOff = backOff.start();
            }
            next = item.backOff.nextBackOff();
        }
        if (next == BackOffExecution.STOP) {
            outcomes.gaveUp(item.record, item.value, e);
            if (retry) {
                finished(item, queue);
            }
            return;
        }
        if (!retry) {
            queue = queueFirst(item);
            if (queue == null) {
                return; // revoked meanwhile: its new owner reads it again
            }
        }
        outcomes.retrying(item.record, item.value, item.failures, Duration.ofMillis(next), e);
        schedule(item.record.key(), queue, next);
    }

    /** Puts a failed first attempt at the head of its key's queue; null if its partition was revoked meanwhile. */
    private synchronized Deque<Item<V>> queueFirst(Item<V> item) {
        if (!delivered.containsKey(item.partition)) {
            return null;
        }
        Deque<Item<V>> queue = waiting.computeIfAbsent(item.record.key(), k -> new ArrayDeque<>());
        queue.addFirst(item);
        pending(item);
        return queue;
    }

    /**
     * The item's work is done (succeeded, given up, or replaced while it ran): the key's next goes on, if
     * {@code queue}, the one the item's run was scheduled for, is still the key's. One dropped when its partition was
     * revoked is not; a queue made since (the partition assigned again) has a run of its own, and scheduling its head
     * from here would run it twice at once.
     */
    private void finished(Item<V> item, Deque<Item<V>> queue) {
        String key = item.record.key();
        boolean more;
        synchronized (this) {
            if (waiting.get(key) != queue) {
                return; // revoked, and perhaps assigned again
            }
            if (queue.peekFirst() == item) {
                queue.pollFirst();
                done(item);
            }
            more = !queue.isEmpty();
            if (!more) {
                waiting.remove(key);
            }
        }
        if (more) {
            schedule(key, queue, 0);
        }
    }

    /**
     * Runs the head of the key's queue after the delay, if that queue is still the key's: one dropped when its
     * partition was revoked is not, and a new one made since (the partition assigned again) has a run of its own, so
     * that a key's work never runs twice at once.
     */
    private void schedule(String key, Deque<Item<V>> queue, long delayMillis) {
        try {
            retryThreads.schedule(() -> retry(key, queue), delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("{}: not retrying {}: stopping", name, key);
        }
    }

    private void retry(String key, Deque<Item<V>> queue) {
        Item<V> head;
        synchronized (this) {
            head = waiting.get(key) == queue ? queue.peekFirst() : null;
        }
        if (head != null) {
            try {
                attempt(head, queue);
            } catch (RuntimeException | Error e) {
                // An Error too: left to the executor, it would end this key's retries silently, its head waiting and
                // every later record of the key, and the partition's commits, behind it for good.
                log.error("{}: retrying {} failed unexpectedly; trying again in 1 s", name, key, e);
                schedule(key, queue, 1_000);
            }
        }
    }

    private void pending(Item<V> item) {
        pending.computeIfAbsent(item.partition, p -> new TreeMap<>()).put(item.record.offset(), item);
    }

    private void done(Item<V> item) {
        TreeMap<Long, Item<V>> offsets = pending.get(item.partition);
        if (offsets != null && offsets.get(item.record.offset()) == item) {
            offsets.remove(item.record.offset());
        }
    }

    /**
     * The offsets to commit now, per partition of {@code owned} that moved since the last call: the oldest record
     * whose work is not done, or the end of what was delivered. Only the caller's partitions: another consumer's may
     * have a first attempt running on its thread, which nothing here marks as not done.
     */
    public synchronized Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> owned) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<TopicPartition, Long> done = doneUpTo(owned);
        KeyedRetries<?> other = alongside;
        if (other != null) {
            other.doneUpTo(owned).forEach((partition, safe) -> done.merge(partition, safe, Math::min));
        }
        done.forEach((partition, safe) -> {
            if (!safe.equals(handedOut.get(partition))) {
                offsets.put(partition, new OffsetAndMetadata(safe));
                handedOut.put(partition, safe);
            }
        });
        return offsets;
    }

    /**
     * Per partition of {@code owned} that records were submitted from: the offset of the oldest record whose work is
     * not done, or the end of what was submitted. What an owner of two commits the least of.
     */
    public synchronized Map<TopicPartition, Long> doneUpTo(Collection<TopicPartition> owned) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        delivered.forEach((partition, end) -> {
            if (owned.contains(partition)) {
                TreeMap<Long, Item<V>> open = pending.get(partition);
                offsets.put(partition, open == null || open.isEmpty() ? end : open.firstKey());
            }
        });
        return offsets;
    }

    /** On the consumer thread: commits what is safe (asynchronously; a lost commit only means work done twice). */
    public void commit(Consumer<?, ?> consumer) {
        commit(consumer, consumer.assignment());
    }

    /** The same, for those of the consumer's partitions that are still its own ({@code owned}). */
    public void commit(Consumer<?, ?> consumer, Collection<TopicPartition> owned) {
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(owned);
        if (!offsets.isEmpty()) {
            consumer.commitAsync(offsets, (committed, e) -> {
                if (e != null) {
                    log.debug("{}: commit of {} failed: {}", name, committed, e.toString());
                }
            });
        }
    }

    /**
     * On the consumer thread, while partitions are still ours (before they go): commits what is safe, and waits, so
     * that their next owner starts at the oldest record whose work is not done. A failed commit only means work done
     * since the last one comes again, and says so.
     */
    public void commitSync(Consumer<?, ?> consumer, Duration timeout) {
        commitSync(consumer, consumer.assignment(), timeout);
    }

    /** The same, for those of the consumer's partitions that are still its own ({@code owned}). */
    public void commitSync(Consumer<?, ?> consumer, Collection<TopicPartition> owned, Duration timeout) {
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(owned);
        if (!offsets.isEmpty()) {
            try {
                consumer.commitSync(offsets, timeout);
            } catch (RuntimeException e) {
                log.warn("{}: committing {} before a rebalance failed; what was done since the last commit comes "
                        + "again: {}", name, offsets, e.toString());
            }
        }
    }

    /**
     * The partitions went to another consumer (call before they go, after a last {@link #commit}): their waiting
     * work is dropped, since their new owner reads it again from the committed offset.
     */
    public synchronized void revoked(Collection<TopicPartition> partitions) {
        Set<TopicPartition> gone = new HashSet<>(partitions);
        waiting.values().removeIf(queue -> {
            queue.removeIf(item -> gone.contains(item.partition));
            return queue.isEmpty();
        });
        gone.forEach(p -> {
            pending.remove(p);
            delivered.remove(p);
            handedOut.remove(p);
        });
    }

    /** Keys with work waiting for another attempt (or, {@link FirstAttempt#ON_OWN_THREAD}, for its first). */
    public synchronized int waitingKeys() {
        return waiting.size();
    }

    /** The keys whose work failed and waits for another attempt. */
    public synchronized Set<String> failingKeys() {
        Set<String> keys = new HashSet<>();
        waiting.forEach((key, queue) -> {
            if (!queue.isEmpty() && queue.peekFirst().failures > 0) {
                keys.add(key);
            }
        });
        return keys;
    }

    /** Whether a key has work waiting. */
    public synchronized boolean isWaiting(String key) {
        return waiting.containsKey(key);
    }

    @Override
    public void close() {
        retryThreads.shutdownNow();
    }
}
