package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.ScalingGroupState;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class PoolRecordTest {

    private static ScalingGroupState state(boolean exists) {
        return new ScalingGroupState("ns/p", Cloud.AWS, "g", exists, 1, 0, 2, "1", false, 1, "id", null);
    }

    private static InstanceState instance(String providerID) {
        return new InstanceState(providerID, "ns/p", Cloud.AWS, providerID, "z", InstanceLifecycle.RUNNING, "InService",
                "1", true, Instant.EPOCH);
    }

    static Stream<Arguments> lastStates() {
        return Stream.of(
                Arguments.of("nothing published yet", null, false),
                Arguments.of("published as gone", state(false), false),
                Arguments.of("published as existing", state(true), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lastStates")
    void shouldSayTheGroupExistsOnlyWhenTheLastPublishedStateSaysSo(String what, ScalingGroupState last,
                                                                   boolean exists) {
        PoolRecord record = new PoolRecord("ns/p", "g");
        record.lastState(last);

        assertThat(record.groupExists()).isEqualTo(exists);
        assertThat(record.lastState()).isEqualTo(java.util.Optional.ofNullable(last));
    }

    @Test
    void shouldReplaceUpsertsAndDropTombstonesWhenADiffIsApplied() {
        PoolRecord record = new PoolRecord("ns/p", "g");
        record.applied(new InventoryDiff(List.of(instance("a"), instance("b")), List.of()));

        record.applied(new InventoryDiff(List.of(instance("c")), List.of("a")));

        assertThat(record.published()).containsOnlyKeys("b", "c");
    }

    @Test
    void shouldStartPollingAtOnceAndWithNoCommandOrFailureWhenNew() {
        PoolRecord record = new PoolRecord("ns/p", "g");

        assertThat(record.nextPollAt()).isEqualTo(Instant.EPOCH);
        assertThat(record.lastCommandAt()).isNull();
        assertThat(record.pollFailures()).isZero();
    }
}
