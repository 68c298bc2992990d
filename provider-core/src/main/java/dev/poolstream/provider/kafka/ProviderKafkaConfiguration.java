package dev.poolstream.provider.kafka;

import dev.poolstream.events.Topics;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.serde.MalformedRecordException;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.config.ProviderProperties;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.domain.RecentIds;
import dev.poolstream.provider.engine.CommandExecutor;
import dev.poolstream.events.Failure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.ExponentialBackOffWithMaxRetries;

/**
 * The provider's Kafka side: the command listener with its dead-letter handling, the publisher of state and
 * instances, the restore on partition assignment, and the topics it writes.
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

    @Bean
    CommandListener commandListener(CommandExecutor executor, ProviderProperties properties) {
        return new CommandListener(executor, properties.cloud().commandTopic().name());
    }

    @Bean
    @SuppressWarnings("unchecked")
    DefaultErrorHandler providerErrorHandler(ProducerFactory<?, ?> producerFactory,
                                             KafkaTemplate<String, Object> providerEventTemplate,
                                             CommandExecutor executor, ProviderProperties properties) {
        DeadLetterPublishingRecoverer deadLetters = DeadLetters.recoverer(producerFactory, providerEventTemplate,
                ProviderKafkaConfiguration::reasonOf);
        ConsumerRecordRecoverer recoverer = (record, e) -> {
            deadLetters.accept(record, e);
            RetryableCommandException retryable = find(e, RetryableCommandException.class);
            if (record.value() instanceof ScalingGroupCommand command && retryable != null) {
                executor.reportFailure(command, new Failure(Reasons.RETRIES_EXHAUSTED,
                        retryable.getMessage()));
            }
        };
        ProviderProperties.CommandRetry retry = properties.commandRetry();
        ExponentialBackOffWithMaxRetries backOff = new ExponentialBackOffWithMaxRetries(retry.maxRetries());
        backOff.setInitialInterval(retry.initialInterval().toMillis());
        backOff.setMultiplier(retry.multiplier());
        backOff.setMaxInterval(retry.maxInterval().toMillis());
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff);
        handler.addNotRetryableExceptions(CommandRefusedException.class, MalformedRecordException.class,
                DeserializationException.class, IllegalArgumentException.class);
        return handler;
    }

    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> providerCommandContainerFactory(
            ConsumerFactory<?, ?> consumerFactory, DefaultErrorHandler providerErrorHandler,
            OwnershipListener ownershipListener) {
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        @SuppressWarnings("unchecked")
        ConsumerFactory<Object, Object> typed = (ConsumerFactory<Object, Object>) consumerFactory;
        factory.setConsumerFactory(typed);
        factory.setCommonErrorHandler(providerErrorHandler);
        factory.getContainerProperties().setAckMode(ContainerProperties.AckMode.RECORD);
        factory.getContainerProperties().setConsumerRebalanceListener(ownershipListener);
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
