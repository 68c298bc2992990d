package dev.poolstream.sandbox;

import dev.poolstream.events.Topics;
import dev.poolstream.provider.kube.SecretBootstrapData;
import dev.poolstream.reconciler.ReconcilerApplication;
import dev.poolstream.sandbox.cloud.BootDelays;
import dev.poolstream.sandbox.cloud.SimulatedCloud;
import dev.poolstream.sandbox.provider.SimulatedProvider;
import dev.poolstream.status.StatusApplication;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.MockCluster;
import dev.poolstream.watcher.WatcherApplication;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The whole pipeline in one JVM: an embedded Kafka broker (KRaft), an in-process Kubernetes API (fabric8's mock
 * server in CRUD mode) for the management cluster and one for the workload cluster, the simulated cloud, and the
 * services: watcher, reconciler and status in owner mode, and provider-core with the simulated cloud standing in for
 * provider-aws-service.
 */
public final class Sandbox implements AutoCloseable {

    public static final String CLUSTER = "sandbox";
    public static final String NAMESPACE = "default";

    private final EmbeddedKafkaBroker broker;
    private final MockCluster managementServer;
    private final MockCluster workloadServer;
    private final KubernetesClient management;
    private final KubernetesClient workload;
    private final String workloadKubeconfig;
    private final SimulatedCloud cloud;
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();

    public Sandbox(SandboxOptions options) {
        broker = startBroker();
        // The contract's topics, made and known to the broker before any service starts, as a deployment declares them
        // (k8s/). Made by each service as it starts, a Kafka Streams rebalance just after could see the broker's
        // metadata without them yet ("missing source topics", logged at ERROR, then tried again).
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            createTopics(admin, Topics.all().stream());
        } catch (Exception e) {
            broker.destroy();
            throw new IllegalStateException("cannot create the topics on the sandbox's broker", e);
        }
        if (options.kubeconfig() == null) {
            managementServer = new MockCluster();
            workloadServer = new MockCluster();
            management = managementServer.client();
            workload = workloadServer.client();
            workloadKubeconfig = workloadServer.kubeconfig();
            System.setProperty("kubernetes.master", managementServer.url());
            System.setProperty("kubernetes.auth.tryKubeConfig", "false");
            System.setProperty("kubernetes.auth.tryServiceAccount", "false");
            System.clearProperty("kubeconfig");
        } else {
            managementServer = null;
            workloadServer = null;
            String kubeconfig = read(options.kubeconfig());
            management = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
            // Into the cluster's kubeconfig Secret with its files' content in itself (kubectl config view --flatten):
            // the services read no file a kubeconfig from a Secret names. An exec user is refused there, and said so.
            workloadKubeconfig = KubeApiServer.inlined(kubeconfig);
            workload = management;
            // The services' clients read these: the file, and nothing an earlier sandbox in this JVM set.
            System.clearProperty("kubernetes.master");
            System.setProperty("kubernetes.auth.tryKubeConfig", "true");
            System.setProperty("kubernetes.auth.tryServiceAccount", "false");
            System.setProperty("kubeconfig", options.kubeconfig().toAbsolutePath().toString());
        }
        Function<String, KubernetesClient> workloads = cluster -> workload;
        // provider-core's reader of the bootstrap Secrets, as provider-aws-service has it.
        cloud = new SimulatedCloud(workloads, new SecretBootstrapData(management), BootDelays.parse(options.bootDelay(), options.seed()),
                options.failRate(), options.seed());
        // A fresh broker needs fresh Kafka Streams state: a directory of this run's own.
        Path stateDir = temporaryDirectory("poolstream-sandbox-streams");
        try {
            start(WatcherApplication.builder(), "poolstream.watcher.lease.namespace=" + NAMESPACE,
                    "poolstream.watcher.lease.identity=sandbox-watcher");
            start(StatusApplication.builder(), "poolstream.status.mode=owner",
                    "spring.kafka.streams.state-dir=" + stateDir);
            start(ReconcilerApplication.builder(), "poolstream.reconciler.mode=owner",
                    "poolstream.reconciler.drain-retry=200ms");
            start(SimulatedProvider.builder(cloud));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** One KRaft broker in this JVM, with the single-replica settings transactions (exactly-once) need. */
    public static EmbeddedKafkaBroker startBroker() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, Topics.PARTITIONS);
        broker.brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "offsets.topic.replication.factor", "1"));
        broker.afterPropertiesSet();
        return broker;
    }

    /** Creates the topics (replication factor 1) and waits until every partition has a leader. */
    public static void createTopics(Admin admin, Stream<Topics.TopicSpec> topics) throws Exception {
        List<Topics.TopicSpec> all = topics.toList();
        admin.createTopics(all.stream().map(t -> t.newTopic((short) 1)).toList()).all().get();
        Instant deadline = Instant.now().plusSeconds(60);
        List<String> names = all.stream().map(Topics.TopicSpec::name).toList();
        while (!haveLeaders(admin, names)) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the topics got no leaders within 60 s");
            }
            Thread.sleep(20);
        }
    }

    /** Every partition of the topics has a leader; false too while a topic just created is not known yet. */
    private static boolean haveLeaders(Admin admin, List<String> names) throws InterruptedException {
        try {
            return admin.describeTopics(names).allTopicNames().get().values().stream()
                    .flatMap(d -> d.partitions().stream()).allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw new IllegalStateException("cannot describe the topics", e.getCause());
        }
    }

    private void start(SpringApplicationBuilder builder, String... extra) {
        services.add(startService(builder, broker.getBrokersAsString(), extra));
    }

    /** Starts a service on the broker, quiet but for warnings, with its topics created and any free port. */
    public static ConfigurableApplicationContext startService(SpringApplicationBuilder builder, String brokers,
                                                              String... extra) {
        return builder.run(serviceArguments(brokers, extra).toArray(String[]::new));
    }

    /** The command-line arguments {@link #startService} gives a service: the same for one run as a process. */
    public static List<String> serviceArguments(String brokers, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + brokers,
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--poolstream.kafka.create-topics=true",
                "--logging.structured.format.console=",
                "--logging.level.root=WARN",
                "--logging.level.dev.poolstream=" + (Boolean.getBoolean("sandbox.verbose") ? "INFO" : "WARN"),
                "--logging.level.org.apache.kafka=ERROR",
                "--logging.level.io.fabric8=ERROR"));
        for (String property : extra) {
            args.add("--" + property);
        }
        return args;
    }

    public KubernetesClient management() {
        return management;
    }

    public KubernetesClient workload() {
        return workload;
    }

    public String workloadKubeconfig() {
        return workloadKubeconfig;
    }

    /** The in-process management API server; empty when the sandbox runs against a real cluster. */
    public java.util.Optional<MockCluster> managementServer() {
        return java.util.Optional.ofNullable(managementServer);
    }

    public SimulatedCloud cloud() {
        return cloud;
    }

    public String brokers() {
        return broker.getBrokersAsString();
    }

    private static Path temporaryDirectory(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the kubeconfig " + file, e);
        }
    }

    @Override
    public void close() {
        for (int i = services.size() - 1; i >= 0; i--) {
            try {
                services.get(i).close();
            } catch (RuntimeException e) {
                // Close the rest.
            }
        }
        cloud.close();
        if (workloadServer != null) {
            workloadServer.close();
        }
        if (managementServer != null) {
            managementServer.close();
        } else {
            management.close();
        }
        broker.destroy();
    }
}
