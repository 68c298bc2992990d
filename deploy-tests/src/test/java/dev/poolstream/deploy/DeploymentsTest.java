package dev.poolstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.deploy.Manifests.Doc;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each service's Deployment as issue 8 and docs/services.md ask: the image the Spring Boot plugin builds, its own
 * service account, actuator probes on 8080, requests and limits, non-root with a read-only root filesystem and a
 * writable /tmp, Kafka and namespace from the environment; and around it a Service for metrics, a
 * PodDisruptionBudget and a NetworkPolicy that select its pods.
 */
class DeploymentsTest {

    private static final Path K8S = Repo.k8s();
    /** Everything deployed in infrastructure-provider mode on either cloud. */
    private static final String POD_IDENTITY_POLICY = "provider-aws-pod-identity";
    private static final List<Doc> ALL = Manifests.union(K8S.resolve("overlays/aws"), K8S.resolve("overlays/azure"));

    static Stream<String> services() {
        return Repo.SERVICES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldRunTheBuiltImageUnderItsOwnServiceAccount(String service) {
        Deployment deployment = deployment(service);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers()).hasSize(1);
        Container container = pod.getContainers().get(0);
        assertThat(container.getImage()).isEqualTo(Repo.image(service));
        assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(pod.getServiceAccountName()).isEqualTo(service);
        assertThat(pod.getAutomountServiceAccountToken()).as("the service calls the API server").isNotEqualTo(false);
        assertThat(Manifests.ofType(ALL, ServiceAccount.class)).anySatisfy(sa -> {
            assertThat(sa.getMetadata().getName()).isEqualTo(service);
            assertThat(sa.getMetadata().getNamespace()).isEqualTo(Repo.NAMESPACE);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldProbeTheActuatorHealthGroupsOnPort8080(String service) {
        Container container = container(service);
        assertThat(container.getPorts()).extracting(ContainerPort::getContainerPort).containsExactly(8080);
        assertProbe(container, container.getLivenessProbe(), "/actuator/health/liveness");
        assertProbe(container, container.getReadinessProbe(), "/actuator/health/readiness");
        // A slow first start must not be killed by the liveness probe: a startup probe covers it.
        assertProbe(container, container.getStartupProbe(), "/actuator/health/liveness");
        assertThat(container.getStartupProbe().getFailureThreshold() * container.getStartupProbe().getPeriodSeconds())
                .as("seconds a start may take").isGreaterThanOrEqualTo(60);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldRequestAndLimitCpuAndMemory(String service) {
        var resources = container(service).getResources();
        assertThat(resources.getRequests()).containsKeys("cpu", "memory");
        assertThat(resources.getLimits()).containsKeys("cpu", "memory");
        for (String r : List.of("cpu", "memory")) {
            assertThat(Quantity.getAmountInBytes(resources.getRequests().get(r)))
                    .as(r + " request within its limit")
                    .isLessThanOrEqualTo(Quantity.getAmountInBytes(resources.getLimits().get(r)));
        }
        // The buildpack's memory calculator needs room for the JVM besides the heap.
        assertThat(Quantity.getAmountInBytes(resources.getLimits().get("memory")).longValue())
                .isGreaterThanOrEqualTo(1024L * 1024 * 1024);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldChooseItsGarbageCollectorRatherThanLeaveItToItsLimits(String service) {
        // Under 1,792 MiB or 2 CPUs the JVM takes the Serial collector by itself; a limit changed later would
        // silently change the collector too.
        assertThat(container(service).getEnv()).filteredOn(e -> e.getName().equals("JAVA_TOOL_OPTIONS"))
                .singleElement().extracting(EnvVar::getValue).asString()
                .contains("-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldRunNonRootOnAReadOnlyRootFilesystemWithAWritableTmp(String service) {
        PodSpec pod = deployment(service).getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getHostNetwork()).isNotEqualTo(true);
        var security = container(service).getSecurityContext();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getPrivileged()).isNotEqualTo(true);
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(Objects.equals(security.getRunAsUser(), 0L)).as("never root").isFalse();

        var tmp = container(service).getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp"))
                .findFirst();
        assertThat(tmp).as("/tmp mounted").isPresent();
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(tmp.get().getName())).findFirst()
                .orElseThrow();
        assertThat(volume.getEmptyDir()).as("/tmp is an emptyDir").isNotNull();
        assertThat(tmp.get().getReadOnly()).isNotEqualTo(true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldTakeKafkaAndTheNamespaceFromTheEnvironment(String service) {
        Container container = container(service);
        EnvVar kafka = env(container, "KAFKA_BOOTSTRAP_SERVERS").orElseThrow();
        var ref = kafka.getValueFrom().getConfigMapKeyRef();
        assertThat(configMapValue(ref.getName(), ref.getKey())).as("Kafka bootstrap servers").isNotBlank();
        // Only the watcher reads its namespace (its Lease's); elsewhere the variable would promise a use it has not.
        if (service.equals("watcher-service")) {
            EnvVar namespace = env(container, "POD_NAMESPACE").orElseThrow();
            assertThat(namespace.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        } else {
            assertThat(env(container, "POD_NAMESPACE")).isEmpty();
        }
        // HOSTNAME is the pod name, set by Kubernetes: overriding it would give both watchers one Lease identity.
        assertThat(env(container, "HOSTNAME")).isEmpty();
        for (EnvVar var : container.getEnv()) {
            if (var.getValueFrom() != null && var.getValueFrom().getConfigMapKeyRef() != null) {
                var r = var.getValueFrom().getConfigMapKeyRef();
                assertThat(configMapValue(r.getName(), r.getKey())).as(var.getName()).isNotNull();
            }
        }
        for (EnvFromSource from : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
            assertThat(configMap(from.getConfigMapRef().getName())).as(from.getConfigMapRef().getName()).isPresent();
        }
    }

    @Test
    void shouldRunTwoWatchersForLeaderElectionAndSayWhyForEveryReplicaCount() {
        assertThat(deployment(Repo.WATCHER).getSpec().getReplicas()).isEqualTo(2);
        for (String service : Repo.SERVICES) {
            Doc doc = ALL.stream().filter(d -> d.object() instanceof Deployment && d.name().equals(service))
                    .findFirst().orElseThrow();
            List<String> lines = doc.text().lines().toList();
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).matches("\\s{2}replicas:\\s*\\d+.*")) {
                    at = i;
                }
            }
            assertThat(at).as(service + ": spec.replicas given").isPositive();
            assertThat(lines.get(at - 1).strip()).as(service + ": a comment on the replica count").startsWith("#");
        }
        // The providers keep their rate limit per process: one replica each (see the comment in the manifest).
        assertThat(deployment(Repo.PROVIDER_AWS).getSpec().getReplicas()).isEqualTo(1);
        assertThat(deployment(Repo.PROVIDER_AZURE).getSpec().getReplicas()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldExposeMetricsThroughAServiceOnPort8080(String service) {
        Deployment deployment = deployment(service);
        Service svc = Manifests.ofType(ALL, Service.class).stream()
                .filter(s -> selects(s.getSpec().getSelector(), deployment)).findFirst().orElseThrow();
        assertThat(svc.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(8080);
            assertThat(resolvePort(container(service), p.getTargetPort())).isEqualTo(8080);
        });
        assertThat(svc.getMetadata().getAnnotations()).containsEntry("prometheus.io/path", "/actuator/prometheus");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldHaveAPodDisruptionBudgetThatLetsAtLeastOnePodGoWhenItsNodeDrains(String service) {
        Deployment deployment = deployment(service);
        List<PodDisruptionBudget> budgets = Manifests.ofType(ALL, PodDisruptionBudget.class).stream()
                .filter(p -> selects(p.getSpec().getSelector(), deployment)).toList();
        assertThat(budgets).hasSize(1);
        var spec = budgets.get(0).getSpec();
        int replicas = deployment.getSpec().getReplicas();
        int mayGo = spec.getMinAvailable() != null ? replicas - spec.getMinAvailable().getIntVal()
                : spec.getMaxUnavailable().getIntVal();
        assertThat(mayGo).as("pods a drain may evict at once").isPositive();
        if (replicas > 1) {
            assertThat(spec.getMinAvailable()).as("one stays up").isNotNull();
            assertThat(spec.getMinAvailable().getIntVal()).isGreaterThanOrEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldLetInOnlyMetricsScrapingAndLetOutOnlyDnsKafkaAndApiServers(String service) {
        Deployment deployment = deployment(service);
        List<NetworkPolicy> policies = Manifests.ofType(ALL, NetworkPolicy.class).stream()
                .filter(p -> selects(p.getSpec().getPodSelector(), deployment)).toList();
        assertThat(policies).extracting(p -> p.getMetadata().getName()).contains("default-deny");
        assertThat(policies).filteredOn(p -> !p.getMetadata().getName().equals(POD_IDENTITY_POLICY))
                .allSatisfy(p -> assertThat(p.getSpec().getPolicyTypes())
                        .containsExactlyInAnyOrder("Ingress", "Egress"));

        List<NetworkPolicyPort> ingress = policies.stream()
                .flatMap(p -> Optional.ofNullable(p.getSpec().getIngress()).orElse(List.of()).stream())
                .flatMap(r -> {
                    assertThat(r.getPorts()).as("an ingress rule without ports opens every port").isNotEmpty();
                    assertThat(r.getFrom()).as("an ingress rule without peers lets everyone in").isNotEmpty();
                    return r.getPorts().stream();
                }).toList();
        assertThat(ingress).extracting(p -> p.getPort().getIntVal()).containsOnly(8080);

        List<Integer> egress = policies.stream()
                .filter(p -> !p.getMetadata().getName().equals(POD_IDENTITY_POLICY))
                .flatMap(p -> Optional.ofNullable(p.getSpec().getEgress()).orElse(List.of()).stream())
                .flatMap(r -> {
                    assertThat(r.getPorts()).as("an egress rule without ports opens every port").isNotEmpty();
                    return r.getPorts().stream();
                }).map(p -> p.getPort().getIntVal()).toList();
        int kafkaPort = Integer.parseInt(configMapValue("poolstream-kafka", "KAFKA_BOOTSTRAP_SERVERS")
                .replaceAll(".*:", ""));
        assertThat(egress).contains(53, kafkaPort, 443, 6443).containsOnly(53, kafkaPort, 443, 6443);

        // The Kafka rule reaches the namespace the bootstrap address names.
        String kafkaNamespace = configMapValue("poolstream-kafka", "KAFKA_BOOTSTRAP_SERVERS").split("\\.")[1];
        assertThat(policies.stream().flatMap(p -> Optional.ofNullable(p.getSpec().getEgress()).orElse(List.of())
                        .stream()).filter(r -> r.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == kafkaPort))
                .flatMap(r -> r.getTo().stream()).map(NetworkPolicyPeer::getNamespaceSelector).filter(Objects::nonNull))
                .anySatisfy(s -> assertThat(s.getMatchLabels())
                        .containsEntry("kubernetes.io/metadata.name", kafkaNamespace));
    }

    /**
     * EKS Pod Identity, which the docs offer beside IRSA: the SDK reads its credentials from the node's agent on
     * 169.254.170.23:80, which the services' policy does not let out. Only provider-aws-service, only that address and
     * port (without it every AWS call failed to get credentials where a CNI enforces the policies).
     */
    @Test
    void shouldLetOnlyTheAwsProviderReachThePodIdentityAgent() {
        List<NetworkPolicy> podIdentity = Manifests.ofType(ALL, NetworkPolicy.class).stream()
                .filter(p -> p.getMetadata().getName().equals(POD_IDENTITY_POLICY)).toList();
        assertThat(podIdentity).singleElement().satisfies(p -> {
            assertThat(selects(p.getSpec().getPodSelector(), deployment("provider-aws-service"))).isTrue();
            Repo.SERVICES.stream().filter(s -> !s.equals("provider-aws-service"))
                    .forEach(s -> assertThat(selects(p.getSpec().getPodSelector(), deployment(s))).as(s).isFalse());
            assertThat(p.getSpec().getPolicyTypes()).containsExactly("Egress");
            assertThat(p.getSpec().getIngress()).isNullOrEmpty();
            assertThat(p.getSpec().getEgress()).singleElement().satisfies(rule -> {
                assertThat(rule.getTo()).extracting(peer -> peer.getIpBlock().getCidr())
                        .containsExactlyInAnyOrder("169.254.170.23/32", "fd00:ec2::23/128");
                assertThat(rule.getPorts()).extracting(port -> port.getPort().getIntVal()).containsExactly(80);
            });
        });
    }

    @Test
    void shouldWireIrsaForAwsAndWorkloadIdentityForAzure() {
        ServiceAccount aws = serviceAccount(Repo.PROVIDER_AWS);
        assertThat(aws.getMetadata().getAnnotations()).hasEntrySatisfying("eks.amazonaws.com/role-arn",
                arn -> assertThat(arn).startsWith("arn:aws:iam::").contains(":role/"));
        ServiceAccount azure = serviceAccount(Repo.PROVIDER_AZURE);
        assertThat(azure.getMetadata().getAnnotations()).containsKey("azure.workload.identity/client-id");
        assertThat(deployment(Repo.PROVIDER_AZURE).getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("azure.workload.identity/use", "true");
        // Only the provider of each cloud has cloud credentials wired.
        for (String service : List.of(Repo.WATCHER, Repo.RECONCILER, Repo.STATUS)) {
            assertThat(Optional.ofNullable(serviceAccount(service).getMetadata().getAnnotations()).orElse(Map.of()))
                    .as(service).isEmpty();
            assertThat(deployment(service).getSpec().getTemplate().getMetadata().getLabels())
                    .as(service).doesNotContainKey("azure.workload.identity/use");
        }
    }

    @Test
    void shouldGiveEachProviderItsCloudSettingsAndLeaveTheTopicsToStrimzi() {
        Map<String, String> aws = providerSettings(Repo.PROVIDER_AWS);
        assertThat(aws).containsKey("POOLSTREAM_PROVIDER_AWS_REGION").containsEntry("POOLSTREAM_PROVIDER_TOPICS_CREATE",
                "false");
        assertThat(aws).as("production: the default credential chain, no emulator")
                .doesNotContainKeys("POOLSTREAM_PROVIDER_AWS_ENDPOINT",
                        "POOLSTREAM_PROVIDER_AWS_CREDENTIALS_ACCESS_KEY_ID",
                        "POOLSTREAM_PROVIDER_AWS_CREDENTIALS_SECRET_ACCESS_KEY");
        Map<String, String> azure = providerSettings(Repo.PROVIDER_AZURE);
        assertThat(azure).containsKeys("POOLSTREAM_PROVIDER_AZURE_SUBSCRIPTION_ID",
                "POOLSTREAM_PROVIDER_AZURE_RESOURCE_GROUP", "POOLSTREAM_PROVIDER_AZURE_LOCATION")
                .containsEntry("POOLSTREAM_PROVIDER_TOPICS_CREATE", "false")
                .doesNotContainKey("AZURE_CLIENT_SECRET");
        // The other services create topics only when poolstream.kafka.create-topics is true: never here.
        for (String service : List.of(Repo.WATCHER, Repo.RECONCILER, Repo.STATUS)) {
            assertThat(env(container(service), "POOLSTREAM_KAFKA_CREATE_TOPICS")).as(service).isEmpty();
        }
    }

    @Test
    void shouldTakeTheModeOfStatusAndReconcilerFromOneConfigMap() {
        assertThat(env(container(Repo.STATUS), "POOLSTREAM_STATUS_MODE").orElseThrow().getValueFrom()
                .getConfigMapKeyRef().getName()).isEqualTo("poolstream-mode");
        assertThat(env(container(Repo.RECONCILER), "POOLSTREAM_RECONCILER_MODE").orElseThrow().getValueFrom()
                .getConfigMapKeyRef().getName()).isEqualTo("poolstream-mode");
    }

    private static Map<String, String> providerSettings(String service) {
        Container container = container(service);
        Map<String, String> settings = new java.util.HashMap<>();
        for (EnvFromSource from : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
            settings.putAll(configMap(from.getConfigMapRef().getName()).orElseThrow().getData());
        }
        container.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> settings.put(e.getName(),
                e.getValue()));
        return settings;
    }

    private static void assertProbe(Container container, Probe probe, String path) {
        assertThat(probe).as(path).isNotNull();
        HTTPGetAction get = probe.getHttpGet();
        assertThat(get.getPath()).isEqualTo(path);
        assertThat(resolvePort(container, get.getPort())).isEqualTo(8080);
    }

    private static int resolvePort(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()));
    }

    private static boolean selects(Map<String, String> selector, Deployment deployment) {
        Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }

    private static boolean selects(LabelSelector selector, Deployment deployment) {
        if (selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty()) {
            throw new AssertionError("matchExpressions are not used here");
        }
        Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> match = Optional.ofNullable(selector.getMatchLabels()).orElse(Map.of());
        return labels.entrySet().containsAll(match.entrySet());
    }

    static Deployment deployment(String service) {
        List<Deployment> found = Manifests.ofType(ALL, Deployment.class).stream()
                .filter(d -> d.getMetadata().getName().equals(service)).toList();
        assertThat(found).as("Deployment " + service).hasSize(1);
        Deployment deployment = found.get(0);
        assertThat(deployment.getMetadata().getNamespace()).isEqualTo(Repo.NAMESPACE);
        assertThat(selects(deployment.getSpec().getSelector(), deployment)).as("selector matches its pods").isTrue();
        return deployment;
    }

    private static Container container(String service) {
        return deployment(service).getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static ServiceAccount serviceAccount(String service) {
        return Manifests.ofType(ALL, ServiceAccount.class).stream()
                .filter(s -> s.getMetadata().getName().equals(service)).findFirst().orElseThrow();
    }

    private static Optional<EnvVar> env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst();
    }

    private static Optional<ConfigMap> configMap(String name) {
        return Manifests.ofType(ALL, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(name))
                .findFirst();
    }

    private static String configMapValue(String name, String key) {
        return configMap(name).map(c -> c.getData().get(key)).orElse(null);
    }
}
