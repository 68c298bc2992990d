package dev.poolstream.provider.azure.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BookkeepingTest {

    @Test
    void shouldKeepEveryCurrentTagWhenMergingBecauseArmReplacesTagsAsAWhole() {
        Map<String, String> merged = Bookkeeping.merged(Map.of("owner", "someone-else", "team", "a"),
                Map.of("team", "b"), 1, 30, "abc");
        assertThat(merged).containsEntry("owner", "someone-else").containsEntry("team", "b")
                .containsEntry(Bookkeeping.MIN_SIZE, "1").containsEntry(Bookkeeping.MAX_SIZE, "30")
                .containsEntry(Bookkeeping.MODEL, "abc");
    }

    @Test
    void shouldLeaveBookkeepingAsItIsWhenNoNewValueIsGiven() {
        Map<String, String> merged = Bookkeeping.merged(Map.of(Bookkeeping.MODEL, "old"), Map.of(), null, null, null);
        assertThat(merged).containsExactly(Map.entry(Bookkeeping.MODEL, "old"));
    }

    @Test
    void shouldReadSizesBackAndIgnoreGarbageWhenTagsWereEditedByHand() {
        assertThat(Bookkeeping.minSize(Map.of(Bookkeeping.MIN_SIZE, "3"))).hasValue(3);
        assertThat(Bookkeeping.maxSize(Map.of(Bookkeeping.MAX_SIZE, "lots"))).isEmpty();
        assertThat(Bookkeeping.minSize(null)).isEmpty();
        assertThat(Bookkeeping.model(Map.of())).isNull();
        assertThat(Bookkeeping.model(null)).isNull();
        assertThat(Bookkeeping.model(Map.of(Bookkeeping.MODEL, "abc"))).isEqualTo("abc");
        assertThat(Bookkeeping.maxSize(Map.of(Bookkeeping.MAX_SIZE, " 30 "))).hasValue(30);
    }

    @Test
    void shouldUseTagNamesAzureAcceptsWhenKeepingBookkeeping() {
        assertThat(java.util.List.of(Bookkeeping.MIN_SIZE, Bookkeeping.MAX_SIZE, Bookkeeping.MODEL))
                .allSatisfy(k -> assertThat(k).doesNotContainAnyWhitespaces().doesNotContain("/", "<", ">", "%", "&",
                        "\\", "?"));
    }
}
