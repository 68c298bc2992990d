package dev.poolstream.status.config;

import dev.poolstream.api.kube.KubeEvents;
import dev.poolstream.api.kube.ManagementClients;
import dev.poolstream.api.kube.WorkloadClients;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.Topics;
import dev.poolstream.kafka.StaticMembership;
import dev.poolstream.status.domain.StatusPosition;
import dev.poolstream.status.domain.ThreadReplacements;
import dev.poolstream.status.kafka.StatusWriteListener;
import dev.poolstream.status.kube.StatusWriter;
import dev.poolstream.status.stream.DeadLetterProcessingHandler;
import dev.poolstream.status.stream.OversizedRecordHandler;
import dev.poolstream.status.stream.StatusMetrics;
import dev.poolstream.status.stream.StatusTopology;
import dev.poolstream.status.stream.StreamThreadDeaths;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Map;
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
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.streams.RecoveringDeserializationExceptionHandler;

/**
 * The status service: the management cluster's clients, the topology and its Kafka Streams configuration, the
 * Kubernetes status writer ({@link StatusWriterConfiguration} reads the topic it is fed from), and health.
 */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
public class StatusConfiguration {

    /**
     * The management cluster: in-cluster service account, or the usual kubeconfig / system properties; its requests
     * name the service.
     */
    @Bean(destroyMethod = "close")
    KubernetesClient kubernetesClient(@Value("${spring.application.name}") String service) {
        return ManagementClients.create(service);
    }

    @Bean(destroyMethod = "close")
    WorkloadClients workloadClients(KubernetesClient management, StatusProperties properties) {
        return new WorkloadClients(management, properties.workloadTimeout());
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
        return new StatusWriter(management, workloads, properties, events, registry);
    }

    @Bean
    StatusMetrics statusMetrics(MeterRegistry registry) {
        return new StatusMetrics(registry);
    }

    @Bean
    StatusTopologyBuilt statusTopology(StreamsBuilder builder, StatusProperties properties, StatusMetrics metrics) {
        StatusTopology.build(builder, properties.lookInterval(), properties.maxLookDelay(), metrics);
        return new StatusTopologyBuilt();
    }

    /** A marker that the topology is on the builder before the factory bean starts the streams. */
    record StatusTopologyBuilt() {
    }

    /**
     * Spring Boot's streams properties; a record the topology cannot read, or fails on (a key that is no pool key),
     * goes to its topic's DLT with the reason instead of stopping the streams. Static membership as the writer's.
     */
    @Bean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration streamsConfiguration(KafkaProperties kafka, DeadLetterPublishingRecoverer deadLetters,
                                                   StaticMembership statusStaticMembership) {
        Map<String, Object> config = kafka.buildStreamsProperties();
        // A restarted pod takes its tasks back at once (Kafka Streams suffixes the id with each thread's index).
        statusStaticMembership.applyTo(config, STREAMS_CONSUMER);
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                RecoveringDeserializationExceptionHandler.class);
        config.put(RecoveringDeserializationExceptionHandler.KSTREAM_DESERIALIZATION_RECOVERER, deadLetters);
        config.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        config.put(DeadLetterProcessingHandler.RECOVERER, deadLetters);
        config.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OversizedRecordHandler.class);
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
                                        StreamThreadDeaths deaths, StatusWriteListener statusWriteListener) {
        return new WorkerHealthIndicators(streams, () -> listeners.getListenerContainer(STATUS_WRITER), deaths,
                statusWriteListener::retryingPools, statusWriteListener::joined);
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

    /** The status writer's listener (container) id, for health lookups; its consumer group is configured. */
    public static final String STATUS_WRITER = StatusWriteListener.ID;
    /** The consumer name of Kafka Streams in its {@code group.instance.id}. */
    static final String STREAMS_CONSUMER = "streams";

    /** What the status writer's listener writes with: the Kubernetes writer. */
    @Bean
    StatusWriteListener.Writer kubernetesStatusWriter(StatusWriter writer) {
        return new StatusWriteListener.Writer() {
            @Override
            public void writePool(PoolStatus status, StatusPosition computedAt) {
                writer.writePool(status, computedAt);
            }

            @Override
            public void writeInstances(PoolStatus status, StatusPosition computedAt) {
                writer.writeInstances(status, computedAt);
            }

            @Override
            public void forgetPool(String pool) {
                writer.forgetPool(pool);
            }

            @Override
            public void forgetInstances(String pool, StatusPosition at) {
                writer.forgetInstances(pool, at);
            }

            @Override
            public void tellRetrying(String pool, String note) {
                writer.tellRetrying(pool, note);
            }

            @Override
            public void forgetSeenObjects() {
                writer.forgetSeenObjects();
            }
        };
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
