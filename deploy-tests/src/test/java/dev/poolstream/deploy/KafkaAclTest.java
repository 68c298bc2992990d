package dev.poolstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.deploy.Manifests.Doc;
import dev.poolstream.events.Topics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kafka's authentication and ACLs in k8s/ (issue 19): a Strimzi KafkaUser per service, SCRAM-SHA-512, whose ACLs are
 * exactly the table below and never more; every Deployment on the TLS listener with its own user's login by default.
 */
class KafkaAclTest {

    private static final Path K8S = Repo.k8s();
    private static final List<Doc> ALL = Manifests.union(K8S.resolve("overlays/aws"), K8S.resolve("overlays/azure"));

    /** One ACL rule, one operation: what a principal may do to one resource. */
    record Grant(String type, String name, String pattern, String operation) {

        static Set<Grant> of(String type, String name, String pattern, String... operations) {
            return Stream.of(operations).map(o -> new Grant(type, name, pattern, o)).collect(Collectors.toSet());
        }

        static Set<Grant> topic(String name, String... operations) {
            return of("topic", name, "literal", operations);
        }

        static Set<Grant> group(String name) {
            return of("group", name, "literal", "Read");
        }

        boolean writes(String topic) {
            return type.equals("topic") && operation.equals("Write") && matches(topic);
        }

        boolean reads(String topic) {
            return type.equals("topic") && operation.equals("Read") && matches(topic);
        }

        private boolean matches(String topic) {
            return pattern.equals("prefix") ? topic.startsWith(name) : name.equals(topic) || name.equals("*");
        }
    }

    private static final String COMMANDS_AWS = Topics.SCALINGGROUP_COMMANDS_AWS.name();
    private static final String COMMANDS_AZURE = Topics.SCALINGGROUP_COMMANDS_AZURE.name();
    private static final String SPEC = Topics.MACHINEPOOL_SPEC.name();
    private static final String NODE = Topics.NODE.name();
    private static final String STATE = Topics.SCALINGGROUP_STATE.name();
    private static final String INSTANCES = Topics.SCALINGGROUP_INSTANCES.name();
    private static final String STATUS = Topics.MACHINEPOOL_STATUS.name();
    private static final String LIFECYCLE = Topics.MACHINEPOOL_LIFECYCLE.name();
    private static final String WORKLOAD_CLUSTER = Topics.WORKLOAD_CLUSTER.name();
    private static final String WORKLOAD_CLUSTER_WATCH = Topics.WORKLOAD_CLUSTER_WATCH.name();

    private static String dlt(String topic) {
        return topic + Topics.DLT_SUFFIX;
    }

    /**
     * The table: what each service's code reads and writes (its consumer groups, Kafka Streams' internal topics and
     * transactional ids, the DLTs it writes or reads back), and nothing else.
     */
    static final Map<String, Set<Grant>> TABLE = Map.of(
            Repo.WATCHER, union(
                    Grant.topic(SPEC, "Read", "Write", "Describe"),
                    Grant.topic(NODE, "Read", "Write", "Describe"),
                    // The leader writes the workload clusters; every replica reads them in its group.
                    Grant.topic(WORKLOAD_CLUSTER, "Read", "Write", "Describe"),
                    // Each replica reports the watches of its clusters; every replica reads all (no group).
                    Grant.topic(WORKLOAD_CLUSTER_WATCH, "Read", "Write", "Describe"),
                    Grant.group("poolstream-watcher-nodes"),
                    // The leader's transactions, under the Lease's name: each new leader fences the last.
                    Grant.of("transactionalId", "poolstream-watcher", "literal", "Write", "Describe")),
            Repo.RECONCILER, union(
                    Grant.topic(COMMANDS_AWS, "Write", "Describe"),
                    Grant.topic(COMMANDS_AZURE, "Write", "Describe"),
                    Grant.topic(SPEC, "Read", "Describe"),
                    Grant.topic(STATE, "Read", "Describe"),
                    Grant.topic(STATUS, "Read", "Describe"),
                    Grant.topic(dlt(COMMANDS_AWS), "Read", "Describe"),
                    Grant.topic(dlt(COMMANDS_AZURE), "Read", "Describe"),
                    Grant.group("poolstream-reconciler")),
            Repo.STATUS, union(
                    Grant.topic(STATUS, "Read", "Write", "Describe"),
                    Grant.topic(LIFECYCLE, "Write", "Describe"),
                    Grant.topic(INSTANCES, "Read", "Describe"),
                    Grant.topic(NODE, "Read", "Describe"),
                    Grant.topic(SPEC, "Read", "Describe"),
                    Grant.topic(STATE, "Read", "Describe"),
                    Grant.topic(dlt(INSTANCES), "Write", "Describe"),
                    Grant.topic(dlt(NODE), "Write", "Describe"),
                    Grant.topic(dlt(SPEC), "Write", "Describe"),
                    Grant.topic(dlt(STATE), "Write", "Describe"),
                    Grant.topic(dlt(STATUS), "Write", "Describe"),
                    // Kafka Streams, application.id poolstream-status: its changelog and repartition topics.
                    Grant.of("topic", "poolstream-status-", "prefix", "Create", "Read", "Write", "Describe",
                            "DescribeConfigs", "Delete"),
                    Grant.group("poolstream-status"),
                    Grant.group("poolstream-status-writer")),
            Repo.PROVIDER_AWS, provider(COMMANDS_AWS, "poolstream-provider-aws"),
            Repo.PROVIDER_AZURE, provider(COMMANDS_AZURE, "poolstream-provider-azure"));

    private static Set<Grant> provider(String commands, String group) {
        return union(
                Grant.topic(commands, "Read", "Describe"),
                Grant.topic(dlt(commands), "Read", "Write", "Describe"),
                Grant.topic(STATE, "Read", "Write", "Describe"),
                Grant.topic(INSTANCES, "Read", "Write", "Describe"),
                Grant.group(group));
    }

    static List<String> services() {
        return Repo.SERVICES;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldGrantEachServiceExactlyTheTable(String service) {
        Set<Grant> granted = grants(kafkaUser(service));
        assertThat(granted).as("%s granted beyond the table", service)
                .isSubsetOf(TABLE.get(service));
        assertThat(granted).as("%s granted less than the table (the service would be refused)", service)
                .containsAll(TABLE.get(service));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldAuthenticateEachServiceWithScramAsAUserOfThePoolstreamCluster(String service) {
        GenericKubernetesResource user = kafkaUser(service);
        assertThat(user.getApiVersion()).isEqualTo("kafka.strimzi.io/v1beta2");
        assertThat(user.getMetadata().getNamespace()).isEqualTo(Repo.NAMESPACE);
        assertThat(user.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "poolstream");
        assertThat(path(user, "spec", "authentication", "type")).isEqualTo("scram-sha-512");
        assertThat(path(user, "spec", "authorization", "type")).isEqualTo("simple");
    }

    @Test
    void shouldLetOnlyTheReconcilerWriteCommandsAndOnlyTheMatchingProviderReadThem() {
        Map<String, Set<Grant>> shipped = shipped();
        assertThat(writers(shipped, COMMANDS_AWS)).containsExactly(Repo.RECONCILER);
        assertThat(writers(shipped, COMMANDS_AZURE)).containsExactly(Repo.RECONCILER);
        assertThat(readers(shipped, COMMANDS_AWS)).containsExactly(Repo.PROVIDER_AWS);
        assertThat(readers(shipped, COMMANDS_AZURE)).containsExactly(Repo.PROVIDER_AZURE);
    }

    @Test
    void shouldLetOnlyProvidersWriteGroupsAndInstancesAndOnlyTheStatusServiceWriteStatusAndLifecycle() {
        Map<String, Set<Grant>> shipped = shipped();
        assertThat(writers(shipped, STATE)).containsExactlyInAnyOrder(Repo.PROVIDER_AWS, Repo.PROVIDER_AZURE);
        assertThat(writers(shipped, INSTANCES)).containsExactlyInAnyOrder(Repo.PROVIDER_AWS, Repo.PROVIDER_AZURE);
        assertThat(writers(shipped, STATUS)).containsExactly(Repo.STATUS);
        assertThat(writers(shipped, LIFECYCLE)).containsExactly(Repo.STATUS);
        assertThat(writers(shipped, SPEC)).containsExactly(Repo.WATCHER);
        assertThat(writers(shipped, NODE)).containsExactly(Repo.WATCHER);
        assertThat(writers(shipped, WORKLOAD_CLUSTER)).containsExactly(Repo.WATCHER);
        assertThat(writers(shipped, WORKLOAD_CLUSTER_WATCH)).containsExactly(Repo.WATCHER);
    }

    @Test
    void shouldGrantNoWildcardNoClusterRightAndNoPrefixButKafkaStreamsOwn() {
        for (Map.Entry<String, Set<Grant>> user : shipped().entrySet()) {
            for (Grant grant : user.getValue()) {
                assertThat(grant.type()).as(user.getKey()).isIn("topic", "group", "transactionalId");
                assertThat(grant.name()).as(user.getKey()).isNotEqualTo("*").isNotBlank();
                assertThat(grant.operation()).as(user.getKey()).isNotEqualTo("All");
                if (grant.pattern().equals("prefix")) {
                    assertThat(grant.name()).as(user.getKey()).isEqualTo("poolstream-status-");
                }
            }
        }
    }

    @Test
    void shouldLetTheExampleSubscriberReadLifecycleOnly() {
        List<GenericKubernetesResource> users = kafkaUsers(Manifests.resources(
                K8S.resolve("examples/lifecycle-subscriber")));
        assertThat(users).singleElement().satisfies(user -> {
            assertThat(path(user, "spec", "authentication", "type")).isEqualTo("scram-sha-512");
            Set<Grant> grants = grants(user);
            assertThat(grants.stream().filter(g -> g.type().equals("topic")))
                    .allSatisfy(g -> assertThat(g.name()).isEqualTo(LIFECYCLE))
                    .extracting(Grant::operation).containsExactlyInAnyOrder("Read", "Describe");
            assertThat(grants).allSatisfy(g -> assertThat(g.operation()).isIn("Read", "Describe"))
                    .allSatisfy(g -> assertThat(g.type()).isIn("topic", "group"));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldConnectOverSaslSslWithItsOwnLoginAndTheClusterCaByDefault(String service) {
        Deployment deployment = DeploymentsTest.deployment(service);
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, String> kafka = kafkaConfigMap().getData();
        assertThat(Optional.ofNullable(container.getEnvFrom()).orElse(List.of()))
                .extracting(EnvFromSource::getConfigMapRef).filteredOn(r -> r != null)
                .anySatisfy(r -> assertThat(r.getName()).isEqualTo("poolstream-kafka"));
        assertThat(kafka.get("SPRING_KAFKA_SECURITY_PROTOCOL")).isIn("SASL_SSL", "SSL");
        assertThat(kafka.get("SPRING_KAFKA_PROPERTIES_SASL_MECHANISM")).isEqualTo("SCRAM-SHA-512");
        assertThat(kafka.get("KAFKA_BOOTSTRAP_SERVERS")).endsWith(":9093");

        // The login: the Secret Strimzi makes for the service's own KafkaUser, never another's.
        EnvVar login = container.getEnv().stream()
                .filter(e -> e.getName().equals("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG")).findFirst().orElseThrow();
        assertThat(login.getValue()).as("no password in a manifest").isNull();
        assertThat(login.getValueFrom().getSecretKeyRef().getName()).isEqualTo(kafkaUser(service).getMetadata()
                .getName()).isEqualTo(service);
        assertThat(login.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("sasl.jaas.config");

        // The truststore: the cluster CA certificate, mounted where the ConfigMap says.
        assertThat(kafka.get("SPRING_KAFKA_SSL_TRUSTSTORETYPE")).isEqualTo("PEM");
        String location = kafka.get("SPRING_KAFKA_SSL_TRUSTSTORELOCATION");
        assertThat(location).startsWith("file:/");
        Path file = Path.of(location.substring("file:".length()));
        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(m -> file.startsWith(m.getMountPath())).findFirst().orElseThrow();
        Volume volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertThat(volume.getSecret().getSecretName()).isEqualTo("poolstream-cluster-ca-cert");
        assertThat(volume.getSecret().getItems()).anySatisfy(i -> {
            assertThat(i.getKey()).isEqualTo("ca.crt");
            assertThat(Path.of(mount.getMountPath()).resolve(i.getPath())).isEqualTo(file);
        });
    }

    @Test
    void shouldSwitchToPlaintextOnlyThroughTheKafkaPlaintextComponent() {
        Path component = K8S.resolve("components/kafka-plaintext");
        List<Doc> patches = Manifests.patchFiles(component).stream().flatMap(f -> Manifests.read(f).stream()).toList();
        ConfigMap patch = Manifests.ofType(patches, ConfigMap.class).stream().findFirst().orElseThrow();
        assertThat(patch.getMetadata().getName()).isEqualTo("poolstream-kafka");
        assertThat(patch.getData()).containsEntry("SPRING_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
                .containsEntry("KAFKA_BOOTSTRAP_SERVERS", "poolstream-kafka-bootstrap.kafka.svc:9092");
        for (String overlay : List.of("aws", "azure")) {
            assertThat(components(K8S.resolve("overlays").resolve(overlay))).as(overlay)
                    .noneMatch(c -> c.contains("kafka-plaintext"));
        }
        assertThat(components(K8S.resolve("base"))).noneMatch(c -> c.contains("kafka-plaintext"));
    }

    private static List<String> components(Path dir) {
        Object components = Manifests.kustomization(dir).get("components");
        return components instanceof List<?> l ? l.stream().map(Object::toString).toList() : List.of();
    }

    private static ConfigMap kafkaConfigMap() {
        return Manifests.ofType(ALL, ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals("poolstream-kafka")).findFirst().orElseThrow();
    }

    private static Map<String, Set<Grant>> shipped() {
        Map<String, Set<Grant>> byUser = kafkaUsers(ALL).stream().collect(Collectors.toMap(
                u -> u.getMetadata().getName(), KafkaAclTest::grants));
        assertThat(byUser.keySet()).containsExactlyInAnyOrderElementsOf(Repo.SERVICES);
        return byUser;
    }

    private static List<String> writers(Map<String, Set<Grant>> shipped, String topic) {
        return shipped.entrySet().stream().filter(e -> e.getValue().stream().anyMatch(g -> g.writes(topic)))
                .map(Map.Entry::getKey).sorted().toList();
    }

    private static List<String> readers(Map<String, Set<Grant>> shipped, String topic) {
        return shipped.entrySet().stream().filter(e -> e.getValue().stream().anyMatch(g -> g.reads(topic)))
                .map(Map.Entry::getKey).sorted().toList();
    }

    private static List<GenericKubernetesResource> kafkaUsers(List<Doc> docs) {
        return docs.stream().map(Doc::object).filter(o -> o.getKind().equals("KafkaUser"))
                .map(GenericKubernetesResource.class::cast).toList();
    }

    static GenericKubernetesResource kafkaUser(String service) {
        List<GenericKubernetesResource> users = kafkaUsers(ALL).stream()
                .filter(u -> u.getMetadata().getName().equals(service)).toList();
        assertThat(users).as("the KafkaUser of " + service).hasSize(1);
        return users.get(0);
    }

    /** A KafkaUser's ACL rules, one Grant per operation (a rule without a pattern type is literal, as in Strimzi). */
    @SuppressWarnings("unchecked")
    static Set<Grant> grants(GenericKubernetesResource user) {
        Set<Grant> grants = new HashSet<>();
        for (Object rule : (List<Object>) path(user, "spec", "authorization", "acls")) {
            Map<String, Object> acl = (Map<String, Object>) rule;
            Map<String, Object> resource = (Map<String, Object>) acl.get("resource");
            assertThat(acl.get("type")).as("deny rules are not used").isIn(null, "allow");
            assertThat(acl.get("host")).as("any host").isIn(null, "*");
            String pattern = String.valueOf(resource.getOrDefault("patternType", "literal"));
            Object name = resource.get("name");
            for (Object operation : (List<Object>) acl.get("operations")) {
                grants.add(new Grant(resource.get("type").toString(), name == null ? null : name.toString(), pattern,
                        operation.toString()));
            }
        }
        return grants;
    }

    @SuppressWarnings("unchecked")
    private static Object path(GenericKubernetesResource resource, String... keys) {
        Object value = resource.getAdditionalProperties();
        for (String key : keys) {
            assertThat(value).as(String.join(".", keys)).isInstanceOf(Map.class);
            value = ((Map<String, Object>) value).get(key);
        }
        return value;
    }

    @SafeVarargs
    private static Set<Grant> union(Set<Grant>... sets) {
        return Stream.of(sets).flatMap(Set::stream).collect(Collectors.toSet());
    }
}
