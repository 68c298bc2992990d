package dev.poolstream.provider.aws.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CapaTagsTest {

    @Test
    void shouldWriteCapaOwnershipRoleAndNameTags() {
        assertThat(CapaTags.of("prod", "prod-pool-0", null, null)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "kubernetes.io/cluster/prod", "owned",
                "sigs.k8s.io/cluster-api-provider-aws/cluster/prod", "owned",
                "sigs.k8s.io/cluster-api-provider-aws/role", "node",
                "Name", "prod-pool-0"));
    }

    @Test
    void shouldKeepUserTagsButLetCapaTagsWin() {
        Map<String, String> tags = CapaTags.of("prod", "g", Map.of("team", "a", "Name", "mine"),
                Map.of("cost-center", "7", "kubernetes.io/cluster/prod", "shared"));

        assertThat(tags).containsEntry("team", "a").containsEntry("cost-center", "7").containsEntry("Name", "g")
                .containsEntry("kubernetes.io/cluster/prod", "owned");
    }

    @Test
    void shouldLetPoolTagsOverrideTemplateTags() {
        assertThat(CapaTags.of("prod", "g", Map.of("team", "a"), Map.of("team", "b"))).containsEntry("team", "b");
    }
}
