package dev.poolstream.e2e;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.events.Topics;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Reservation;

/**
 * What the driver sees, each from where a user would look: the MachinePools and Nodes through watches (informers),
 * with the history a snapshot cannot give (when each Node was first seen cordoned, whether it was still cordoned
 * when deleted, when each pool's status was written); moto's instances through {@code DescribeInstances} every
 * {@value #CLOUD_POLL_MS} ms (when each was first seen running and first seen no longer running); and every record
 * the services write to their topics (committed ones only).
 */
public final class Observer implements AutoCloseable {

    static final long CLOUD_POLL_MS = 200;

    /** One EC2 instance of a pool, as moto showed it. */
    public record InstanceView(String id, String pool, String providerId, String state, Instant firstSeen,
                               Instant goneSeen) {
        public boolean live() {
            return goneSeen == null;
        }
    }

    /**
     * One record a service wrote, with when it was written: its CloudEvents {@code ce_time} header (set when the
     * record is serialized), else the record's timestamp. Kafka Streams gives an output record its input's timestamp,
     * so the status service's records carry the time of what they were computed from, not when they were written.
     */
    public record TopicRecord(String topic, String key, Instant timestamp, boolean tombstone, Instant received) {
    }

    private final KubernetesClient kube;
    private final Ec2Client ec2;
    private final String namespace;
    private final SharedIndexInformer<MachinePool> pools;
    private final SharedIndexInformer<Node> nodes;
    private final Map<String, Instant> cordonedAt = new ConcurrentHashMap<>();
    private final Map<String, Boolean> cordonedWhenDeleted = new ConcurrentHashMap<>();
    private final Map<String, Instant> nodeDeletedAt = new ConcurrentHashMap<>();
    private final Map<String, String> nodeProviderIds = new ConcurrentHashMap<>();
    private final Map<String, List<Instant>> statusWrites = new ConcurrentHashMap<>();
    private final Map<String, List<Checks.StatusSeen>> statusHistory = new ConcurrentHashMap<>();
    private final Map<String, Instant> poolDeletedAt = new ConcurrentHashMap<>();
    private final Map<String, InstanceView> instances = new ConcurrentHashMap<>();
    /** Only what the recovery probes ask (topic, key, time): a long run writes tens of thousands of records. */
    private final List<TopicRecord> records = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Node name → the resourceVersion of the first version of it seen cordoned. */
    private final Map<String, Long> cordonedRevision = new ConcurrentHashMap<>();
    /** Node name → the API server's current resourceVersion when its instance was first seen gone. */
    private final Map<String, Long> goneRevision = new ConcurrentHashMap<>();
    private final Thread cloudPoller;
    private final Thread topicTail;
    private volatile boolean closed;
    private volatile Instant lastCloudLook = Instant.EPOCH;

    public Observer(KubernetesClient kube, Ec2Client ec2, String brokers, String namespace) {
        this.kube = kube;
        this.ec2 = ec2;
        this.namespace = namespace;
        nodes = kube.nodes().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                seen(node);
            }

            @Override
            public void onUpdate(Node old, Node node) {
                seen(node);
            }

            @Override
            public void onDelete(Node node, boolean unknownFinalState) {
                String name = node.getMetadata().getName();
                nodeDeletedAt.putIfAbsent(name, Instant.now());
                cordonedWhenDeleted.put(name, !unknownFinalState && unschedulable(node));
            }
        }, 0);
        pools = kube.resources(MachinePool.class).inNamespace(namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(MachinePool pool) {
                statusSeen(pool);
            }

            @Override
            public void onUpdate(MachinePool old, MachinePool pool) {
                String before = old.getStatus() == null ? "" : kube.getKubernetesSerialization().asJson(old.getStatus());
                String after = pool.getStatus() == null ? "" : kube.getKubernetesSerialization().asJson(pool.getStatus());
                if (!before.equals(after)) {
                    statusWrites.computeIfAbsent(pool.getMetadata().getName(), p -> new CopyOnWriteArrayList<>())
                            .add(Instant.now());
                    statusSeen(pool);
                }
            }

            @Override
            public void onDelete(MachinePool pool, boolean unknownFinalState) {
                poolDeletedAt.put(pool.getMetadata().getName(), Instant.now());
            }
        }, 0);
        cloudPoller = new Thread(this::pollCloud, "e2e-cloud-poller");
        cloudPoller.setDaemon(true);
        cloudPoller.start();
        topicTail = new Thread(() -> tail(brokers), "e2e-topic-tail");
        topicTail.setDaemon(true);
        topicTail.start();
    }

    private void statusSeen(MachinePool pool) {
        MachinePoolStatus s = pool.getStatus();
        statusHistory.computeIfAbsent(pool.getMetadata().getName(), p -> new CopyOnWriteArrayList<>())
                .add(new Checks.StatusSeen(Instant.now(), s == null || s.getPhase() == null ? "none" : s.getPhase().getValue(),
                        s == null ? null : s.getReplicas(), s == null ? null : s.getObservedGeneration()));
    }

    private void seen(Node node) {
        String name = node.getMetadata().getName();
        if (node.getSpec() != null && node.getSpec().getProviderID() != null) {
            nodeProviderIds.put(name, node.getSpec().getProviderID());
        }
        if (unschedulable(node)) {
            cordonedAt.putIfAbsent(name, Instant.now());
            revision(node.getMetadata().getResourceVersion()).ifPresent(rv -> cordonedRevision.putIfAbsent(name, rv));
        }
    }

    static boolean unschedulable(Node node) {
        return node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    }

    static boolean ready(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return false;
        }
        for (NodeCondition c : node.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    static boolean tainted(Node node, String key) {
        return node.getSpec() != null && node.getSpec().getTaints() != null
                && node.getSpec().getTaints().stream().anyMatch(t -> key.equals(t.getKey()));
    }

    private void pollCloud() {
        while (!closed) {
            try {
                look();
            } catch (RuntimeException e) {
                // moto busy or going down: the next look
            }
            try {
                Thread.sleep(CLOUD_POLL_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void look() {
        Instant now = Instant.now();
        Set<String> listed = new HashSet<>();
        for (Reservation reservation : ec2.describeInstancesPaginator(b -> b.filters(
                Filter.builder().name("tag-key").values(Pools.POOL_TAG).build())).reservations()) {
            for (Instance i : reservation.instances()) {
                listed.add(i.instanceId());
                String pool = i.tags().stream().filter(t -> Pools.POOL_TAG.equals(t.key())).map(t -> t.value())
                        .findFirst().orElse("");
                String state = i.state().nameAsString();
                boolean live = "pending".equals(state) || "running".equals(state);
                InstanceView before = instances.get(i.instanceId());
                InstanceView after = instances.compute(i.instanceId(), (id, was) -> {
                    Instant first = was == null ? now : was.firstSeen();
                    Instant gone = was != null && was.goneSeen() != null ? was.goneSeen() : live ? null : now;
                    return new InstanceView(id, pool, SimulatedKubelet.providerId(i), state, first, gone);
                });
                if (before != null && before.live() && !after.live()) {
                    wentNow(i.instanceId());
                }
            }
        }
        for (InstanceView v : List.copyOf(instances.values())) {
            if (!listed.contains(v.id()) && v.goneSeen() == null) {
                instances.put(v.id(), new InstanceView(v.id(), v.pool(), v.providerId(), "absent", v.firstSeen(), now));
                wentNow(v.id());
            }
        }
        lastCloudLook = now;
    }

    /**
     * The moment an instance is first seen gone, the API server's current resourceVersion (a list of one Node: a read
     * at the store's current revision), so that the cordon can be ordered before or after it by the API server's own
     * revisions, however late the watch delivers it.
     */
    private void wentNow(String instanceId) {
        try {
            String rv = kube.nodes().list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1L)
                    .build()).getMetadata().getResourceVersion();
            revision(rv).ifPresent(r -> goneRevision.putIfAbsent(SimulatedKubelet.nodeName(instanceId), r));
        } catch (RuntimeException e) {
            // unknown: the watch's times decide
        }
    }

    /**
     * Whether the Node's cordon was stored before its instance was first seen gone, by the API server's revisions
     * (etcd's, which order every write): null when either is not known.
     */
    public Boolean cordonedWhenGone(String node) {
        Long gone = goneRevision.get(node);
        Long cordon = cordonedRevision.get(node);
        return gone == null || cordon == null ? null : cordon < gone;
    }

    static java.util.Optional<Long> revision(String resourceVersion) {
        try {
            return java.util.Optional.of(Long.parseLong(resourceVersion));
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private void tail(String brokers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "e2e-tail");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (var topic : Topics.MAIN) {
                for (int i = 0; i < topic.partitions(); i++) {
                    partitions.add(new TopicPartition(topic.name(), i));
                }
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (!closed) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records.add(new TopicRecord(r.topic(), r.key(), written(r), r.value() == null, Instant.now()));
                }
            }
        } catch (RuntimeException e) {
            if (!closed) {
                System.err.println("the topic tail stopped: " + e);
            }
        }
    }

    static Instant written(ConsumerRecord<String, byte[]> record) {
        org.apache.kafka.common.header.Header time = record.headers().lastHeader("ce_time");
        if (time != null) {
            try {
                return java.time.OffsetDateTime.parse(new String(time.value(), java.nio.charset.StandardCharsets.UTF_8))
                        .toInstant();
            } catch (RuntimeException e) {
                // not a time: the record's own timestamp
            }
        }
        return Instant.ofEpochMilli(record.timestamp());
    }

    /** Waits until moto has been looked at after {@code instant}: a snapshot taken then is at least that fresh. */
    public void awaitCloudLookAfter(Instant instant, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!lastCloudLook.isAfter(instant) && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }
    }

    public MachinePool pool(String name) {
        return pools.getStore().getByKey(namespace + "/" + name);
    }

    public List<InstanceView> instances(String poolKey) {
        return instances.values().stream().filter(i -> i.pool().equals(poolKey)).toList();
    }

    public Collection<Node> nodes() {
        return nodes.getStore().list();
    }

    /** The Nodes carrying one of these provider IDs. */
    public List<Node> nodesOf(Set<String> providerIds) {
        return nodes().stream().filter(n -> n.getSpec() != null && providerIds.contains(n.getSpec().getProviderID()))
                .toList();
    }

    /** The Node names that ever carried these provider IDs (deleted ones included). */
    public Map<String, String> nodeNamesByProviderId(Set<String> providerIds) {
        Map<String, String> out = new HashMap<>();
        nodeProviderIds.forEach((name, id) -> {
            if (providerIds.contains(id)) {
                out.put(id, name);
            }
        });
        return out;
    }

    public Instant cordonedAt(String node) {
        return cordonedAt.get(node);
    }

    public Boolean cordonedWhenDeleted(String node) {
        return cordonedWhenDeleted.get(node);
    }

    public Instant deletedAt(String node) {
        return nodeDeletedAt.get(node);
    }

    /** When the pool's status was seen changing, after {@code since}. */
    public List<Instant> statusWritesAfter(String pool, Instant since) {
        return statusWrites.getOrDefault(pool, List.of()).stream().filter(t -> t.isAfter(since)).toList();
    }

    /** Every status of the pool seen through the watch, in order (the first as it was when first seen). */
    public List<Checks.StatusSeen> statusHistory(String pool) {
        return List.copyOf(statusHistory.getOrDefault(pool, List.of()));
    }

    /** When the watch saw the MachinePool go (null: not gone). */
    public Instant poolDeletedAt(String pool) {
        return poolDeletedAt.get(pool);
    }

    /** The pool's status conditions as {@code kubectl describe} shows them (none: empty). */
    public List<Checks.ConditionView> conditions(String pool) {
        MachinePool mp = pool(pool);
        if (mp == null || mp.getStatus() == null || mp.getStatus().getConditions() == null) {
            return List.of();
        }
        return mp.getStatus().getConditions().stream().map(c -> new Checks.ConditionView(c.getType(),
                c.getStatus() == null ? null : c.getStatus().getValue(), c.getReason(), c.getMessage())).toList();
    }

    public List<TopicRecord> recordsAfter(Instant since, Collection<String> topics) {
        synchronized (records) {
            return records.stream().filter(r -> topics.contains(r.topic()) && !r.timestamp().isBefore(since))
                    .toList();
        }
    }

    @Override
    public void close() {
        closed = true;
        nodes.close();
        pools.close();
        cloudPoller.interrupt();
        try {
            topicTail.join(5_000);
            cloudPoller.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
