package dev.poolstream.sandbox.scenario;

import dev.poolstream.testing.MachinePoolSpecs;
import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.ClusterSpec;
import dev.poolstream.api.cluster.v1beta2.clusterspec.ControlPlaneEndpoint;
import io.fabric8.kubernetes.client.Config;
import java.net.URI;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.AwsLaunchTemplate;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.RefreshPreferences;
import dev.poolstream.events.Topics;
import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.events.serde.EventJson;
import dev.poolstream.sandbox.Sandbox;
import dev.poolstream.sandbox.SandboxOptions;
import dev.poolstream.sandbox.cloud.SimulatedCloud;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Creates the pools, waits for them to run, changes them, and measures until their status says it is done. */
public final class ScenarioRun {

    static final Duration TIMEOUT = Duration.ofMinutes(10);
    static final boolean VERBOSE = Boolean.getBoolean("sandbox.verbose");
    static final Duration POLL = Duration.ofMillis(20);
    static final String VERSION = "v1.33.1";
    static final String NEXT_VERSION = "v1.34.0";

    private final Sandbox sandbox;
    private final SandboxOptions options;
    private final PrintStream out;
    private final KubernetesClient kube;

    public ScenarioRun(Sandbox sandbox, SandboxOptions options, PrintStream out) {
        this.sandbox = sandbox;
        this.options = options;
        this.out = out;
        this.kube = sandbox.management();
    }

    public Report run() throws IOException {
        List<String> pools = new ArrayList<>();
        for (int i = 1; i <= options.pools(); i++) {
            pools.add(options.pools() == 1 ? "workers" : "workers-" + i);
        }
        createCluster();
        pools.forEach(this::createPool);
        out.printf("waiting for %d pool(s) of %d replicas to reach Running...%n", pools.size(), options.replicas());
        awaitAll(pools, s -> s.getPhase() == MachinePoolStatus.Phase.RUNNING
                && eq(s.getReplicas(), options.replicas()) && eq(s.getReadyReplicas(), options.replicas()), null);

        InstanceRemoval removal = new InstanceRemoval(kube, sandbox.workload(), out);
        InstanceRemoval.Outcome outcome = null;
        try (LifecycleTail tail = new LifecycleTail(sandbox.brokers())) {
            Instant start = Instant.now();
            int[] minReady = {Integer.MAX_VALUE};
            switch (options.scenario()) {
                case AUTOSCALER, REMEDIATE -> {
                    for (String pool : pools) {
                        String victim = removal.victim(pool, options.replicas());
                        List<String> before = removal.providerIds(pool);
                        if (options.scenario() == SandboxOptions.Scenario.AUTOSCALER) {
                            removal.scaleDownAsAutoscaler(pool, victim, this);
                        } else {
                            removal.breakNode(pool, victim);
                        }
                        removal.awaitGone(pool, victim, Duration.ofMinutes(2));
                        awaitAll(List.of(pool), s -> s.getPhase() == MachinePoolStatus.Phase.RUNNING
                                && eq(s.getReplicas(), options.scaleTo())
                                && eq(s.getReadyReplicas(), options.scaleTo()), minReady);
                        InstanceRemoval.Outcome o = removal.outcome(pool, before, victim);
                        out.printf("%s: instances removed: %s%n", pool, o.removed().isEmpty() ? "none"
                                : String.join(", ", o.removed()));
                        outcome = outcome == null || outcome.asExpected() ? o : outcome;
                    }
                }
                case SCALE_UP, SCALE_DOWN -> {
                    out.printf("scaling %s from %d to %d replicas...%n", String.join(", ", pools), options.replicas(),
                            options.scaleTo());
                    pools.forEach(p -> edit(p, mp -> mp.getSpec().setReplicas(options.scaleTo())));
                    awaitAll(pools, s -> s.getPhase() == MachinePoolStatus.Phase.RUNNING
                            && eq(s.getReplicas(), options.scaleTo())
                            && eq(s.getReadyReplicas(), options.scaleTo()), minReady);
                }
                case ROLLOUT -> {
                    out.printf("rolling out %s from %s to %s...%n", String.join(", ", pools), VERSION, NEXT_VERSION);
                    pools.forEach(p -> edit(p, mp -> mp.getSpec().getTemplate().getSpec().setVersion(NEXT_VERSION)));
                    awaitAll(pools, s -> s.getPhase() == MachinePoolStatus.Phase.RUNNING
                            && eq(s.getReplicas(), options.replicas()) && eq(s.getReadyReplicas(), options.replicas())
                            && eq(s.getUpToDateReplicas(), options.replicas())
                            && tail.sawRollOutOf(pools), minReady);
                }
            }
            double allReady = seconds(start, Instant.now());
            Report report = report(pools, start, allReady, tail, minReady[0] == Integer.MAX_VALUE ? -1 : minReady[0]);
            if (outcome != null) {
                out.println(outcome.verdict());
                if (!outcome.asExpected()) {
                    throw new IllegalStateException(outcome.verdict());
                }
            }
            return report;
        }
    }

    private Report report(List<String> pools, Instant start, double allReady, LifecycleTail tail, int minReady)
            throws IOException {
        List<SimulatedCloud.Boot> newBoots = sandbox.cloud().boots().stream()
                .filter(b -> !b.launched().isBefore(start)).toList();
        Set<String> newIds = newBoots.stream().map(SimulatedCloud.Boot::providerID).collect(Collectors.toSet());
        List<Double> seen = tail.readyAt().entrySet().stream().filter(e -> newIds.contains(e.getKey()))
                .map(e -> seconds(start, e.getValue())).sorted().toList();
        List<Double> boots = newBoots.stream().map(b -> seconds(start, b.ready())).sorted().toList();
        double slowestBoot = newBoots.stream().mapToDouble(b -> b.delay().toMillis() / 1000.0).max().orElse(0);
        List<Report.PoolOutcome> outcomes = pools.stream().map(this::outcome).toList();
        Report report = new Report(options.scenario().name().toLowerCase().replace('_', '-'), pools.size(),
                options.replicas(), options.scaleTo(), options.bootDelay(), options.seed(), seen,
                newBoots.stream().map(b -> b.delay().toMillis() / 1000.0).toList(),
                seen.isEmpty() ? 0 : seen.get(0), allReady, Report.percentile(seen, 50), Report.percentile(seen, 90),
                newBoots.isEmpty() ? 0 : allReady - slowestBoot, minReady, outcomes);
        Files.createDirectories(options.out());
        Path json = options.out().resolve("results.json");
        EventJson.mapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), report);
        Path png = options.out().resolve("node-ready.png");
        Chart.write(new Report(report.scenario(), report.pools(), report.replicas(), report.scaleTo(),
                report.bootDelay(), report.seed(), seen, boots, report.firstReady(), allReady, report.p50(),
                report.p90(), report.overhead(), minReady, outcomes), png);
        out.print(report.table());
        out.printf("  results: %s, chart: %s%n", json, png);
        return report;
    }

    private Report.PoolOutcome outcome(String pool) {
        MachinePoolStatus s = kube.resources(MachinePool.class).inNamespace(Sandbox.NAMESPACE).withName(pool).get()
                .getStatus();
        return new Report.PoolOutcome(pool, s.getReplicas(), s.getReadyReplicas(), s.getAvailableReplicas(),
                s.getUpToDateReplicas(), s.getNodeRefs() == null ? 0 : s.getNodeRefs().size(),
                s.getPhase() == null ? null : s.getPhase().getValue(),
                s.getConditions() == null ? List.of() : s.getConditions().stream()
                        .filter(c -> c.getStatus() == Conditions.Status.TRUE).map(Conditions::getType).toList());
    }

    /** Waits until every pool's status matches, noting the fewest Ready replicas seen on the way. */
    /** Waits until every pool's status matches; {@code minReady}, if given, notes the fewest Ready seen. */
    public void awaitAll(List<String> pools, Predicate<MachinePoolStatus> done, int[] minReady) {
        Instant deadline = Instant.now().plus(TIMEOUT);
        Instant started = Instant.now();
        java.util.Map<String, String> last = new java.util.HashMap<>();
        while (true) {
            boolean all = true;
            for (String pool : pools) {
                MachinePool mp = kube.resources(MachinePool.class).inNamespace(Sandbox.NAMESPACE).withName(pool).get();
                MachinePoolStatus status = mp == null ? null : mp.getStatus();
                if (status != null && minReady != null && status.getReadyReplicas() != null) {
                    minReady[0] = Math.min(minReady[0], status.getReadyReplicas());
                }
                all &= status != null && done.test(status);
                if (VERBOSE) {
                    String now = describe(pool);
                    if (!now.equals(last.put(pool, now))) {
                        out.printf("  %6.2f s  %s%n", seconds(started, Instant.now()), now);
                    }
                }
            }
            if (all) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the pools did not get there within " + TIMEOUT + ": "
                        + pools.stream().map(this::describe).collect(Collectors.joining("; ")));
            }
            pause();
        }
    }

    /** One poll interval: the API server is asked again, the way a user watching {@code kubectl get} would. */
    static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private String describe(String pool) {
        MachinePool mp = kube.resources(MachinePool.class).inNamespace(Sandbox.NAMESPACE).withName(pool).get();
        MachinePoolStatus s = mp == null ? null : mp.getStatus();
        return s == null ? pool + " has no status" : pool + " is " + s.getPhase() + " with " + s.getReadyReplicas()
                + "/" + s.getReplicas() + " Ready, " + s.getUpToDateReplicas() + " up to date (generation "
                + mp.getMetadata().getGeneration() + ", observed " + s.getObservedGeneration() + ")";
    }

    public void createCluster() {
        createCluster(kube, Sandbox.NAMESPACE, Sandbox.CLUSTER, sandbox.workloadKubeconfig());
    }

    /** A Cluster and its kubeconfig Secret, as Cluster API creates them: the watcher finds the workload cluster. */
    public static void createCluster(KubernetesClient kube, String namespace, String name, String kubeconfig) {
        Cluster cluster = new Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        // As Cluster API records it: the workload cluster's API endpoint (a Cluster's spec may not be empty).
        URI server = URI.create(Config.fromKubeconfig(kubeconfig).getMasterUrl());
        ControlPlaneEndpoint endpoint = new ControlPlaneEndpoint();
        endpoint.setHost(server.getHost());
        endpoint.setPort(server.getPort() > 0 ? server.getPort() : "https".equals(server.getScheme()) ? 443 : 80);
        ClusterSpec spec = new ClusterSpec();
        spec.setControlPlaneEndpoint(endpoint);
        cluster.setSpec(spec);
        kube.resource(cluster).create();
        kube.resource(new SecretBuilder().withNewMetadata().withNamespace(namespace)
                .withName(ClusterApi.kubeconfigSecretName(name))
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, name).endMetadata()
                .withType("cluster.x-k8s.io/secret")
                .addToData(ClusterApi.KUBECONFIG_SECRET_KEY, Base64.getEncoder().encodeToString(
                        kubeconfig.getBytes(StandardCharsets.UTF_8)))
                .build()).create();
    }

    public void createPool(String name) {
        kube.resource(new SecretBuilder().withNewMetadata().withNamespace(Sandbox.NAMESPACE)
                .withName(name + "-bootstrap").endMetadata()
                .addToData("value", Base64.getEncoder().encodeToString(
                        "#cloud-config\n# simulated kubeadm join\n".getBytes(StandardCharsets.UTF_8)))
                .build()).create();
        AwsLaunchTemplate launchTemplate = new AwsLaunchTemplate();
        launchTemplate.setInstanceType("m6i.large");
        RefreshPreferences refresh = new RefreshPreferences();
        refresh.setMinHealthyPercentage(100L);
        refresh.setMaxHealthyPercentage(120L);
        AWSMachinePoolSpec awsSpec = new AWSMachinePoolSpec();
        awsSpec.setMinSize(0);
        awsSpec.setMaxSize(Math.max(100, Math.max(options.replicas(), options.scaleTo()) * 2));
        awsSpec.setAwsLaunchTemplate(launchTemplate);
        awsSpec.setRefreshPreferences(refresh);
        AWSMachinePool aws = new AWSMachinePool();
        aws.setMetadata(new ObjectMetaBuilder().withNamespace(Sandbox.NAMESPACE).withName(name).build());
        aws.setSpec(awsSpec);
        kube.resource(aws).create();

        MachinePoolSpec spec = MachinePoolSpecs.of(Sandbox.CLUSTER, options.replicas(), VERSION, name + "-bootstrap",
                ClusterApi.KIND_AWS_MACHINE_POOL, name, 0);
        MachinePool pool = new MachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(Sandbox.NAMESPACE).withName(name)
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, Sandbox.CLUSTER).build());
        pool.setSpec(spec);
        kube.resource(pool).create();
    }

    /** Changes a pool as a user would, reading it again when the status service wrote it in between (409). */
    public void edit(String pool, java.util.function.Consumer<MachinePool> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                kube.resources(MachinePool.class).inNamespace(Sandbox.NAMESPACE).withName(pool).edit(mp -> {
                    change.accept(mp);
                    return mp;
                });
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private static boolean eq(Integer value, int expected) {
        return value != null && value == expected;
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    /** Lifecycle events from now on: when the status service saw each Node Ready, and which pools rolled out. */
    static final class LifecycleTail implements AutoCloseable {
        private final Map<String, Instant> readyAt = new ConcurrentHashMap<>();
        private final Set<String> rolledOut = ConcurrentHashMap.newKeySet();
        private final TopicTail<PoolLifecycleEvent> tail;

        LifecycleTail(String brokers) {
            tail = new TopicTail<>(brokers, Topics.MACHINEPOOL_LIFECYCLE.name(), PoolLifecycleEvent.class,
                    (event, at) -> {
                        if (event instanceof NodeReady ready) {
                            readyAt.putIfAbsent(ready.providerID(), ready.at());
                        } else if (event instanceof dev.poolstream.events.lifecycle.RolloutProgress p) {
                            rolledOut.add(p.pool());
                        }
                    });
        }

        Map<String, Instant> readyAt() {
            return Map.copyOf(readyAt);
        }

        boolean sawRollOutOf(List<String> pools) {
            return pools.stream().allMatch(p -> rolledOut.contains(Sandbox.NAMESPACE + "/" + p));
        }

        @Override
        public void close() {
            tail.close();
        }
    }
}
