package dev.poolstream.provider.kafka;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.MalformedRecordException;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.InventoryDiff;
import dev.poolstream.provider.domain.PoolRecord;
import dev.poolstream.provider.domain.RecentIds;
import dev.poolstream.provider.engine.Publication;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds what the provider knows from Kafka alone: the groups of the pools it owns (from the compacted
 * {@code scalinggroup.state.v1}), what it published of their instances (from {@code scalinggroup.instances.v1}),
 * and the ids of the commands last carried out. The poller then compares that with the cloud, so instances that
 * vanished while the service was down get their tombstones. Instances still published for a group that is gone
 * get theirs here.
 */
public class InventoryRestorer {

    private static final Logger log = LoggerFactory.getLogger(InventoryRestorer.class);

    private final Map<String, Object> consumerConfig;
    private final Cloud cloud;
    private final Inventory inventory;
    private final RecentIds recentIds;
    private final Publication publication;
    private final Duration timeout;

    public InventoryRestorer(Map<String, Object> consumerConfig, Cloud cloud, Inventory inventory,
                             RecentIds recentIds, Publication publication, Duration timeout) {
        this.consumerConfig = new HashMap<>(consumerConfig);
        this.consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumerConfig.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        this.consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        this.consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        this.consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "poolstream-provider-restore");
        this.cloud = cloud;
        this.inventory = inventory;
        this.recentIds = recentIds;
        this.publication = publication;
        this.timeout = timeout;
    }

    /**
     * Restores the pools whose key falls in the given partitions (of the pool-keyed topics, which share one
     * partition count).
     */
    public void restore(Set<Integer> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Instant started = Instant.now();
        Map<String, ScalingGroupState> states = new HashMap<>();
        Map<String, InstanceState> instances = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig)) {
            String stateTopic = Topics.SCALINGGROUP_STATE.name();
            readToEnd(consumer, stateTopic, p -> partitions.contains(p),
                    new EventDeserializer<>(ScalingGroupState.class), states::put, states::remove);
            int poolPartitions = consumer.partitionsFor(stateTopic).size();
            readToEnd(consumer, Topics.SCALINGGROUP_INSTANCES.name(), p -> true,
                    new EventDeserializer<>(InstanceState.class), instances::put, instances::remove);
            instances.values().removeIf(i -> i.cloud() != cloud
                    || !partitions.contains(Partitions.of(i.pool(), poolPartitions)));
        }
        Map<String, List<InstanceState>> byPool = new HashMap<>();
        instances.values().forEach(i -> byPool.computeIfAbsent(i.pool(), p -> new ArrayList<>()).add(i));
        int restored = 0;
        List<String> orphans = new ArrayList<>();
        for (ScalingGroupState state : states.values()) {
            if (state.cloud() != cloud) {
                continue;
            }
            recentIds.add(state.lastCommandId());
            if (!state.exists() && !byPool.containsKey(state.pool())) {
                continue;
            }
            if (inventory.get(state.pool()).isPresent()) {
                continue; // this instance already knows more than the topic
            }
            PoolRecord record = new PoolRecord(state.pool(), state.group());
            record.lastState(state);
            byPool.getOrDefault(state.pool(), List.of()).forEach(i -> record.published().put(i.providerID(), i));
            inventory.put(record);
            restored++;
        }
        byPool.forEach((pool, list) -> {
            if (!states.containsKey(pool)) {
                list.forEach(i -> orphans.add(i.providerID()));
            }
        });
        if (!orphans.isEmpty()) {
            // Instances of a pool that has no group state at all: nothing will poll them, so remove them now.
            publication.publish(new InventoryDiff(List.of(), orphans), null);
        }
        log.info("restored {} pool(s) of partitions {} from Kafka in {} ms ({} instance(s), {} orphan tombstone(s))",
                restored, partitions, Duration.between(started, Instant.now()).toMillis(), instances.size(),
                orphans.size());
    }

    private <T> void readToEnd(KafkaConsumer<String, byte[]> consumer, String topic,
                               java.util.function.IntPredicate partitionFilter, EventDeserializer<T> reader,
                               BiConsumer<String, T> put, Function<String, ?> remove) {
        List<TopicPartition> assigned = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic)) {
            if (partitionFilter.test(info.partition())) {
                assigned.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
        Instant deadline = Instant.now().plus(timeout);
        while (!reached(consumer, end)) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("reading back " + topic + " took longer than " + timeout);
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.key() == null) {
                    continue;
                }
                if (record.value() == null) {
                    remove.apply(record.key());
                    continue;
                }
                try {
                    put.accept(record.key(), reader.deserialize(record));
                } catch (MalformedRecordException e) {
                    log.warn("skipping a record that cannot be read back: {}", e.getMessage());
                }
            }
        }
        consumer.unsubscribe();
    }

    private static boolean reached(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** The partitions of the pool-keyed topics a set of assigned command partitions stands for. */
    public static Set<Integer> partitionNumbers(Collection<TopicPartition> partitions) {
        Set<Integer> numbers = new java.util.TreeSet<>();
        partitions.forEach(tp -> numbers.add(tp.partition()));
        return numbers;
    }
}
