package dev.poolstream.bench;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.Topics;
import dev.poolstream.sandbox.Sandbox;
import dev.poolstream.sandbox.scenario.ScenarioRun;
import dev.poolstream.sandbox.scenario.TopicTail;
import dev.poolstream.status.StatusApplication;
import dev.poolstream.testing.MockCluster;
import dev.poolstream.watcher.WatcherApplication;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;

/**
 * Benchmark 2: Node Ready changes at a steady rate in a fleet in steady state (by default 1,000 pools of 20 Nodes),
 * timed from the Node's status write reaching the workload cluster's API server to the MachinePool status write
 * reaching the management cluster's, through the watcher and the status service (owner mode), on the embedded broker
 * and the in-process API servers. The cloud's instances are published as the provider would publish them.
 *
 * <p>Each change is also timed where it crosses Kafka: its {@code node.v1} record and its committed
 * {@code machinepool.status.v1} record, so the latency splits into the watcher, the status topology and the
 * status writer.
 */
final class NodeToStatus {

    private static final Pattern NODE_STATUS = Pattern.compile("/api/v1/nodes/([^/?]+)/status.*");
    private static final Pattern POOL_STATUS = Pattern.compile(
            "/apis/cluster\\.x-k8s\\.io/v1beta2/namespaces/([^/]+)/machinepools/([^/?]+)/status.*");
    private static final Duration SETTLE_LIMIT = Duration.ofMinutes(10);

    /** One Node change and when it reached each point on its way (System.nanoTime(), 0 until it did). */
    static final class Flip {
        final String pool;
        final String node;
        final int expectedReady;
        volatile long nodeWritten;
        volatile long nodeRecord;
        volatile long statusRecord;
        volatile long statusWritten;

        Flip(String pool, String node, int expectedReady) {
            this.pool = pool;
            this.node = node;
            this.expectedReady = expectedReady;
        }

        boolean done() {
            return statusWritten != 0;
        }
    }

    static Map<String, Object> run(List<String> args) throws Exception {
        int pools = args.size() > 0 ? Integer.parseInt(args.get(0)) : 1_000;
        int flips = args.size() > 1 ? Integer.parseInt(args.get(1)) : 600;
        int perSecond = args.size() > 2 ? Integer.parseInt(args.get(2)) : 20;
        Map<String, Object> result = Bench.header("node-to-status");
        SteadyState fleet = new SteadyState(pools, StatusThroughput.NODES_PER_POOL,
                Instant.now().minus(Duration.ofHours(1)));
        result.put("pools", pools);
        result.put("nodes", fleet.nodes());
        result.put("flipsPerSecond", perSecond);

        List<String> statusProperties = args.size() > 3 ? args.subList(3, args.size()) : List.of();
        result.put("statusServiceProperties", statusProperties);
        EmbeddedKafkaBroker broker = Sandbox.startBroker();
        Path stateDir = Files.createTempDirectory("poolstream-bench-node-to-status");
        List<ConfigurableApplicationContext> services = new ArrayList<>();
        try (MockCluster management = new MockCluster(); MockCluster workload = new MockCluster()) {
          try {
            System.setProperty("kubernetes.master", management.url());
            System.setProperty("kubernetes.auth.tryKubeConfig", "false");
            System.setProperty("kubernetes.auth.tryServiceAccount", "false");
            long setupStart = System.nanoTime();
            createFleet(fleet, management.client(), workload);
            publishCloud(fleet, broker.getBrokersAsString());
            Bench.OUT.printf(Locale.ROOT, "  %,d pools and %,d Nodes created in %.1f s%n", pools, fleet.nodes(),
                    (System.nanoTime() - setupStart) / 1e9);

            Map<String, Flip> byNode = new ConcurrentHashMap<>();
            Map<String, Flip> byPool = new ConcurrentHashMap<>();
            AtomicLong lastPoolWrite = new AtomicLong(System.nanoTime());
            workload.onWrite(write -> {
                Matcher m = NODE_STATUS.matcher(write.path());
                Flip flip = m.matches() ? byNode.get(m.group(1)) : null;
                if (flip != null && flip.nodeWritten == 0) {
                    flip.nodeWritten = write.nanoTime();
                }
            });
            management.onWrite(write -> {
                Matcher m = POOL_STATUS.matcher(write.path());
                if (!m.matches()) {
                    return;
                }
                lastPoolWrite.set(write.nanoTime());
                Flip flip = byPool.get(m.group(1) + "/" + m.group(2));
                if (flip != null && flip.nodeWritten != 0 && flip.statusWritten == 0
                        && Bench.intAt(write.object(), "status", "readyReplicas") == flip.expectedReady) {
                    flip.statusWritten = write.nanoTime();
                }
            });

            long servicesStart = System.nanoTime();
            services.add(Sandbox.startService(WatcherApplication.builder(), broker.getBrokersAsString(),
                    "poolstream.watcher.lease.namespace=" + SteadyState.NAMESPACE,
                    "poolstream.watcher.lease.identity=bench-watcher"));
            services.add(Sandbox.startService(StatusApplication.builder(), broker.getBrokersAsString(),
                    Stream.concat(Stream.of("poolstream.status.mode=owner",
                            "spring.kafka.streams.state-dir=" + stateDir), statusProperties.stream())
                            .toArray(String[]::new)));
            awaitSteady(management.client(), fleet, lastPoolWrite);
            Bench.OUT.printf(Locale.ROOT, "  steady state (every pool 20/20 Ready, no status write for 3 s) %.1f s "
                    + "after the services started%n", (System.nanoTime() - servicesStart) / 1e9);

            String brokers = broker.getBrokersAsString();
            try (TopicTail<NodeState> nodes = new TopicTail<>(brokers, Topics.NODE.name(), NodeState.class,
                    (record, at) -> {
                        Flip flip = byNode.get(record.name());
                        if (flip != null && flip.nodeWritten != 0 && flip.nodeRecord == 0) {
                            flip.nodeRecord = at;
                        }
                    });
                 TopicTail<PoolStatus> statuses = new TopicTail<>(brokers, Topics.MACHINEPOOL_STATUS.name(),
                         PoolStatus.class, (record, at) -> {
                             Flip flip = byPool.get(record.pool());
                             if (flip != null && flip.nodeWritten != 0 && flip.statusRecord == 0
                                     && record.status() != null && Integer.valueOf(flip.expectedReady)
                                     .equals(record.status().getReadyReplicas())) {
                                 flip.statusRecord = at;
                             }
                         })) {
                List<Flip> all = flipAtSteadyRate(fleet, workload.client(), flips, perSecond, byNode, byPool);
                result.putAll(report(all, broker.getBrokersAsString()));
            }
          } finally {
            // Before the API servers go: the watcher gives its Lease back on the way out.
            for (int i = services.size() - 1; i >= 0; i--) {
                services.get(i).close();
            }
          }
        } finally {
            broker.destroy();
            StatusThroughput.deleteRecursively(stateDir);
        }
        return result;
    }

    /** The Cluster, the pools (MachinePool and AWSMachinePool) and every pool's Ready Nodes. */
    private static void createFleet(SteadyState fleet, KubernetesClient management, MockCluster workload)
            throws Exception {
        ScenarioRun.createCluster(management, SteadyState.NAMESPACE, SteadyState.CLUSTER, workload.kubeconfig());
        for (int pool = 0; pool < fleet.pools(); pool++) {
            AWSMachinePoolSpec awsSpec = new AWSMachinePoolSpec();
            awsSpec.setMinSize(0);
            awsSpec.setMaxSize(100);
            AWSMachinePool aws = new AWSMachinePool();
            aws.setMetadata(new ObjectMetaBuilder().withNamespace(SteadyState.NAMESPACE)
                    .withName(SteadyState.poolName(pool)).build());
            aws.setSpec(awsSpec);
            management.resource(aws).create();
            MachinePool machinePool = new MachinePool();
            machinePool.setMetadata(new ObjectMetaBuilder().withNamespace(SteadyState.NAMESPACE)
                    .withName(SteadyState.poolName(pool))
                    .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, SteadyState.CLUSTER).build());
            machinePool.setSpec(fleet.spec(pool).spec());
            management.resource(machinePool).create();
        }
        // Two threads: the mock API server, not the client, is the slow part of creating 20,000 Nodes.
        ExecutorService creators = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> created = new ArrayList<>();
            for (int half = 0; half < 2; half++) {
                int first = half;
                created.add(creators.submit(() -> {
                    for (int node = first; node < fleet.nodes(); node += 2) {
                        workload.client().nodes().resource(node(fleet, node, true, fleet.launched().plusSeconds(60)))
                                .create();
                    }
                    return null;
                }));
            }
            for (Future<?> f : created) {
                f.get();
            }
        } finally {
            creators.shutdownNow();
        }
    }

    /** The Node as the kubelet and Cluster API leave it: provider ID, Ready condition and the owner annotations. */
    private static Node node(SteadyState fleet, int node, boolean ready, Instant since) {
        NodeState state = fleet.node(node, ready, since);
        return new NodeBuilder().withNewMetadata().withName(state.name()).withAnnotations(state.annotations())
                .endMetadata()
                .withNewSpec().withProviderID(state.providerID()).endSpec()
                .withNewStatus()
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withReason(ready ? "KubeletReady" : "KubeletNotReady")
                .withLastTransitionTime(since.toString()).endCondition()
                .withNewNodeInfo().withKubeletVersion(SteadyState.VERSION).endNodeInfo()
                .endStatus().build();
    }

    /** The instances and groups, as the provider publishes what the cloud has. */
    private static void publishCloud(SteadyState fleet, String brokers) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers));
             KafkaProducer<String, Keyed> producer = StatusThroughput.producer(brokers)) {
            StatusThroughput.createTopics(admin, Stream.of(Topics.MACHINEPOOL_SPEC, Topics.NODE,
                    Topics.SCALINGGROUP_STATE, Topics.SCALINGGROUP_INSTANCES, Topics.MACHINEPOOL_STATUS,
                    Topics.MACHINEPOOL_LIFECYCLE));
            for (int pool = 0; pool < fleet.pools(); pool++) {
                StatusThroughput.send(producer, Topics.SCALINGGROUP_STATE.name(), fleet.group(pool));
            }
            for (int node = 0; node < fleet.nodes(); node++) {
                StatusThroughput.send(producer, Topics.SCALINGGROUP_INSTANCES.name(), fleet.instance(node));
            }
            StatusThroughput.flush(producer);
        }
    }

    /** Every pool's status written with all its Nodes Ready, and then no status write for 3 s. */
    private static void awaitSteady(KubernetesClient management, SteadyState fleet, AtomicLong lastPoolWrite)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(SETTLE_LIMIT);
        while (true) {
            long ready = management.resources(MachinePool.class).inNamespace(SteadyState.NAMESPACE).list().getItems()
                    .stream().filter(mp -> mp.getStatus() != null
                            && Integer.valueOf(fleet.nodesPerPool()).equals(mp.getStatus().getReadyReplicas()))
                    .count();
            if (ready == fleet.pools() && System.nanoTime() - lastPoolWrite.get() > 3_000_000_000L) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the fleet did not settle within " + SETTLE_LIMIT + ": " + ready
                        + " of " + fleet.pools() + " pools show " + fleet.nodesPerPool() + " Ready replicas");
            }
            Thread.sleep(500);
        }
    }

    /**
     * Changes one Node's Ready condition every 1/perSecond s, going round the pools so that a pool's changes are far
     * apart: a pool's n-th change turns a Node Not Ready (n even) or Ready again (n odd).
     */
    private static List<Flip> flipAtSteadyRate(SteadyState fleet, KubernetesClient workload, int flips,
                                               int perSecond, Map<String, Flip> byNode, Map<String, Flip> byPool)
            throws InterruptedException {
        List<Flip> all = new ArrayList<>();
        long start = System.nanoTime();
        long interval = 1_000_000_000L / perSecond;
        for (int k = 0; k < flips; k++) {
            long wait = start + k * interval - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the load, not awaiting a result
            }
            int pool = k % fleet.pools();
            int round = k / fleet.pools();
            boolean ready = round % 2 == 1;
            int node = pool * fleet.nodesPerPool() + (round / 2) % fleet.nodesPerPool();
            Flip flip = new Flip(SteadyState.poolKey(pool), SteadyState.nodeName(node),
                    ready ? fleet.nodesPerPool() : fleet.nodesPerPool() - 1);
            Flip earlier = byPool.get(flip.pool);
            if (earlier != null && !earlier.done()) {
                throw new IllegalStateException("pool " + flip.pool + " is changed again before its last change "
                        + "reached its status: use fewer changes per second or more pools");
            }
            byNode.put(flip.node, flip);
            byPool.put(flip.pool, flip);
            all.add(flip);
            Node changed = node(fleet, node, ready, Instant.now());
            workload.nodes().withName(flip.node).editStatus(n -> {
                n.getStatus().setConditions(changed.getStatus().getConditions());
                return n;
            });
        }
        Instant deadline = Instant.now().plusSeconds(60);
        while (!all.stream().allMatch(Flip::done)) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(all.stream().filter(f -> !f.done()).count() + " of " + all.size()
                        + " Node changes never reached their pool's status within 60 s");
            }
            Thread.sleep(20);
        }
        return all;
    }

    private static Map<String, Object> report(List<Flip> flips, String brokers) throws Exception {
        Percentiles total = Percentiles.of(flips.stream().map(f -> (f.statusWritten - f.nodeWritten) / 1e6).toList());
        Percentiles watcher = Percentiles.of(flips.stream().filter(f -> f.nodeRecord != 0)
                .map(f -> (f.nodeRecord - f.nodeWritten) / 1e6).toList());
        Percentiles topology = Percentiles.of(flips.stream().filter(f -> f.nodeRecord != 0 && f.statusRecord != 0)
                .map(f -> (f.statusRecord - f.nodeRecord) / 1e6).toList());
        Percentiles writer = Percentiles.of(flips.stream().filter(f -> f.statusRecord != 0)
                .map(f -> (f.statusWritten - f.statusRecord) / 1e6).toList());
        Percentiles hop = HopBaseline.measure(brokers, 100, 1000);
        double ratio = total.p99() / hop.p99();
        boolean met = total.p99() <= 100 && ratio <= 5;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("nodeToStatusWritten", total);
        result.put("watcher", watcher);
        result.put("topology", topology);
        result.put("writer", writer);
        result.put("hop", hop);
        result.put("p99OverHopP99", ratio);
        result.put("target", "p99 <= 100 ms and <= 5 x hop p99");
        Bench.OUT.println("Node Ready change -> MachinePool status written (watcher, status service in owner mode)");
        Bench.OUT.printf("  %-44s %s%n", "latency", total);
        Bench.OUT.printf("  %-44s %s%n", "  Node write -> node.v1 record (watcher)", watcher);
        Bench.OUT.printf("  %-44s %s%n", "  node.v1 -> committed status record (topology)", topology);
        Bench.OUT.printf("  %-44s %s%n", "  status record -> status write (writer)", writer);
        Bench.OUT.printf("  %-44s %s%n", "hop baseline (same run)", hop);
        Bench.OUT.printf(Locale.ROOT, "  %-44s %.1f%n", "p99 / hop p99", ratio);
        Bench.OUT.printf(Locale.ROOT, "  %-44s %s%n", "target", "p99 <= 100 ms and <= 5 x hop p99: " + (met ? "met"
                : String.format(Locale.ROOT, "missed (p99 %.1f ms, %.1f x the hop p99)", total.p99(), ratio)));
        return result;
    }

    private NodeToStatus() {
    }
}
