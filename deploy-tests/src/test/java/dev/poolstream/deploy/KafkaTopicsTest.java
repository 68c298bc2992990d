package dev.poolstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.deploy.Manifests.Doc;
import dev.poolstream.events.Topics;
import dev.poolstream.events.Topics.TopicSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Strimzi KafkaTopic resources are pool-events' Topics.all(): names, partitions, cleanup and retention. */
class KafkaTopicsTest {

    private static final List<GenericKubernetesResource> TOPICS = Manifests
            .resources(Repo.k8s().resolve("overlays/strimzi-topics")).stream().map(Doc::object)
            .filter(o -> o.getKind().equals("KafkaTopic")).map(GenericKubernetesResource.class::cast).toList();

    @Test
    void shouldDefineEveryTopicAndItsDeadLetterTopicAndNoOther() {
        assertThat(TOPICS).extracting(KafkaTopicsTest::topicName)
                .containsExactlyInAnyOrderElementsOf(Topics.all().stream().map(TopicSpec::name).toList());
        assertThat(Topics.all()).hasSize(2 * Topics.MAIN.size());
    }

    @Test
    void shouldKeepEachTopicAsTopicsSays() {
        Map<String, TopicSpec> specs = Topics.all().stream().collect(Collectors.toMap(TopicSpec::name,
                Function.identity()));
        for (GenericKubernetesResource topic : TOPICS) {
            TopicSpec spec = specs.get(topicName(topic));
            assertThat(spec).as(topicName(topic)).isNotNull();
            Map<String, Object> s = spec(topic);
            assertThat(((Number) s.get("partitions")).intValue()).as(spec.name()).isEqualTo(spec.partitions())
                    .isEqualTo(Topics.PARTITIONS);
            Map<String, String> config = config(topic);
            // configs(): cleanup.policy always, retention.ms for delete topics only (7 days).
            assertThat(config).as(spec.name()).isEqualTo(spec.configs());
        }
    }

    @Test
    void shouldPutEveryTopicInTheStrimziClustersNamespaceUnderADnsName() {
        for (GenericKubernetesResource topic : TOPICS) {
            assertThat(topic.getApiVersion()).isEqualTo("kafka.strimzi.io/v1beta2");
            assertThat(topic.getMetadata().getNamespace()).isEqualTo("kafka");
            assertThat(topic.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "poolstream");
            // Kubernetes names are DNS subdomains: no capitals (the .DLT suffix), so the Kafka name is in topicName.
            assertThat(topic.getMetadata().getName()).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
                    .isEqualTo(topicName(topic).toLowerCase());
        }
    }

    @Test
    void shouldReadTheConfigAsKafkaWouldWhenValuesAreNumbers() {
        GenericKubernetesResource topic = (GenericKubernetesResource) Manifests.parse("""
                apiVersion: kafka.strimzi.io/v1beta2
                kind: KafkaTopic
                metadata: {name: t}
                spec: {topicName: t, partitions: 12, config: {cleanup.policy: delete, retention.ms: 604800000}}
                """, java.nio.file.Path.of("t.yaml"));
        assertThat(config(topic)).containsEntry("retention.ms", "604800000");
        assertThat(config(topic)).isEqualTo(Topics.MACHINEPOOL_LIFECYCLE.configs());
        assertThat(config(topic)).isNotEqualTo(Topics.MACHINEPOOL_STATUS.configs());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource topic) {
        return (Map<String, Object>) topic.getAdditionalProperties().get("spec");
    }

    private static String topicName(GenericKubernetesResource topic) {
        Object name = spec(topic).get("topicName");
        return name == null ? topic.getMetadata().getName() : name.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> config(GenericKubernetesResource topic) {
        Map<String, Object> config = (Map<String, Object>) spec(topic).getOrDefault("config", Map.of());
        return config.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
    }
}
