package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InventoryTest {

    private final Inventory inventory = new Inventory();

    @Test
    void shouldCreateTheRecordForTheGroupWhenThePoolIsNew() {
        PoolRecord record = inventory.track("ns/p", "g-1");

        assertThat(record.pool()).isEqualTo("ns/p");
        assertThat(record.group()).isEqualTo("g-1");
        assertThat(inventory.get("ns/p")).containsSame(record);
    }

    @Test
    void shouldKeepTheTrackedGroupWhenACommandNamesAnother() {
        PoolRecord record = inventory.track("ns/p", "g-1");
        record.pollFailures(3);

        PoolRecord again = inventory.track("ns/p", "g-2");

        assertThat(again).isSameAs(record);
        assertThat(again.group()).isEqualTo("g-1");
        assertThat(again.pollFailures()).isEqualTo(3);
    }

    @Test
    void shouldKeepTheRecordACommandTrackedWhenARestoredOneComesForTheSamePool() {
        PoolRecord tracked = inventory.track("ns/p", "g-1");

        assertThat(inventory.putIfAbsent(new PoolRecord("ns/p", "g-old"))).isFalse();
        assertThat(inventory.get("ns/p")).containsSame(tracked);

        PoolRecord restored = new PoolRecord("ns/q", "g-2");
        assertThat(inventory.putIfAbsent(restored)).isTrue();
        assertThat(inventory.get("ns/q")).containsSame(restored);
    }

    @Test
    void shouldKeepTheGroupWhenACommandNamesNone() {
        inventory.track("ns/p", "g-1");

        assertThat(inventory.track("ns/p", null).group()).isEqualTo("g-1");
    }

    @Test
    void shouldForgetPoolsByKeyOrByPredicate() {
        inventory.track("a/p", "g");
        inventory.track("b/p", "g");
        inventory.put(new PoolRecord("c/p", "g"));

        inventory.forget("a/p");
        inventory.forgetIf(pool -> pool.startsWith("b/"));

        assertThat(inventory.all()).extracting(PoolRecord::pool).containsExactly("c/p");
        assertThat(inventory.get("a/p")).isEmpty();
    }
}
