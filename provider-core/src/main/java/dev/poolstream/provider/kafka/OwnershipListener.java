package dev.poolstream.provider.kafka;

import dev.poolstream.provider.domain.Inventory;
import java.util.Collection;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * A provider instance looks after the pools whose commands it consumes: on assignment it restores them from Kafka
 * (before the first command of those partitions is read), on revocation it forgets them, so two instances never
 * poll the same group.
 */
public class OwnershipListener implements ConsumerAwareRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(OwnershipListener.class);

    private final InventoryRestorer restorer;
    private final Inventory inventory;
    private final int partitions;
    private volatile String restoreFailure;

    public OwnershipListener(InventoryRestorer restorer, Inventory inventory, int partitions) {
        this.restorer = restorer;
        this.inventory = inventory;
        this.partitions = partitions;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        try {
            restorer.restore(InventoryRestorer.partitionNumbers(assigned));
            restoreFailure = null;
        } catch (RuntimeException e) {
            // The poller still publishes what the cloud holds; only tombstones of instances that vanished while no
            // one owned the pool may be missing until the next restore. Readiness says so meanwhile.
            restoreFailure = "partitions " + InventoryRestorer.partitionNumbers(assigned) + ": " + e.getMessage();
            log.error("restoring pools of partitions {} from Kafka failed", assigned, e);
        }
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
        Set<Integer> numbers = InventoryRestorer.partitionNumbers(revoked);
        inventory.forgetIf(pool -> numbers.contains(Partitions.of(pool, partitions)));
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> lost) {
        onPartitionsRevokedAfterCommit(consumer, lost);
    }
}
