package dev.poolstream.provider.domain;

import static dev.poolstream.provider.domain.Snapshots.group;
import static dev.poolstream.provider.domain.Snapshots.instance;
import static dev.poolstream.provider.domain.Snapshots.with;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GroupSnapshotTest {

    @ParameterizedTest(name = "{0} counts: {1}")
    @CsvSource({"PENDING, 1", "RUNNING, 1", "TERMINATING, 0", "FAILED, 0"})
    void shouldCountOnlyPendingAndRunningInstancesAsLiveWhenLifecyclesDiffer(InstanceLifecycle lifecycle, long live) {
        GroupSnapshot g = with(group(1, 0, 5, "1", 0), List.of(instance("i-1", lifecycle, "1")));

        assertThat(g.liveInstances()).isEqualTo(live);
    }

    @Test
    void shouldFindAnInstanceByItsExactProviderIdWhenAsked() {
        GroupSnapshot g = group(2, 0, 5, "1", 2);

        assertThat(g.instanceByProviderId("aws:///us-east-1a/i-1")).map(InstanceSnapshot::instanceId).contains("i-1");
        assertThat(g.instanceByProviderId("aws:///us-east-1a/i-9")).isEmpty();
    }

    @Test
    void shouldSortPlacementWhenBuilt() {
        GroupSnapshot g = new GroupSnapshot("g", false, 0, 0, 0, null, List.of("b", "a"), null, false, null);

        assertThat(g.placement()).containsExactly("a", "b");
        assertThat(g.tags()).isEmpty();
        assertThat(g.instances()).isEmpty();
    }

    /** Short: fewer pending or running instances than desired, whatever else it holds (failed, terminating). */
    @Test
    void shouldBeShortWhileFewerInstancesLiveThanDesiredAndKeepAllButTheLaunchFailureWhenGivenOne() {
        GroupSnapshot full = with(group(2, 0, 5, "1", 0), List.of(instance("i-1", InstanceLifecycle.RUNNING, "1"),
                instance("i-2", InstanceLifecycle.PENDING, "1"), instance("i-3", InstanceLifecycle.FAILED, "1")));
        GroupSnapshot shortOne = with(group(3, 0, 5, "1", 0), full.instances());
        Failure failure = new Failure("LaunchFailed", "no capacity");

        assertThat(full.isShort()).isFalse();
        assertThat(shortOne.isShort()).isTrue();
        assertThat(shortOne.withLaunchFailure(failure)).isEqualTo(new GroupSnapshot(shortOne.group(), false, 3, 0, 5,
                "1", shortOne.placement(), shortOne.tags(), false, shortOne.instances(), failure, List.of()));
    }
}
