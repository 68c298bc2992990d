package dev.poolstream.status.config;

import dev.poolstream.status.domain.WorkerHealth;
import dev.poolstream.status.stream.StreamThreadDeaths;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * The status worker's health for the liveness and readiness groups, from Kafka Streams (the topology) and the
 * status writer's listener container; the verdicts are {@link WorkerHealth}'s. A lifecycle of the last phase: it
 * counts as started once every container has been started, and stops counting before they are stopped, so that
 * an orderly shutdown is not a death.
 */
final class WorkerHealthIndicators implements SmartLifecycle {

    private final StreamsBuilderFactoryBean streams;
    private final Supplier<MessageListenerContainer> writer;
    private final StreamThreadDeaths deaths;
    private final IntSupplier poolsRetrying;
    private final BooleanSupplier writerJoined;
    private volatile boolean started;

    /**
     * @param poolsRetrying pools whose status write failed and waits for another attempt (a detail, no verdict)
     * @param writerJoined  the writer's consumers have had their first assignment
     */
    WorkerHealthIndicators(StreamsBuilderFactoryBean streams, Supplier<MessageListenerContainer> writer,
                           StreamThreadDeaths deaths, IntSupplier poolsRetrying, BooleanSupplier writerJoined) {
        this.writerJoined = writerJoined;
        this.streams = streams;
        this.writer = writer;
        this.deaths = deaths;
        this.poolsRetrying = poolsRetrying;
    }

    Health liveness() {
        WorkerHealth.Observation o = observe();
        WorkerHealth.Verdict verdict = WorkerHealth.liveness(o);
        return (verdict.ok() ? Health.up() : Health.down()).withDetails(details(o, verdict)).build();
    }

    Health readiness() {
        WorkerHealth.Observation o = observe();
        WorkerHealth.Verdict verdict = WorkerHealth.readiness(o);
        return (verdict.ok() ? Health.up() : Health.outOfService()).withDetails(details(o, verdict)).build();
    }

    private WorkerHealth.Observation observe() {
        KafkaStreams kafkaStreams = streams.getKafkaStreams();
        String state = kafkaStreams == null ? null : kafkaStreams.state().name();
        int streamsPartitions = 0;
        if (kafkaStreams != null && kafkaStreams.state().isRunningOrRebalancing()) {
            try {
                for (ThreadMetadata thread : kafkaStreams.metadataForLocalThreads()) {
                    streamsPartitions += thread.activeTasks().stream().mapToInt(t -> t.topicPartitions().size()).sum();
                }
            } catch (RuntimeException e) {
                // The state changed meanwhile: no partitions to count.
            }
        }
        MessageListenerContainer container = writer.get();
        Collection<TopicPartition> assigned = container == null ? null : container.getAssignedPartitions();
        return new WorkerHealth.Observation(started, state, streamsPartitions,
                container != null && container.isRunning(), container != null && container.isInExpectedState(),
                assigned == null ? 0 : assigned.size(), writerJoined.getAsBoolean());
    }

    private Map<String, Object> details(WorkerHealth.Observation o, WorkerHealth.Verdict verdict) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("why", verdict.why());
        details.put("streamsState", String.valueOf(o.streamsState()));
        details.put("streamsPartitions", o.streamsPartitions());
        details.put("streamThreadsReplaced", deaths.replaced());
        details.put("writerRunning", o.writerRunning());
        details.put("writerPartitions", o.writerPartitions());
        details.put("writerPoolsRetrying", poolsRetrying.getAsInt());
        return details;
    }

    @Override
    public void start() {
        started = true;
    }

    @Override
    public void stop() {
        started = false;
    }

    @Override
    public boolean isRunning() {
        return started;
    }

    /** After the listener containers and Kafka Streams have started; stopped before them. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
