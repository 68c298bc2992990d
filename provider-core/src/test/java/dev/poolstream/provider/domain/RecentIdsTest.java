package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentIdsTest {

    @Test
    void shouldRememberIdsWhenAdded() {
        RecentIds ids = new RecentIds(3);
        ids.add("a");

        assertThat(ids.contains("a")).isTrue();
        assertThat(ids.contains("b")).isFalse();
        assertThat(ids.contains(null)).isFalse();
    }

    @Test
    void shouldKeepOnlyTheLatestIdWhenCapacityIsOne() {
        RecentIds ids = new RecentIds(1);
        ids.add("a");
        ids.add("b");

        assertThat(ids.contains("a")).isFalse();
        assertThat(ids.contains("b")).isTrue();
    }

    @Test
    void shouldRejectCapacityBelowOne() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RecentIds(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldForgetOldestWhenFull() {
        RecentIds ids = new RecentIds(2);
        ids.add("a");
        ids.add("b");
        ids.add("c");

        assertThat(ids.contains("a")).isFalse();
        assertThat(ids.contains("b")).isTrue();
        assertThat(ids.contains("c")).isTrue();
        assertThat(ids.size()).isEqualTo(2);
    }
}
