package dev.poolstream.reconciler.config;

import dev.poolstream.api.kube.KubeEvents;
import dev.poolstream.api.kube.ManagementClients;
import dev.poolstream.api.kube.WorkloadClients;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.Topics;
import dev.poolstream.kafka.StaticMembership;
import dev.poolstream.reconciler.Reconciler;
import dev.poolstream.reconciler.kafka.CommandSender;
import dev.poolstream.reconciler.kafka.PoolTopicsConsumer;
import dev.poolstream.reconciler.kube.Drainer;
import dev.poolstream.reconciler.kube.PoolEvents;
import dev.poolstream.reconciler.kube.PoolObjects;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;

@Configuration(proxyBeanMethods = false)
public class ReconcilerConfiguration {

    /**
     * The management cluster: in-cluster service account, or the usual kubeconfig / system properties; its requests
     * name the service.
     */
    @Bean(destroyMethod = "close")
    KubernetesClient kubernetesClient(@Value("${spring.application.name}") String service) {
        return ManagementClients.create(service);
    }

    @Bean(destroyMethod = "close")
    WorkloadClients workloadClients(KubernetesClient management) {
        return new WorkloadClients(management);
    }

    /** The reconciler's time: the system's, unless the context is given another (tests). */
    @Bean
    ReconcilerClock reconcilerClock(ObjectProvider<Clock> clock) {
        return new ReconcilerClock(clock.getIfAvailable(Clock::systemUTC));
    }

    @Bean(destroyMethod = "close")
    Drainer drainer(WorkloadClients workloads, ReconcilerProperties properties, ReconcilerClock clock,
                    MeterRegistry registry) {
        return new Drainer(workloads::client, properties.drainRetry(), properties.drainRetryMax(),
                properties.drainThreads(), clock.clock(), registry);
    }

    /**
     * Events ({@code events.k8s.io/v1}) on the MachinePools and infrastructure pools, reported by this pod
     * ({@code HOSTNAME} is the pod's name in Kubernetes).
     */
    @Bean(destroyMethod = "close")
    PoolEvents poolEvents(KubernetesClient management, @Value("${HOSTNAME:reconciler-service}") String instance,
                          ReconcilerClock clock, MeterRegistry registry) {
        return new PoolEvents(new KubeEvents(management, PoolEvents.REPORTING_CONTROLLER, instance, clock.clock()),
                registry);
    }

    @Bean
    PoolObjects poolObjects(KubernetesClient management, ReconcilerProperties properties) {
        return new PoolObjects(management, properties.mode() == ReconcilerProperties.Mode.OWNER);
    }

    @Bean
    CommandSender commandSender(KafkaTemplate<String, Keyed> template, MeterRegistry registry) {
        return new CommandSender(template, registry);
    }

    @Bean(destroyMethod = "close")
    Reconciler reconciler(ReconcilerProperties properties, CommandSender sender, Drainer drainer,
                          PoolObjects objects, PoolEvents events, ReconcilerClock clock, MeterRegistry registry) {
        return new Reconciler(properties, sender, drainer, objects, events, clock.clock(), registry);
    }

    /**
     * Static group membership when the pod has a name ({@code POOLSTREAM_KAFKA_INSTANCE_ID}): see k8s/. A malformed
     * record is logged and skipped, not dead-lettered: the status service reads every topic the reconciler reads and
     * dead-letters it, and one reader per topic does, so that a bad record lands on its DLT once.
     */
    @Bean
    PoolTopicsConsumer poolTopicsConsumer(ConsumerFactory<?, ?> consumers, Reconciler reconciler,
                                          @Value("${" + StaticMembership.INSTANCE_ID_PROPERTY + ":}") String instance) {
        return new PoolTopicsConsumer(consumers, reconciler, (record, e) -> { }, new StaticMembership(instance));
    }

    /**
     * Ready once partitions are assigned and read back, and the reconciler has taken them in: before that, and from
     * a revocation (a rebalance) until the next assignment is read back, no decision is made. In the readiness group.
     */
    @Bean
    HealthIndicator poolsHealthIndicator(Reconciler reconciler) {
        return () -> (reconciler.caughtUpNow() ? Health.up() : Health.outOfService())
                .withDetail("caughtUp", reconciler.caughtUpNow()).build();
    }

    /**
     * DOWN once the consumer thread has ended without being stopped, or it or the reconcile loop has not gone round
     * for {@code stall-limit}: nothing reads or decides the pools any more, and only a restart helps. In the liveness
     * group, so that Kubernetes restarts the pod.
     */
    @Bean
    HealthIndicator consumerHealthIndicator(PoolTopicsConsumer consumer, Reconciler reconciler,
                                            ReconcilerProperties properties) {
        return () -> {
            Optional<Throwable> died = consumer.died();
            if (died.isPresent()) {
                return Health.down().withDetail("error", died.get().toString()).build();
            }
            Duration limit = properties.stallLimit();
            Duration sincePoll = consumer.sinceLastRound();
            if (sincePoll.compareTo(limit) > 0) {
                return Health.down().withDetail("error", "the consumer has not polled for " + sincePoll.toSeconds()
                        + " s (stall-limit " + limit.toSeconds() + " s): its thread is stuck").build();
            }
            Duration unanswered = reconciler.unanswered();
            if (unanswered.compareTo(limit) > 0) {
                return Health.down().withDetail("error", "the reconcile loop has not answered for "
                        + unanswered.toSeconds() + " s (stall-limit " + limit.toSeconds() + " s): a look is stuck, "
                        + "or the loop is that far behind").build();
            }
            return Health.up().build();
        };
    }

    /** For local runs and the sandbox; in a deployment the topics are declared (k8s/). */
    @Bean
    @ConditionalOnProperty(name = "poolstream.kafka.create-topics", havingValue = "true")
    KafkaAdmin.NewTopics reconcilerTopics(@Value("${poolstream.kafka.replication-factor:1}") short replication) {
        return new KafkaAdmin.NewTopics(Stream.of(Topics.MACHINEPOOL_SPEC, Topics.SCALINGGROUP_STATE,
                        Topics.MACHINEPOOL_STATUS, Topics.SCALINGGROUP_COMMANDS_AWS, Topics.SCALINGGROUP_COMMANDS_AZURE)
                .flatMap(t -> Stream.of(t, t.deadLetter()))
                .map(t -> t.newTopic(replication)).toArray(NewTopic[]::new));
    }
}
