package dev.poolstream.watcher.domain;

import static dev.poolstream.watcher.domain.ClusterOwnership.Effect.GONE;
import static dev.poolstream.watcher.domain.ClusterOwnership.Effect.MALFORMED;
import static dev.poolstream.watcher.domain.ClusterOwnership.Effect.NONE;
import static dev.poolstream.watcher.domain.ClusterOwnership.Effect.TAKE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterOwnershipTest {

    private final ClusterOwnership ownership = new ClusterOwnership();

    @Test
    void shouldTakeTheClustersOfAssignedPartitionsAsTheirRecordsAreRead() {
        ownership.assigned(List.of(0, 3));

        assertThat(ownership.record(0, "team-a/one", true)).isEqualTo(TAKE);
        assertThat(ownership.record(3, "team-b/two", true)).isEqualTo(TAKE);

        assertThat(ownership.clusters()).containsExactly("team-a/one", "team-b/two");
        assertThat(ownership.owns("team-a/one")).isTrue();
        assertThat(ownership.partitions()).containsExactly(0, 3);
    }

    @Test
    void shouldOwnNothingBeforeItsPartitionsRecordsAreRead() {
        ownership.assigned(List.of(1));

        assertThat(ownership.clusters()).isEmpty();
        assertThat(ownership.owns("team-a/one")).isFalse();
    }

    @Test
    void shouldTakeAClusterOnceWhateverTimesItsRecordIsRead() {
        ownership.assigned(List.of(0));
        ownership.record(0, "team-a/one", true);

        // The leader publishes the record again (a new leader's snapshot, a changed Secret name).
        assertThat(ownership.record(0, "team-a/one", true)).isEqualTo(NONE);
        assertThat(ownership.clusters()).containsExactly("team-a/one");
    }

    @Test
    void shouldNeverTakeOrReleaseAKeyThatNamesNoCluster() {
        ownership.assigned(List.of(0));

        // Parsed later as <namespace>/<name> (releasing its Nodes), such a key once stopped the consumer for good.
        for (String key : new String[] {"garbage", "a/b/c", "/name", "namespace/", null}) {
            assertThat(ownership.record(0, key, true)).as(key).isEqualTo(MALFORMED);
            assertThat(ownership.record(0, key, false)).as(key).isEqualTo(MALFORMED);
        }
        assertThat(ownership.clusters()).isEmpty();
        assertThat(ownership.revoked(List.of(0))).isEmpty();
    }

    @Test
    void shouldIgnoreARecordOfAPartitionThatIsNotOurs() {
        ownership.assigned(List.of(0));

        // Polled before its partition was revoked, or never ours at all.
        assertThat(ownership.record(5, "team-a/other", true)).isEqualTo(NONE);
        assertThat(ownership.record(5, "team-a/other", false)).isEqualTo(NONE);
        assertThat(ownership.owns("team-a/other")).isFalse();
    }

    @Test
    void shouldSayGoneForATombstoneAndStopOwningTheCluster() {
        ownership.assigned(List.of(0));
        ownership.record(0, "team-a/one", true);

        assertThat(ownership.record(0, "team-a/one", false)).isEqualTo(GONE);
        assertThat(ownership.owns("team-a/one")).isFalse();
        assertThat(ownership.clusters()).isEmpty();
    }

    @Test
    void shouldSayGoneForATombstoneOfAClusterNeverTaken() {
        // Its record was compacted away; its Nodes may still be on node.v1 if their owner died before deleting them.
        ownership.assigned(List.of(0));

        assertThat(ownership.record(0, "team-a/deleted-long-ago", false)).isEqualTo(GONE);
        assertThat(ownership.clusters()).isEmpty();
    }

    @Test
    void shouldTakeAClusterAgainWhenItIsCreatedAgainAfterItsTombstone() {
        ownership.assigned(List.of(0));
        ownership.record(0, "team-a/one", true);
        ownership.record(0, "team-a/one", false);

        assertThat(ownership.record(0, "team-a/one", true)).isEqualTo(TAKE);
    }

    @Test
    void shouldReleaseTheClustersOfRevokedPartitionsAndKeepTheOthers() {
        ownership.assigned(List.of(0, 1, 2));
        ownership.record(0, "team-a/one", true);
        ownership.record(1, "team-a/two", true);
        ownership.record(1, "team-a/three", true);
        ownership.record(2, "team-a/four", true);

        assertThat(ownership.revoked(List.of(1, 2))).containsExactly("team-a/four", "team-a/three", "team-a/two");

        assertThat(ownership.clusters()).containsExactly("team-a/one");
        assertThat(ownership.partitions()).containsExactly(0);
        assertThat(ownership.owns("team-a/two")).isFalse();
    }

    @Test
    void shouldReleaseTheGoneClustersOfRevokedPartitionsTooButNotOnesCreatedAgain() {
        ownership.assigned(List.of(0, 1));
        ownership.record(0, "team-a/gone", true);
        ownership.record(0, "team-a/gone", false);
        ownership.record(0, "team-a/back", false);
        ownership.record(0, "team-a/back", true);
        ownership.record(1, "team-a/other-gone", false);

        // Their Nodes' tombstones may still be sending: they are the partition's next owner's to send.
        assertThat(ownership.revoked(List.of(0))).containsExactly("team-a/back", "team-a/gone");
        assertThat(ownership.revoked(List.of(0))).isEmpty();
        assertThat(ownership.clusters()).isEmpty();
        assertThat(ownership.revoked(List.of(1))).containsExactly("team-a/other-gone");
    }

    @Test
    void shouldReleaseNothingForPartitionsThatWereNotOurs() {
        ownership.assigned(List.of(0));
        ownership.record(0, "team-a/one", true);

        assertThat(ownership.revoked(List.of(7))).isEmpty();
        assertThat(ownership.clusters()).containsExactly("team-a/one");
    }

    @Test
    void shouldIgnoreARecordReadAfterItsPartitionWasRevoked() {
        ownership.assigned(List.of(0));
        ownership.revoked(List.of(0));

        assertThat(ownership.record(0, "team-a/one", true)).isEqualTo(NONE);
        assertThat(ownership.owns("team-a/one")).isFalse();
    }

    @Test
    void shouldKeepThePartitionsClustersWhenAssignedAgainWithoutRevocation() {
        // Cooperative rebalancing reports only new partitions, but an eager callback may repeat one we hold.
        ownership.assigned(List.of(0));
        ownership.record(0, "team-a/one", true);

        ownership.assigned(List.of(0, 1));

        assertThat(ownership.clusters()).containsExactly("team-a/one");
        assertThat(ownership.partitions()).containsExactly(0, 1);
    }

    @Test
    void shouldStartFromNothingWhenAPartitionComesBackAfterRevocation() {
        ownership.assigned(List.of(0));
        ownership.record(0, "team-a/one", true);
        ownership.revoked(List.of(0));

        ownership.assigned(List.of(0));

        assertThat(ownership.clusters()).isEmpty();
        assertThat(ownership.record(0, "team-a/one", true)).isEqualTo(TAKE);
    }
}
