package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.provider.domain.CommandConsumerHealth.Observation;
import dev.poolstream.provider.domain.CommandConsumerHealth.Verdict;
import org.junit.jupiter.api.Test;

class CommandConsumerHealthTest {

    private static Observation running(int partitions, boolean restoring, String restoreFailure) {
        return new Observation(true, true, partitions, restoring, restoreFailure);
    }

    @Test
    void shouldBeReadyWhenPartitionsAreAssignedAndRestored() {
        Verdict verdict = CommandConsumerHealth.readiness(running(3, false, null));

        assertThat(verdict.ok()).isTrue();
        assertThat(verdict.why()).isEqualTo("3 command partition(s) assigned and restored");
    }

    @Test
    void shouldNotBeReadyBeforeAnyPartitionIsAssigned() {
        assertThat(CommandConsumerHealth.readiness(running(0, false, null)))
                .isEqualTo(new Verdict(false, "no command partitions assigned yet"));
    }

    @Test
    void shouldNotBeReadyWhileNewlyAssignedPartitionsAreRestored() {
        assertThat(CommandConsumerHealth.readiness(running(2, true, null)))
                .isEqualTo(new Verdict(false, "restoring the pools of newly assigned partitions from Kafka"));
    }

    @Test
    void shouldNotBeReadyAndSayWhyWhenTheRestoreFailed() {
        Verdict verdict = CommandConsumerHealth.readiness(running(2, false, "partitions [0, 1]: timed out"));

        assertThat(verdict.ok()).isFalse();
        assertThat(verdict.why()).isEqualTo(
                "restoring the pools of the assigned partitions failed: partitions [0, 1]: timed out");
    }

    @Test
    void shouldNotBeReadyWhenTheConsumerDoesNotRunWhateverItStillCounts() {
        assertThat(CommandConsumerHealth.readiness(new Observation(false, true, 4, false, null)))
                .isEqualTo(new Verdict(false, "the command consumer is not running"));
    }

    @Test
    void shouldBeAliveWhileRunningOrWhenStoppedOnPurpose() {
        assertThat(CommandConsumerHealth.liveness(running(0, true, "x")))
                .isEqualTo(new Verdict(true, "the command consumer runs"));
        assertThat(CommandConsumerHealth.liveness(new Observation(false, true, 0, false, null)))
                .isEqualTo(new Verdict(true, "the command consumer was stopped"));
    }

    @Test
    void shouldBeDeadWhenTheConsumerStoppedUnexpectedly() {
        assertThat(CommandConsumerHealth.liveness(new Observation(false, false, 0, false, null)))
                .isEqualTo(new Verdict(false, "the command consumer stopped unexpectedly"));
    }
}
