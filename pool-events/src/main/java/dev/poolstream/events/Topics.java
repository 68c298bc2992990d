package dev.poolstream.events;

import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Every topic of the pipeline with its partitions and cleanup policy: the one place that says so (DESIGN.md §2).
 *
 * <p>All topics share one partition count. {@code node.v1} and {@code scalinggroup.instances.v1} must be
 * co-partitioned for the status join on provider ID, and the pool-keyed topics (spec, state, status, commands)
 * must be too for the joins on pool key; one count keeps both true.
 */
public final class Topics {

    public static final int PARTITIONS = 12;
    public static final Duration DELETE_RETENTION = Duration.ofDays(7);
    public static final String DLT_SUFFIX = ".DLT";

    public enum Cleanup {
        COMPACT(TopicConfig.CLEANUP_POLICY_COMPACT), DELETE(TopicConfig.CLEANUP_POLICY_DELETE);

        private final String policy;

        Cleanup(String policy) {
            this.policy = policy;
        }

        public String policy() {
            return policy;
        }
    }

    /**
     * A topic, how it is kept, and the type of its values.
     *
     * @param valueType the value type (a record, or a sealed family of records); null for a dead-letter topic,
     *                  which holds whatever could not be processed, byte for byte
     */
    public record TopicSpec(String name, int partitions, Cleanup cleanup, Duration retention,
                            Class<? extends Keyed> valueType) {

        public Map<String, String> configs() {
            return cleanup == Cleanup.COMPACT
                    ? Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, cleanup.policy())
                    : Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, cleanup.policy(),
                            TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()));
        }

        /** The topic with the given replication factor, for an admin client or a Spring {@code NewTopic} bean. */
        public NewTopic newTopic(short replicationFactor) {
            return new NewTopic(name, partitions, replicationFactor).configs(configs());
        }

        /** Its dead-letter topic: same key and partitions, kept for {@link #DELETE_RETENTION}. */
        public TopicSpec deadLetter() {
            return new TopicSpec(name + DLT_SUFFIX, partitions, Cleanup.DELETE, DELETE_RETENTION, null);
        }
    }

    public static final TopicSpec MACHINEPOOL_SPEC = compacted("machinepool.spec.v1", PoolSpec.class);
    public static final TopicSpec NODE = compacted("node.v1", NodeState.class);
    public static final TopicSpec SCALINGGROUP_COMMANDS_AWS =
            deleted("scalinggroup.commands.aws.v1", ScalingGroupCommand.class);
    public static final TopicSpec SCALINGGROUP_COMMANDS_AZURE =
            deleted("scalinggroup.commands.azure.v1", ScalingGroupCommand.class);
    public static final TopicSpec SCALINGGROUP_STATE = compacted("scalinggroup.state.v1", ScalingGroupState.class);
    public static final TopicSpec SCALINGGROUP_INSTANCES = compacted("scalinggroup.instances.v1", InstanceState.class);
    public static final TopicSpec MACHINEPOOL_STATUS = compacted("machinepool.status.v1", PoolStatus.class);
    public static final TopicSpec MACHINEPOOL_LIFECYCLE =
            deleted("machinepool.lifecycle.v1", PoolLifecycleEvent.class);
    /** The workload clusters whose Nodes the watcher replicas share out among themselves, keyed by cluster. */
    public static final TopicSpec WORKLOAD_CLUSTER = compacted("workloadcluster.v1", WorkloadCluster.class);
    /** How each workload cluster's Node watch stands, from the replica that watches it, keyed by cluster. */
    public static final TopicSpec WORKLOAD_CLUSTER_WATCH =
            compacted("workloadcluster.watch.v1", WorkloadClusterWatch.class);

    /** The topics the services read and write, without their dead-letter topics. */
    public static final List<TopicSpec> MAIN = List.of(MACHINEPOOL_SPEC, NODE, SCALINGGROUP_COMMANDS_AWS,
            SCALINGGROUP_COMMANDS_AZURE, SCALINGGROUP_STATE, SCALINGGROUP_INSTANCES, MACHINEPOOL_STATUS,
            MACHINEPOOL_LIFECYCLE, WORKLOAD_CLUSTER, WORKLOAD_CLUSTER_WATCH);

    /** Every topic, each followed by its dead-letter topic. */
    public static List<TopicSpec> all() {
        return MAIN.stream().flatMap(t -> Stream.of(t, t.deadLetter())).toList();
    }

    /** The topic of that name, dead-letter topics included. */
    public static Optional<TopicSpec> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    private static final Map<String, TopicSpec> BY_NAME = all().stream()
            .collect(Collectors.toUnmodifiableMap(TopicSpec::name, t -> t));

    private static TopicSpec compacted(String name, Class<? extends Keyed> valueType) {
        return new TopicSpec(name, PARTITIONS, Cleanup.COMPACT, null, valueType);
    }

    private static TopicSpec deleted(String name, Class<? extends Keyed> valueType) {
        return new TopicSpec(name, PARTITIONS, Cleanup.DELETE, DELETE_RETENTION, valueType);
    }

    private Topics() {
    }
}
