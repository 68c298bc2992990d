package dev.poolstream.provider.domain;

import static dev.poolstream.provider.domain.Snapshots.group;
import static dev.poolstream.provider.domain.Snapshots.instance;
import static dev.poolstream.provider.domain.Snapshots.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.events.InstanceLifecycle;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PollScheduleTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final PollSchedule schedule = new PollSchedule(Duration.ofSeconds(2), Duration.ofSeconds(60),
            Duration.ofMinutes(2));

    @Test
    void shouldPollSlowlyWhenGroupIsAtRest() {
        assertThat(schedule.interval(Optional.of(group(5, 1, 10, "1", 5)), null, NOW)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void shouldPollFastWhenInstancesAreMissing() {
        assertThat(schedule.interval(Optional.of(group(20, 1, 30, "1", 5)), null, NOW)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldPollFastWhenAnInstanceIsStartingOrStopping() {
        var g = with(group(2, 0, 5, "1", 0), List.of(instance("i-1", InstanceLifecycle.RUNNING, "1"),
                instance("i-2", InstanceLifecycle.PENDING, "1")));
        var t = with(group(1, 0, 5, "1", 0), List.of(instance("i-1", InstanceLifecycle.RUNNING, "1"),
                instance("i-2", InstanceLifecycle.TERMINATING, "1")));

        assertThat(schedule.interval(Optional.of(g), null, NOW)).isEqualTo(Duration.ofSeconds(2));
        assertThat(schedule.interval(Optional.of(t), null, NOW)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldPollFastWhileCommandIsRecent() {
        var atRest = Optional.of(group(5, 1, 10, "1", 5));

        assertThat(schedule.interval(atRest, NOW.minusSeconds(30), NOW)).isEqualTo(Duration.ofSeconds(2));
        assertThat(schedule.interval(atRest, NOW.minusSeconds(120), NOW)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void shouldPollFastWhenGroupIsBeingDeleted() {
        assertThat(schedule.interval(Optional.of(Snapshots.deleting(group(5, 1, 10, "1", 5))), null, NOW))
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldPollSlowlyWhenGroupIsGoneAndNoCommandIsRecent() {
        assertThat(schedule.interval(Optional.empty(), null, NOW)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void shouldAcceptOneIntervalWhenFastEqualsSlow() {
        PollSchedule same = new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ZERO);

        assertThat(same.interval(Optional.empty(), null, NOW)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldRejectFastSlowerThanSlow() {
        assertThatThrownBy(() -> new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fast");
    }
}
