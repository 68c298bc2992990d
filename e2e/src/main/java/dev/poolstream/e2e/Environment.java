package dev.poolstream.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The processes of one run, all on 127.0.0.1: a Kafka broker (KRaft, {@code kafka.Kafka} from Maven Central's jars),
 * kube-apiserver and etcd (test-support's {@code KubeApiServerMain}), moto, the simulated kubelet, and the four
 * services from their runnable jars with docker-compose.yml's environment.
 */
public final class Environment implements AutoCloseable {

    public static final String NAMESPACE = "default";
    public static final String REGION = "us-east-1";
    static final Duration START_TIMEOUT = Duration.ofMinutes(4);
    static final Duration POLL = Duration.ofMillis(100);
    /** The services' JVMs: small heaps and the serial collector, seven JVMs share two cores. */
    static final String DEFAULT_JAVA_OPTS = "-XX:+UseSerialGC -Xms64m -Xmx512m -XX:+ExitOnOutOfMemoryError";

    private final E2eOptions options;
    private final PrintStream out;
    private final PidFile pids;
    private final Map<String, ManagedProcess> processes = new LinkedHashMap<>();
    private final Map<String, Integer> servicePorts = new LinkedHashMap<>();
    private final Ports ports = new Ports();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Instant began = Instant.now();
    private final Map<String, Double> startSeconds = new LinkedHashMap<>();
    private int brokerPort;
    private int motoPort;
    private Path kubeconfig;
    private KubernetesClient kube;
    private Admin admin;
    private ConsumerGroups groups;
    private ComposeEnvironment compose;
    private final Map<String, String> replicaOf = new LinkedHashMap<>();
    private final Map<String, Path> jars = new LinkedHashMap<>();
    private Ec2Client ec2;
    private AutoScalingClient autoScaling;
    private volatile boolean closing;

    public Environment(E2eOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.pids = new PidFile(options.work().resolve("pids"));
    }

    public void start() throws IOException, InterruptedException {
        Files.createDirectories(options.work());
        compose = ComposeEnvironment.read(options.root().resolve("docker-compose.yml"));
        brokerPort = ports.next();
        int controllerPort = ports.next();
        motoPort = ports.next();
        kubeconfig = options.work().resolve("kubeconfig");

        ManagedProcess broker = broker(compose, controllerPort);
        ManagedProcess api = process("kube-api", List.of(java(), "-cp", options.testSupportClasspath(),
                "dev.poolstream.testing.KubeApiServerMain", kubeconfig.toString()), Map.of(), true);
        ManagedProcess moto = process("moto", List.of(python(), "-m", "moto.server", "-H", "127.0.0.1", "-p",
                Integer.toString(motoPort)), Map.of(), true);
        api.start();
        moto.start();
        broker.start();

        await("moto answers", moto, () -> answers(motoUrl() + "/moto-api/"));
        await("the Kafka broker answers", broker, this::brokerAnswers);
        await("kube-apiserver and etcd run with the Cluster API CRDs", api, () -> apiServerReady(api));
        api.recordChildren();
        kube = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
        ec2 = Ec2Client.builder().endpointOverride(URI.create(motoUrl())).region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build();
        autoScaling = AutoScalingClient.builder().endpointOverride(URI.create(motoUrl())).region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build();

        ManagedProcess kubelet = process("kubelet", List.of(java(), "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                options.e2eClasspath(), SimulatedKubelet.class.getName(), "--kubeconfig=" + kubeconfig,
                "--moto=" + motoUrl(), "--boot-delay=" + options.bootDelay(), "--seed=" + options.seed(),
                "--kubelet-version=" + Pools.VERSION), Map.of(), true);
        kubelet.start();

        for (String service : E2eOptions.SERVICES) {
            serviceProcess(service, service, Map.of()).start();
        }
        for (String service : E2eOptions.SERVICES) {
            await(service + " is ready", processes.get(service), () -> ready(service));
        }
        await("the simulated kubelet runs", kubelet, kubelet::alive);
        admin = Admin.create(adminProperties());
        groups = new ConsumerGroups(admin);
    }

    /**
     * A service's process: its runnable jar with exactly the environment of its docker-compose.yml service (as a
     * container: the port inside is the service's own, the hostname survives a restart), {@code overrides} on top.
     *
     * @param name the process's name: the service's, or a second replica's ({@code reconciler-service-2})
     */
    private ManagedProcess serviceProcess(String service, String name, Map<String, String> overrides)
            throws IOException {
        int port = ports.next();
        servicePorts.put(name, port);
        Map<String, String> env = new LinkedHashMap<>(ComposeEnvironment.plaintextClient(compose.serviceEnvironment(
                service, Map.of("POOLSTREAM_MODE", "owner"), brokers(), motoUrl(), kubeconfig)));
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("HOSTNAME", "e2e-" + name);
        env.putAll(overrides);
        Path tmp = Files.createDirectories(options.work().resolve(name).resolve("tmp"));
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(List.of(javaOpts().split("\\s+")));
        command.add("-Djava.io.tmpdir=" + tmp);
        command.add("-jar");
        command.add(execJar(service).toString());
        command.addAll(options.serviceArgs().getOrDefault(service, List.of()));
        return process(name, command, env, false);
    }

    /**
     * Starts a second replica of a service, as a second pod would run: its own {@code HOSTNAME}, Kafka instance id
     * ({@code POOLSTREAM_KAFKA_INSTANCE_ID}), port and temporary directory (Kafka Streams' state), the rest of the
     * service's environment the same. It is not one of the run's fixed processes: {@link #removeReplica} ends it.
     */
    public ManagedProcess startReplica(String service, String name) throws IOException {
        replicaOf.put(name, service);
        ManagedProcess replica = serviceProcess(service, name, Map.of(INSTANCE_ID_VARIABLE, name));
        replica.start();
        return replica;
    }

    /** Stops a replica (SIGTERM, SIGKILL after 15 s) if it still runs, and forgets it. */
    public synchronized void removeReplica(String name) {
        ManagedProcess replica = processes.get(name);
        if (replica != null) {
            replica.stop(Duration.ofSeconds(15));
            processes.remove(name);
        }
        replicaOf.remove(name);
        servicePorts.remove(name);
    }

    /** The Kafka instance id variable of docker-compose.yml (static membership); a replica needs its own. */
    public static final String INSTANCE_ID_VARIABLE = "POOLSTREAM_KAFKA_INSTANCE_ID";

    /** The service's Kafka instance id as compose gives it, or its process name when compose gives none. */
    public String instanceId(String name) {
        String service = replicaOf.getOrDefault(name, name);
        if (!name.equals(service)) {
            return name;
        }
        return compose.serviceEnvironment(service, Map.of("POOLSTREAM_MODE", "owner"), brokers(), motoUrl(),
                kubeconfig).getOrDefault(INSTANCE_ID_VARIABLE, "");
    }

    public ConsumerGroups groups() {
        return groups;
    }

    private ManagedProcess broker(ComposeEnvironment compose, int controllerPort) throws IOException,
            InterruptedException {
        Path dir = Files.createDirectories(options.work().resolve("kafka"));
        Map<String, String> properties = ComposeEnvironment.plaintext(compose.brokerProperties("kafka"));
        // Compose's listeners are for its network; here every listener is on loopback, and plaintext (docs/e2e.md).
        properties.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:"
                + controllerPort);
        properties.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        properties.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        properties.put("inter.broker.listener.name", "PLAINTEXT");
        properties.put("controller.quorum.voters", properties.getOrDefault("node.id", "1") + "@127.0.0.1:"
                + controllerPort);
        properties.put("log.dirs", dir.resolve("data").toString());
        StringBuilder text = new StringBuilder("# from docker-compose.yml's kafka service, on loopback\n");
        properties.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Path config = Files.writeString(dir.resolve("server.properties"), text.toString());
        String classpath = options.kafkaLibs().toAbsolutePath() + "/*";
        List<String> base = List.of(java(), "-Xmx512m", "-XX:+UseSerialGC",
                "-Dlogback.configurationFile=" + options.root().resolve("e2e/broker/logback.xml"), "-cp", classpath);
        List<String> format = new ArrayList<>(base);
        format.addAll(List.of("kafka.tools.StorageTool", "format", "-t", kafkaClusterId(), "-c", config.toString()));
        Process formatting = new ProcessBuilder(format).redirectErrorStream(true)
                .redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!formatting.waitFor(2, TimeUnit.MINUTES) || formatting.exitValue() != 0) {
            formatting.destroyForcibly();
            throw new IllegalStateException("formatting the broker's storage failed: see " + dir.resolve("format.log"));
        }
        List<String> run = new ArrayList<>(base);
        run.addAll(List.of("kafka.Kafka", config.toString()));
        return process(E2eOptions.BROKER, run, Map.of(), true);
    }

    /**
     * A KRaft cluster id, as {@code kafka-storage random-uuid} makes it: Kafka's own, which never starts with a dash
     * (one in 64 random ones did, and the storage tool took it for an option: "--cluster-id: expected one argument").
     */
    static String kafkaClusterId() {
        return org.apache.kafka.common.Uuid.randomUuid().toString();
    }

    private ManagedProcess process(String name, List<String> command, Map<String, String> env, boolean inherit) {
        ManagedProcess process = new ManagedProcess(name, command, env, inherit,
                options.work().resolve(name + ".log"), pids);
        processes.put(name, process);
        return process;
    }

    private void await(String what, ManagedProcess process, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (!process.alive()) {
                throw new IllegalStateException(process.name() + " exited before " + what + "; the end of "
                        + process.log() + ":\n" + process.tail(30));
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("not within " + START_TIMEOUT.toSeconds() + " s: " + what
                        + "; the end of " + process.log() + ":\n" + process.tail(30));
            }
            Thread.sleep(POLL.toMillis());
        }
        double at = Duration.between(began, Instant.now()).toMillis() / 1000.0;
        startSeconds.put(what, at);
        out.printf("  %6.1f s  %s%n", at, what);
    }

    private boolean apiServerReady(ManagedProcess api) {
        try {
            return Files.isRegularFile(kubeconfig) && Files.size(kubeconfig) > 0
                    && Files.readString(api.log()).contains("with the Cluster API CRDs; kubeconfig in");
        } catch (IOException e) {
            return false;
        }
    }

    /** The broker answers an admin client (it lists its nodes). */
    boolean brokerAnswers() {
        Properties p = adminProperties();
        try (Admin probe = Admin.create(p)) {
            return !probe.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    Properties adminProperties() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "e2e-driver");
        return p;
    }

    /** The service's (or replica's) readiness probe says UP (HTTP 200). */
    public boolean ready(String service) {
        Integer port = servicePorts.get(service);
        return port != null && answers("http://127.0.0.1:" + port + "/actuator/health/readiness");
    }

    private boolean answers(String url) {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The service's runnable jar, copied into the run's directory once: a restart (and a second replica) runs the very
     * jar the first start ran, even when a build in the same checkout replaces {@code target/} meanwhile.
     */
    private Path execJar(String service) throws IOException {
        Path copied = jars.get(service);
        if (copied != null) {
            return copied;
        }
        Path jar = runnableJar(options.root(), service);
        Path copy = Files.createDirectories(options.work().resolve("jars")).resolve(jar.getFileName());
        jars.put(service, Files.copy(jar, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING));
        return jars.get(service);
    }

    /** The service's runnable jar as the build leaves it: {@code <root>/<service>/target/<service>-*-exec.jar}. */
    public static Path runnableJar(Path root, String service) {
        Path target = root.resolve(service).resolve("target");
        try (DirectoryStream<Path> found = Files.newDirectoryStream(target, service + "-*-exec.jar")) {
            for (Path jar : found) {
                return jar.toAbsolutePath();
            }
        } catch (IOException e) {
            // reported below
        }
        throw new IllegalStateException("no runnable jar " + target + "/" + service + "-*-exec.jar: build it with "
                + "./mvnw -pl " + service + " -am package -DskipTests (./e2e.sh and ./bench.sh do)");
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String python() {
        String configured = System.getenv("POOLSTREAM_PYTHON");
        return configured == null || configured.isBlank() ? "python3" : configured;
    }

    static String javaOpts() {
        String configured = System.getenv("E2E_JAVA_OPTS");
        return configured == null || configured.isBlank() ? DEFAULT_JAVA_OPTS : configured.trim();
    }

    public String brokers() {
        return "127.0.0.1:" + brokerPort;
    }

    public String motoUrl() {
        return "http://127.0.0.1:" + motoPort;
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public String kubeconfigText() {
        try {
            return Files.readString(kubeconfig);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public KubernetesClient kube() {
        return kube;
    }

    public Admin admin() {
        return admin;
    }

    public Ec2Client ec2() {
        return ec2;
    }

    public AutoScalingClient autoScaling() {
        return autoScaling;
    }

    public ManagedProcess process(String name) {
        ManagedProcess p = processes.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no process " + name);
        }
        return p;
    }

    /**
     * Why the run is not fit for the next scenario (a process gone, a service not ready within {@code within}); empty
     * when every process runs and every service is ready.
     */
    public java.util.Optional<String> unfit(Duration within) throws InterruptedException {
        Instant deadline = Instant.now().plus(within);
        for (ManagedProcess p : processes.values()) {
            if (!p.alive()) {
                return java.util.Optional.of(p.name() + " is not running; the end of " + p.log() + ":\n" + p.tail(20));
            }
        }
        for (String service : E2eOptions.SERVICES) {
            while (!ready(service)) {
                if (!processes.get(service).alive()) {
                    return java.util.Optional.of(service + " exited; the end of its log:\n"
                            + processes.get(service).tail(20));
                }
                if (Instant.now().isAfter(deadline)) {
                    return java.util.Optional.of(service + " is not ready after " + within.toSeconds() + " s");
                }
                Thread.sleep(POLL.toMillis());
            }
        }
        return java.util.Optional.empty();
    }

    public Map<String, Double> startSeconds() {
        return Map.copyOf(startSeconds);
    }

    public E2eOptions options() {
        return options;
    }

    /** Whether the run is being stopped (at its end, or by a signal: Ctrl-C, SIGTERM). */
    public boolean closing() {
        return closing;
    }

    /** Stops everything: the services first, the broker and the API server last. */
    @Override
    public synchronized void close() {
        if (closing && processes.values().stream().noneMatch(ManagedProcess::alive)) {
            return;
        }
        closing = true;
        for (AutoCloseable client : new AutoCloseable[] {admin, kube, ec2, autoScaling}) {
            try {
                if (client != null) {
                    client.close();
                }
            } catch (Exception e) {
                // close the rest
            }
        }
        List<ManagedProcess> all = new ArrayList<>(processes.values());
        java.util.Collections.reverse(all);
        // The services and the kubelet in parallel, then moto and the broker, the API server (and etcd) last.
        List<Thread> stopping = new ArrayList<>();
        for (ManagedProcess p : all) {
            if (isService(p.name()) || p.name().equals("kubelet")) {
                Thread t = new Thread(() -> p.stop(Duration.ofSeconds(10)), "stop-" + p.name());
                t.start();
                stopping.add(t);
            }
        }
        join(stopping);
        for (ManagedProcess p : all) {
            if (!isService(p.name()) && !p.name().equals("kubelet")) {
                p.stop(Duration.ofSeconds(15));
            }
        }
    }

    private boolean isService(String name) {
        return E2eOptions.SERVICES.contains(name) || replicaOf.containsKey(name);
    }

    private static void join(List<Thread> threads) {
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
