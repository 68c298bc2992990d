package dev.poolstream.kafka;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.kafka.listener.ContainerProperties;

/**
 * Kafka static group membership (KIP-345) for a service's consumers, so that a restarted pod takes its partitions
 * back at once instead of waiting out its dead predecessor's session.
 *
 * <p>The instance id is the pod's name ({@code poolstream.kafka.instance-id}, set from the pod's
 * {@code metadata.name} in {@code k8s/} and from the container's hostname in {@code docker-compose.yml}): it survives
 * a container restart, and two live pods never share it. Each consumer of the process gets its own
 * {@code group.instance.id}, {@code <instance>-<consumer>}, since two members of one group must not share one. Without
 * an instance id (tests, several services in one JVM) membership stays dynamic.
 */
public final class StaticMembership {

    /** The property that names this instance; blank for dynamic membership. */
    public static final String INSTANCE_ID_PROPERTY = "poolstream.kafka.instance-id";

    private final String instanceId;

    public StaticMembership(String instanceId) {
        this.instanceId = instanceId == null || instanceId.isBlank() ? null : instanceId.strip();
    }

    /** The {@code group.instance.id} of one consumer of this process, when membership is static. */
    public Optional<String> groupInstanceId(String consumer) {
        return instanceId == null ? Optional.empty() : Optional.of(instanceId + "-" + consumer);
    }

    /** Adds {@code group.instance.id} to a consumer's (or Kafka Streams') configuration. */
    public void applyTo(Map<String, Object> config, String consumer) {
        groupInstanceId(consumer).ifPresent(id -> config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
    }

    /** Adds {@code group.instance.id} to a consumer's configuration overrides. */
    public void applyTo(Properties config, String consumer) {
        groupInstanceId(consumer).ifPresent(id -> config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
    }

    /**
     * Adds {@code group.instance.id} to a listener container's consumer properties; spring-kafka appends
     * {@code -<n>} for each consumer of a concurrent container. Apply it to a created container (a container
     * customizer): a container factory does not copy its own consumer properties into the containers it creates.
     */
    public void applyTo(ContainerProperties container, String consumer) {
        groupInstanceId(consumer).ifPresent(id -> container.getKafkaConsumerProperties()
                .setProperty(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
    }
}
