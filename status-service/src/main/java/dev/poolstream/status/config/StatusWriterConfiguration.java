package dev.poolstream.status.config;

import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.MalformedRecordException;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.kafka.StaticMembership;
import dev.poolstream.status.kafka.StatusWriteListener;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Collection;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.util.backoff.FixedBackOff;

/**
 * The status writer's Kafka side: the listener on {@code machinepool.status.v1} with its own container (batches,
 * offsets committed by the listener, static membership), and the dead letters of the service. What it writes with
 * is a {@link StatusWriteListener.Writer} bean ({@link StatusConfiguration} gives the Kubernetes one).
 */
@Configuration(proxyBeanMethods = false)
public class StatusWriterConfiguration {

    /** The consumer name of the writer's container in its {@code group.instance.id}. */
    static final String WRITER_CONSUMER = "status-writer";

    /** Kafka static membership from the pod's name ({@code POOLSTREAM_KAFKA_INSTANCE_ID}); dynamic without one. */
    @Bean
    StaticMembership statusStaticMembership(
            @Value("${" + StaticMembership.INSTANCE_ID_PROPERTY + ":}") String instanceId) {
        return new StaticMembership(instanceId);
    }

    @Bean
    KafkaTemplate<String, Object> deadLetterValues(ProducerFactory<?, ?> producerFactory) {
        @SuppressWarnings("unchecked")
        ProducerFactory<String, Object> typed = (ProducerFactory<String, Object>) producerFactory;
        return new KafkaTemplate<>(typed);
    }

    @Bean
    DeadLetterPublishingRecoverer deadLetters(ProducerFactory<?, ?> producerFactory,
                                              KafkaTemplate<String, Object> deadLetterValues, MeterRegistry registry) {
        // The topology's inputs, and the status topic (the writer's input, and where the repartition's go).
        return DeadLetters.recoverer(producerFactory, deadLetterValues, e ->
                e instanceof MalformedRecordException || e.getCause() instanceof MalformedRecordException
                        || e instanceof DeserializationException || e.getCause() instanceof DeserializationException
                        ? "MalformedRecord" : DeadLetters.rootCause(e), registry,
                Stream.of(Topics.SCALINGGROUP_INSTANCES, Topics.NODE, Topics.MACHINEPOOL_SPEC,
                        Topics.SCALINGGROUP_STATE, Topics.MACHINEPOOL_STATUS).map(Topics.TopicSpec::name).toList());
    }

    /**
     * Writing a pool's status is tried again with backoff (doubling from {@code write-retry-initial} up to
     * {@code write-retry-max}) for as long as it fails, off the consumer thread.
     */
    @Bean(destroyMethod = "close")
    StatusWriteListener statusWriteListener(StatusWriteListener.Writer writer, DeadLetterPublishingRecoverer deadLetters,
                                            StatusProperties properties, MeterRegistry registry) {
        ExponentialBackOff backOff = new ExponentialBackOff(properties.writeRetryInitial().toMillis(), 2);
        backOff.setMaxInterval(properties.writeRetryMax().toMillis());
        backOff.setMaxElapsedTime(Long.MAX_VALUE);
        return new StatusWriteListener(writer, deadLetters, backOff, Clock.systemUTC(), registry,
                properties.writers());
    }

    /** The listener handles every record itself; should it ever throw, nothing is committed for it here. */
    @Bean
    DefaultErrorHandler statusWriterErrorHandler() {
        DefaultErrorHandler handler = new DefaultErrorHandler(new FixedBackOff(0, 0));
        handler.setAckAfterHandle(false);
        return handler;
    }

    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> statusWriterContainerFactory(
            ConsumerFactory<?, ?> consumerFactory, ObjectProvider<StatusWriteListener> statusWriteListener,
            DefaultErrorHandler statusWriterErrorHandler, StaticMembership statusStaticMembership,
            StatusProperties properties) {
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        @SuppressWarnings("unchecked")
        ConsumerFactory<Object, Object> typed = (ConsumerFactory<Object, Object>) consumerFactory;
        factory.setConsumerFactory(typed);
        factory.setBatchListener(true);
        // Pools on different partitions are written at once; one listener and its KeyedRetries serve them all, each
        // consumer committing its own partitions.
        factory.setConcurrency(properties.writers());
        factory.setCommonErrorHandler(statusWriterErrorHandler);
        ContainerProperties container = factory.getContainerProperties();
        // Never acknowledged: the listener commits up to the oldest status not written (KeyedRetries).
        container.setAckMode(ContainerProperties.AckMode.MANUAL);
        // Before partitions go, the listener commits what is written and lets go of the rest. (Looked up when the
        // container calls: the listener's own container factory is this one.)
        container.setConsumerRebalanceListener(new ConsumerAwareRebalanceListener() {
            @Override
            public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer,
                                                        Collection<TopicPartition> partitions) {
                statusWriteListener.getObject().onPartitionsRevokedBeforeCommit(consumer, partitions);
            }

            @Override
            public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                statusWriteListener.getObject().onPartitionsLost(consumer, partitions);
            }

            @Override
            public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                statusWriteListener.getObject().onPartitionsAssigned(consumer, partitions);
            }
        });
        // When no record comes, a status the retry thread wrote is still committed within about a second.
        container.setIdleEventInterval(1_000L);
        container.setPollTimeout(1_000L);
        // On the container, not the factory: a factory's consumer properties are not copied to its containers.
        factory.setContainerCustomizer(c -> statusStaticMembership.applyTo(c.getContainerProperties(),
                WRITER_CONSUMER));
        return factory;
    }
}
