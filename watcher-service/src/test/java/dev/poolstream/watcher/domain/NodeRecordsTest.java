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

    @Test
    void shouldMoveANodeFromItsFallbackKeyWhenReconcileFirstSawItWithoutProviderId() {
        NodeState before = node("n1", null, ConditionStatus.FALSE);
        records.reconcile(List.of(before), Set.of(CLUSTER));
        NodeState after = node("n1", "aws:///a/i-1", ConditionStatus.FALSE);

        assertThat(records.upsert(after)).containsExactly(new Change.Delete<>("cluster/team-a/demo/node/n1", before),
                new Change.Upsert<>("aws:///a/i-1", after));
    }

    @Test
    void shouldForgetTheKeyOfANodeThatReconcileRemovedWhenAnotherNodeTakesThatKey() {
        NodeState gone = node("n1", "aws:///a/i-1", ConditionStatus.TRUE);
        records.upsert(gone);
        records.reconcile(List.of(), Set.of(CLUSTER));
        NodeState renamed = node("n2", "aws:///a/i-1", ConditionStatus.TRUE);
        records.upsert(renamed);

        // A late delete of the old Node must not tombstone the Node that now holds its provider ID.
        assertThat(records.delete(CLUSTER, "n1")).isEmpty();
        assertThat(records.delete(CLUSTER, "n2")).containsExactly(new Change.Delete<>("aws:///a/i-1", renamed));
    }

    @Test
    void shouldKeepTheKeysOfOtherClustersNodesWhenReconcilingOneCluster() {
        NodeState other = new NodeState("team-b/other", "n9", "u9", "aws:///a/i-9", ConditionStatus.TRUE, null,
                "v1.33.1", false, List.of(), Map.of());
        records.upsert(other);
        records.upsert(node("n1", "aws:///a/i-1", ConditionStatus.TRUE));

        records.reconcile(List.of(node("n1", "aws:///a/i-1", ConditionStatus.TRUE)), Set.of(CLUSTER));

        assertThat(records.delete("team-b/other", "n9")).containsExactly(new Change.Delete<>("aws:///a/i-9", other));
    }

    @Test
    void shouldKnowTheKeysOfSeededNodesWhenTheyMoveOrGo() {
        NodeState n1 = node("n1", null, ConditionStatus.FALSE);
        NodeState n2 = node("n2", "aws:///a/i-2", ConditionStatus.TRUE);
        records.seed(Map.of(n1.key(), n1, n2.key(), n2));
        NodeState n1WithId = node("n1", "aws:///a/i-1", ConditionStatus.FALSE);

        assertThat(records.upsert(n1WithId)).containsExactly(new Change.Delete<>(n1.key(), n1),
                new Change.Upsert<>("aws:///a/i-1", n1WithId));
        assertThat(records.delete(CLUSTER, "n2")).containsExactly(new Change.Delete<>("aws:///a/i-2", n2));
    }

    @Test
    void shouldForgetWhatAnEarlierSeedSaidWhenSeededAgain() {
        records.seed(Map.of("aws:///a/i-1", node("n1", "aws:///a/i-1", ConditionStatus.TRUE)));
        NodeState now = node("n2", "aws:///a/i-1", ConditionStatus.TRUE);

        records.seed(Map.of("aws:///a/i-1", now));

        assertThat(records.delete(CLUSTER, "n1")).isEmpty();
        assertThat(records.size()).isEqualTo(1);
    }

    @Test
    void shouldPublishANodeAgainWhenItsUpsertCouldNotBeSent() {
        NodeState n1 = node("n1", "aws:///a/i-1", ConditionStatus.TRUE);
        Change<NodeState> failed = records.upsert(n1).get(0);

        records.undo(failed);

        assertThat(records.size()).isZero();
        assertThat(records.delete(CLUSTER, "n1")).isEmpty();
        assertThat(records.upsert(n1)).containsExactly(new Change.Upsert<>("aws:///a/i-1", n1));
    }

    @Test
    void shouldTombstoneANodeDeletedBeforeItsChangeThatCouldNotBeSentWasSentAgain() {
        NodeState v1 = node("n1", "aws:///a/i-1", ConditionStatus.TRUE);
        records.upsert(v1);
        Change<NodeState> failed = records.upsert(node("n1", "aws:///a/i-1", ConditionStatus.FALSE)).get(0);

        records.undo(failed);

        assertThat(records.delete(CLUSTER, "n1")).containsExactly(new Change.Delete<>("aws:///a/i-1", v1));
    }

    @Test
    void shouldTombstoneANodeAgainWhenItsTombstoneCouldNotBeSent() {
        NodeState n1 = node("n1", "aws:///a/i-1", ConditionStatus.TRUE);
        records.upsert(n1);
        Change<NodeState> failed = records.delete(CLUSTER, "n1").get(0);

        records.undo(failed);

        assertThat(records.size()).isEqualTo(1);
        assertThat(records.delete(CLUSTER, "n1")).containsExactly(new Change.Delete<>("aws:///a/i-1", n1));
    }

    @Test
    void shouldTombstoneTheOldKeyAgainWhenItsTombstoneCouldNotBeSentAsTheNodeMoved() {
        NodeState before = node("n1", null, ConditionStatus.FALSE);
        records.upsert(before);
        NodeState after = node("n1", "aws:///a/i-1", ConditionStatus.FALSE);
        List<Change<NodeState>> moved = records.upsert(after);

        records.undo(moved.get(0));

        // The retry looks at the Node again: its upsert is published, its old key's tombstone is not.
        assertThat(records.upsert(after)).containsExactly(new Change.Delete<>(before.key(), before));
        assertThat(records.upsert(after)).isEmpty();
        assertThat(records.size()).isEqualTo(1);
    }

    @Test
    void shouldTombstoneBothKeysWhenTheNodeGoesBeforeTheOldKeysTombstoneIsSentAgain() {
        NodeState before = node("n1", null, ConditionStatus.FALSE);
        records.upsert(before);
        NodeState after = node("n1", "aws:///a/i-1", ConditionStatus.FALSE);
        List<Change<NodeState>> moved = records.upsert(after);

        records.undo(moved.get(0));

        assertThat(records.delete(CLUSTER, "n1")).containsExactlyInAnyOrder(
                new Change.Delete<>(before.key(), before), new Change.Delete<>("aws:///a/i-1", after));
        assertThat(records.size()).isZero();
    }

    @Test
    void shouldMoveANodeAgainWhenNeitherItsOldKeysTombstoneNorItsNewRecordCouldBeSent() {
        NodeState before = node("n1", null, ConditionStatus.FALSE);
        records.upsert(before);
        NodeState after = node("n1", "aws:///a/i-1", ConditionStatus.FALSE);
        List<Change<NodeState>> moved = records.upsert(after);

        // Either order of the two failures' callbacks.
        records.undo(moved.get(0));
        records.undo(moved.get(1));

        assertThat(records.upsert(after)).containsExactly(new Change.Delete<>(before.key(), before),
                new Change.Upsert<>("aws:///a/i-1", after));
    }

    @Test
    void shouldMoveANodeAgainWhenNeitherItsNewRecordNorItsOldKeysTombstoneCouldBeSent() {
        NodeState before = node("n1", null, ConditionStatus.FALSE);
        records.upsert(before);
        NodeState after = node("n1", "aws:///a/i-1", ConditionStatus.FALSE);
        List<Change<NodeState>> moved = records.upsert(after);

        records.undo(moved.get(1));
        records.undo(moved.get(0));

        assertThat(records.upsert(after)).containsExactly(new Change.Delete<>(before.key(), before),
                new Change.Upsert<>("aws:///a/i-1", after));
    }

    @Test
    void shouldNotTombstoneTheNodeThatTookAnOldKeyWhoseTombstoneCouldNotBeSent() {
        NodeState n1 = node("n1", "aws:///a/i-1", ConditionStatus.TRUE);
        records.upsert(n1);
        NodeState n1Moved = node("n1", "aws:///a/i-7", ConditionStatus.TRUE);
        List<Change<NodeState>> moved = records.upsert(n1Moved);
        records.undo(moved.get(0));
        // Another Node now has i-1 (registered again): the failed tombstone must not remove it.
        NodeState renamed = node("n2", "aws:///a/i-1", ConditionStatus.TRUE);
        records.upsert(renamed);

        assertThat(records.upsert(n1Moved)).isEmpty();
        assertThat(records.delete(CLUSTER, "n1")).containsExactly(new Change.Delete<>("aws:///a/i-7", n1Moved));
        assertThat(records.size()).isEqualTo(1);
    }

    @Test
    void shouldKeepTheNewKeyWhenAnOlderUpsertOfTheNodeIsUndone() {
        NodeState before = node("n1", null, ConditionStatus.FALSE);
        Change<NodeState> older = records.upsert(before).get(0);
        NodeState after = node("n1", "aws:///a/i-1", ConditionStatus.FALSE);
        records.upsert(after);

        records.undo(older);

        assertThat(records.delete(CLUSTER, "n1")).containsExactly(new Change.Delete<>("aws:///a/i-1", after));
    }

    @Test
    void shouldForgetEveryNodeWhenCleared() {
        records.upsert(node("n1", "aws:///a/i-1", ConditionStatus.TRUE));

        records.clear();

        assertThat(records.size()).isZero();
        assertThat(records.clusters()).isEmpty();
        assertThat(records.delete(CLUSTER, "n1")).isEmpty();
    }

    @Test
    void shouldNotTombstoneANewNodeForALateDeleteOfANodeFromBeforeTheClear() {
        records.upsert(node("n1", "aws:///a/i-1", ConditionStatus.TRUE));
        records.clear();
        NodeState renamed = node("n2", "aws:///a/i-1", ConditionStatus.TRUE);
        records.upsert(renamed);

        assertThat(records.delete(CLUSTER, "n1")).isEmpty();
        assertThat(records.size()).isEqualTo(1);
    }

    @Test
    void shouldNotTombstoneTheNodeThatTookAProviderIdWhenTheNodeThatHadItGoes() {
        // The instance registered again under a new name; the new Node is seen before the old one goes.
        records.upsert(node("n1", "aws:///a/i-1", ConditionStatus.TRUE));
        NodeState renamed = node("n2", "aws:///a/i-1", ConditionStatus.TRUE);
        records.upsert(renamed);

        assertThat(records.delete(CLUSTER, "n1")).isEmpty();
        assertThat(records.size()).isEqualTo(1);
        assertThat(records.delete(CLUSTER, "n2")).containsExactly(new Change.Delete<>("aws:///a/i-1", renamed));
    }

    @Test
    void shouldNotTombstoneTheNodeThatTookAProviderIdWhenTheNodeThatHadItMovesToAnother() {
        records.upsert(node("n1", "aws:///a/i-1", ConditionStatus.TRUE));
        NodeState renamed = node("n2", "aws:///a/i-1", ConditionStatus.TRUE);
        records.upsert(renamed);
        NodeState moved = node("n1", "aws:///a/i-7", ConditionStatus.TRUE);

        assertThat(records.upsert(moved)).containsExactly(new Change.Upsert<>("aws:///a/i-7", moved));
        assertThat(records.size()).isEqualTo(2);
    }

    @Test
    void shouldTakeOverTheNodesOfTheGivenClustersFromTheTopicAndKeepItsOwn() {
        NodeState other = new NodeState("team-b/other", "n9", "u9", "aws:///a/i-9", ConditionStatus.TRUE, null,
                "v1.33.1", false, List.of(), Map.of());
        NodeState mineBefore = node("n0", "aws:///a/i-0", ConditionStatus.TRUE);
        records.upsert(other);
        records.upsert(mineBefore);
        NodeState fallback = node("n1", null, ConditionStatus.FALSE);
        NodeState n2 = node("n2", "aws:///a/i-2", ConditionStatus.TRUE);
        // What node.v1 holds of another cluster is older than what this replica published of it: left alone.
        NodeState otherOnTopic = new NodeState("team-b/other", "n9", "u9", null, ConditionStatus.FALSE,
                null, "v1.33.1", false, List.of(), Map.of());

        // node.v1 holds every cluster's Nodes: only the taken cluster's are read in.
        records.seed(Map.of(fallback.key(), fallback, n2.key(), n2, otherOnTopic.key(), otherOnTopic),
                Set.of(CLUSTER));

        assertThat(records.size()).isEqualTo(3);
        assertThat(records.delete(CLUSTER, "n0")).isEmpty();
        assertThat(records.delete("team-b/other", "n9")).containsExactly(new Change.Delete<>("aws:///a/i-9", other));
        NodeState n1WithId = node("n1", "aws:///a/i-1", ConditionStatus.FALSE);
        assertThat(records.upsert(n1WithId)).containsExactly(new Change.Delete<>(fallback.key(), fallback),
                new Change.Upsert<>("aws:///a/i-1", n1WithId));
        assertThat(records.reconcile(List.of(n1WithId), Set.of(CLUSTER)))
                .containsExactly(new Change.Delete<>("aws:///a/i-2", n2));
    }

    @Test
    void shouldForgetTheNodesOfReleasedClustersWithoutTombstones() {
        NodeState other = new NodeState("team-b/other", "n9", "u9", "aws:///a/i-9", ConditionStatus.TRUE, null,
                "v1.33.1", false, List.of(), Map.of());
        records.upsert(other);
        records.upsert(node("n1", "aws:///a/i-1", ConditionStatus.TRUE));

        records.forget(Set.of(CLUSTER));

        assertThat(records.clusters()).containsExactly("team-b/other");
        assertThat(records.delete(CLUSTER, "n1")).isEmpty();
        assertThat(records.deleteCluster(CLUSTER)).isEmpty();
        assertThat(records.delete("team-b/other", "n9")).containsExactly(new Change.Delete<>("aws:///a/i-9", other));
    }

    /** Two Nodes of the cluster, one whose move to its provider ID key had its old key's tombstone fail to send. */
    private void twoNodesOneWithATombstoneUnsent() {
        int before = records.keysKept();
        records.upsert(node("n1", "aws:///a/i-1", ConditionStatus.TRUE));
        records.upsert(node("n2", null, ConditionStatus.TRUE));
        List<Change<NodeState>> moved = records.upsert(node("n2", "aws:///a/i-2", ConditionStatus.TRUE));
        records.undo(moved.get(0)); // the fallback key's tombstone could not be sent
        assertThat(records.keysKept()).as("two Nodes' keys and one old key").isEqualTo(before + 3);
    }

    @Test
    void shouldKeepNoKeyOfNodesItNoLongerPublishes() {
        twoNodesOneWithATombstoneUnsent();
        records.clear();
        assertThat(records.keysKept()).as("cleared").isZero();

        twoNodesOneWithATombstoneUnsent();
        records.reconcile(List.of(), Set.of(CLUSTER));
        assertThat(records.keysKept()).as("the cluster's Nodes gone").isZero();

        twoNodesOneWithATombstoneUnsent();
        records.forget(Set.of(CLUSTER));
        assertThat(records.keysKept()).as("the cluster watched by another replica").isZero();

        twoNodesOneWithATombstoneUnsent();
        records.seed(Map.of("aws:///a/i-9", node("n9", "aws:///a/i-9", ConditionStatus.TRUE)));
        assertThat(records.keysKept()).as("seeded again").isEqualTo(1);

        twoNodesOneWithATombstoneUnsent();
        records.seed(Map.of(), Set.of(CLUSTER));
        assertThat(records.keysKept()).as("the cluster taken over, none of its Nodes on the topic").isZero();
    }

    @Test
    void shouldKeepAnOldKeysUnsentTombstoneWhenAnotherClusterIsLetGo() {
        twoNodesOneWithATombstoneUnsent();
        records.forget(Set.of("team-b/other"));

        assertThat(records.upsert(node("n2", "aws:///a/i-2", ConditionStatus.FALSE))).extracting(c -> c.key())
                .containsExactly("cluster/" + CLUSTER + "/node/n2", "aws:///a/i-2");
    }

    @Test
    void shouldNotKeepTheKeyOfANodeWhoseTakingOfItCouldNotBeSent() {
        records.upsert(node("n0", "aws:///a/i-1", ConditionStatus.TRUE));
        List<Change<NodeState>> taken = records.upsert(node("n1", "aws:///a/i-1", ConditionStatus.TRUE));
        records.undo(taken.get(0)); // the key holds n0's record again

        assertThat(records.keysKept()).isEqualTo(1);
        assertThat(records.delete(CLUSTER, "n1")).isEmpty();
    }

    private static NodeState node(String name, String providerId, ConditionStatus ready) {
        return new NodeState(CLUSTER, name, "uid-" + name, providerId, ready, null, "v1.33.1", false, List.of(),
                Map.of());
    }
}
