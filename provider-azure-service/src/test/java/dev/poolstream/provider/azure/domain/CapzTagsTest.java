package dev.poolstream.provider.azure.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CapzTagsTest {

    @Test
    void shouldCarryCapzOwnershipRoleAndNameWhenTaggingAScaleSet() {
        assertThat(CapzTags.of("prod", "np1", Map.of("env", "test"), Map.of("team", "a")))
                .containsEntry("sigs.k8s.io_cluster-api-provider-azure_cluster_prod", "owned")
                .containsEntry("sigs.k8s.io_cluster-api-provider-azure_role", "node")
                .containsEntry("Name", "np1").containsEntry("env", "test").containsEntry("team", "a");
    }

    @Test
    void shouldNotLetUserTagsOverrideCapzTagsWhenTheyCollide() {
        assertThat(CapzTags.of("prod", "np1", Map.of("Name", "x"), Map.of(CapzTags.ROLE, "control-plane")))
                .containsEntry("Name", "np1").containsEntry(CapzTags.ROLE, "node");
    }

    @Test
    void shouldLetAdditionalTagsWinOverTemplateTagsWhenBothNameAKey() {
        assertThat(CapzTags.of("prod", "np1", Map.of("team", "template"), Map.of("team", "pool")))
                .containsEntry("team", "pool");
    }

    @Test
    void shouldAcceptMissingUserTagsWhenThePoolHasNone() {
        assertThat(CapzTags.of("prod", "np1", null, null)).hasSize(3);
    }

    @Test
    void shouldDropUserTagsThatWouldClaimAPoolOrClusterWhenTheyUseOwnershipKeys() {
        assertThat(CapzTags.of("prod", "np1", Map.of(CapzTags.POOL, "other-ns/np1"),
                Map.of(CapzTags.clusterKey("dev"), "owned", "team", "a")))
                .doesNotContainKeys(CapzTags.POOL, CapzTags.clusterKey("dev"))
                .containsEntry(CapzTags.clusterKey("prod"), "owned").containsEntry("team", "a");
    }

    @Test
    void shouldDeclareCapzClusterOwnedTagAndPoolTagWithoutSlashesAsOwnership() {
        assertThat(CapzTags.OWNERSHIP.clusterKey("prod")).isEqualTo(CapzTags.clusterKey("prod"));
        assertThat(CapzTags.OWNERSHIP.poolKey()).isEqualTo("poolstream.dev_pool").doesNotContain("/");
        assertThat(CapzTags.OWNERSHIP.templateKind()).isNull();
    }
}
