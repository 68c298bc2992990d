package dev.poolstream.watcher.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChangeTest {

    @Test
    void shouldCarryTheValueOfAnUpsertAndNoneForATombstone() {
        assertThat(new Change.Upsert<>("k", "v").recordValue()).isEqualTo("v");
        assertThat(new Change.Delete<>("k", "was").recordValue()).isNull();
    }
}
