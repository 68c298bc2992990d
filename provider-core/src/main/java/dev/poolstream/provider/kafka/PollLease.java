package dev.poolstream.provider.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.listener.RecordInterceptor;

/**
 * How long a partition is surely still this consumer's. Kafka's heartbeat thread leaves the group once
 * {@code max.poll.interval.ms} passed since the consumer's last poll, and the group gives its partitions to others;
 * the consumer thread hears of it only at its next poll, which a long batch of first attempts keeps it from. So a
 * partition is held only while its consumer began a poll within that interval (less a tenth, for the write under
 * way): a write past it is not made, whatever the rebalance callbacks said last.
 *
 * <p>The container calls {@link #setupThreadState} on the consumer thread before every poll (Spring Kafka's poll
 * hook for interceptors); the rebalance callbacks run inside a poll, on the same thread.
 */
public final class PollLease implements RecordInterceptor<Object, Object> {

    /** Kafka's default {@code max.poll.interval.ms}. */
    public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMinutes(5);

    private final long holdNanos;
    private final LongSupplier nanoTime;
    /** Consumer thread → when it last began a poll. */
    private final Map<Thread, Long> pollBegan = new ConcurrentHashMap<>();
    /** Partition → the thread of the consumer it is assigned to. */
    private final Map<TopicPartition, Thread> consumerOf = new ConcurrentHashMap<>();
    /** Polls begun, by every consumer: that the container tells this at all. */
    private final AtomicLong polls = new AtomicLong();

    /** @param maxPollInterval the consumer's {@code max.poll.interval.ms} */
    public PollLease(Duration maxPollInterval) {
        this(maxPollInterval, System::nanoTime);
    }

    PollLease(Duration maxPollInterval, LongSupplier nanoTime) {
        this.holdNanos = maxPollInterval.toNanos() / 10 * 9;
        this.nanoTime = nanoTime;
    }

    @Override
    public void setupThreadState(Consumer<?, ?> consumer) {
        pollBegan.put(Thread.currentThread(), nanoTime.getAsLong());
        polls.incrementAndGet();
    }

    @Override
    public ConsumerRecord<Object, Object> intercept(ConsumerRecord<Object, Object> record,
                                                    Consumer<Object, Object> consumer) {
        return record;
    }

    /** On assignment, within the consumer's poll. */
    void assigned(Collection<TopicPartition> partitions) {
        Thread consumer = Thread.currentThread();
        pollBegan.putIfAbsent(consumer, nanoTime.getAsLong());
        partitions.forEach(p -> consumerOf.put(p, consumer));
    }

    /** Whether the partition's consumer began a poll recently enough that Kafka cannot have given it away. */
    boolean holds(TopicPartition partition) {
        Thread consumer = consumerOf.get(partition);
        Long began = consumer == null ? null : pollBegan.get(consumer);
        return began != null && nanoTime.getAsLong() - began < holdNanos;
    }

    /**
     * Whether the partition of this number (of the command topic the lease's consumers read) is surely still held:
     * for the inventory poller, which knows a pool's partition by number.
     */
    public boolean holds(int partition) {
        return consumerOf.keySet().stream().filter(p -> p.partition() == partition).anyMatch(this::holds);
    }

    /** How long ago the partition's consumer began its last poll; null when it has none. */
    Duration sinceLastPoll(TopicPartition partition) {
        Thread consumer = consumerOf.get(partition);
        Long began = consumer == null ? null : pollBegan.get(consumer);
        return began == null ? null : Duration.ofNanos(nanoTime.getAsLong() - began);
    }

    long polls() {
        return polls.get();
    }

    Duration hold() {
        return Duration.ofNanos(holdNanos);
    }
}
