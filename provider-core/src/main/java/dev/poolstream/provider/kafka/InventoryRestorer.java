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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.support.KafkaHeaders;

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
    /** Command partition → offset → timestamp of the commands found on the DLT by the last restore of it. */
    private final Map<Integer, Map<Long, Long>> deadLettered = new ConcurrentHashMap<>();

    public InventoryRestorer(Map<String, Object> consumerConfig, Cloud cloud, Inventory inventory,
                             RecentIds recentIds, Publication publication, Duration timeout) {
        this.consumerConfig = new HashMap<>(consumerConfig);
        this.consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumerConfig.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        this.consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Asking for a topic that does not exist (a DLT nothing was written to) must not create it.
        this.consumerConfig.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        this.consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        this.consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        this.consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "poolstream-provider-restore");
        this.cloud = cloud;
        this.inventory = inventory;
        this.recentIds = recentIds;
        this.publication = publication;
        this.timeout = timeout;
    }

    /** The configuration of the restore's consumer: no group, so neither group.id nor group.instance.id. */
    Map<String, Object> consumerConfig() {
        return Map.copyOf(consumerConfig);
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
            // Every command id the topic still holds counts as done, not only each pool's last: commands done after
            // one that was still being retried were not committed, and come again after a restart. Carrying out an
            // older one of them again would undo the newer.
            readToEnd(consumer, stateTopic, p -> partitions.contains(p),
                    new EventDeserializer<>(ScalingGroupState.class), (pool, state) -> {
                        states.put(pool, state);
                        if (state.cloud() == cloud) {
                            recentIds.add(state.lastCommandId());
                        }
                    }, states::remove);
            int poolPartitions = consumer.partitionsFor(stateTopic).size();
            readToEnd(consumer, Topics.SCALINGGROUP_INSTANCES.name(), p -> true,
                    new EventDeserializer<>(InstanceState.class), instances::put, instances::remove);
            instances.values().removeIf(i -> i.cloud() != cloud
                    || !partitions.contains(Partitions.of(i.pool(), poolPartitions)));
            deadLettered.putAll(readDeadLetters(consumer, partitions));
        }
        Map<String, List<InstanceState>> byPool = new HashMap<>();
        instances.values().forEach(i -> byPool.computeIfAbsent(i.pool(), p -> new ArrayList<>()).add(i));
        int restored = 0;
        List<String> orphans = new ArrayList<>();
        for (ScalingGroupState state : states.values()) {
            if (state.cloud() != cloud) {
                continue;
            }
            recentIds.add(state.lastCommandId()); // again: the latest ids are evicted last
            if (!state.exists() && !byPool.containsKey(state.pool())) {
                continue;
            }
            PoolRecord record = new PoolRecord(state.pool(), state.group());
            record.lastState(state);
            byPool.getOrDefault(state.pool(), List.of()).forEach(i -> record.published().put(i.providerID(), i));
            // A pool already known (a command of it ran meanwhile, maybe on the retry thread) knows more than the
            // topic: never replace its record.
            if (inventory.putIfAbsent(record)) {
                restored++;
            }
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
        log.info("restored {} pool(s) of partitions {} from Kafka in {} ms ({} instance(s), {} orphan tombstone(s), "
                + "{} dead-lettered command(s))", restored, partitions,
                Duration.between(started, Instant.now()).toMillis(), instances.size(), orphans.size(),
                partitions.stream().mapToInt(p -> deadLettered.getOrDefault(p, Map.of()).size()).sum());
    }

    private <T> void readToEnd(KafkaConsumer<String, byte[]> consumer, String topic,
                               java.util.function.IntPredicate partitionFilter, EventDeserializer<T> reader,
                               BiConsumer<String, T> put, Function<String, ?> remove) {
        readToEnd(consumer, topic, partitionFilter, record -> {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                remove.apply(record.key());
                return;
            }
            try {
                put.accept(record.key(), reader.deserialize(record));
            } catch (MalformedRecordException e) {
                log.warn("skipping a record of key {} that cannot be read back: {}", record.key(), e.getMessage());
            }
        });
    }

    /**
     * The commands of the partitions that were dead-lettered, by original partition, offset and timestamp: a restart
     * delivers again the records after the oldest command not done, and one of them already dead-lettered is not
     * carried out (or dead-lettered) twice.
     */
    private Map<Integer, Map<Long, Long>> readDeadLetters(KafkaConsumer<String, byte[]> consumer,
                                                         Set<Integer> partitions) {
        String commands = cloud.commandTopic().name();
        Map<Integer, Map<Long, Long>> found = new HashMap<>();
        partitions.forEach(p -> found.put(p, new HashMap<>()));
        // A command is dead-lettered to the partition of its own number.
        readToEnd(consumer, cloud.commandTopic().deadLetter().name(), partitions::contains, record -> {
            byte[] topic = header(record, KafkaHeaders.DLT_ORIGINAL_TOPIC, -1);
            byte[] partition = header(record, KafkaHeaders.DLT_ORIGINAL_PARTITION, Integer.BYTES);
            byte[] offset = header(record, KafkaHeaders.DLT_ORIGINAL_OFFSET, Long.BYTES);
            byte[] timestamp = header(record, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP, Long.BYTES);
            if (topic == null || partition == null || offset == null || timestamp == null
                    || !commands.equals(new String(topic, StandardCharsets.UTF_8))) {
                return;
            }
            Map<Long, Long> offsets = found.get(ByteBuffer.wrap(partition).getInt());
            if (offsets != null) {
                offsets.put(ByteBuffer.wrap(offset).getLong(), ByteBuffer.wrap(timestamp).getLong());
            }
        });
        return found;
    }

    /** A header's bytes, or null when it is absent or not {@code length} long (-1: any length). */
    private static byte[] header(ConsumerRecord<?, ?> record, String name, int length) {
        Header header = record.headers().lastHeader(name);
        byte[] value = header == null ? null : header.value();
        return value == null || (length >= 0 && value.length != length) ? null : value;
    }

    /** Whether the command at this offset of the command topic was dead-lettered, as the last restore read. */
    public boolean deadLettered(int partition, long offset, long timestamp) {
        Map<Long, Long> offsets = deadLettered.get(partition);
        return offsets != null && Long.valueOf(timestamp).equals(offsets.get(offset));
    }

    private void readToEnd(KafkaConsumer<String, byte[]> consumer, String topic,
                           java.util.function.IntPredicate partitionFilter,
                           java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
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
                each.accept(record);
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
