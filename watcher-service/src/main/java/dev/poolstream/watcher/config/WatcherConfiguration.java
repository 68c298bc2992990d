package dev.poolstream.watcher.config;

import dev.poolstream.api.kube.ManagementClients;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.Topics;
import dev.poolstream.watcher.Watcher;
import dev.poolstream.kafka.StaticMembership;
import dev.poolstream.watcher.kafka.ClusterAssignment;
import dev.poolstream.watcher.kafka.LeaderSender;
import dev.poolstream.watcher.kafka.RecordSender;
import dev.poolstream.watcher.kafka.TopicReader;
import dev.poolstream.watcher.kafka.WatchReports;
import dev.poolstream.watcher.kube.Leadership;
import dev.poolstream.watcher.kube.ManagementCache;
import dev.poolstream.watcher.kube.WorkloadClusters;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;

@Configuration(proxyBeanMethods = false)
public class WatcherConfiguration {

    /**
     * The management cluster: in-cluster service account, or the usual kubeconfig / system properties; its requests
     * name the service.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    KubernetesClient kubernetesClient(@Value("${spring.application.name}") String service) {
        return ManagementClients.create(service);
    }

    @Bean
    RecordSender recordSender(KafkaTemplate<String, Keyed> template, MeterRegistry registry) {
        return new RecordSender(template, registry);
    }

    /**
     * The leader's transactional producer: its id is the Lease's name, the same on every replica, so that each new
     * leader fences the one before (docs/watcher.md, "Leadership and failover").
     */
    @Bean
    LeaderSender leaderSender(ProducerFactory<String, Keyed> producers, WatcherProperties properties,
                              MeterRegistry registry) {
        Map<String, Object> settings = new HashMap<>(producers.getConfigurationProperties());
        // A leader killed in a transaction holds back what readers see of its partitions until the next leader
        // aborts it (within the lease duration), else until this timeout.
        settings.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) properties.lease().duration().toMillis());
        return new LeaderSender(settings, properties.lease().name(), registry);
    }

    @Bean
    TopicReader topicReader(ConsumerFactory<?, ?> consumers) {
        return new TopicReader(consumers);
    }

    @Bean(destroyMethod = "close")
    Watcher watcher(WatcherProperties properties, RecordSender sender, LeaderSender leaderSender, TopicReader reader,
                    MeterRegistry registry) {
        return new Watcher(properties, sender, leaderSender, reader, registry);
    }

    @Bean(destroyMethod = "stop")
    ManagementCache managementCache(KubernetesClient client, WatcherProperties properties, Watcher watcher) {
        return new ManagementCache(client, properties, watcher);
    }

    /** What every replica reports of the clusters it watches, read by every replica (the leader uses it). */
    @Bean(destroyMethod = "close")
    WatchReports watchReports(ConsumerFactory<?, ?> consumers, Watcher watcher) {
        return new WatchReports(consumers, watcher);
    }

    @Bean(destroyMethod = "close")
    WorkloadClusters workloadClusters(ManagementCache cache, Watcher watcher, WatchReports reports,
                                      WatcherProperties properties, MeterRegistry registry,
                                      KubernetesClient client) {
        WorkloadClusters workloads = new WorkloadClusters(new WorkloadClusters.Clusters() {
            @Override
            public boolean watched(String namespace, String name) {
                return watcher.watches(namespace + "/" + name);
            }

            @Override
            public Optional<String> kubeconfig(String namespace, String name) {
                return cache.kubeconfig(namespace, name);
            }
        }, watcher, properties, client.getConfiguration().getUserAgent());
        watcher.bind(cache, workloads, reports);
        for (WorkloadClusters.State state : WorkloadClusters.State.values()) {
            Gauge.builder("poolstream.watcher.clusters", workloads,
                            w -> w.health().values().stream().filter(h -> h.state() == state).count())
                    .tag("state", state.name().toLowerCase())
                    .description("Workload clusters by the state of their Node watch")
                    .register(registry);
        }
        return workloads;
    }

    /** Kafka static membership from the pod's name ({@code POOLSTREAM_KAFKA_INSTANCE_ID}); dynamic without one. */
    @Bean
    StaticMembership watcherStaticMembership(
            @Value("${" + StaticMembership.INSTANCE_ID_PROPERTY + ":}") String instanceId) {
        return new StaticMembership(instanceId);
    }

    /** The consumer through which the replicas share the workload clusters' Node watches. */
    @Bean(destroyMethod = "close")
    ClusterAssignment clusterAssignment(ConsumerFactory<?, ?> consumers, WatcherProperties properties,
                                        StaticMembership watcherStaticMembership, Watcher watcher) {
        // The whole properties: reading their Node-watch part here would look, to deploy-tests' RbacTest, like a
        // Kubernetes API call (the client DSL has a method of that name).
        return new ClusterAssignment(consumers, properties, watcherStaticMembership, watcher);
    }

    @Bean(destroyMethod = "close")
    Leadership leadership(KubernetesClient client, WatcherProperties properties, Watcher watcher,
                          MeterRegistry registry) {
        Leadership leadership = new Leadership(client, properties.lease(), watcher);
        Gauge.builder("poolstream.watcher.leader", leadership, l -> l.leader() ? 1 : 0)
                .description("1 while this replica is the one that publishes").register(registry);
        return leadership;
    }

    @Bean
    WatcherLifecycle watcherLifecycle(ManagementCache cache, Leadership leadership, ClusterAssignment assignment,
                                      WorkloadClusters workloads, WatchReports reports) {
        return new WatcherLifecycle(cache, leadership, assignment, workloads, reports);
    }

    /** For local runs and the sandbox; in a real deployment the topics are declared (Strimzi KafkaTopic, k8s/). */
    @Bean
    @ConditionalOnProperty(name = "poolstream.kafka.create-topics", havingValue = "true")
    KafkaAdmin.NewTopics watcherTopics(@Value("${poolstream.kafka.replication-factor:1}") short replicationFactor) {
        return new KafkaAdmin.NewTopics(Stream.of(Topics.MACHINEPOOL_SPEC, Topics.NODE, Topics.WORKLOAD_CLUSTER,
                        Topics.WORKLOAD_CLUSTER_WATCH)
                .map(t -> t.newTopic(replicationFactor)).toArray(NewTopic[]::new));
    }
}
