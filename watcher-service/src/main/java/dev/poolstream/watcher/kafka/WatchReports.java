package dev.poolstream.watcher.kafka;

import dev.poolstream.events.Topics;
import dev.poolstream.events.WorkloadClusterWatch;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.MalformedRecordException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * What the replicas report of their workload clusters' Node watches ({@code workloadcluster.watch.v1}), read whole
 * and followed by every replica, so that the leader can say in a pool's record that its cluster cannot be watched,
 * whichever replica watches it. No consumer group: every replica reads every partition, and commits nothing.
 */
public final class WatchReports implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WatchReports.class);
    /** How long to wait before asking Kafka again after a failure that may pass. */
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    public interface Listener {
        /** The reported problem of {@code cluster} changed (appeared, changed or went). On the consumer's thread. */
        void watchReported(String cluster);
    }

    private final ConsumerFactory<?, ?> consumers;
    private final Listener listener;
    private final EventDeserializer<WorkloadClusterWatch> deserializer =
            new EventDeserializer<>(WorkloadClusterWatch.class);
    /** The problem of every cluster that has one; a cluster watched without trouble is not here. */
    private final Map<String, String> problems = new ConcurrentHashMap<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    /** Shown in health: a reader that stopped leaves the pools without the problems reported since. */
    private volatile String state = "starting";
    private final ConsumerThread polling = new ConsumerThread("watcher-watch-reports");

    public WatchReports(ConsumerFactory<?, ?> consumers, Listener listener) {
        this.consumers = consumers;
        this.listener = listener;
    }

    public void start() {
        polling.start(() -> ConsumerThread.raw(consumers, null, "watch-reports-", new Properties()), this::run);
    }

    /** Why the Nodes of {@code cluster} cannot be watched, as the replica that watches it last said. */
    public Optional<String> problem(String cluster) {
        return Optional.ofNullable(problems.get(cluster));
    }

    /** "starting", "following" (it has read what the topic held at its start), or "stopped: ..." after a failure. */
    public String state() {
        return state;
    }

    /** Waits until what the topic held when this started has been read; false if that took longer than allowed. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run(Consumer<String, byte[]> consumer) {
        try {
            List<TopicPartition> partitions = partitions(consumer);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = untilAnswered("the end offsets", () -> consumer.endOffsets(partitions));
            while (polling.running()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    apply(record);
                }
                if (caughtUp.getCount() > 0 && untilAnswered("the positions", () -> partitions.stream()
                        .allMatch(p -> consumer.position(p) >= end.get(p)))) {
                    // The state first: whoever sees it caught up sees it following.
                    state = "following";
                    caughtUp.countDown();
                    log.info("read what {} holds: {} workload clusters reported unwatchable",
                            Topics.WORKLOAD_CLUSTER_WATCH.name(), problems.size());
                }
            }
        } catch (WakeupException e) {
            // close()
        } catch (RuntimeException | Error e) {
            state = "stopped: " + e.getClass().getSimpleName();
            log.error("the reader of {} stopped: pools no longer say why their workload cluster cannot be watched",
                    Topics.WORKLOAD_CLUSTER_WATCH.name(), e);
        } finally {
            consumer.close();
        }
    }

    /** The topic's partitions, once it exists: a missing topic is said, and asked for again until it is there. */
    private List<TopicPartition> partitions(Consumer<String, byte[]> consumer) {
        boolean said = false;
        while (polling.running()) {
            List<TopicPartition> partitions = untilAnswered("the partitions", () -> consumer.partitionsFor(
                    Topics.WORKLOAD_CLUSTER_WATCH.name(), Duration.ofSeconds(30))).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (!partitions.isEmpty()) {
                return partitions;
            }
            if (!said) {
                log.error("topic {} does not exist: pools cannot say why their workload cluster cannot be watched"
                        + " until it does", Topics.WORKLOAD_CLUSTER_WATCH.name());
                said = true;
            }
            try {
                Thread.sleep(5_000); // then ask again; close() is noticed at the next ask (a wakeup) or here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new WakeupException();
    }

    /**
     * Asks until Kafka answers: a broker not reachable yet (the watcher started before Kafka) or a leader moving is
     * waited out, said once; it once stopped this reader for good, and the pools no longer said why their cluster
     * could not be watched.
     */
    private <T> T untilAnswered(String what, Supplier<T> ask) {
        boolean said = false;
        while (polling.running()) {
            try {
                return ask.get();
            } catch (RetriableException e) {
                if (!said) {
                    log.warn("reading {} of {} failed ({}); asking again until Kafka answers", what,
                            Topics.WORKLOAD_CLUSTER_WATCH.name(), e.getClass().getSimpleName());
                    said = true;
                }
            }
            try {
                Thread.sleep(RETRY_PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new WakeupException();
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        String problem = null;
        if (record.value() != null) {
            try {
                problem = deserializer.deserialize(record).problem();
            } catch (MalformedRecordException e) {
                // As no report: the watching replica writes a good one over it at its next change.
                log.warn("{}", e.getMessage());
            }
        }
        String before = problem == null ? problems.remove(record.key()) : problems.put(record.key(), problem);
        if (!Objects.equals(before, problem)) {
            listener.watchReported(record.key());
        }
    }

    @Override
    public void close() {
        polling.close();
    }
}
