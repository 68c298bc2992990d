package dev.poolstream.watcher.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.NodeState;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeRecordsTest {

    private static final String CLUSTER = "team-a/demo";
    private final NodeRecords records = new NodeRecords();

    @Test
    void shouldMoveANodeToItsProviderIdKeyWithATombstoneForTheFallbackKey() {
        NodeState before = node("n1", null, ConditionStatus.FALSE);
        NodeState after = node("n1", "aws:///us-east-1a/i-1", ConditionStatus.FALSE);

        assertThat(records.upsert(before)).containsExactly(new Change.Upsert<>("cluster/team-a/demo/node/n1", before));
        assertThat(records.upsert(after)).containsExactly(
                new Change.Delete<>("cluster/team-a/demo/node/n1", before),
                new Change.Upsert<>("aws:///us-east-1a/i-1", after));
    }

    @Test
    void shouldPublishATombstoneUnderTheKeyTheNodeWasPublishedWith() {
        NodeState node = node("n1", "aws:///us-east-1a/i-1", ConditionStatus.TRUE);
        records.upsert(node);

        assertThat(records.delete(CLUSTER, "n1")).containsExactly(new Change.Delete<>("aws:///us-east-1a/i-1", node));
        assertThat(records.delete(CLUSTER, "n1")).isEmpty();
    }

    @Test
    void shouldDeleteEveryNodeOfAClusterThatIsGoneAndNoOther() {
        NodeState mine = node("n1", "aws:///a/i-1", ConditionStatus.TRUE);
        NodeState other = new NodeState("team-b/other", "n9", "u9", "aws:///a/i-9", ConditionStatus.TRUE, null,
                "v1.33.1", false, List.of(), Map.of());
        records.upsert(mine);
        records.upsert(other);

        assertThat(records.deleteCluster(CLUSTER)).containsExactly(new Change.Delete<>("aws:///a/i-1", mine));
        assertThat(records.clusters()).containsExactly("team-b/other");
    }

    @Test
    void shouldReconcileTheNodesOfTheClustersItWasGiven() {
        records.seed(Map.of("aws:///a/i-1", node("n1", "aws:///a/i-1", ConditionStatus.FALSE),
                "aws:///a/i-2", node("n2", "aws:///a/i-2", ConditionStatus.TRUE)));
        NodeState ready = node("n1", "aws:///a/i-1", ConditionStatus.TRUE);

        var changes = records.reconcile(List.of(ready), Set.of(CLUSTER));

        assertThat(changes).extracting(Change::key).containsExactlyInAnyOrder("aws:///a/i-1", "aws:///a/i-2");
        assertThat(records.size()).isEqualTo(1);
        assertThat(records.upsert(ready)).isEmpty();
    }

    private static NodeState node(String name, String providerId, ConditionStatus ready) {
        return new NodeState(CLUSTER, name, "uid-" + name, providerId, ready, null, "v1.33.1", false, List.of(),
                Map.of());
    }
}
