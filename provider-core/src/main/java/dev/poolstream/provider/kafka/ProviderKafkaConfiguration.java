package dev.poolstream.provider.kafka;

import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.MalformedRecordException;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.kafka.StaticMembership;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.config.ProviderProperties;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.domain.RecentIds;
import dev.poolstream.provider.engine.CommandExecutor;
import dev.poolstream.provider.engine.PoolLocks;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.ConsumerAwareRecordRecoverer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.ExponentialBackOffWithMaxRetries;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.FixedBackOff;

/**
 * The provider's Kafka side: the command listener with its retries and dead-letter handling, the publisher of state
 * and instances, the restore on partition assignment, and the topics it writes.
 */
@Configuration(proxyBeanMethods = false)
public class ProviderKafkaConfiguration {

    /** Header of a dead-letter record with the CamelCase reason (beside spring-kafka's exception headers). */
    public static final String DLT_REASON_HEADER = DeadLetters.REASON_HEADER;

    @Bean
    @SuppressWarnings("unchecked")
    KafkaTemplate<String, Object> providerEventTemplate(ProducerFactory<?, ?> producerFactory) {
        return new KafkaTemplate<>((ProducerFactory<String, Object>) producerFactory);
    }

    @Bean
    KafkaPublication providerPublication(KafkaTemplate<String, Object> providerEventTemplate) {
        return new KafkaPublication(providerEventTemplate, Duration.ofSeconds(30));
    }

    @Bean
    InventoryRestorer inventoryRestorer(ConsumerFactory<?, ?> consumerFactory, ProviderProperties properties,
                                        Inventory inventory, RecentIds recentIds, KafkaPublication publication) {
        return new InventoryRestorer(consumerFactory.getConfigurationProperties(), properties.cloud(), inventory,
                recentIds, publication, properties.restoreTimeout());
    }

    @Bean
    OwnershipListener ownershipListener(InventoryRestorer restorer, Inventory inventory) {
        return new OwnershipListener(restorer, inventory, Topics.PARTITIONS);
    }

    /** Where a command goes that cannot be carried out, with the reason in a header and a WARN line naming its key. */
    @Bean
    DeadLetterPublishingRecoverer providerDeadLetters(ProducerFactory<?, ?> producerFactory,
                                                      KafkaTemplate<String, Object> providerEventTemplate,
                                                      ProviderProperties properties,
                                                      ObjectProvider<MeterRegistry> meters) {
        return DeadLetters.recoverer(producerFactory, providerEventTemplate, ProviderKafkaConfiguration::reasonOf,
                meters.getIfAvailable(SimpleMeterRegistry::new), List.of(properties.cloud().commandTopic().name()));
    }

    /** Static group membership for the command consumer when {@code poolstream.kafka.instance-id} is set. */
    @Bean
    StaticMembership providerStaticMembership(
            @Value("${" + StaticMembership.INSTANCE_ID_PROPERTY + ":}") String instanceId) {
        return new StaticMembership(instanceId);
    }

    @Bean
    CommandListener commandListener(CommandExecutor executor, ProviderProperties properties,
                                    DeadLetterPublishingRecoverer providerDeadLetters,
                                    OwnershipListener ownershipListener, PoolLocks poolLocks,
                                    ObjectProvider<MeterRegistry> meters, PollLease providerPollLease) {
        return new CommandListener(executor, properties.cloud().commandTopic().name(), providerDeadLetters,
                ownershipListener, poolLocks, commandBackOff(properties.commandRetry()),
                meters.getIfAvailable(SimpleMeterRegistry::new), providerPollLease);
    }

    /** How long the command consumer surely holds its partitions after a poll: its max.poll.interval.ms. */
    @Bean
    PollLease providerPollLease(ConsumerFactory<?, ?> consumerFactory) {
        Object configured = consumerFactory.getConfigurationProperties()
                .get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        return new PollLease(configured == null ? PollLease.DEFAULT_MAX_POLL_INTERVAL
                : Duration.ofMillis(Long.parseLong(configured.toString())));
    }

    /** Between the attempts of one command: exponential, then the DLT. */
    static BackOff commandBackOff(ProviderProperties.CommandRetry retry) {
        ExponentialBackOffWithMaxRetries backOff = new ExponentialBackOffWithMaxRetries(retry.maxRetries());
        backOff.setInitialInterval(retry.initialInterval().toMillis());
        backOff.setMultiplier(retry.multiplier());
        backOff.setMaxInterval(retry.maxInterval().toMillis());
        return backOff;
    }

    /**
     * For records that never reach the listener, those that cannot be read: dead-lettered at once (DeadLetters logs
     * the key and reason), then handed to the listener only so that their offset is committed in turn. Retries of
     * commands are the listener's, off the consumer thread; the container commits nothing itself.
     */
    @Bean
    DefaultErrorHandler providerErrorHandler(DeadLetterPublishingRecoverer providerDeadLetters,
                                             ObjectProvider<CommandListener> commandListener) {
        // The listener is looked up when a record comes: its @KafkaListener needs this handler while it is created.
        ConsumerAwareRecordRecoverer recoverer = (record, consumer, e) -> {
            CommandListener listener = commandListener.getObject();
            if (!listener.deadLetteredBefore(record)) { // delivered again after a restart: it is there already
                providerDeadLetters.accept(record, consumer, e);
            }
            listener.skipped(record, consumer);
        };
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, new FixedBackOff(0, 0));
        handler.setAckAfterHandle(false);
        return handler;
    }

    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> providerCommandContainerFactory(
            ConsumerFactory<?, ?> consumerFactory, DefaultErrorHandler providerErrorHandler,
            ObjectProvider<CommandListener> commandListener, StaticMembership providerStaticMembership,
            PollLease providerPollLease) {
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        @SuppressWarnings("unchecked")
        ConsumerFactory<Object, Object> typed = (ConsumerFactory<Object, Object>) consumerFactory;
        factory.setConsumerFactory(typed);
        factory.setCommonErrorHandler(providerErrorHandler);
        // Told before every poll: a command writes nothing once Kafka may have given its partition away.
        factory.setRecordInterceptor(providerPollLease);
        ContainerProperties container = factory.getContainerProperties();
        // Never acknowledged: the listener commits up to the oldest command not done (KeyedRetries).
        container.setAckMode(ContainerProperties.AckMode.MANUAL);
        // When no record comes, a command the retry thread finished is still committed within about a second.
        container.setIdleEventInterval(1_000L);
        container.setPollTimeout(1_000L);
        factory.setContainerCustomizer(made -> {
            // The listener restores pools on assignment, and commits and lets go of commands before partitions go
            // (set here: the listener is still being created when this factory is).
            made.getContainerProperties().setConsumerRebalanceListener(commandListener.getObject());
            // On the container's own properties: the factory does not pass its consumer properties on.
            providerStaticMembership.applyTo(made.getContainerProperties(), "commands");
        });
        return factory;
    }

    @Bean
    KafkaAdmin.NewTopics providerTopics(ProviderProperties properties) {
        if (!properties.topics().create()) {
            return new KafkaAdmin.NewTopics();
        }
        short replication = properties.topics().replicationFactor();
        Topics.TopicSpec commands = properties.cloud().commandTopic();
        List<NewTopic> topics = new ArrayList<>();
        for (Topics.TopicSpec spec : List.of(commands, commands.deadLetter(), Topics.SCALINGGROUP_STATE,
                Topics.SCALINGGROUP_INSTANCES)) {
            topics.add(spec.newTopic(replication));
        }
        return new KafkaAdmin.NewTopics(topics.toArray(NewTopic[]::new));
    }

    /** The CamelCase reason a dead-letter record carries. */
    static String reasonOf(Throwable e) {
        CommandRefusedException refused = find(e, CommandRefusedException.class);
        if (refused != null) {
            return refused.failure().reason();
        }
        if (find(e, DeserializationException.class) != null || find(e, MalformedRecordException.class) != null) {
            return Reasons.MALFORMED_RECORD;
        }
        if (find(e, RetryableCommandException.class) != null) {
            return Reasons.RETRIES_EXHAUSTED;
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }

    static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
