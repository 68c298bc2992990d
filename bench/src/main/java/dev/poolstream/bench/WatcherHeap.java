package dev.poolstream.bench;

import dev.poolstream.api.kube.ManagementClients;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.watcher.config.WatcherProperties;
import dev.poolstream.watcher.domain.NodeRecords;
import dev.poolstream.watcher.domain.NodeStates;
import dev.poolstream.watcher.kube.WorkloadClusters;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Benchmark 8: the heap the watcher keeps per watched Node, with its Node informer on a real kube-apiserver (the
 * test-support tier) holding N realistic Nodes: a kubelet's status (five conditions, addresses, capacity,
 * nodeInfo, 40 images) written through the status subresource, so the Node carries the kubelet's managedFields,
 * and Cluster API's annotations. Measured as heap used after a full GC with the informer synced minus the same
 * before it started, over N; the informer's client and threads are in it (a fixed cost, spread over N).
 *
 * <p>The hop baseline of this benchmark is the informer as the watcher ran it before: fabric8's default store of
 * whole Nodes. Then the watcher's own {@link WorkloadClusters}, whose store keeps Nodes stripped. For both, the
 * leader's last-published records ({@link NodeRecords}, built from the cache as a takeover builds them) on top.
 */
final class WatcherHeap {

    private static final String CLUSTER = "bench/fleet";
    private static final int CREATE_THREADS = 16;
    private static final Duration SYNC_TIMEOUT = Duration.ofMinutes(5);
    private static final long TARGET_BYTES = 2048;

    static Map<String, Object> run(List<String> args) throws Exception {
        int count = args.isEmpty() ? 20_000 : Integer.parseInt(args.get(0));
        Map<String, Object> result = Bench.header("watcher-heap");
        result.put("nodes", count);
        try (KubeApiServer server = KubeApiServer.start()) {
            long setUpStart = System.nanoTime();
            createNodes(server, count);
            double setUpSeconds = (System.nanoTime() - setUpStart) / 1e9;
            result.put("setUpSeconds", setUpSeconds);
            Bench.OUT.printf(Locale.ROOT, "  created %,d Nodes (create + kubelet status update) in %.0f s%n", count,
                    setUpSeconds);

            // One unmeasured round of each first: the classes, serializers and caches that the first informer of a
            // JVM fills are a fixed cost, not a Node's.
            measure(count, () -> watcherInformer(server));
            measure(count, () -> wholeNodeInformer(server));
            Measured whole = measure(count, () -> wholeNodeInformer(server));
            Measured stripped = measure(count, () -> watcherInformer(server));
            result.put("wholeNodesBytesPerNode", whole.informer());
            result.put("wholeNodesWithRecordsBytesPerNode", whole.withRecords());
            result.put("strippedBytesPerNode", stripped.informer());
            result.put("strippedWithRecordsBytesPerNode", stripped.withRecords());
            result.put("target", "<= 2 KiB (2,048 B) of heap per watched Node");

            Bench.OUT.println("watcher heap per watched Node (real API server)");
            Bench.OUT.printf(Locale.ROOT, "  %-44s %,d%n", "Nodes", count);
            Bench.OUT.printf(Locale.ROOT, "  %-44s %.0f s (%d threads)%n", "set-up: create + status update",
                    setUpSeconds, CREATE_THREADS);
            Bench.OUT.printf(Locale.ROOT, "  %-44s %,d B/Node informer, %,d B/Node with the leader's records%n",
                    "whole Nodes (before; the baseline)", whole.informer(), whole.withRecords());
            Bench.OUT.printf(Locale.ROOT, "  %-44s %,d B/Node informer, %,d B/Node with the leader's records%n",
                    "stripped Nodes (WorkloadClusters)", stripped.informer(), stripped.withRecords());
            Bench.OUT.printf(Locale.ROOT, "  %-44s %s%n", "target", "<= 2 KiB (2,048 B) per Node: "
                    + (stripped.withRecords() <= TARGET_BYTES ? "met" : "missed by "
                    + (stripped.withRecords() - TARGET_BYTES) + " B") + " (stripped, with the records)");
        }
        return result;
    }

    /** Bytes per Node: the informer's cache alone, then with the leader's last-published records. */
    private record Measured(long informer, long withRecords) {
    }

    /** A running informer of the fleet's Nodes; its cache is what is measured. */
    private interface Running extends AutoCloseable {
        List<Node> nodes();

        /** Listed and watching: the list's pages are let go once the watch is open. */
        boolean watching();

        @Override
        void close();
    }

    private static Measured measure(int count, Supplier<Running> start) {
        long before = heapAfterFullGc();
        try (Running informer = start.get()) {
            awaitWatching(informer);
            long synced = heapAfterFullGc();
            if (Boolean.getBoolean("bench.histogram")) {
                Bench.OUT.println(histogram(25));
            }
            NodeRecords records = new NodeRecords();
            records.reconcile(informer.nodes().stream().map(n -> NodeStates.of(CLUSTER, n)).toList(),
                    Set.of(CLUSTER));
            long withRecords = heapAfterFullGc();
            if (records.size() != count) {
                throw new IllegalStateException("the records hold " + records.size() + " Nodes, not " + count);
            }
            return new Measured((synced - before) / count, (withRecords - before) / count);
        }
    }

    private static void awaitWatching(Running informer) {
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        while (!informer.watching()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the informer did not open its watch within " + SYNC_TIMEOUT);
            }
            Thread.onSpinWait();
        }
    }

    /** The informer as the watcher ran it before stripping: fabric8's default store, whole Nodes. */
    private static Running wholeNodeInformer(KubeApiServer server) {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(server.config()).build();
        SharedIndexInformer<Node> informer = client.nodes().runnableInformer(0);
        informer.start().toCompletableFuture().orTimeout(SYNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        return new Running() {
            @Override
            public List<Node> nodes() {
                return informer.getStore().list();
            }

            @Override
            public boolean watching() {
                return informer.isWatching();
            }

            @Override
            public void close() {
                informer.stop();
                // Its threads let go of the cache only once stopped: the next round's "before" must not count it.
                informer.stopped().toCompletableFuture().orTimeout(1, TimeUnit.MINUTES).join();
                client.close();
            }
        };
    }

    /** The watcher's own Node watch of one workload cluster, started as the watcher starts it. */
    private static Running watcherInformer(KubeApiServer server) {
        CountDownLatch answered = new CountDownLatch(1);
        AtomicBoolean unwatchable = new AtomicBoolean();
        WatcherProperties properties = new WatcherProperties(List.of(), Duration.ofMinutes(10),
                new WatcherProperties.Lease("bench", "bench", "bench", Duration.ofSeconds(15), Duration.ofSeconds(10),
                        Duration.ofSeconds(2)),
                new WatcherProperties.Workload(Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofSeconds(30)),
                Duration.ofSeconds(60),
                new WatcherProperties.Nodes("bench", Duration.ofSeconds(6), Duration.ofSeconds(2)));
        WorkloadClusters[] holder = new WorkloadClusters[1]; // the listener asks it why, once it is made
        WorkloadClusters workloads = new WorkloadClusters(new WorkloadClusters.Clusters() {
            @Override
            public boolean watched(String namespace, String name) {
                return true;
            }

            @Override
            public Optional<String> kubeconfig(String namespace, String name) {
                return Optional.of(server.kubeconfig());
            }
        }, new WorkloadClusters.Listener() {
            @Override
            public void nodeChanged(String cluster, Node node) {
            }

            @Override
            public void nodeDeleted(String cluster, Node node) {
            }

            @Override
            public void clusterSynced(String cluster) {
                answered.countDown();
            }

            @Override
            public void nodesRelisting(String cluster) {
            }

            @Override
            public void watchChanged(String cluster) {
                if (holder[0].problem(cluster).isPresent()) { // not the start of the first attempt
                    unwatchable.set(true);
                    answered.countDown();
                }
            }
        }, properties, ManagementClients.userAgent("watcher-service"));
        holder[0] = workloads;
        String[] parts = CLUSTER.split("/");
        workloads.reconcile(parts[0], parts[1]);
        try {
            if (!answered.await(SYNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || unwatchable.get()) {
                String why = workloads.problem(CLUSTER).orElse("no full list within " + SYNC_TIMEOUT);
                workloads.close();
                throw new IllegalStateException("the watcher cannot watch the bench's Nodes: " + why);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return new Running() {
            @Override
            public List<Node> nodes() {
                return workloads.nodes(CLUSTER).orElse(List.of());
            }

            @Override
            public boolean watching() {
                return workloads.health().get(CLUSTER).watching();
            }

            @Override
            public void close() {
                workloads.close();
            }
        };
    }

    /**
     * Heap in use once full collections stop freeing anything: a closed client's JDK HttpClient (and the list
     * responses in its buffers) goes only after its selector thread has seen it unreachable, a collection later.
     * Polls every half second until two readings agree within 256 KiB (at most a minute).
     */
    private static long heapAfterFullGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long last = memory.getHeapMemoryUsage().getUsed();
        for (int i = 0; i < 120; i++) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            System.gc();
            long used = memory.getHeapMemoryUsage().getUsed();
            if (Math.abs(last - used) < 256 * 1024) {
                return used;
            }
            last = used;
        }
        return last;
    }

    /** The first lines of the JVM's class histogram (jcmd GC.class_histogram): where the heap is. */
    private static String histogram(int lines) {
        try {
            String all = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {null}, new String[] {String[].class.getName()});
            return String.join("\n", all.lines().limit(lines + 3L).toList());
        } catch (javax.management.JMException e) {
            return "no histogram: " + e;
        }
    }

    /** Creates the Nodes as kubelets register them, then writes each one's status as a kubelet does. */
    private static void createNodes(KubeApiServer server, int count) throws Exception {
        Config config = server.config();
        // The field manager of the writes: what a kubelet's managedFields entries are named after.
        config.setUserAgent("kubelet/v1.33.1 (linux/amd64) kubernetes/poolstream-bench");
        config.setMaxConcurrentRequests(CREATE_THREADS * 2);
        config.setMaxConcurrentRequestsPerHost(CREATE_THREADS * 2);
        ExecutorService pool = Executors.newFixedThreadPool(CREATE_THREADS);
        try (KubernetesClient kubelet = new KubernetesClientBuilder().withConfig(config).build()) {
            List<Future<?>> creates = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int index = i;
                creates.add(pool.submit(() -> {
                    Node created = kubelet.nodes().resource(registered(index)).create();
                    created.setStatus(kubeletStatus(index));
                    kubelet.nodes().resource(created).updateStatus();
                }));
            }
            for (Future<?> create : creates) {
                create.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String name(int index) {
        return String.format(Locale.ROOT, "ip-10-%d-%d-%d.us-east-2.compute.internal", 1 + index / 65_536,
                index / 256 % 256, index % 256);
    }

    /** A Node as a kubelet registers it, with the annotations Cluster API adds once its Machine has the Node. */
    private static Node registered(int index) {
        String name = name(index);
        String zone = "us-east-2" + "abc".charAt(index % 3);
        String pool = "workers-" + (index / 20);
        return new NodeBuilder()
                .withNewMetadata().withName(name)
                .addToLabels("beta.kubernetes.io/arch", "amd64")
                .addToLabels("beta.kubernetes.io/instance-type", "m6i.xlarge")
                .addToLabels("beta.kubernetes.io/os", "linux")
                .addToLabels("failure-domain.beta.kubernetes.io/region", "us-east-2")
                .addToLabels("failure-domain.beta.kubernetes.io/zone", zone)
                .addToLabels("kubernetes.io/arch", "amd64")
                .addToLabels("kubernetes.io/hostname", name)
                .addToLabels("kubernetes.io/os", "linux")
                .addToLabels("node.kubernetes.io/instance-type", "m6i.xlarge")
                .addToLabels("topology.kubernetes.io/region", "us-east-2")
                .addToLabels("topology.kubernetes.io/zone", zone)
                .addToLabels("node-role.kubernetes.io/worker", "")
                .addToAnnotations("cluster.x-k8s.io/cluster-name", "fleet")
                .addToAnnotations("cluster.x-k8s.io/cluster-namespace", "bench")
                .addToAnnotations("cluster.x-k8s.io/machine", pool + "-" + index)
                .addToAnnotations("cluster.x-k8s.io/owner-kind", "MachinePool")
                .addToAnnotations("cluster.x-k8s.io/owner-name", pool)
                .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
                .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true")
                .addToAnnotations("csi.volume.kubernetes.io/nodeid",
                        "{\"ebs.csi.aws.com\":\"i-0" + instanceId(index) + "\"}")
                .endMetadata()
                .withNewSpec().withProviderID("aws:///" + zone + "/i-0" + instanceId(index))
                .withPodCIDR("10.244." + index % 256 + ".0/24").withPodCIDRs("10.244." + index % 256 + ".0/24")
                .endSpec()
                .build();
    }

    private static String instanceId(int index) {
        return String.format(Locale.ROOT, "%016x", 0x5eedL * 1_000_003L + index);
    }

    /** A kubelet's status: five conditions, addresses, capacity and allocatable, nodeInfo, 40 images. */
    private static NodeStatus kubeletStatus(int index) {
        String heartbeat = "2026-11-21T06:00:" + String.format(Locale.ROOT, "%02d", index % 60) + "Z";
        String since = "2026-11-21T05:00:00Z";
        String ip = "10." + (1 + index / 65_536) + "." + (index / 256 % 256) + "." + (index % 256);
        NodeStatusBuilder status = new NodeStatusBuilder()
                .addNewCondition().withType("MemoryPressure").withStatus("False")
                .withReason("KubeletHasSufficientMemory").withMessage("kubelet has sufficient memory available")
                .withLastHeartbeatTime(heartbeat).withLastTransitionTime(since).endCondition()
                .addNewCondition().withType("DiskPressure").withStatus("False")
                .withReason("KubeletHasNoDiskPressure").withMessage("kubelet has no disk pressure")
                .withLastHeartbeatTime(heartbeat).withLastTransitionTime(since).endCondition()
                .addNewCondition().withType("PIDPressure").withStatus("False")
                .withReason("KubeletHasSufficientPID").withMessage("kubelet has sufficient PID available")
                .withLastHeartbeatTime(heartbeat).withLastTransitionTime(since).endCondition()
                .addNewCondition().withType("Ready").withStatus("True")
                .withReason("KubeletReady").withMessage("kubelet is posting ready status")
                .withLastHeartbeatTime(heartbeat).withLastTransitionTime(since).endCondition()
                .addNewCondition().withType("NetworkUnavailable").withStatus("False")
                .withReason("RouteCreated").withMessage("RouteController created a route")
                .withLastHeartbeatTime(heartbeat).withLastTransitionTime(since).endCondition()
                .addNewAddress().withType("InternalIP").withAddress(ip).endAddress()
                .addNewAddress().withType("InternalDNS").withAddress(name(index)).endAddress()
                .addNewAddress().withType("Hostname").withAddress(name(index)).endAddress()
                .addToCapacity(Map.of("cpu", new Quantity("4"), "ephemeral-storage", new Quantity("104845292Ki"),
                        "hugepages-1Gi", new Quantity("0"), "hugepages-2Mi", new Quantity("0"),
                        "memory", new Quantity("16069848Ki"), "pods", new Quantity("58")))
                .addToAllocatable(Map.of("cpu", new Quantity("3920m"), "ephemeral-storage",
                        new Quantity("95551679124"), "hugepages-1Gi", new Quantity("0"), "hugepages-2Mi",
                        new Quantity("0"), "memory", new Quantity("15052000Ki"), "pods", new Quantity("58")))
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(10250).endKubeletEndpoint()
                .endDaemonEndpoints()
                .withNewNodeInfo().withArchitecture("amd64").withBootID(uuid(index, 1))
                .withContainerRuntimeVersion("containerd://1.7.27").withKernelVersion("6.8.0-1021-aws")
                .withKubeProxyVersion("v1.33.1").withKubeletVersion("v1.33.1").withMachineID(hex(index, 32))
                .withOperatingSystem("linux").withOsImage("Ubuntu 24.04.2 LTS").withSystemUUID(uuid(index, 2))
                .endNodeInfo();
        for (int i = 0; i < 40; i++) {
            // ~100-byte names: a digest reference and a tag, as kubelets list them.
            String repository = "123456789012.dkr.ecr.us-east-2.amazonaws.com/platform/service-" + i;
            status.addNewImage().withNames(repository + "@sha256:" + hex(i, 64), repository + ":v1." + i + ".0")
                    .withSizeBytes(20_000_000L + i * 1_000_000L).endImage();
        }
        return status.build();
    }

    private static String hex(int seed, int length) {
        StringBuilder out = new StringBuilder(length);
        long value = seed * 0x9E3779B97F4A7C15L;
        while (out.length() < length) {
            value = value * 6364136223846793005L + 1442695040888963407L;
            out.append(HexFormat.of().toHexDigits(value));
        }
        return out.substring(0, length);
    }

    private static String uuid(int index, int salt) {
        String h = hex(index * 31 + salt, 32);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20)
                + "-" + h.substring(20);
    }

    private WatcherHeap() {
    }
}
