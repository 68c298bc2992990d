package dev.poolstream.e2e;

import dev.poolstream.api.ClusterApi;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Reservation;

/**
 * The kubelets of moto's instances, as one process: every EC2 instance carrying the pool tag gets a Node after its
 * boot delay (3-8 s by default, drawn per instance from the seed): created with the instance's provider ID
 * ({@code aws:///<az>/<instance-id>}), the {@code node.cluster.x-k8s.io/uninitialized} taint that Cluster API's
 * kubeadm bootstrap sets, then turned Ready through the Node's status subresource with its kubelet version. When the
 * instance stops running (terminated, shutting down, gone) its Node is deleted, as the cloud node lifecycle
 * controller would. Usage: {@code SimulatedKubelet --kubeconfig=FILE --moto=URL [--boot-delay=3s..8s] [--seed=42]
 * [--kubelet-version=v1.33.1]}.
 */
public final class SimulatedKubelet implements AutoCloseable {

    static final Duration POLL = Duration.ofMillis(500);
    static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    private final KubernetesClient kube;
    private final Ec2Client ec2;
    private final BootDelays delays;
    private final String kubeletVersion;
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);
    private final Map<String, ScheduledFuture<?>> booting = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final Set<String> gone = ConcurrentHashMap.newKeySet();

    SimulatedKubelet(KubernetesClient kube, Ec2Client ec2, BootDelays delays, String kubeletVersion) {
        this.kube = kube;
        this.ec2 = ec2;
        this.delays = delays;
        this.kubeletVersion = kubeletVersion;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("--boot-delay", "3s..8s", "--seed", "42",
                "--kubelet-version", Pools.VERSION));
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("options are --name=value: " + arg);
            }
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        String kubeconfig = Files.readString(Path.of(required(options, "--kubeconfig")));
        KubernetesClient kube = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
        Ec2Client ec2 = Ec2Client.builder().endpointOverride(URI.create(required(options, "--moto")))
                .region(Region.of(Environment.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build();
        long seed = Long.parseLong(options.get("--seed"));
        SimulatedKubelet kubelet = new SimulatedKubelet(kube, ec2, BootDelays.parse(options.get("--boot-delay"), seed),
                options.get("--kubelet-version"));
        System.out.println("simulated kubelet: boot delay " + kubelet.delays + ", kubelet " + kubelet.kubeletVersion);
        Runtime.getRuntime().addShutdownHook(new Thread(kubelet::close));
        kubelet.run();
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }

    void run() throws InterruptedException {
        while (!executor.isShutdown()) {
            try {
                look();
            } catch (RuntimeException e) {
                System.out.println(Instant.now() + " cannot look at the instances: " + e);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** One look at moto: new running instances start booting, instances that stopped running lose their Node. */
    void look() {
        Set<String> running = new HashSet<>();
        Map<String, Instance> seen = new HashMap<>();
        for (Reservation reservation : ec2.describeInstancesPaginator(b -> b.filters(
                Filter.builder().name("tag-key").values(Pools.POOL_TAG).build())).reservations()) {
            for (Instance instance : reservation.instances()) {
                seen.put(instance.instanceId(), instance);
                String state = instance.state().nameAsString();
                if ("pending".equals(state) || "running".equals(state)) {
                    running.add(instance.instanceId());
                }
            }
        }
        for (String id : running) {
            if (!booting.containsKey(id) && !gone.contains(id)) {
                Instance instance = seen.get(id);
                Duration delay = delays.of(id);
                booting.put(id, executor.schedule(() -> register(instance, delay), delay.toMillis(),
                        TimeUnit.MILLISECONDS));
            }
        }
        for (String id : Set.copyOf(booting.keySet())) {
            if (!running.contains(id) && gone.add(id)) {
                booting.get(id).cancel(false);
                executor.execute(() -> deregister(id));
            }
        }
    }

    static String nodeName(String instanceId) {
        return instanceId + ".ec2.internal";
    }

    static String providerId(Instance instance) {
        return "aws:///" + instance.placement().availabilityZone() + "/" + instance.instanceId();
    }

    /** Registering and deleting are one at a time: a Node never comes back for an instance that went meanwhile. */
    private synchronized void register(Instance instance, Duration boot) {
        if (gone.contains(instance.instanceId())) {
            return;
        }
        String name = nodeName(instance.instanceId());
        String now = TIME.format(Instant.now().truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
        try {
            Node node = new NodeBuilder().withNewMetadata().withName(name)
                    .addToLabels("kubernetes.io/hostname", name)
                    .addToLabels("kubernetes.io/os", "linux")
                    .addToLabels("topology.kubernetes.io/zone", instance.placement().availabilityZone())
                    .addToLabels("node.kubernetes.io/instance-type", instance.instanceTypeAsString())
                    .endMetadata()
                    .withNewSpec().withProviderID(providerId(instance))
                    .withTaints(new TaintBuilder().withKey(ClusterApi.UNINITIALIZED_TAINT_KEY)
                            .withEffect("NoSchedule").build())
                    .endSpec().build();
            kube.nodes().resource(node).create();
            kube.nodes().withName(name).editStatus(n -> {
                n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
                        .withConditions(new NodeConditionBuilder().withType("Ready").withStatus("True")
                                .withReason("KubeletReady").withMessage("kubelet is posting ready status")
                                .withLastHeartbeatTime(now).withLastTransitionTime(now).build())
                        .withAddresses(new NodeAddressBuilder().withType("InternalIP")
                                        .withAddress(instance.privateIpAddress() == null ? "10.0.0.1"
                                                : instance.privateIpAddress()).build(),
                                new NodeAddressBuilder().withType("Hostname").withAddress(name).build())
                        .withNodeInfo(new NodeSystemInfoBuilder().withKubeletVersion(kubeletVersion)
                                .withKubeProxyVersion(kubeletVersion).withOperatingSystem("linux")
                                .withArchitecture("amd64").withContainerRuntimeVersion("containerd://2.0.0")
                                .withOsImage("e2e").withKernelVersion("6.1.0").withMachineID(instance.instanceId())
                                .withSystemUUID(instance.instanceId()).withBootID(instance.instanceId()).build())
                        .build());
                return n;
            });
            registered.add(instance.instanceId());
            System.out.println(Instant.now() + " " + name + " Ready (" + providerId(instance) + ", boot "
                    + boot.toMillis() + " ms)");
        } catch (KubernetesClientException e) {
            System.out.println(Instant.now() + " cannot register " + name + ": " + e.getMessage());
        }
    }

    private synchronized void deregister(String instanceId) {
        String name = nodeName(instanceId);
        try {
            List<io.fabric8.kubernetes.api.model.StatusDetails> deleted = kube.nodes().withName(name).delete();
            System.out.println(Instant.now() + " " + name + (deleted.isEmpty() ? " had no Node" : " deleted")
                    + ": its instance stopped running");
        } catch (KubernetesClientException e) {
            System.out.println(Instant.now() + " cannot delete " + name + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
