package dev.poolstream.status.config;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.MalformedRecordException;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.status.domain.ThreadReplacements;
import dev.poolstream.status.kube.StatusWriter;
import dev.poolstream.api.kube.KubeEvents;
import dev.poolstream.api.kube.WorkloadClients;
import dev.poolstream.status.stream.DeadLetterProcessingHandler;
import dev.poolstream.status.stream.StatusMetrics;
import dev.poolstream.status.stream.StatusTopology;
import dev.poolstream.status.stream.StreamThreadDeaths;
import java.time.Clock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.listener.BatchListenerFailedException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.streams.RecoveringDeserializationExceptionHandler;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.util.backoff.ExponentialBackOff;

@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
public class StatusConfiguration {

    /** The management cluster: in-cluster service account, or the usual kubeconfig / system properties. */
    @Bean(destroyMethod = "close")
    KubernetesClient kubernetesClient() {
        return new KubernetesClientBuilder().build();
    }

    @Bean(destroyMethod = "close")
    WorkloadClients workloadClients(KubernetesClient management) {
        return new WorkloadClients(management);
    }

    /**
     * Events ({@code events.k8s.io/v1}) on the MachinePools and infrastructure pools, reported by this pod
     * ({@code HOSTNAME} is the pod's name in Kubernetes).
     */
    @Bean
    KubeEvents kubeEvents(KubernetesClient management,
                          @Value("${HOSTNAME:status-service}") String instance) {
        return new KubeEvents(management, StatusWriter.REPORTING_CONTROLLER, instance, Clock.systemUTC());
    }

    @Bean
    StatusWriter statusWriter(KubernetesClient management, WorkloadClients workloads, StatusProperties properties,
                              KubeEvents events, MeterRegistry registry) {
        return new StatusWriter(management, workloads, properties.mode(), events, registry);
    }

    @Bean
    StatusMetrics statusMetrics(MeterRegistry registry) {
        return new StatusMetrics(registry);
    }

    @Bean
    StatusTopologyBuilt statusTopology(StreamsBuilder builder, StatusProperties properties, StatusMetrics metrics) {
        StatusTopology.build(builder, properties.lookInterval(), metrics);
        return new StatusTopologyBuilt();
    }

    /** A marker that the topology is on the builder before the factory bean starts the streams. */
    record StatusTopologyBuilt() {
    }

    @Bean
    KafkaTemplate<String, Object> deadLetterValues(ProducerFactory<?, ?> producerFactory) {
        @SuppressWarnings("unchecked")
        ProducerFactory<String, Object> typed = (ProducerFactory<String, Object>) producerFactory;
        return new KafkaTemplate<>(typed);
    }

    @Bean
    DeadLetterPublishingRecoverer deadLetters(ProducerFactory<?, ?> producerFactory,
                                              KafkaTemplate<String, Object> deadLetterValues) {
        return DeadLetters.recoverer(producerFactory, deadLetterValues, e ->
                e instanceof MalformedRecordException || e.getCause() instanceof MalformedRecordException
                        || e instanceof DeserializationException || e.getCause() instanceof DeserializationException
                        ? "MalformedRecord" : DeadLetters.rootCause(e));
    }

    /**
     * Spring Boot's streams properties; a record the topology cannot read, or fails on (a key that is no pool key),
     * goes to its topic's DLT with the reason instead of stopping the streams.
     */
    @Bean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration streamsConfiguration(KafkaProperties kafka, DeadLetterPublishingRecoverer deadLetters) {
        Map<String, Object> config = kafka.buildStreamsProperties();
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                RecoveringDeserializationExceptionHandler.class);
        config.put(RecoveringDeserializationExceptionHandler.KSTREAM_DESERIALIZATION_RECOVERER, deadLetters);
        config.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        config.put(DeadLetterProcessingHandler.RECOVERER, deadLetters);
        return new KafkaStreamsConfiguration(config);
    }

    /** A stream thread that dies is replaced, within a budget; past it, Kafka Streams stops and liveness says so. */
    @Bean
    StreamThreadDeaths streamThreadDeaths(StatusProperties properties) {
        return new StreamThreadDeaths(new ThreadReplacements(properties.threadReplacements(),
                properties.threadReplacementWindow()), Clock.systemUTC());
    }

    @Bean
    StreamsBuilderFactoryBeanConfigurer streamThreadDeathsConfigurer(StreamThreadDeaths deaths) {
        return factoryBean -> factoryBean.setStreamsUncaughtExceptionHandler(deaths);
    }

    @Bean
    WorkerHealthIndicators workerHealth(StreamsBuilderFactoryBean streams, KafkaListenerEndpointRegistry listeners,
                                        StreamThreadDeaths deaths) {
        return new WorkerHealthIndicators(streams, () -> listeners.getListenerContainer(STATUS_WRITER), deaths);
    }

    /** In the liveness group: DOWN when the topology or the status writer is dead, so that the pod is restarted. */
    @Bean
    HealthIndicator workerLivenessHealthIndicator(WorkerHealthIndicators worker) {
        return worker::liveness;
    }

    /** In the readiness group: both halves running, with partitions assigned. */
    @Bean
    HealthIndicator workerReadinessHealthIndicator(WorkerHealthIndicators worker) {
        return worker::readiness;
    }

    /** The status writer's listener. */
    public static final String STATUS_WRITER = "status-writer";

    /** Writing to Kubernetes is retried with backoff; a status that still cannot be written goes to the DLT. */
    @Bean
    DefaultErrorHandler statusWriteErrorHandler(DeadLetterPublishingRecoverer deadLetters) {
        ExponentialBackOff backOff = new ExponentialBackOff(500, 2);
        backOff.setMaxElapsedTime(30_000);
        DefaultErrorHandler handler = new DefaultErrorHandler(deadLetters, backOff);
        handler.addNotRetryableExceptions(MalformedRecordException.class, DeserializationException.class);
        return handler;
    }

    @Bean
    StatusWriteListener statusWriteListener(StatusWriter writer) {
        return new StatusWriteListener(writer);
    }

    /**
     * Reads what the topology committed, and writes it to Kubernetes: in batches, and of each pool only its latest
     * status in the batch, since a status replaces the one before (a scale-up makes many in a row).
     */
    static final class StatusWriteListener {
        private final StatusWriter writer;

        StatusWriteListener(StatusWriter writer) {
            this.writer = writer;
        }

        @KafkaListener(id = STATUS_WRITER, topics = "machinepool.status.v1", batch = "true")
        void onStatuses(List<ConsumerRecord<String, Keyed>> records) {
            Map<String, ConsumerRecord<String, Keyed>> latest = new LinkedHashMap<>();
            for (ConsumerRecord<String, Keyed> record : records) {
                latest.remove(record.key());
                latest.put(record.key(), record);
            }
            for (ConsumerRecord<String, Keyed> record : latest.values()) {
                if (record.value() == null) {
                    writer.forget(record.key());
                } else if (record.value() instanceof PoolStatus status) {
                    try {
                        writer.write(status);
                    } catch (RuntimeException e) {
                        // The error handler retries this record with backoff, then sends it to the DLT.
                        throw new BatchListenerFailedException("writing the status of " + record.key() + " failed",
                                e, record);
                    }
                }
            }
        }
    }

    /** For local runs and the sandbox; in a deployment the topics are declared (k8s/). */
    @Bean
    @ConditionalOnProperty(name = "poolstream.kafka.create-topics", havingValue = "true")
    KafkaAdmin.NewTopics statusTopics(@Value("${poolstream.kafka.replication-factor:1}") short replicationFactor) {
        return new KafkaAdmin.NewTopics(Stream.of(Topics.MACHINEPOOL_SPEC, Topics.NODE, Topics.SCALINGGROUP_STATE,
                        Topics.SCALINGGROUP_INSTANCES, Topics.MACHINEPOOL_STATUS, Topics.MACHINEPOOL_LIFECYCLE)
                .flatMap(t -> Stream.of(t, t.deadLetter()))
                .map(t -> t.newTopic(replicationFactor)).toArray(NewTopic[]::new));
    }
}
