package dev.poolstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml: Kafka (KRaft), moto and the five services, with the images the Kubernetes Deployments run, pointed
 * at Kafka and at a kind cluster through a read-only kubeconfig. `docker-compose config` itself runs in CI (.ci/run).
 */
class DockerComposeTest {

    private static final Path FILE = Repo.root().resolve("docker-compose.yml");
    private static final String TEXT = Manifests.readString(FILE);
    @SuppressWarnings("unchecked")
    private static final Map<String, Object> COMPOSE = (Map<String, Object>) new Yaml().load(TEXT);

    static List<String> services() {
        return Repo.SERVICES;
    }

    @Test
    void shouldNameKafkaMotoAndTheFiveServices() {
        assertThat(services(COMPOSE).keySet()).contains("kafka", "kafka-tls", "moto").containsAll(Repo.SERVICES);
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldPublishEveryPortOnTheLoopbackOnly() {
        // Kafka logs in with the committed dev-only passwords, moto needs no login and serves user data (join
        // tokens), the health endpoints show details: none of them for the machine's other networks.
        Map<String, Object> services = (Map<String, Object>) COMPOSE.get("services");
        List<String> published = services.values().stream()
                .flatMap(s -> ((List<Object>) ((Map<String, Object>) s).getOrDefault("ports", List.of())).stream())
                .map(String::valueOf).toList();
        assertThat(published).hasSizeGreaterThanOrEqualTo(7).allSatisfy(p -> assertThat(p).startsWith("127.0.0.1:"));
    }

    @Test
    void shouldRunKafkaInKraftModeWithAHealthcheck() {
        Map<String, Object> kafka = service("kafka");
        assertThat(kafka.get("image").toString()).startsWith("apache/kafka:");
        Map<String, Object> env = env(kafka);
        assertThat(env.get("KAFKA_PROCESS_ROLES").toString()).contains("broker", "controller");
        assertThat(env).containsKey("KAFKA_CONTROLLER_QUORUM_VOTERS").doesNotContainKey("KAFKA_ZOOKEEPER_CONNECT");
        assertThat(env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE")).as("topics come with 12 partitions from the services")
                .hasToString("false");
        assertThat(env.get("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR")).as("exactly-once on one broker")
                .hasToString("1");
        assertThat(kafka).containsKey("healthcheck");
        assertThat(service("moto")).containsKey("healthcheck");
        assertThat(service("moto").get("image").toString()).startsWith("motoserver/moto:");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldRunTheImageTheDeploymentRuns(String name) {
        Deployment deployment = DeploymentsTest.deployment(name);
        assertThat(service(name).get("image"))
                .isEqualTo(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo(Repo.image(name));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldPointAtKafkaAndAReadOnlyKubeconfigAndWaitForAHealthyKafka(String name) {
        Map<String, Object> service = service(name);
        Map<String, Object> env = env(service);
        assertThat(env).containsEntry("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
        String kubeconfig = env.get("KUBECONFIG").toString();
        // source:target:ro, the source being the caller's KUBECONFIG or the usual file.
        assertThat(list(service.get("volumes"))).map(Object::toString)
                .contains("${KUBECONFIG:-~/.kube/config}:" + kubeconfig + ":ro");
        assertThat(map(map(service.get("depends_on")).get("kafka"))).containsEntry("condition", "service_healthy");
        // As in Kubernetes: read-only root, a writable /tmp, no capabilities.
        assertThat(service).containsEntry("read_only", true);
        assertThat(list(service.get("tmpfs"))).contains("/tmp");
        assertThat(list(service.get("cap_drop"))).contains("ALL");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldConnectOverSaslSslAsItselfTrustingTheGeneratedCertificate(String name) {
        Map<String, Object> env = env(service(name));
        assertThat(env).containsEntry("SPRING_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                .containsEntry("SPRING_KAFKA_PROPERTIES_SASL_MECHANISM", "PLAIN")
                .containsEntry("SPRING_KAFKA_SSL_TRUSTSTORETYPE", "PEM")
                .containsEntry("SPRING_KAFKA_SSL_TRUSTSTORELOCATION", "file:/kafka-ca/ca.crt");
        String login = env.get("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG").toString();
        assertThat(login).contains("username=\"" + name + "\"");
        // The password is a variable (a marked dev default when unset), never a literal in the file.
        assertThat(login).containsPattern("password=\"\\$\\{POOLSTREAM_KAFKA_PASSWORD_[A-Z_]+:-dev-only-[a-z-]+}\"");
        // The certificate alone: the volume with the broker's key is the broker's.
        assertThat(list(service(name).get("volumes"))).map(Object::toString).contains("kafka-ca:/kafka-ca:ro")
                .noneMatch(v -> v.startsWith("kafka-tls:"));
        // The broker's login list holds the same variable for this user.
        String password = login.replaceAll(".*password=\"([^\"]*)\".*", "$1");
        assertThat(env(service("kafka")).get("KAFKA_LISTENER_NAME_SASL__SSL_PLAIN_SASL_JAAS_CONFIG").toString())
                .contains("user_" + name + "=\"" + password + "\"");
    }

    @Test
    void shouldOfferOnlySaslSslToOtherContainersAndTheHost() {
        Map<String, Object> env = env(service("kafka"));
        Map<String, String> protocols = java.util.Arrays.stream(env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")
                .toString().split(",")).map(p -> p.split(":")).collect(java.util.stream.Collectors.toMap(
                        p -> p[0], p -> p[1]));
        for (String listener : env.get("KAFKA_LISTENERS").toString().split(",")) {
            String listenerName = listener.substring(0, listener.indexOf(':'));
            String host = listener.substring(listener.indexOf("//") + 2, listener.lastIndexOf(':'));
            if (!protocols.get(listenerName).equals("SASL_SSL")) {
                assertThat(host).as(listener + " is not SASL_SSL: loopback only").isIn("localhost", "127.0.0.1");
            }
        }
        assertThat(env.get("KAFKA_ADVERTISED_LISTENERS").toString()).contains("SASL_SSL://kafka:9092");
        assertThat(protocols).containsEntry("SASL_SSL", "SASL_SSL").containsEntry("HOST", "SASL_SSL");
        assertThat(env.get("KAFKA_SSL_KEYSTORE_LOCATION").toString()).startsWith("/tls/");
        assertThat(map(map(service("kafka").get("depends_on")).get("kafka-tls")))
                .containsEntry("condition", "service_completed_successfully");
        assertThat(String.join(" ", list(service("kafka-tls").get("command")).stream().map(Object::toString)
                .toList())).contains("keytool -genkeypair").contains("SAN=dns:kafka,dns:localhost");
    }

    @Test
    void shouldPointTheAwsProviderAtMoto() {
        Map<String, Object> aws = service(Repo.PROVIDER_AWS);
        assertThat(env(aws).get("POOLSTREAM_PROVIDER_AWS_ENDPOINT").toString()).startsWith("http://moto:");
        assertThat(env(aws)).containsKeys("POOLSTREAM_PROVIDER_AWS_REGION",
                "POOLSTREAM_PROVIDER_AWS_CREDENTIALS_ACCESS_KEY_ID",
                "POOLSTREAM_PROVIDER_AWS_CREDENTIALS_SECRET_ACCESS_KEY");
        assertThat(map(map(aws.get("depends_on")).get("moto"))).containsEntry("condition", "service_healthy");
        assertThat(env(service(Repo.PROVIDER_AZURE))).containsKeys("POOLSTREAM_PROVIDER_AZURE_SUBSCRIPTION_ID",
                "POOLSTREAM_PROVIDER_AZURE_RESOURCE_GROUP");
    }

    @Test
    void shouldNeedNoEnvironmentVariableWhenInterpolated() {
        String values = TEXT.lines().filter(l -> !l.stripLeading().startsWith("#"))
                .collect(java.util.stream.Collectors.joining("\n")).replace("$$", "");
        Matcher m = Pattern.compile("\\$\\{([^}]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)").matcher(values);
        while (m.find()) {
            assertThat(m.group(1)).as("`%s` has no default: `docker-compose config` would need it set", m.group())
                    .isNotNull().matches("[A-Za-z_][A-Za-z0-9_]*:-.*");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> services(Map<String, Object> compose) {
        return (Map<String, Object>) compose.get("services");
    }

    private static Map<String, Object> service(String name) {
        Map<String, Object> service = map(services(COMPOSE).get(name));
        assertThat(service).as(name).isNotEmpty();
        return service;
    }

    private static Map<String, Object> env(Map<String, Object> service) {
        return map(service.get("environment"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<Object>) value;
    }
}
