package dev.poolstream.sandbox.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.ClusterSpec;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.clusterspec.ControlPlaneEndpoint;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Bootstrap;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.bootstrap.ConfigRef;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Deletion;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachine;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.AwsLaunchTemplate;
import dev.poolstream.events.Topics;
import dev.poolstream.sandbox.Sandbox;
import dev.poolstream.sandbox.SandboxOptions;
import dev.poolstream.sandbox.cloud.SimulatedCloud;
import dev.poolstream.sandbox.scenario.ScenarioRun;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.MachinePoolSpecs;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Kubeconfig and bootstrap content never leaves its Secret (issue 19, item 4). A marker is planted in kubeconfig
 * Secrets broken in every way we know of and in bootstrap data Secrets the provider cannot use; every service that
 * reads them is driven until it has visibly failed (a condition, an Event, a dead-lettered command); then no log
 * line, no Event or object written to the API server and no record on any topic may hold the marker.
 *
 * <p>Against a real kube-apiserver: it keeps Events, status subresources and CRD validation as a cluster does. One
 * API server is every cluster's workload cluster: the healthy Cluster's watch sees every Node, so each pool's Nodes
 * reach the status service, which then tends them, and the reconciler drains them, in the pool's own (broken)
 * cluster.
 */
class SecretMarkerIT {

    /** Lower case: it is also a host name, which a resolver may lower. */
    private static final String MARKER = "planted-" + UUID.randomUUID();
    private static final String NAMESPACE = Sandbox.NAMESPACE;
    private static final String VERSION = "v1.33.1";
    private static final String BOOTSTRAP_GROUP = "bootstrap.cluster.x-k8s.io";
    /** A scale-down's drain gives up this soon, so that the reconciler goes on to terminate. */
    private static final int DRAIN_TIMEOUT_SECONDS = 3;
    private static final Duration FAILED_WITHIN = Duration.ofMinutes(4);

    /** How each broken kubeconfig Secret looks: its cluster's name, and the Secret's data. */
    private enum BrokenKubeconfig {
        NOT_YAML("kc-not-yaml") {
            @Override
            Map<String, String> data(String server) {
                return Map.of(ClusterApi.KUBECONFIG_SECRET_KEY, "{[ " + MARKER + " :\n\t%% \"not: [yaml\n");
            }
        },
        NOT_A_KUBECONFIG("kc-not-kubeconfig") {
            @Override
            Map<String, String> data(String server) {
                return Map.of(ClusterApi.KUBECONFIG_SECRET_KEY, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "
                        + MARKER + "\ndata:\n  token: " + MARKER + "\n");
            }
        },
        NO_CURRENT_CONTEXT("kc-no-context") {
            @Override
            Map<String, String> data(String server) {
                return Map.of(ClusterApi.KUBECONFIG_SECRET_KEY, kubeconfig(server, MARKER, null)
                        .replaceFirst("current-context: .*\n", ""));
            }
        },
        UNREACHABLE("kc-unreachable") {
            @Override
            Map<String, String> data(String server) {
                return Map.of(ClusterApi.KUBECONFIG_SECRET_KEY, unreachableKubeconfig());
            }
        },
        /** The server answers (401: the token is not one it knows); the marker in the token and the URL's path. */
        REFUSED("kc-refused") {
            @Override
            Map<String, String> data(String server) {
                return Map.of(ClusterApi.KUBECONFIG_SECRET_KEY, kubeconfig(server.replaceAll("/+$", "") + "/" + MARKER,
                        MARKER, null));
            }
        },
        MALFORMED_CA("kc-bad-ca") {
            @Override
            Map<String, String> data(String server) {
                return Map.of(ClusterApi.KUBECONFIG_SECRET_KEY, kubeconfig(server, MARKER, MARKER + "!*not base64"));
            }
        },
        NO_VALUE_KEY("kc-no-value-key") {
            @Override
            Map<String, String> data(String server) {
                return Map.of("kubeconfig", kubeconfig(server, MARKER, null));
            }
        };

        final String cluster;

        BrokenKubeconfig(String cluster) {
            this.cluster = cluster;
        }

        String pool() {
            return cluster + "-workers";
        }

        abstract Map<String, String> data(String server);
    }

    private final List<String> notes = new ArrayList<>();

    @Test
    void kubeconfigAndBootstrapContentReachesNoLogNoApiObjectAndNoRecord(@TempDir Path out) throws Exception {
        try (KubeApiServer server = KubeApiServer.start()) {
            Path kubeconfig = Files.writeString(out.resolve("kubeconfig"), server.kubeconfig());
            SandboxOptions options = SandboxOptions.parse("--kubeconfig=" + kubeconfig, "--boot-delay=200ms..600ms",
                    "--out=" + out);
            ListAppender<ILoggingEvent> logged = new ListAppender<>();
            try (Sandbox sandbox = new Sandbox(options)) {
                // After the services started (Spring Boot resets logging as each one starts); every level the
                // services have, not only the WARN the sandbox keeps.
                Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
                Level rootLevel = root.getLevel();
                Logger poolstream = (Logger) LoggerFactory.getLogger("dev.poolstream");
                Logger fabric8 = (Logger) LoggerFactory.getLogger("io.fabric8");
                root.setLevel(Level.INFO);
                poolstream.setLevel(Level.DEBUG);
                fabric8.setLevel(Level.INFO);
                logged.start();
                root.addAppender(logged);
                try {
                    drive(sandbox, options, server.kubeconfig());
                } finally {
                    root.detachAppender(logged);
                    root.setLevel(rootLevel);
                }

                assertThat(logged.list).as("log lines captured").hasSizeGreaterThan(100);
                List<String> logLines = leakingLogLines(logged.list);
                List<String> apiObjects = leakingApiObjects(sandbox.management());
                List<String> records = leakingRecords(sandbox.brokers());
                SoftAssertions.assertSoftly(softly -> {
                    softly.assertThat(logLines).as("log lines holding the marker").isEmpty();
                    softly.assertThat(apiObjects).as("objects in the API server holding the marker").isEmpty();
                    softly.assertThat(records).as("records on the topics holding the marker").isEmpty();
                });
            }
        }
    }

    private void drive(Sandbox sandbox, SandboxOptions options, String goodKubeconfig) {
        KubernetesClient kube = sandbox.management();
        ScenarioRun run = new ScenarioRun(sandbox, options, new PrintStream(new ByteArrayOutputStream()));
        String server = io.fabric8.kubernetes.client.Config.fromKubeconfig(goodKubeconfig).getMasterUrl();
        run.createCluster();

        // A kubeconfig that breaks after its pool's Nodes joined: the scale-down that follows drains through it.
        ScenarioRun.createCluster(kube, NAMESPACE, "joined", goodKubeconfig);
        createPool(kube, "joined-workers", "joined", 2, goodBootstrapSecret(kube, "joined-workers"), null);
        // A pool whose bootstrap Secret breaks after it ran: its roll-out reads it.
        createPool(kube, "boot-rollout", Sandbox.CLUSTER, 1, goodBootstrapSecret(kube, "boot-rollout"), null);
        run.awaitAll(List.of("joined-workers", "boot-rollout"), s -> s.getPhase() == MachinePoolStatus.Phase.RUNNING
                && s.getReadyReplicas() != null && s.getReadyReplicas() > 0
                && s.getReadyReplicas().equals(s.getReplicas()), null);

        for (BrokenKubeconfig broken : BrokenKubeconfig.values()) {
            createBrokenCluster(kube, broken.cluster, broken.data(server));
            createPool(kube, broken.pool(), broken.cluster, 2, goodBootstrapSecret(kube, broken.pool()), null);
        }
        kube.secrets().inNamespace(NAMESPACE).withName(ClusterApi.kubeconfigSecretName("joined")).edit(s -> {
            s.setData(encoded(Map.of(ClusterApi.KUBECONFIG_SECRET_KEY, unreachableKubeconfig())));
            return s;
        });

        // Bootstrap data the provider cannot use. No `value`, the marker under another key:
        createPool(kube, "boot-no-value", Sandbox.CLUSTER, 1, secret(kube, "boot-no-value-bootstrap",
                Map.of("userdata", "#cloud-config\n# " + MARKER + "\n")), null);
        // A `format` holding the marker, and a `value` the cloud refuses (over EC2's user data limit):
        createPool(kube, "boot-too-large", Sandbox.CLUSTER, 1, secret(kube, "boot-too-large-bootstrap",
                Map.of("format", MARKER, "value", tooLargeUserData())), null);
        // Owner mode's bootstrap step: the config names the data Secret, which has no `value`.
        ResourceDefinitionContext kubeadmConfigs = installKubeadmConfigKind(kube);
        secret(kube, "boot-config-data", Map.of("format", MARKER, "bootstrap", MARKER));
        createBootstrapConfig(kube, kubeadmConfigs, "boot-config-config", "boot-config-data");
        ConfigRef configRef = new ConfigRef();
        configRef.setApiGroup(BOOTSTRAP_GROUP);
        configRef.setKind("KubeadmConfig");
        configRef.setName("boot-config-config");
        createPool(kube, "boot-config", Sandbox.CLUSTER, 1, null, configRef);
        // The roll-out: a new version, and bootstrap data the cloud refuses.
        kube.secrets().inNamespace(NAMESPACE).withName("boot-rollout-bootstrap").edit(s -> {
            s.setData(encoded(Map.of("format", MARKER, "value", tooLargeUserData())));
            return s;
        });
        run.edit("boot-rollout", mp -> mp.getSpec().getTemplate().getSpec().setVersion("v1.34.0"));

        // The watcher: every broken kubeconfig makes the pool say its workload cluster is unreachable.
        for (BrokenKubeconfig broken : BrokenKubeconfig.values()) {
            awaitSaid(kube, broken.pool(), "the watcher", "WorkloadClusterUnreachable");
        }
        awaitSaid(kube, "joined-workers", "the watcher", "WorkloadClusterUnreachable");
        // The status service: it tends the Nodes of the pools whose kubeconfig it can parse at all in their cluster.
        for (BrokenKubeconfig broken : BrokenKubeconfig.values()) {
            if (broken != BrokenKubeconfig.NO_VALUE_KEY) {
                awaitSaid(kube, broken.pool(), "the status service", "StatusWriteRetrying");
            }
        }

        // The reconciler: a scale-down drains a Node through each broken kubeconfig.
        List<String> drained = new ArrayList<>(Stream.of(BrokenKubeconfig.values()).map(BrokenKubeconfig::pool)
                .toList());
        drained.add("joined-workers");
        drained.forEach(pool -> run.edit(pool, mp -> mp.getSpec().setReplicas(1)));
        for (String pool : drained) {
            awaitSaid(kube, pool, "the reconciler's drain", "DrainFailed", "DrainTimedOut");
        }

        // The provider: each command that reads a broken bootstrap Secret fails, and is dead-lettered.
        awaitSaid(kube, "boot-no-value", "the provider's EnsureGroup", "BootstrapDataSecretIncomplete");
        awaitSaid(kube, "boot-too-large", "the provider's EnsureGroup", SimulatedCloud.USER_DATA_TOO_LARGE);
        awaitSaid(kube, "boot-rollout", "the provider's RollOut", SimulatedCloud.USER_DATA_TOO_LARGE);
        awaitSaid(kube, "boot-config", "the provider's EnsureGroup after the bootstrap step",
                "BootstrapDataSecretIncomplete");
        assertThat(kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName("boot-config").get().getSpec()
                .getTemplate().getSpec().getBootstrap().getDataSecretName())
                .as("the data Secret the bootstrap step wrote").isEqualTo("boot-config-data");
        for (String pool : List.of("boot-no-value", "boot-too-large", "boot-rollout", "boot-config")) {
            await("a dead-lettered command of " + pool).atMost(FAILED_WITHIN).pollInterval(Duration.ofSeconds(1))
                    .until(() -> deadLetteredPools(sandbox.brokers()).contains(NAMESPACE + "/" + pool));
        }
        System.out.println("each path failed, saying:\n  " + String.join("\n  ", notes));
    }

    // ---- what the pools say -------------------------------------------------------------------------------------

    /** Waits until the pool's conditions or Events give one of {@code reasons}; notes what they said. */
    private void awaitSaid(KubernetesClient kube, String pool, String path, String... reasons) {
        try {
            await(path + " failing for " + pool + " (" + String.join(" or ", reasons) + ")").atMost(FAILED_WITHIN)
                    .pollInterval(Duration.ofMillis(250)).until(() -> said(kube, pool).stream()
                            .anyMatch(line -> Stream.of(reasons).anyMatch(line::contains)));
        } catch (ConditionTimeoutException e) {
            // What it said instead: where to start looking.
            throw new AssertionError(e.getMessage() + " It said:\n  " + String.join("\n  ", said(kube, pool)), e);
        }
        said(kube, pool).stream().filter(line -> Stream.of(reasons).anyMatch(line::contains)).findFirst()
                .ifPresent(line -> notes.add(path + ", " + pool + ": " + line));
    }

    /** The MachinePool's and AWSMachinePool's conditions, and the Events about either: reason and message each. */
    private static List<String> said(KubernetesClient kube, String pool) {
        List<String> lines = new ArrayList<>();
        MachinePool mp = kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName(pool).get();
        if (mp != null && mp.getStatus() != null && mp.getStatus().getConditions() != null) {
            mp.getStatus().getConditions().forEach(c -> lines.add(c.getType() + " " + c.getStatus() + " "
                    + c.getReason() + ": " + c.getMessage()));
        }
        AWSMachinePool aws = kube.resources(AWSMachinePool.class).inNamespace(NAMESPACE).withName(pool).get();
        if (aws != null && aws.getStatus() != null && aws.getStatus().getConditions() != null) {
            aws.getStatus().getConditions().forEach(c -> lines.add(c.getType() + " " + c.getStatus() + " "
                    + c.getReason() + ": " + c.getMessage()));
        }
        kube.events().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> e.getRegarding() != null && pool.equals(e.getRegarding().getName()))
                .forEach(e -> lines.add(e.getReason() + ": " + e.getNote()));
        return lines;
    }

    // ---- where the marker must not be ---------------------------------------------------------------------------

    /** The marker as it reads in text, and base64-encoded at each of the three alignments (a leaked Secret's data). */
    private static List<String> needles() {
        byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
        List<String> needles = new ArrayList<>(List.of(MARKER));
        for (int skip = 0; skip < 3; skip++) {
            int length = (marker.length - skip) / 3 * 3;
            byte[] aligned = new byte[length];
            System.arraycopy(marker, skip, aligned, 0, length);
            needles.add(Base64.getEncoder().encodeToString(aligned));
        }
        return needles;
    }

    private static boolean holdsMarker(String text) {
        if (text == null) {
            return false;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        return needles().stream().anyMatch(n -> n.equals(MARKER) ? lower.contains(n) : text.contains(n));
    }

    /** Every part of a log event: message, arguments, stack traces with their causes, MDC, key-values, markers. */
    private static List<String> leakingLogLines(List<ILoggingEvent> events) {
        return events.stream().filter(e -> {
            StringBuilder all = new StringBuilder(e.getFormattedMessage() == null ? "" : e.getFormattedMessage());
            all.append('\n').append(e.getMessage());
            if (e.getArgumentArray() != null) {
                for (Object argument : e.getArgumentArray()) {
                    all.append('\n').append(argument);
                }
            }
            if (e.getThrowableProxy() != null) {
                all.append('\n').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
            }
            all.append('\n').append(e.getMDCPropertyMap());
            if (e.getKeyValuePairs() != null) {
                e.getKeyValuePairs().forEach(kv -> all.append('\n').append(kv.key).append('=').append(kv.value));
            }
            if (e.getMarkerList() != null) {
                all.append('\n').append(e.getMarkerList());
            }
            all.append('\n').append(e.getThreadName());
            return holdsMarker(all.toString());
        }).map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()
                + (e.getThrowableProxy() == null ? "" : " / " + e.getThrowableProxy().getClassName() + ": "
                + e.getThrowableProxy().getMessage())).toList();
    }

    /** Everything the services write to the API server, but the Secrets the marker was planted in. */
    private static List<String> leakingApiObjects(KubernetesClient kube) {
        List<HasMetadata> objects = new ArrayList<>();
        objects.addAll(kube.events().v1().events().inAnyNamespace().list().getItems());
        objects.addAll(kube.v1().events().inAnyNamespace().list().getItems());
        objects.addAll(kube.resources(MachinePool.class).inAnyNamespace().list().getItems());
        objects.addAll(kube.resources(AWSMachinePool.class).inAnyNamespace().list().getItems());
        objects.addAll(kube.resources(Machine.class).inAnyNamespace().list().getItems());
        objects.addAll(kube.resources(AWSMachine.class).inAnyNamespace().list().getItems());
        objects.addAll(kube.resources(Cluster.class).inAnyNamespace().list().getItems());
        objects.addAll(kube.nodes().list().getItems());
        objects.addAll(kube.configMaps().inAnyNamespace().list().getItems());
        objects.addAll(kube.leases().inAnyNamespace().list().getItems());
        return objects.stream().filter(o -> holdsMarker(Serialization.asJson(o)))
                .map(o -> o.getKind() + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName())
                .toList();
    }

    /** Every record on every topic (internal ones of Kafka Streams too), aborted ones included: key, value, headers. */
    private static List<String> leakingRecords(String brokers) throws Exception {
        List<String> leaks = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : allRecords(brokers)) {
            List<String> parts = new ArrayList<>();
            parts.add("key=" + text(record.key()));
            parts.add("value=" + text(record.value()));
            for (Header header : record.headers()) {
                parts.add("header " + header.key() + "=" + text(header.value()));
            }
            parts.stream().filter(SecretMarkerIT::holdsMarker).map(p -> record.topic() + " "
                    + p.substring(0, p.indexOf('='))).forEach(leaks::add);
        }
        // Where, not how often: a leaking field is on every record of its kind.
        return leaks.stream().distinct().toList();
    }

    /** The pools with a record on a dead-letter topic (the record's key is the pool). */
    private static Set<String> deadLetteredPools(String brokers) throws Exception {
        return allRecords(brokers).stream().filter(r -> r.topic().endsWith(Topics.DLT_SUFFIX))
                .map(r -> text(r.key())).collect(Collectors.toSet());
    }

    private static List<ConsumerRecord<byte[], byte[]>> allRecords(String brokers) throws Exception {
        List<TopicPartition> partitions;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            Set<String> topics = admin.listTopics().names().get();
            partitions = admin.describeTopics(topics).allTopicNames().get().values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                    .toList();
        }
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read every topic to its end");
                }
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    // ---- the objects ----------------------------------------------------------------------------------------------

    private static String kubeconfig(String server, String token, String caData) {
        return "apiVersion: v1\nkind: Config\nclusters:\n- name: workload\n  cluster:\n    server: " + server + "\n"
                + (caData == null ? "    insecure-skip-tls-verify: true\n"
                : "    certificate-authority-data: \"" + caData + "\"\n")
                + "users:\n- name: admin\n  user:\n    token: " + token + "\n"
                + "contexts:\n- name: workload\n  context:\n    cluster: workload\n    user: admin\n"
                + "current-context: workload\n";
    }

    /** The marker in the server's host name (which does not resolve: {@code .invalid}) and in the token. */
    private static String unreachableKubeconfig() {
        return kubeconfig("https://" + MARKER + ".invalid", MARKER, null);
    }

    /** Over EC2's limit, the marker all through it. */
    private static String tooLargeUserData() {
        StringBuilder data = new StringBuilder("#cloud-config\n");
        while (data.length() <= SimulatedCloud.MAX_USER_DATA_BYTES) {
            data.append("# ").append(MARKER).append('\n');
        }
        return data.toString();
    }

    private static Map<String, String> encoded(Map<String, String> data) {
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return encoded;
    }

    private static String secret(KubernetesClient kube, String name, Map<String, String> data) {
        kube.resource(new SecretBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(name).endMetadata()
                .withType("cluster.x-k8s.io/secret").withData(encoded(data)).build()).create();
        return name;
    }

    private static String goodBootstrapSecret(KubernetesClient kube, String pool) {
        return secret(kube, pool + "-bootstrap", Map.of("value", "#cloud-config\n# simulated kubeadm join\n",
                "format", "cloud-config"));
    }

    /** A Cluster (its endpoint an address of its own, not the kubeconfig's) and its broken kubeconfig Secret. */
    private static void createBrokenCluster(KubernetesClient kube, String name, Map<String, String> data) {
        Cluster cluster = new Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        ControlPlaneEndpoint endpoint = new ControlPlaneEndpoint();
        endpoint.setHost("10.0.0.1");
        endpoint.setPort(6443);
        ClusterSpec spec = new ClusterSpec();
        spec.setControlPlaneEndpoint(endpoint);
        cluster.setSpec(spec);
        kube.resource(cluster).create();
        kube.resource(new SecretBuilder().withNewMetadata().withNamespace(NAMESPACE)
                .withName(ClusterApi.kubeconfigSecretName(name))
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, name).endMetadata()
                .withType("cluster.x-k8s.io/secret").withData(encoded(data)).build()).create();
    }

    /** An AWSMachinePool and its MachinePool; a scale-down's drain gives up after {@link #DRAIN_TIMEOUT_SECONDS}. */
    private static void createPool(KubernetesClient kube, String name, String cluster, int replicas,
                                   String bootstrapSecret, ConfigRef configRef) {
        AwsLaunchTemplate launchTemplate = new AwsLaunchTemplate();
        launchTemplate.setInstanceType("m6i.large");
        AWSMachinePoolSpec awsSpec = new AWSMachinePoolSpec();
        awsSpec.setMinSize(0);
        awsSpec.setMaxSize(10);
        awsSpec.setAwsLaunchTemplate(launchTemplate);
        AWSMachinePool aws = new AWSMachinePool();
        aws.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        aws.setSpec(awsSpec);
        kube.resource(aws).create();

        MachinePool pool = new MachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name)
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, cluster).build());
        pool.setSpec(MachinePoolSpecs.of(cluster, replicas, VERSION, bootstrapSecret,
                ClusterApi.KIND_AWS_MACHINE_POOL, name, 0));
        if (configRef != null) {
            Bootstrap onlyARef = new Bootstrap();
            onlyARef.setConfigRef(configRef);
            pool.getSpec().getTemplate().getSpec().setBootstrap(onlyARef);
        }
        Deletion deletion = new Deletion();
        deletion.setNodeDrainTimeoutSeconds(DRAIN_TIMEOUT_SECONDS);
        pool.getSpec().getTemplate().getSpec().setDeletion(deletion);
        kube.resource(pool).create();
    }

    /** A stand-in for CABPK's CRD: spec and status kept as written (the reconciler reads only the status). */
    private static ResourceDefinitionContext installKubeadmConfigKind(KubernetesClient kube) {
        CustomResourceDefinition crd = new CustomResourceDefinitionBuilder().withNewMetadata()
                .withName("kubeadmconfigs." + BOOTSTRAP_GROUP).endMetadata()
                .withNewSpec().withGroup(BOOTSTRAP_GROUP).withScope("Namespaced")
                .withNewNames().withKind("KubeadmConfig").withPlural("kubeadmconfigs")
                .withSingular("kubeadmconfig").withListKind("KubeadmConfigList").endNames()
                .addNewVersion().withName("v1beta2").withServed(true).withStorage(true)
                .withNewSubresources().withNewStatus().endStatus().endSubresources()
                .withNewSchema().withNewOpenAPIV3Schema().withType("object")
                .addToProperties("spec", new JSONSchemaPropsBuilder()
                        .withType("object").withXKubernetesPreserveUnknownFields(true).build())
                .addToProperties("status", new JSONSchemaPropsBuilder()
                        .withType("object").withXKubernetesPreserveUnknownFields(true).build())
                .endOpenAPIV3Schema().endSchema().endVersion().endSpec().build();
        kube.resource(crd).create();
        kube.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                        && c.getStatus().getConditions().stream().anyMatch(
                        k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())), 60, TimeUnit.SECONDS);
        return new ResourceDefinitionContext.Builder().withGroup(BOOTSTRAP_GROUP).withVersion("v1beta2")
                .withKind("KubeadmConfig").withPlural("kubeadmconfigs").withNamespaced(true).build();
    }

    /** A KubeadmConfig that says its data Secret is created, as CABPK does once it wrote it. */
    private static void createBootstrapConfig(KubernetesClient kube, ResourceDefinitionContext kind, String name,
                                              String dataSecret) {
        var configs = kube.genericKubernetesResources(kind).inNamespace(NAMESPACE);
        configs.resource(new GenericKubernetesResourceBuilder()
                .withApiVersion(BOOTSTRAP_GROUP + "/v1beta2").withKind("KubeadmConfig")
                .withNewMetadata().withNamespace(NAMESPACE).withName(name).endMetadata()
                .addToAdditionalProperties("spec", Map.of()).build()).create();
        GenericKubernetesResource config = configs.withName(name).get();
        config.setAdditionalProperty("status", Map.of("dataSecretName", dataSecret,
                "initialization", Map.of("dataSecretCreated", true)));
        configs.resource(config).updateStatus();
    }
}
