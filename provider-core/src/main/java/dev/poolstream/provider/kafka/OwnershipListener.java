package dev.poolstream.provider.kafka;

import dev.poolstream.provider.domain.Inventory;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * A provider instance looks after the pools whose commands it consumes: on assignment it restores them from Kafka
 * (before the first command of those partitions is read; a restore that fails holds their commands and is tried
 * again), on revocation it forgets them, so two instances never poll the same group.
 */
public class OwnershipListener implements ConsumerAwareRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(OwnershipListener.class);

    /** How long after a failed restore it is tried again. */
    static final Duration RESTORE_RETRY = Duration.ofSeconds(5);

    private final InventoryRestorer restorer;
    private final Inventory inventory;
    private final int partitions;
    private final Duration restoreRetry;
    private volatile String restoreFailure;
    /** Assigned partitions not restored yet: their commands wait, paused. Consumer thread only. */
    private final Set<TopicPartition> unrestored = new HashSet<>();
    private long nextRestoreNanos;

    public OwnershipListener(InventoryRestorer restorer, Inventory inventory, int partitions) {
        this(restorer, inventory, partitions, RESTORE_RETRY);
    }

    OwnershipListener(InventoryRestorer restorer, Inventory inventory, int partitions, Duration restoreRetry) {
        this.restorer = restorer;
        this.inventory = inventory;
        this.partitions = partitions;
        this.restoreRetry = restoreRetry;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        unrestored.addAll(assigned);
        nextRestoreNanos = System.nanoTime();
        restoreIfNeeded(consumer);
    }

    /**
     * On the consumer thread: restores the assigned partitions not restored yet, when their next attempt is due. Until
     * then their commands wait (paused): carried out without what the topics say was done or dead-lettered, commands
     * past the committed offset would run again, and their pools would not be polled. Readiness says so meanwhile.
     */
    public void restoreIfNeeded(Consumer<?, ?> consumer) {
        if (unrestored.isEmpty() || System.nanoTime() - nextRestoreNanos < 0) {
            return;
        }
        Set<Integer> numbers = InventoryRestorer.partitionNumbers(unrestored);
        try {
            restorer.restore(numbers);
        } catch (RuntimeException e) {
            restoreFailure = "partitions " + numbers + ": " + e.getMessage();
            consumer.pause(unrestored);
            nextRestoreNanos = System.nanoTime() + restoreRetry.toNanos();
            log.error("restoring pools of partitions {} from Kafka failed; their commands wait, and it is tried again"
                    + " in {}", numbers, restoreRetry, e);
            return;
        }
        consumer.resume(unrestored);
        if (restoreFailure != null) {
            log.info("restored pools of partitions {} from Kafka; their commands go on", numbers);
        }
        unrestored.clear();
        restoreFailure = null;
    }

    /** Whether a command record was dead-lettered before this instance took its partition (as its restore read). */
    public boolean deadLetteredBefore(ConsumerRecord<?, ?> record) {
        return restorer.deadLettered(record.partition(), record.offset(), record.timestamp());
    }

    /** Why the last restore failed, or null when it succeeded (or none ran yet). */
    public String restoreFailure() {
        return restoreFailure;
    }

    @Override
    public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        unrestored.removeAll(revoked);
        Set<Integer> numbers = InventoryRestorer.partitionNumbers(revoked);
        inventory.forgetIf(pool -> numbers.contains(Partitions.of(pool, partitions)));
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> lost) {
        onPartitionsRevokedAfterCommit(consumer, lost);
    }
}
