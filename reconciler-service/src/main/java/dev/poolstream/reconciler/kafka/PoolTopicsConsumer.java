package dev.poolstream.reconciler.kafka;

import dev.poolstream.events.Failure;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.MalformedRecordException;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.kafka.StaticMembership;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * Reads the pool-keyed topics the reconciler decides from (spec, group state, status). They are compacted and
 * co-partitioned, so a consumer that owns partition n of one owns partition n of all three: everything about its
 * pools. On every assignment it reads them back from the start and says when it has caught up; no decision is made
 * from a half-read picture, and nothing but the topics has to survive a restart. A revocation ends a read-back:
 * caught up is said only of an assignment read back to its end.
 *
 * <p>It commits its positions in the pool partitions, but only as a watermark of the malformed records it has told
 * of, never to start from: a malformed record below the group's committed offset was logged (and handed to the
 * {@code malformed} callback) in an earlier run or on an earlier owner, and is not again at every restart. In the
 * service the callback does nothing more: the status service, which reads these topics too, dead-letters them. Committed asynchronously after a poll that went
 * further, synchronously when partitions are revoked and when it stops.
 *
 * <p>It also reads the dead-letter topics of the command topics (same key, same partitions), from their end at each
 * assignment: a command the provider could not carry out lands there, and the reconciler tries it again.
 *
 * <p>Its membership of the group is static when the instance has an id ({@link StaticMembership}): a restarted pod
 * takes its partitions back at once instead of waiting for its predecessor's session to expire.
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
    /** Its name among the process's consumers, in its {@code group.instance.id}. */
    static final String CONSUMER = "reconciler";
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);

    /** What the consumer tells the reconciler. */
    public interface Listener {
        void record(String topic, String key, Object value);

        /** Every record of the assigned partitions up to their end at assignment has been delivered. */
        void caughtUp();

        /**
         * These partitions are this consumer's no more (a rebalance, or its membership lost); {@link #caughtUp()}
         * comes again only once the next assignment is read back.
         */
        void revoked(Collection<TopicPartition> partitions);

        /** The provider dead-lettered a command of the pool {@code key} (refused, or its retries exhausted). */
        void commandFailed(String key, ScalingGroupCommand command, Failure why);
    }

    private final ConsumerFactory<?, ?> consumers;
    private final Listener listener;
    private final BiConsumer<ConsumerRecord<?, ?>, Exception> malformed;
    private final StaticMembership membership;
    private final EventDeserializer<Object> deserializer = new EventDeserializer<>();
    private final EventDeserializer<ScalingGroupCommand> commands = new EventDeserializer<>(ScalingGroupCommand.class);
    private volatile Consumer<String, byte[]> consumer;
    private volatile boolean running;
    private Thread thread;
    private volatile Map<TopicPartition, Long> catchUpTo = Map.of();
    private volatile boolean catchingUp;
    /**
     * Pool partition → the offset below which its malformed records were told of already: the group's committed
     * offset at the assignment, then the positions committed since. The consumer thread's only.
     */
    private final Map<TopicPartition, Long> deadLetteredUpTo = new HashMap<>();
    /** Pool partitions whose last asynchronous commit was turned down: committed again next round. Thread's only. */
    private final Set<TopicPartition> commitAgain = new HashSet<>();
    /** Why the thread ended when it was not stopped; null while it runs (or was stopped). */
    private volatile Throwable died;
    /** When the loop last went round (System.nanoTime()): a poll that returned. */
    private volatile long lastRound;

    public PoolTopicsConsumer(ConsumerFactory<?, ?> consumers, Listener listener,
                              BiConsumer<ConsumerRecord<?, ?>, Exception> malformed, StaticMembership membership) {
        this.consumers = consumers;
        this.listener = listener;
        this.malformed = malformed;
        this.membership = membership;
    }

    @Override
    public void start() {
        running = true;
        died = null;
        lastRound = System.nanoTime();
        thread = new Thread(this::run, "reconciler-consumer");
        thread.start();
    }

    /** What this consumer sets over the service's consumer configuration. */
    private Properties overrides() {
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        overrides.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        overrides.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.RangeAssignor.class.getName());
        membership.applyTo(overrides, CONSUMER);
        return overrides;
    }

    @SuppressWarnings("unchecked")
    private void run() {
        Throwable failure = null;
        try (Consumer<String, byte[]> c = (Consumer<String, byte[]>) consumers.createConsumer(null, null, null,
                overrides())) {
            consumer = c;
            List<String> topics = new ArrayList<>(TOPICS);
            topics.addAll(FAILED_COMMANDS);
            c.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // Still the owner: the next one (this pod again, after a restart) skips what went to the DLT.
                    commit(c, partitions);
                    revoked(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    // No longer a member of the group: nothing can be committed.
                    revoked(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    List<TopicPartition> pools = partitions.stream().filter(p -> TOPICS.contains(p.topic())).toList();
                    c.seekToBeginning(pools);
                    c.seekToEnd(partitions.stream().filter(p -> FAILED_COMMANDS.contains(p.topic())).toList());
                    c.committed(Set.copyOf(pools)).forEach((partition, committed) -> {
                        if (committed != null) {
                            deadLetteredUpTo.put(partition, committed.offset());
                        }
                    });
                    catchUpTo = new HashMap<>(c.endOffsets(pools));
                    catchingUp = true;
                    log.info("assigned {} partitions; reading them back to their end", pools.size());
                }
            });
            try {
                while (running) {
                    lastRound = System.nanoTime();
                    for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(200))) {
                        deliver(record);
                    }
                    commitAsync(c);
                    if (catchingUp && caughtUp(c)) {
                        catchingUp = false;
                        catchUpTo = Map.of();
                        listener.caughtUp();
                    }
                }
            } catch (WakeupException e) {
                // Stopping.
            }
            commit(c, c.assignment());
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error("the reconciler's consumer stopped: no pool is reconciled any more (liveness is DOWN)", e);
        } finally {
            if (running) {
                died = failure != null ? failure : new IllegalStateException("the consumer thread ended");
            }
        }
    }

    /**
     * How long since the loop last went round: a poll returns within 200 ms when nothing comes, so a long time means
     * the thread is stuck (in the client, or in the listener). Zero when not running.
     */
    public Duration sinceLastRound() {
        return running ? Duration.ofNanos(System.nanoTime() - lastRound) : Duration.ZERO;
    }

    /** Why the consumer thread ended without being stopped: it reads nothing any more. */
    public Optional<Throwable> died() {
        Throwable cause = died;
        if (cause == null && running && thread != null && !thread.isAlive()) {
            cause = new IllegalStateException("the consumer thread is not running");
        }
        return Optional.ofNullable(cause);
    }

    /** A revocation ends the assignment's read-back: caught up is said again only of the next one. */
    private void revoked(Collection<TopicPartition> partitions) {
        catchingUp = false;
        catchUpTo = Map.of();
        partitions.forEach(deadLetteredUpTo::remove);
        partitions.forEach(commitAgain::remove);
        listener.revoked(partitions);
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
            try (var ignored = MDC.putCloseable("pool", record.key())) {
                long upTo = deadLetteredUpTo.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L);
                if (record.offset() < upTo) {
                    log.debug("pool {}: {}; told before (committed up to {}), skipped", record.key(),
                            e.getMessage(), upTo);
                    return;
                }
                log.warn("pool {}: {}; skipped (MalformedRecord: the status service dead-letters it)", record.key(),
                        e.getMessage());
            }
            malformed.accept(record, e);
            return;
        }
        listener.record(record.topic(), record.key(), value);
    }

    /**
     * Commits the pool partitions whose position went past what is dead-lettered already, and those whose last commit
     * was turned down (a rebalance in progress): made again next round, not left to the next revocation.
     */
    private void commitAsync(Consumer<String, byte[]> c) {
        Map<TopicPartition, OffsetAndMetadata> further = new HashMap<>();
        for (TopicPartition partition : c.assignment()) {
            if (TOPICS.contains(partition.topic())) {
                long position = c.position(partition);
                long upTo = deadLetteredUpTo.getOrDefault(partition, 0L);
                boolean again = commitAgain.remove(partition);
                if (position > upTo || again && position == upTo) {
                    further.put(partition, new OffsetAndMetadata(position));
                    deadLetteredUpTo.put(partition, position);
                }
            }
        }
        if (!further.isEmpty()) {
            c.commitAsync(further, (offsets, e) -> {
                if (e != null) {
                    log.debug("committing {} failed: {}; again next round", offsets.keySet(), e.toString());
                    commitAgain.addAll(offsets.keySet());
                }
            });
        }
    }

    /**
     * Commits what is dead-lettered of these pool partitions, and waits: they are being revoked, or the consumer
     * stops. A failure is logged: the records dead-lettered since the last commit go to the DLT again.
     */
    private void commit(Consumer<String, byte[]> c, Collection<TopicPartition> partitions) {
        // A second try only when stop() woke the consumer after its last poll: this is the commit it waits for.
        for (int tries = 1; tries <= 2; tries++) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            try {
                for (TopicPartition partition : partitions) {
                    if (TOPICS.contains(partition.topic())) {
                        long upTo = Math.max(deadLetteredUpTo.getOrDefault(partition, 0L), c.position(partition));
                        if (upTo > 0) {
                            offsets.put(partition, new OffsetAndMetadata(upTo));
                        }
                    }
                }
                if (!offsets.isEmpty()) {
                    c.commitSync(offsets, COMMIT_TIMEOUT);
                }
                return;
            } catch (WakeupException e) {
                log.debug("woken while committing; trying once more");
            } catch (KafkaException e) {
                log.warn("committing {} partitions failed ({}): malformed records read since the last commit may be"
                        + " logged again", offsets.size(), e.toString());
                return;
            }
        }
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
