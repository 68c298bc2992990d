package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComposeEnvironmentTest {

    private static final Path COMPOSE = Path.of(System.getProperty("poolstream.root", ".."), "docker-compose.yml");
    private final ComposeEnvironment compose = ComposeEnvironment.read(COMPOSE);

    @Test
    void shouldGiveTheProviderComposesEnvironmentOnLoopbackAddresses() {
        Map<String, String> env = compose.serviceEnvironment("provider-aws-service", Map.of("POOLSTREAM_MODE", "owner"),
                "127.0.0.1:1234", "http://127.0.0.1:5555", Path.of("/run/kubeconfig"));

        assertThat(env).containsEntry("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1234")
                .containsEntry("KUBECONFIG", "/run/kubeconfig")
                .containsEntry("POOLSTREAM_PROVIDER_AWS_ENDPOINT", "http://127.0.0.1:5555")
                .containsEntry("POOLSTREAM_PROVIDER_AWS_REGION", "us-east-1");
        assertThat(env.values()).noneMatch(v -> v.contains("kafka:9092") || v.contains("moto:5000"));
    }

    @Test
    void shouldRunStatusAndReconcilerInOwnerModeWhenComposesModeVariableSaysSo() {
        for (String service : new String[] {"status-service", "reconciler-service"}) {
            Map<String, String> owner = compose.serviceEnvironment(service, Map.of("POOLSTREAM_MODE", "owner"), "b",
                    "m", Path.of("k"));
            Map<String, String> unset = compose.serviceEnvironment(service, Map.of(), "b", "m", Path.of("k"));

            assertThat(owner.values()).contains("owner");
            assertThat(unset.values()).contains("infrastructure-provider").doesNotContain("owner");
        }
    }

    @Test
    void shouldTurnTheBrokersVariablesIntoServerPropertiesAsTheKafkaImageDoes() {
        Map<String, String> properties = compose.brokerProperties("kafka");

        assertThat(properties).containsEntry("node.id", "1")
                .containsEntry("process.roles", "broker,controller")
                .containsEntry("transaction.state.log.replication.factor", "1")
                .containsEntry("auto.create.topics.enable", "false")
                .containsEntry("num.partitions", "12");
    }

    @Test
    void shouldRunThisTierInPlaintextWhileComposeRunsSaslSsl() {
        Map<String, String> env = compose.serviceEnvironment("status-service", Map.of(), "b", "m", Path.of("k"));
        assertThat(env).containsEntry(ComposeEnvironment.SECURITY_PROTOCOL_VARIABLE, "SASL_SSL")
                .containsKey("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG");

        Map<String, String> plain = ComposeEnvironment.plaintextClient(env);
        assertThat(plain).containsEntry(ComposeEnvironment.SECURITY_PROTOCOL_VARIABLE, "PLAINTEXT")
                .doesNotContainKeys("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "SPRING_KAFKA_PROPERTIES_SASL_MECHANISM",
                        "SPRING_KAFKA_SSL_TRUSTSTORELOCATION", "SPRING_KAFKA_SSL_TRUSTSTORETYPE")
                .containsEntry("POOLSTREAM_KAFKA_INSTANCE_ID", "status-service");
        assertThat(ComposeEnvironment.plaintext(compose.brokerProperties("kafka")).keySet())
                .isNotEmpty().noneMatch(k -> k.startsWith("ssl.") || k.startsWith("sasl.") || k.startsWith("listener.name."));
    }

    @Test
    void shouldMapVariableNamesWithTheImagesUnderscoreRules() {
        assertThat(ComposeEnvironment.propertyName("KAFKA_LOG_DIRS")).isEqualTo("log.dirs");
        assertThat(ComposeEnvironment.propertyName("KAFKA_LISTENER_NAME_X__Y")).isEqualTo("listener.name.x_y");
        assertThat(ComposeEnvironment.propertyName("KAFKA_A___B")).isEqualTo("a-b");
    }

    @Test
    void shouldSubstituteComposeVariablesWithTheirDefaults() {
        assertThat(ComposeEnvironment.substitute("${A:-x}/${B:-y}/${C}", Map.of("A", "set"))).isEqualTo("set/y/");
        assertThat(ComposeEnvironment.substitute("${A:-x}", Map.of("A", ""))).isEqualTo("x");
    }
}
