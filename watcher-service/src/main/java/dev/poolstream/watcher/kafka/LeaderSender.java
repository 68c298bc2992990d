package dev.poolstream.watcher.kafka;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.watcher.domain.Change;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's records ({@code machinepool.spec.v1}, {@code workloadcluster.v1}), each batch in a Kafka transaction
 * under one {@code transactional.id} that every replica shares. A new leader's first act, {@link #fence()}, aborts
 * the transaction its predecessor had open and makes every later send of that predecessor fail: a deposed leader that
 * has not noticed yet (stalled past its lease by a long pause) cannot write after its successor's snapshot. The
 * readers of these topics read committed records only.
 *
 * <p>Used by the publishing thread only. It never fences on its own: the caller does, as the election made it leader
 * (and again, a lease duration after a fence or a failure, only if the election still says so), or a stalled replica
 * could fence the real leader.
 */
public final class LeaderSender implements AutoCloseable {

    /** What a send came to. */
    public enum Outcome {
        /** Committed. */
        SENT,
        /** Another replica fenced this one: it leads no more, whatever its elector still believes. */
        FENCED,
        /** Aborted: nothing of the batch is visible; the caller may send it again. */
        FAILED,
        /** The producer cannot go on: nothing of the batch is visible, and only a new {@link #fence()} sends again. */
        BROKEN
    }

    /** One record of a batch. */
    public record Outgoing(Topics.TopicSpec topic, Change<? extends Keyed> change) {
    }

    private static final Logger log = LoggerFactory.getLogger(LeaderSender.class);
    /** What a record's key and headers may take beside its value within the producer's max.request.size. */
    private static final int RECORD_OVERHEAD = 4096;
    private final Supplier<Producer<String, Keyed>> producers;
    private final ToIntFunction<Outgoing> sizeOf;
    private final int maxValueBytes;
    private final MeterRegistry registry;
    private Producer<String, Keyed> producer;

    /**
     * @param settings        the service's producer settings (serializers, bootstrap servers, security)
     * @param transactionalId shared by every replica of the watcher
     */
    public LeaderSender(Map<String, Object> settings, String transactionalId, MeterRegistry registry) {
        this(producers(settings, transactionalId), sizes(settings), maxRequestSize(settings) - RECORD_OVERHEAD,
                registry);
    }

    /**
     * @param sizeOf        a record's value as sent, in bytes
     * @param maxValueBytes the largest value sent: a larger one would fail its whole transaction, every time
     */
    LeaderSender(Supplier<Producer<String, Keyed>> producers, ToIntFunction<Outgoing> sizeOf, int maxValueBytes,
                 MeterRegistry registry) {
        this.producers = producers;
        this.sizeOf = sizeOf;
        this.maxValueBytes = maxValueBytes;
        this.registry = registry;
    }

    private static ToIntFunction<Outgoing> sizes(Map<String, Object> settings) {
        EventSerializer<Keyed> serializer = new EventSerializer<>();
        serializer.configure(settings, false);
        return outgoing -> {
            byte[] value = serializer.serialize(outgoing.topic().name(), new RecordHeaders(),
                    outgoing.change().recordValue());
            return value == null ? 0 : value.length;
        };
    }

    private static int maxRequestSize(Map<String, Object> settings) {
        Object configured = settings.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        return configured == null ? 1024 * 1024 : Integer.parseInt(configured.toString());
    }

    private static Supplier<Producer<String, Keyed>> producers(Map<String, Object> settings, String transactionalId) {
        Map<String, Object> transactional = new HashMap<>(settings);
        transactional.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        transactional.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        transactional.put(ProducerConfig.ACKS_CONFIG, "all");
        return () -> ServiceClasses.make(() -> new KafkaProducer<String, Keyed>(transactional));
    }

    /**
     * Makes a new producer and registers it under the shared id, which aborts the open transaction of any producer
     * registered before (another replica's, or this one's last) and fences it. Blocks until the coordinator answers.
     *
     * @throws KafkaException when the coordinator cannot be reached in time
     */
    public void fence() {
        close();
        try {
            producer = producers.get();
            producer.initTransactions();
        } catch (KafkaException e) {
            close();
            throw e;
        }
    }

    /** Sends the batch in one transaction, and waits for its commit (or abort). */
    public Outcome send(List<Outgoing> batch) {
        if (producer == null) {
            return Outcome.BROKEN;
        }
        batch = withoutOversized(batch);
        if (batch.isEmpty()) {
            return Outcome.SENT;
        }
        try {
            producer.beginTransaction();
            for (Outgoing outgoing : batch) {
                producer.send(new ProducerRecord<>(outgoing.topic().name(), outgoing.change().key(),
                        outgoing.change().recordValue()));
            }
            producer.commitTransaction();
            batch.forEach(o -> count("poolstream.watcher.records.published", o));
            return Outcome.SENT;
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            log.warn("another watcher replica fenced this one's transactional producer: it leads now ({})",
                    e.getMessage());
            batch.forEach(o -> count("poolstream.watcher.publish.errors", o));
            close();
            return Outcome.FENCED;
        } catch (KafkaException e) {
            batch.forEach(o -> count("poolstream.watcher.publish.errors", o));
            try {
                producer.abortTransaction();
                log.warn("a transaction of {} records was aborted: {}", batch.size(), e.getMessage());
                return Outcome.FAILED;
            } catch (ProducerFencedException | InvalidProducerEpochException fenced) {
                close();
                return Outcome.FENCED;
            } catch (KafkaException | IllegalStateException fatal) {
                return broken(fatal);
            }
        } catch (IllegalStateException e) {
            batch.forEach(o -> count("poolstream.watcher.publish.errors", o));
            return broken(e);
        }
    }

    /**
     * The producer cannot go on. An IllegalStateException: a commit timed out (the broker out of reach past
     * max.block.ms), and the client takes no call but that commit again, which may never come through. A new fence()
     * ends the transaction either way, and the takeover after it reads back what came of it.
     */
    private Outcome broken(RuntimeException why) {
        log.error("the leader's transactional producer failed and cannot go on: {}", why.getMessage());
        close();
        return Outcome.BROKEN;
    }

    /**
     * The batch without the records too large to send: one would fail its whole transaction, every time it is sent
     * again, and with it a takeover's batch of every pool. It is left out, said with its key in an ERROR line and
     * counted ({@code poolstream.watcher.records.oversized}); its readers keep its last record.
     */
    private List<Outgoing> withoutOversized(List<Outgoing> batch) {
        List<Outgoing> fitting = new ArrayList<>(batch.size());
        for (Outgoing outgoing : batch) {
            int size = outgoing.change().recordValue() == null ? 0 : sizeOf.applyAsInt(outgoing);
            if (size > maxValueBytes) {
                log.error("the record of {} on {} is {} bytes, over the {} the producer sends: not published, its"
                        + " readers keep its last record", outgoing.change().key(), outgoing.topic().name(), size,
                        maxValueBytes);
                count("poolstream.watcher.records.oversized", outgoing);
            } else {
                fitting.add(outgoing);
            }
        }
        return fitting;
    }

    private void count(String name, Outgoing outgoing) {
        RecordSender.counter(registry, name, outgoing.topic(), outgoing.change()).increment();
    }

    @Override
    public void close() {
        Producer<String, Keyed> closing = producer;
        producer = null;
        if (closing != null) {
            try {
                closing.close(java.time.Duration.ZERO);
            } catch (KafkaException e) {
                log.debug("closing the leader's producer: {}", e.getMessage());
            }
        }
    }
}
