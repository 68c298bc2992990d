package dev.poolstream.bench;

import dev.poolstream.events.NodeState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.sandbox.Sandbox;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.watcher.Watcher;
import dev.poolstream.watcher.WatcherApplication;
import dev.poolstream.watcher.kafka.ClusterAssignment;
import dev.poolstream.watcher.kube.WorkloadClusters;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;

/**
 * Benchmark 9: the takeover time of a killed watcher replica. C workload clusters of N Nodes each (every cluster is
 * the same real kube-apiserver, through a kubeconfig Secret of its own; its Nodes have no provider ID, so each
 * cluster publishes them under keys of its own), two watcher replicas sharing them through their consumer group on
 * {@code workloadcluster.v1}. Each round kills the replica that does not lead (closed with a static
 * {@code group.instance.id}: no LeaveGroup, as a killed pod), changes a Node right after, and times, per cluster of
 * the killed replica, the kill to the survivor watching the cluster, and to the changed Node's record on
 * {@code node.v1} (the record's timestamp). A replacement replica then joins, and the next round begins.
 *
 * <p>Beside it, the same Node change as published by the replica that stayed (no takeover), and the hop baseline.
 * The run also counts records published twice: every Node but the one changed must have exactly one record.
 */
final class WatcherTakeover {

    private static final String NAMESPACE = "fleet";
    private static final String FLIP = "bench-node-00";
    private static final Duration WAIT = Duration.ofMinutes(2);

    static Map<String, Object> run(List<String> args) throws Exception {
        int clusters = args.size() > 0 ? Integer.parseInt(args.get(0)) : 20;
        int nodes = args.size() > 1 ? Integer.parseInt(args.get(1)) : 50;
        int rounds = args.size() > 2 ? Integer.parseInt(args.get(2)) : 5;
        Map<String, Object> result = Bench.header("watcher-takeover");
        result.put("clusters", clusters);
        result.put("nodesPerCluster", nodes);
        result.put("rounds", rounds);
        EmbeddedKafkaBroker broker = Sandbox.startBroker();
        try (KubeApiServer server = KubeApiServer.start();
             NodeTail tail = new NodeTail(broker.getBrokersAsString())) {
            KubernetesClient kube = server.client();
            server.namespace(NAMESPACE).namespace(KubeApiServer.POOLSTREAM_NAMESPACE);
            for (int i = 0; i < nodes; i++) {
                kube.nodes().resource(new NodeBuilder().withNewMetadata()
                        .withName(String.format(Locale.ROOT, "bench-node-%02d", i)).endMetadata()
                        .withNewSpec().withUnschedulable(false).endSpec().build()).create();
            }
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < clusters; i++) {
                String name = String.format(Locale.ROOT, "bench-%02d", i);
                keys.add(NAMESPACE + "/" + name);
                kube.resource(cluster(name)).create();
                kube.resource(kubeconfigSecret(name, server.kubeconfig())).create();
            }
            String brokers = broker.getBrokersAsString();
            List<ConfigurableApplicationContext> replicas = new ArrayList<>();
            replicas.add(start(server, brokers, "watcher-0"));
            await(() -> watcher(replicas.get(0)).leading(), "the first replica leads");
            replicas.add(start(server, brokers, "watcher-1"));
            awaitShared(replicas, keys);
            await(() -> tail.count() >= (long) clusters * nodes, "every Node of every cluster on node.v1");
            Bench.OUT.printf(Locale.ROOT, "  %d clusters x %d Nodes watched by two replicas%n", clusters, nodes);

            List<Double> takeover = new ArrayList<>();
            List<Double> watchedAgain = new ArrayList<>();
            List<Double> liveOwner = new ArrayList<>();
            List<Integer> killedClusters = new ArrayList<>();
            boolean unschedulable = false;
            for (int round = 1; round <= rounds; round++) {
                ConfigurableApplicationContext victim = replicas.stream().filter(r -> !watcher(r).leading())
                        .findFirst().orElseThrow();
                ConfigurableApplicationContext survivor = replicas.stream().filter(r -> r != victim)
                        .findFirst().orElseThrow();
                Set<String> taken = watcher(victim).watchedClusters();
                Set<String> kept = watcher(survivor).watchedClusters();
                killedClusters.add(taken.size());
                unschedulable = !unschedulable;
                long killedAtMillis = System.currentTimeMillis();
                long killedAt = System.nanoTime();
                victim.close();
                replicas.remove(victim);
                // A change made after the kill: published by the survivor, for the victim's clusters once it has
                // taken them over.
                long changedAtMillis = System.currentTimeMillis();
                boolean value = unschedulable;
                kube.nodes().withName(FLIP).edit(n -> {
                    n.getSpec().setUnschedulable(value);
                    return n;
                });
                Map<String, Double> watchedAt = new HashMap<>();
                long deadline = killedAt + WAIT.toNanos();
                while (watchedAt.size() < taken.size() && System.nanoTime() < deadline) {
                    for (String cluster : taken) {
                        if (!watchedAt.containsKey(cluster) && watcher(survivor).watches(cluster)) {
                            watchedAt.put(cluster, (System.nanoTime() - killedAt) / 1e6);
                        }
                    }
                    Thread.sleep(5);
                }
                for (String cluster : taken) {
                    long publishedAt = tail.await(NodeState.fallbackKey(cluster, FLIP), value, killedAtMillis);
                    takeover.add((double) (publishedAt - killedAtMillis));
                }
                for (String cluster : kept) {
                    long publishedAt = tail.await(NodeState.fallbackKey(cluster, FLIP), value, killedAtMillis);
                    liveOwner.add((double) Math.max(0, publishedAt - changedAtMillis));
                }
                watchedAgain.addAll(watchedAt.values());
                Bench.OUT.printf(Locale.ROOT, "  round %d: killed the replica of %d clusters; taken over in %s%n",
                        round, taken.size(), Percentiles.of(takeover.subList(takeover.size() - taken.size(),
                                takeover.size())));
                // A replacement joins (a new pod: another instance id), and takes its share back.
                replicas.add(start(server, brokers, "watcher-r" + round));
                awaitShared(replicas, keys);
            }
            // Nothing published twice, nothing missed: every Node has one record per cluster, and the changed one
            // one more per round.
            Map<String, Integer> counts = tail.counts();
            long twice = 0;
            for (String cluster : keys) {
                for (int i = 0; i < nodes; i++) {
                    String node = String.format(Locale.ROOT, "bench-node-%02d", i);
                    int expected = node.equals(FLIP) ? 1 + rounds : 1;
                    if (counts.getOrDefault(NodeState.fallbackKey(cluster, node), 0) != expected) {
                        twice++;
                    }
                }
            }
            Percentiles hop = HopBaseline.measure(brokers, 50, 200);
            Percentiles takeoverMillis = Percentiles.of(takeover);
            Percentiles watchedMillis = Percentiles.of(watchedAgain);
            Percentiles liveMillis = Percentiles.of(liveOwner);
            result.put("killedClustersPerRound", killedClusters);
            result.put("sessionTimeoutMs", 6000);
            result.put("killToChangedNodePublished", takeoverMillis);
            result.put("killToClusterWatchedAgain", watchedMillis);
            result.put("liveOwnerNodeWriteToRecord", liveMillis);
            result.put("nodeKeysWithWrongRecordCount", twice);
            result.put("hop", hop);
            result.put("target", "every cluster of a killed replica watched again, and its changes published, "
                    + "within 15 s");
            for (ConfigurableApplicationContext replica : replicas) {
                replica.close();
            }

            Bench.OUT.println("watcher takeover of a killed replica (real API server, embedded broker)");
            Bench.OUT.printf(Locale.ROOT, "  %-48s %d x %d Nodes, 2 replicas, %d rounds, clusters killed %s%n",
                    "workload clusters", clusters, nodes, rounds, killedClusters);
            Bench.OUT.printf(Locale.ROOT, "  %-48s %s%n", "kill -> cluster watched again (survivor)", watchedMillis);
            Bench.OUT.printf(Locale.ROOT, "  %-48s %s%n", "kill -> Node changed after it on node.v1", takeoverMillis);
            Bench.OUT.printf(Locale.ROOT, "  %-48s %s%n", "  beside: Node write -> node.v1, owner alive", liveMillis);
            Bench.OUT.printf(Locale.ROOT, "  %-48s %s%n", "  hop baseline (produce -> consume)", hop);
            Bench.OUT.printf(Locale.ROOT, "  %-48s %d%n", "Node keys published twice (or missed)", twice);
            Bench.OUT.printf(Locale.ROOT, "  %-48s %s%n", "target", "<= 15 s: " + (takeoverMillis.max() <= 15_000
                    ? "met" : "missed"));
        } finally {
            broker.destroy();
        }
        return result;
    }

    private static ConfigurableApplicationContext start(KubeApiServer server, String brokers, String identity) {
        KubernetesClient management = new KubernetesClientBuilder().withConfig(server.config()).build();
        return Sandbox.startService(WatcherApplication.builder().initializers(context ->
                        ((GenericApplicationContext) context).registerBean("managementClient", KubernetesClient.class,
                                () -> management)), brokers,
                "poolstream.watcher.namespaces=" + NAMESPACE,
                "poolstream.watcher.lease.namespace=" + KubeApiServer.POOLSTREAM_NAMESPACE,
                "poolstream.watcher.lease.identity=" + identity,
                "poolstream.watcher.lease.duration=3s",
                "poolstream.watcher.lease.renew-deadline=2s",
                "poolstream.watcher.lease.retry-period=200ms",
                // Static membership, as deployed: a closed replica sends no LeaveGroup, as a killed pod.
                "poolstream.kafka.instance-id=" + identity);
    }

    /** Both replicas hold partitions that add up to all, and each watches (synced) the clusters of its partitions. */
    private static void awaitShared(List<ConfigurableApplicationContext> replicas, List<String> keys) {
        await(() -> {
            int partitions = 0;
            Set<String> watched = new TreeSet<>();
            for (ConfigurableApplicationContext replica : replicas) {
                ClusterAssignment assignment = replica.getBean(ClusterAssignment.class);
                if (assignment.partitions().isEmpty()) {
                    return false;
                }
                partitions += assignment.partitions().size();
                Set<String> mine = watcher(replica).watchedClusters();
                if (!mine.equals(assignment.clusters())) {
                    return false;
                }
                var health = replica.getBean(WorkloadClusters.class).health();
                if (!mine.stream().allMatch(c -> health.containsKey(c) && health.get(c).watching())) {
                    return false;
                }
                watched.addAll(mine);
            }
            return partitions == Topics.WORKLOAD_CLUSTER.partitions() && watched.containsAll(keys);
        }, "the replicas share the clusters");
    }

    private static Watcher watcher(ConfigurableApplicationContext replica) {
        return replica.getBean(Watcher.class);
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting until " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static dev.poolstream.api.cluster.v1beta2.Cluster cluster(String name) {
        var cluster = new dev.poolstream.api.cluster.v1beta2.Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        var spec = new dev.poolstream.api.cluster.v1beta2.ClusterSpec();
        spec.setPaused(false);
        cluster.setSpec(spec);
        return cluster;
    }

    private static io.fabric8.kubernetes.api.model.Secret kubeconfigSecret(String cluster, String kubeconfig) {
        return new SecretBuilder().withNewMetadata().withNamespace(NAMESPACE)
                .withName(dev.poolstream.api.ClusterApi.kubeconfigSecretName(cluster))
                .addToLabels(dev.poolstream.api.ClusterApi.CLUSTER_NAME_LABEL, cluster).endMetadata()
                .withType("cluster.x-k8s.io/secret")
                .addToData(dev.poolstream.api.ClusterApi.KUBECONFIG_SECRET_KEY,
                        Base64.getEncoder().encodeToString(kubeconfig.getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    /** Every record of node.v1 since the start: its key, unschedulable flag (null for a tombstone) and timestamp. */
    private static final class NodeTail implements AutoCloseable {

        private record Seen(String key, Boolean unschedulable, long timestamp) {
        }

        private final KafkaConsumer<String, byte[]> consumer;
        private final EventDeserializer<NodeState> deserializer = new EventDeserializer<>(NodeState.class);
        private final List<Seen> seen = new CopyOnWriteArrayList<>();
        private final Map<String, Integer> counts = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean running = true;

        NodeTail(String brokers) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                    ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50,
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
            thread = new Thread(this::run, "bench-node-tail");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            boolean assigned = false;
            while (running) {
                if (!assigned) {
                    List<TopicPartition> partitions = consumer.listTopics().getOrDefault(Topics.NODE.name(), List.of())
                            .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                    if (partitions.isEmpty()) {
                        sleep();
                        continue;
                    }
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    assigned = true;
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    Boolean unschedulable = record.value() == null ? null
                            : deserializer.deserialize(record).unschedulable();
                    seen.add(new Seen(record.key(), unschedulable, record.timestamp()));
                    counts.merge(record.key(), 1, Integer::sum);
                }
            }
        }

        private static void sleep() {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        long count() {
            return counts.size();
        }

        Map<String, Integer> counts() {
            return new LinkedHashMap<>(counts);
        }

        /** The timestamp of the first record under {@code key} with that flag written at or after {@code since}. */
        long await(String key, boolean unschedulable, long since) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (Seen s : seen) {
                    if (s.key().equals(key) && Boolean.valueOf(unschedulable).equals(s.unschedulable())
                            && s.timestamp() >= since) {
                        return s.timestamp();
                    }
                }
                sleep();
            }
            throw new IllegalStateException("no record of " + key + " with unschedulable=" + unschedulable);
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private WatcherTakeover() {
    }
}
