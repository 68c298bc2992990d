package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InventoryDiffTest {

    private static InstanceState instance(String id, InstanceLifecycle lifecycle) {
        return new InstanceState("aws:///us-east-1a/" + id, "ns/pool", Cloud.AWS, id, "us-east-1a", lifecycle,
                lifecycle.name(), "1", true, Instant.EPOCH);
    }

    @Test
    void shouldPublishEveryInstanceWhenNothingWasPublished() {
        InventoryDiff diff = InventoryDiff.between(Map.of(), List.of(instance("i-1", InstanceLifecycle.PENDING)));

        assertThat(diff.upserts()).containsExactly(instance("i-1", InstanceLifecycle.PENDING));
        assertThat(diff.tombstones()).isEmpty();
    }

    @Test
    void shouldPublishNothingWhenNothingChanged() {
        InstanceState i1 = instance("i-1", InstanceLifecycle.RUNNING);

        InventoryDiff diff = InventoryDiff.between(Map.of(i1.providerID(), i1), List.of(i1));

        assertThat(diff.isEmpty()).isTrue();
    }

    @Test
    void shouldPublishChangedInstanceWhenLifecycleMoves() {
        InstanceState pending = instance("i-1", InstanceLifecycle.PENDING);
        InstanceState running = instance("i-1", InstanceLifecycle.RUNNING);

        InventoryDiff diff = InventoryDiff.between(Map.of(pending.providerID(), pending), List.of(running));

        assertThat(diff.upserts()).containsExactly(running);
    }

    @Test
    void shouldTombstoneInstancesThatVanished() {
        InstanceState i1 = instance("i-1", InstanceLifecycle.RUNNING);
        InstanceState i2 = instance("i-2", InstanceLifecycle.RUNNING);

        InventoryDiff diff = InventoryDiff.between(Map.of(i1.providerID(), i1, i2.providerID(), i2), List.of(i1));

        assertThat(diff.upserts()).isEmpty();
        assertThat(diff.tombstones()).containsExactly("aws:///us-east-1a/i-2");
    }

    @Test
    void shouldTombstoneEverythingWhenGroupIsGone() {
        InstanceState i1 = instance("i-1", InstanceLifecycle.RUNNING);
        InstanceState i2 = instance("i-2", InstanceLifecycle.TERMINATING);

        InventoryDiff diff = InventoryDiff.between(Map.of(i1.providerID(), i1, i2.providerID(), i2), List.of());

        assertThat(diff.tombstones()).containsExactly(i1.providerID(), i2.providerID());
    }

    @Test
    void shouldRememberWhatWasPublishedWhenRecordApplied() {
        PoolRecord record = new PoolRecord("ns/pool", "g");
        InstanceState i1 = instance("i-1", InstanceLifecycle.RUNNING);
        record.applied(InventoryDiff.between(Map.of(), List.of(i1)));

        record.applied(InventoryDiff.between(record.published(), List.of()));

        assertThat(record.published()).isEmpty();
    }
}
