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

    @Test
    void shouldDropUserTagsThatWouldClaimAPoolOrClusterWhenTheyUseOwnershipKeys() {
        Map<String, String> tags = CapaTags.of("prod", "g", Map.of(CapaTags.POOL, "other-ns/workers"),
                Map.of("sigs.k8s.io/cluster-api-provider-aws/cluster/dev", "owned", "team", "a"));

        assertThat(tags).doesNotContainKeys(CapaTags.POOL, "sigs.k8s.io/cluster-api-provider-aws/cluster/dev")
                .containsEntry("sigs.k8s.io/cluster-api-provider-aws/cluster/prod", "owned").containsEntry("team", "a");
    }

    @Test
    void shouldDeclareCapasClusterOwnedTagAndPoolTagAsOwnership() {
        assertThat(CapaTags.OWNERSHIP.clusterKey("prod")).isEqualTo("sigs.k8s.io/cluster-api-provider-aws/cluster/prod");
        assertThat(CapaTags.OWNERSHIP.poolKey()).isEqualTo("poolstream.dev/pool");
        assertThat(CapaTags.OWNERSHIP.templateKind()).isEqualTo("launch template");
    }
}
