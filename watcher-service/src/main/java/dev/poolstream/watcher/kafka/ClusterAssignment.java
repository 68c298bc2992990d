package dev.poolstream.watcher.kafka;

import dev.poolstream.events.Topics;
import dev.poolstream.kafka.StaticMembership;
import dev.poolstream.watcher.config.WatcherProperties;
import dev.poolstream.watcher.domain.Causes;
import dev.poolstream.watcher.domain.ClusterOwnership;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * Shares the workload clusters among the watcher replicas through Kafka's consumer-group assignment: every replica
 * consumes {@code workloadcluster.v1} in one group, and watches the clusters whose records are on its partitions.
 * No coordinator of our own: the group coordinator assigns, and a replica that dies loses its partitions when its
 * session expires.
 *
 * <p>Nothing is committed: a compacted topic of a few records per cluster is read from the start of each partition
 * on every assignment, so the clusters of a partition are known from its records alone.
 */
public final class ClusterAssignment implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterAssignment.class);
    /** The consumer's name in its {@code group.instance.id} ({@link StaticMembership}). */
    public static final String CONSUMER = "watcher-nodes";

    public interface Listener {
        /**
         * Records read from this replica's partitions: clusters to take (watch and publish), clusters whose Cluster
         * is gone (tombstone their Nodes). Called on the consumer's thread; may return before it is done.
         */
        void clustersAssigned(Set<String> taken, Set<String> gone);

        /**
         * Clusters whose partitions are taken away (revoked, or lost with this replica's session). Must return only
         * once nothing more is published for them, and what was sent is written: another replica takes them next.
         */
        void clustersReleased(Set<String> released);
    }

    private final ConsumerFactory<?, ?> consumers;
    private final WatcherProperties.Nodes properties;
    private final StaticMembership membership;
    private final Listener listener;
    /** Fed on the consumer's thread only (polls and rebalance callbacks). */
    private final ClusterOwnership ownership = new ClusterOwnership();
    private volatile Set<String> clusters = Set.of();
    private volatile Set<Integer> partitions = Set.of();
    /** Why this replica is out of the group for good (its consumer could not be made, or its loop failed). */
    private volatile String failure;
    private final ConsumerThread polling = new ConsumerThread("watcher-cluster-assignment");
    /** Partitions assigned and not yet read back to their end; consumer's thread only. */
    private final Set<TopicPartition> readingBack = new HashSet<>();
    /** What the records read since the listener was last called ask, each key's final state; consumer's thread only. */
    private final Set<String> taken = new TreeSet<>();
    private final Set<String> gone = new TreeSet<>();

    public ClusterAssignment(ConsumerFactory<?, ?> consumers, WatcherProperties properties,
                             StaticMembership membership, Listener listener) {
        this.consumers = consumers;
        this.properties = properties.nodes();
        this.membership = membership;
        this.listener = listener;
    }

    /** Joins the group; from then on the group coordinator decides which clusters this replica watches. */
    public void start() {
        try {
            polling.start(this::createConsumer, this::run);
        } catch (RuntimeException | LinkageError e) {
            failure = "could not join the group: " + Causes.chain(e);
            throw e;
        }
    }

    private Consumer<String, byte[]> createConsumer() {
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Classic protocol, so that the session timeout is ours to set (the new protocol's is the broker's,
        // 45 s at least); cooperative, so that a rebalance moves only the partitions that change hands.
        overrides.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        overrides.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                Long.toString(properties.sessionTimeout().toMillis()));
        overrides.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                Long.toString(properties.heartbeatInterval().toMillis()));
        membership.applyTo(overrides, CONSUMER);
        return ConsumerThread.raw(consumers, properties.group(), CONSUMER + "-", overrides);
    }

    private void run(Consumer<String, byte[]> consumer) {
        try {
            consumer.subscribe(List.of(Topics.WORKLOAD_CLUSTER.name()), new Rebalance());
            while (polling.running()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    switch (ownership.record(record.partition(), record.key(), record.value() != null)) {
                        case TAKE -> {
                            taken.add(record.key());
                            gone.remove(record.key());
                        }
                        case GONE -> {
                            gone.add(record.key());
                            taken.remove(record.key());
                        }
                        case NONE -> {
                        }
                        case MALFORMED -> log.warn("{}-{} offset {}: key {} names no workload cluster "
                                + "(<namespace>/<name>); skipped", record.topic(), record.partition(), record.offset(),
                                record.key() == null ? "null" : "'" + record.key() + "'");
                    }
                }
                // A read-back is acted on only at its end, with each key's final state: a Cluster deleted and made
                // again has its tombstone and its live record in different segments, so in different polls, and
                // acting on the tombstone alone would tombstone the live cluster's Nodes. Lag 0: the position
                // reached the partition's end as the last fetch saw it, no earlier than at assignment.
                readingBack.removeIf(p -> consumer.currentLag(p).orElse(-1) == 0);
                if (readingBack.isEmpty() && (!taken.isEmpty() || !gone.isEmpty())) {
                    clusters = ownership.clusters();
                    listener.clustersAssigned(new TreeSet<>(taken), new TreeSet<>(gone));
                    taken.clear();
                    gone.clear();
                }
            }
        } catch (WakeupException e) {
            // close()
        } catch (RuntimeException | Error e) {
            // An Error too (a class missing when first used): the thread would end, and health would not know.
            failure = "stopped: " + Causes.chain(e);
            log.error("the consumer of {} stopped: this replica watches no workload cluster any more",
                    Topics.WORKLOAD_CLUSTER.name(), e);
        } finally {
            // With a group.instance.id this sends no LeaveGroup: the partitions move when the session expires, or
            // come back to this replica if it restarts before then (KIP-345).
            consumer.close();
        }
    }

    /** The clusters this replica watches, from the records of its partitions. */
    public Set<String> clusters() {
        return clusters;
    }

    public Set<Integer> partitions() {
        return partitions;
    }

    /**
     * Why this replica is out of the group and stays out until it restarts, or empty: before its start, while its
     * consumer runs, and after a close.
     */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void close() {
        polling.close();
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if (assigned.isEmpty()) {
                return;
            }
            ownership.assigned(assigned.stream().map(TopicPartition::partition).toList());
            partitions = ownership.partitions();
            // Each assignment reads its partitions whole: their records are the clusters.
            polling.consumer().seekToBeginning(assigned);
            readingBack.addAll(assigned);
            log.info("assigned partitions {} of {}", numbers(assigned), Topics.WORKLOAD_CLUSTER.name());
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            release(revoked, "revoked");
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            release(lost, "lost");
        }

        private void release(Collection<TopicPartition> away, String how) {
            if (away.isEmpty()) {
                return;
            }
            Set<String> released = ownership.revoked(away.stream().map(TopicPartition::partition).toList());
            // What their records asked and was not yet acted on is the next owner's.
            readingBack.removeAll(away);
            taken.removeAll(released);
            gone.removeAll(released);
            clusters = ownership.clusters();
            partitions = ownership.partitions();
            log.info("partitions {} of {} {}: releasing workload clusters {}", numbers(away),
                    Topics.WORKLOAD_CLUSTER.name(), how, released);
            if (!released.isEmpty()) {
                listener.clustersReleased(released);
            }
        }

        private static Set<Integer> numbers(Collection<TopicPartition> partitions) {
            Set<Integer> numbers = new TreeSet<>();
            partitions.forEach(p -> numbers.add(p.partition()));
            return numbers;
        }
    }
}
