package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.events.Failure;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GroupOwnershipTest {

    /** AWS's names, as CapaTags declares them. */
    private static final GroupOwnership.TagNames AWS = new GroupOwnership.TagNames("Auto Scaling Group",
            "launch template", "sigs.k8s.io/cluster-api-provider-aws/cluster/", "poolstream.dev/pool");
    /** Azure's names, as CapzTags declares them: no '/' in keys. */
    private static final GroupOwnership.TagNames AZURE = new GroupOwnership.TagNames("VM Scale Set", null,
            "sigs.k8s.io_cluster-api-provider-azure_cluster_", "poolstream.dev_pool");
    private static final String POOL = "team-a/workers";
    private static final String AWS_OWNED = "sigs.k8s.io/cluster-api-provider-aws/cluster/prod";
    private static final String AZURE_OWNED = "sigs.k8s.io_cluster-api-provider-azure_cluster_prod";

    private static Map<String, String> tags(String... kv) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            tags.put(kv[i], kv[i + 1]);
        }
        return tags;
    }

    /** tags, the command's cluster (null: a command that carries none), owned? */
    static Stream<Arguments> awsCases() {
        return Stream.of(
                // Both tags, for the command's cluster or, without one, the only owning cluster: owned.
                Arguments.of(tags("poolstream.dev/pool", POOL, AWS_OWNED, "owned"), "prod", true),
                Arguments.of(tags("poolstream.dev/pool", POOL, AWS_OWNED, "owned"), null, true),
                Arguments.of(tags("poolstream.dev/pool", POOL, AWS_OWNED, "owned", "Name", "g",
                        "kubernetes.io/cluster/prod", "owned", "team", "a"), null, true),
                // A "shared" tag of another cluster is no ownership: still one owner.
                Arguments.of(tags("poolstream.dev/pool", POOL, AWS_OWNED, "owned",
                        "sigs.k8s.io/cluster-api-provider-aws/cluster/dev", "shared"), null, true),
                // No tags at all: a group somebody made by hand.
                Arguments.of(tags(), "prod", false),
                Arguments.of(tags(), null, false),
                // CAPA's group: the cluster tag, no pool tag.
                Arguments.of(tags(AWS_OWNED, "owned", "Name", "g"), "prod", false),
                Arguments.of(tags(AWS_OWNED, "owned"), null, false),
                // The pool tag without a cluster-owned tag.
                Arguments.of(tags("poolstream.dev/pool", POOL), "prod", false),
                Arguments.of(tags("poolstream.dev/pool", POOL), null, false),
                // Another pool's group: same name in another namespace, or another pool of the namespace.
                Arguments.of(tags("poolstream.dev/pool", "team-b/workers", AWS_OWNED, "owned"), "prod", false),
                Arguments.of(tags("poolstream.dev/pool", "team-a/workers2", AWS_OWNED, "owned"), null, false),
                // The pool key must match exactly: no prefix, case or whitespace tolerance.
                Arguments.of(tags("poolstream.dev/pool", "team-a/Workers", AWS_OWNED, "owned"), null, false),
                Arguments.of(tags("poolstream.dev/pool", POOL + " ", AWS_OWNED, "owned"), null, false),
                Arguments.of(tags("poolstream.dev/pool", "team-a", AWS_OWNED, "owned"), null, false),
                // Another cluster's group with our pool key (a pool of the same name moved across clusters).
                Arguments.of(tags("poolstream.dev/pool", POOL, "sigs.k8s.io/cluster-api-provider-aws/cluster/dev",
                        "owned"), "prod", false),
                // Cluster tag present but not "owned".
                Arguments.of(tags("poolstream.dev/pool", POOL, AWS_OWNED, "shared"), "prod", false),
                Arguments.of(tags("poolstream.dev/pool", POOL, AWS_OWNED, "shared"), null, false),
                Arguments.of(tags("poolstream.dev/pool", POOL, AWS_OWNED, "Owned"), null, false),
                // Owned by two clusters: ambiguous, refused whether or not the command names one of them.
                Arguments.of(tags("poolstream.dev/pool", POOL, AWS_OWNED, "owned",
                        "sigs.k8s.io/cluster-api-provider-aws/cluster/dev", "owned"), null, false),
                Arguments.of(tags("poolstream.dev/pool", POOL, AWS_OWNED, "owned",
                        "sigs.k8s.io/cluster-api-provider-aws/cluster/dev", "owned"), "prod", false),
                // Only kubernetes.io/cluster (the cloud provider's tag), not CAPA's: not enough.
                Arguments.of(tags("poolstream.dev/pool", POOL, "kubernetes.io/cluster/prod", "owned"), null, false),
                // Azure's spelling of the keys means nothing on AWS.
                Arguments.of(tags("poolstream.dev_pool", POOL, AZURE_OWNED, "owned"), null, false));
    }

    @ParameterizedTest(name = "[{index}] tags {0}, command''s cluster {1}: owned {2}")
    @MethodSource("awsCases")
    void shouldOwnGroupOnlyWhenItCarriesThePoolTagAndOneClusterOwnedTag(Map<String, String> tags, String cluster,
                                                                         boolean owned) {
        assertThat(GroupOwnership.check(AWS, AWS.groupKind(), "g", tags, POOL, cluster).isEmpty()).isEqualTo(owned);
        assertThat(GroupOwnership.owns(AWS, tags, POOL, cluster)).isEqualTo(owned);
    }

    @Test
    void shouldUseTheCloudsOwnKeysWhenCheckingAzureScaleSet() {
        assertThat(GroupOwnership.owns(AZURE, tags("poolstream.dev_pool", POOL, AZURE_OWNED, "owned"), POOL, "prod"))
                .isTrue();
        assertThat(GroupOwnership.owns(AZURE, tags("poolstream.dev_pool", POOL, AZURE_OWNED, "owned"), POOL, null))
                .isTrue();
        assertThat(GroupOwnership.owns(AZURE, tags("poolstream.dev/pool", POOL, AWS_OWNED, "owned"), POOL, null))
                .isFalse();
        assertThat(GroupOwnership.owns(AZURE, tags(AZURE_OWNED, "owned", "Name", "np"), POOL, "prod")).isFalse();
    }

    @Test
    void shouldRefuseWhenTagsAreNull() {
        assertThat(GroupOwnership.owns(AWS, null, POOL, "prod")).isFalse();
    }

    @Test
    void shouldNameGroupMissingTagAndTakeOverWhenCapaGroupLacksPoolTag() {
        Failure failure = GroupOwnership.check(AWS, "Auto Scaling Group", "workers-3f9a1c2b7d",
                tags(AWS_OWNED, "owned"), POOL, null).orElseThrow();

        assertThat(failure.reason()).isEqualTo(Reasons.GROUP_NOT_OWNED).isEqualTo("GroupNotOwned");
        assertThat(failure.message())
                .contains("Auto Scaling Group workers-3f9a1c2b7d exists but is not pool team-a/workers's own")
                .contains("it has no tag poolstream.dev/pool")
                .contains("left it untouched")
                .contains("To take it over, tag it poolstream.dev/pool=team-a/workers and " + AWS_OWNED + "=owned")
                .contains("poolstream.dev/scaling-group-name");
    }

    @Test
    void shouldNameOtherPoolWhenGroupIsAnotherPools() {
        String message = GroupOwnership.check(AWS, "Auto Scaling Group", "g",
                tags("poolstream.dev/pool", "team-b/workers", AWS_OWNED, "owned"), POOL, "prod").orElseThrow()
                .message();

        assertThat(message).contains("its tag poolstream.dev/pool is 'team-b/workers', not 'team-a/workers'")
                .doesNotContain("has no tag " + AWS_OWNED);
    }

    @Test
    void shouldNameBothMissingTagsWhenGroupHasNone() {
        String message = GroupOwnership.check(AZURE, "VM Scale Set", "np", Map.of(), POOL, "prod").orElseThrow()
                .message();

        assertThat(message).contains("VM Scale Set np exists")
                .contains("it has no tag poolstream.dev_pool; it has no tag " + AZURE_OWNED + "=owned")
                .contains("tag it poolstream.dev_pool=team-a/workers and " + AZURE_OWNED + "=owned");
    }

    @Test
    void shouldNameOwningClusterWhenGroupIsAnotherClusters() {
        String message = GroupOwnership.check(AWS, "Auto Scaling Group", "g", tags("poolstream.dev/pool", POOL,
                "sigs.k8s.io/cluster-api-provider-aws/cluster/dev", "owned"), POOL, "prod").orElseThrow().message();

        assertThat(message).contains("it has no tag " + AWS_OWNED + "=owned (it is owned by cluster dev)");
    }

    @Test
    void shouldNameEveryOwningClusterWhenSeveralOwnGroup() {
        String message = GroupOwnership.check(AWS, "Auto Scaling Group", "g", tags("poolstream.dev/pool", POOL,
                AWS_OWNED, "owned", "sigs.k8s.io/cluster-api-provider-aws/cluster/dev", "owned"), POOL, null)
                .orElseThrow().message();

        assertThat(message).contains("it is owned by 2 clusters (dev, prod)");
    }

    @Test
    void shouldSayWhichTemplateWhenTemplateKindIsGiven() {
        assertThat(GroupOwnership.check(AWS, AWS.templateKind(), "g", Map.of(), POOL, null).orElseThrow().message())
                .startsWith("launch template g exists but is not pool team-a/workers's own");
    }

    @Test
    void shouldWriteBothTagsWhenGroupIsCreated() {
        assertThat(GroupOwnership.tags(AWS, POOL, "prod")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "poolstream.dev/pool", POOL, AWS_OWNED, "owned"));
        assertThat(GroupOwnership.tags(AZURE, POOL, "prod")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "poolstream.dev_pool", POOL, AZURE_OWNED, "owned"));
    }

    @Test
    void shouldOwnWhatItStampsWhetherOrNotTheCommandNamesTheCluster() {
        Map<String, String> stamped = GroupOwnership.stamp(AWS, tags("team", "a"), POOL, "prod");

        assertThat(GroupOwnership.owns(AWS, stamped, POOL, "prod")).isTrue();
        assertThat(GroupOwnership.owns(AWS, stamped, POOL, null)).isTrue();
        assertThat(GroupOwnership.owns(AWS, stamped, "team-a/other", null)).isFalse();
        assertThat(GroupOwnership.owns(AWS, stamped, POOL, "dev")).isFalse();
    }

    @Test
    void shouldDropUserOwnershipTagsWhenStamping() {
        Map<String, String> stamped = GroupOwnership.stamp(AWS, tags("poolstream.dev/pool", "team-b/x",
                "sigs.k8s.io/cluster-api-provider-aws/cluster/dev", "owned", "team", "a",
                "kubernetes.io/cluster/dev", "shared"), POOL, "prod");

        assertThat(stamped).containsExactlyInAnyOrderEntriesOf(Map.of("poolstream.dev/pool", POOL, AWS_OWNED, "owned",
                "team", "a", "kubernetes.io/cluster/dev", "shared"));
    }

    @Test
    void shouldRefuseToStampWhenClusterIsBlank() {
        assertThatThrownBy(() -> GroupOwnership.tags(AWS, POOL, " ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GroupOwnership.tags(AWS, POOL, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldTakeOnlyOwnershipKeysAsReserved() {
        assertThat(List.of("poolstream.dev/pool", AWS_OWNED, "sigs.k8s.io/cluster-api-provider-aws/cluster/x"))
                .allMatch(AWS::reserved);
        assertThat(List.of("poolstream.dev/pool2", "Name", "kubernetes.io/cluster/prod",
                "sigs.k8s.io/cluster-api-provider-aws/role", "poolstream.dev_pool")).noneMatch(AWS::reserved);
    }

    @Test
    void shouldTagWithPoolKeyItselfWhenItFitsATagValue() {
        String longest = "n".repeat(63) + "/" + "p".repeat(192); // 256 characters
        assertThat(GroupOwnership.poolValue(POOL)).isEqualTo(POOL);
        assertThat(GroupOwnership.poolValue(longest)).isEqualTo(longest);
    }

    @Test
    void shouldShortenDistinctlyWhenPoolKeyIsLongerThanATagValue() {
        String a = "n".repeat(63) + "/" + "p".repeat(252) + "a";
        String b = "n".repeat(63) + "/" + "p".repeat(252) + "b";

        assertThat(GroupOwnership.poolValue(a)).hasSize(256).startsWith(a.substring(0, 239) + "~")
                .isEqualTo(GroupOwnership.poolValue(a)).isNotEqualTo(GroupOwnership.poolValue(b));
        assertThat(GroupOwnership.owns(AWS, GroupOwnership.tags(AWS, a, "prod"), a, null)).isTrue();
        assertThat(GroupOwnership.owns(AWS, GroupOwnership.tags(AWS, a, "prod"), b, null)).isFalse();
    }

    @Test
    void shouldHideGroupFromPoolWhenItIsNotThePools() {
        GroupSnapshot ours = Snapshots.group(3, 1, 5, "1", 3);
        GroupSnapshot foreign = new GroupSnapshot("g", false, 3, 1, 5, "1", List.of(), tags(AWS_OWNED, "owned"),
                false, List.of());
        GroupSnapshot stamped = new GroupSnapshot("g", false, 3, 1, 5, "1", List.of(),
                GroupOwnership.tags(AWS, POOL, "prod"), false, ours.instances());

        assertThat(GroupOwnership.visible(Optional.of(AWS), Optional.of(stamped), POOL, null)).contains(stamped);
        assertThat(GroupOwnership.visible(Optional.of(AWS), Optional.of(foreign), POOL, null)).isEmpty();
        assertThat(GroupOwnership.visible(Optional.of(AWS), Optional.empty(), POOL, null)).isEmpty();
        // A cloud that names no ownership tags (the sandbox's) sees every group.
        assertThat(GroupOwnership.visible(Optional.empty(), Optional.of(foreign), POOL, null)).contains(foreign);
    }
}
