package dev.poolstream.watcher.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LastPublishedTest {

    private final LastPublished<String> published = new LastPublished<>();

    @Test
    void shouldPublishANewOrChangedValueAndNothingForAnEqualOne() {
        assertThat(published.upsert("a", "v1")).contains(new Change.Upsert<>("a", "v1"));
        assertThat(published.upsert("a", new String("v1"))).isEmpty();
        assertThat(published.upsert("a", "v2")).contains(new Change.Upsert<>("a", "v2", "v1"));
    }

    @Test
    void shouldPublishATombstoneOnlyForAPublishedKey() {
        published.upsert("a", "v1");

        assertThat(published.delete("a")).contains(new Change.Delete<>("a", "v1"));
        assertThat(published.delete("a")).isEmpty();
        assertThat(published.delete("never")).isEmpty();
    }

    @Test
    void shouldReconcileToTheCurrentStateDeletingOnlyWhatIsInScope() {
        published.seed(Map.of("a", "old", "b", "same", "x1", "unseen-cluster", "c", "gone"));

        var changes = published.reconcile(Map.of("a", "new", "b", "same", "d", "added"),
                v -> !v.startsWith("unseen"));

        assertThat(changes).containsExactlyInAnyOrder(new Change.Upsert<>("a", "new", "old"),
                new Change.Upsert<>("d", "added"), new Change.Delete<>("c", "gone"));
        assertThat(published.get("x1")).contains("unseen-cluster");
    }

    @Test
    void shouldHoldOnlyTheLatestSeedWhenSeededTwice() {
        published.seed(Map.of("a", "v1"));

        published.seed(Map.of("b", "v2"));

        assertThat(published.get("a")).isEmpty();
        assertThat(published.values(v -> true)).containsExactly("v2");
    }

    @Test
    void shouldHoldNothingWhenCleared() {
        published.upsert("a", "v1");

        published.clear();

        assertThat(published.size()).isZero();
        assertThat(published.upsert("a", "v1")).isPresent();
    }

    @Test
    void shouldSendAgainWhatCouldNotBeSent() {
        Change<String> upsert = published.upsert("a", "v1").orElseThrow();
        published.undo(upsert);
        assertThat(published.upsert("a", "v1")).isPresent();

        Change<String> delete = published.delete("a").orElseThrow();
        published.undo(delete);
        assertThat(published.delete("a")).contains(new Change.Delete<>("a", "v1"));
    }

    @Test
    void shouldKeepWhatWasPublishedBeforeWhenAChangeCouldNotBeSent() {
        published.upsert("a", "v1");
        Change<String> failed = published.upsert("a", "v2").orElseThrow();

        published.undo(failed);

        // v1 is still on the topic: deleted before the retry, the key gets its tombstone.
        assertThat(published.get("a")).contains("v1");
        assertThat(published.delete("a")).contains(new Change.Delete<>("a", "v1"));
    }

    @Test
    void shouldNotUndoOverALaterChange() {
        Change<String> first = published.upsert("a", "v1").orElseThrow();
        published.upsert("a", "v2");

        published.undo(first);

        assertThat(published.get("a")).contains("v2");
    }

    @Test
    void shouldSeedOnlyWhatIsInScopeAndKeepTheRest() {
        published.seed(Map.of("a1", "a-old", "b1", "b-mine"));

        published.seed(Map.of("a1", "a-topic", "a2", "a-new", "b1", "b-topic", "b2", "b-topic"),
                v -> v.startsWith("a"));

        assertThat(published.get("a1")).contains("a-topic");
        assertThat(published.get("a2")).contains("a-new");
        assertThat(published.get("b1")).contains("b-mine");
        assertThat(published.get("b2")).isEmpty();
        assertThat(published.size()).isEqualTo(3);
    }

    @Test
    void shouldForgetInScopeValuesWithoutARecord() {
        published.seed(Map.of("a1", "a", "b1", "b"));

        published.forget(v -> v.equals("a"));

        assertThat(published.get("a1")).isEmpty();
        assertThat(published.get("b1")).contains("b");
        // Forgotten, not deleted: nothing to publish, and a later look publishes the value again.
        assertThat(published.delete("a1")).isEmpty();
        assertThat(published.upsert("a1", "a")).isPresent();
    }
}
