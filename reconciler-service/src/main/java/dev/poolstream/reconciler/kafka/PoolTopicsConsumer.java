package dev.poolstream.reconciler.kafka;

import dev.poolstream.events.Failure;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.MalformedRecordException;
import dev.poolstream.kafka.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * Reads the pool-keyed topics the reconciler decides from (spec, group state, status). They are compacted and
 * co-partitioned, so a consumer that owns partition n of one owns partition n of all three: everything about its
 * pools. On every assignment it reads them back from the start and says when it has caught up; no decision is made
 * from a half-read picture, and nothing but the topics has to survive a restart (no offsets are committed).
 *
 * <p>It also reads the dead-letter topics of the command topics (same key, same partitions), from their end at each
 * assignment: a command the provider could not carry out lands there, and the reconciler tries it again.
 *
 * <p>Its thread is the reconciler's only way to its pools: when it ends other than by {@link #stop()} (a fatal
 * error), {@link #died()} says why, and the liveness probe goes DOWN so that the pod is restarted.
 */
public final class PoolTopicsConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PoolTopicsConsumer.class);
    static final List<String> TOPICS = List.of(Topics.MACHINEPOOL_SPEC.name(), Topics.SCALINGGROUP_STATE.name(),
            Topics.MACHINEPOOL_STATUS.name());
    /** The command topics' dead-letter topics: read from their end, for the commands that failed from now on. */
    static final List<String> FAILED_COMMANDS = List.of(Topics.SCALINGGROUP_COMMANDS_AWS.deadLetter().name(),
            Topics.SCALINGGROUP_COMMANDS_AZURE.deadLetter().name());
    private static final int MESSAGE_LIMIT = 512;

    /** What the consumer tells the reconciler. */
    public interface Listener {
        void record(String topic, String key, Object value);

        /** Every record of the assigned partitions up to their end at assignment has been delivered. */
        void caughtUp();

        void revoked(Collection<TopicPartition> partitions);

        /** The provider dead-lettered a command of the pool {@code key} (refused, or its retries exhausted). */
        void commandFailed(String key, ScalingGroupCommand command, Failure why);
    }

    private final ConsumerFactory<?, ?> consumers;
    private final Listener listener;
    private final BiConsumer<ConsumerRecord<?, ?>, Exception> deadLetters;
    private final EventDeserializer<Object> deserializer = new EventDeserializer<>();
    private final EventDeserializer<ScalingGroupCommand> commands = new EventDeserializer<>(ScalingGroupCommand.class);
    private volatile Consumer<String, byte[]> consumer;
    private volatile boolean running;
    private Thread thread;
    private volatile Map<TopicPartition, Long> catchUpTo = Map.of();
    private volatile boolean catchingUp;
    /** Why the thread ended when it was not stopped; null while it runs (or was stopped). */
    private volatile Throwable died;

    public PoolTopicsConsumer(ConsumerFactory<?, ?> consumers, Listener listener,
                              BiConsumer<ConsumerRecord<?, ?>, Exception> deadLetters) {
        this.consumers = consumers;
        this.listener = listener;
        this.deadLetters = deadLetters;
    }

    @Override
    public void start() {
        running = true;
        died = null;
        thread = new Thread(this::run, "reconciler-consumer");
        thread.start();
    }

    @SuppressWarnings("unchecked")
    private void run() {
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        overrides.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        overrides.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.RangeAssignor.class.getName());
        Throwable failure = null;
        try (Consumer<String, byte[]> c = (Consumer<String, byte[]>) consumers.createConsumer(null, null, null,
                overrides)) {
            consumer = c;
            List<String> topics = new ArrayList<>(TOPICS);
            topics.addAll(FAILED_COMMANDS);
            c.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    listener.revoked(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    List<TopicPartition> pools = partitions.stream().filter(p -> TOPICS.contains(p.topic())).toList();
                    c.seekToBeginning(pools);
                    c.seekToEnd(partitions.stream().filter(p -> FAILED_COMMANDS.contains(p.topic())).toList());
                    catchUpTo = new HashMap<>(c.endOffsets(pools));
                    catchingUp = true;
                    log.info("assigned {} partitions; reading them back to their end", pools.size());
                }
            });
            while (running) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(200))) {
                    deliver(record);
                }
                if (catchingUp && caughtUp(c)) {
                    catchingUp = false;
                    catchUpTo = Map.of();
                    listener.caughtUp();
                }
            }
        } catch (WakeupException e) {
            // Stopping.
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error("the reconciler's consumer stopped: no pool is reconciled any more (liveness is DOWN)", e);
        } finally {
            if (running) {
                died = failure != null ? failure : new IllegalStateException("the consumer thread ended");
            }
        }
    }

    /** Why the consumer thread ended without being stopped: it reads nothing any more. */
    public Optional<Throwable> died() {
        Throwable cause = died;
        if (cause == null && running && thread != null && !thread.isAlive()) {
            cause = new IllegalStateException("the consumer thread is not running");
        }
        return Optional.ofNullable(cause);
    }

    private void deliver(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (FAILED_COMMANDS.contains(record.topic())) {
            failedCommand(record);
            return;
        }
        Object value;
        try {
            value = deserializer.deserialize(record);
        } catch (MalformedRecordException e) {
            log.warn("{}", e.getMessage());
            deadLetters.accept(record, e);
            return;
        }
        listener.record(record.topic(), record.key(), value);
    }

    /** A dead-lettered command: the provider's reason header, and spring-kafka's exception message. */
    private void failedCommand(ConsumerRecord<String, byte[]> record) {
        ScalingGroupCommand command;
        try {
            command = commands.deserialize(record);
        } catch (MalformedRecordException e) {
            // Dead-lettered because it could not be read: no command of ours to try again.
            log.debug("{}", e.getMessage());
            return;
        }
        if (command == null) {
            return;
        }
        String reason = header(record, DeadLetters.REASON_HEADER).orElse("Failed");
        String message = header(record, KafkaHeaders.DLT_EXCEPTION_MESSAGE).orElse("");
        if (message.length() > MESSAGE_LIMIT) {
            message = message.substring(0, MESSAGE_LIMIT) + "...";
        }
        listener.commandFailed(record.key(), command, new Failure(reason.isBlank() ? "Failed" : reason, message));
    }

    private static Optional<String> header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? Optional.empty()
                : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }

    private boolean caughtUp(Consumer<String, byte[]> c) {
        return catchUpTo.entrySet().stream().allMatch(e -> !c.assignment().contains(e.getKey())
                || c.position(e.getKey()) >= e.getValue());
    }

    @Override
    public void stop() {
        running = false;
        Consumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

}
