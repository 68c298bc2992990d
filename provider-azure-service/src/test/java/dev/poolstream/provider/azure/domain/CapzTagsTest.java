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
}
