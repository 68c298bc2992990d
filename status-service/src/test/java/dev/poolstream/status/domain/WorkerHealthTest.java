package dev.poolstream.status.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.status.domain.WorkerHealth.Observation;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class WorkerHealthTest {

    @ParameterizedTest(name = "started {0}, streams {1} ({2} partitions), writer running {3}, healthy {4} ({5}, "
            + "joined {6}) -> alive {7}, ready {8}")
    @CsvSource(nullValues = "null", textBlock = """
            false, null,             0,  false, true,  0,  false, true,  false
            false, REBALANCING,      0,  true,  true,  0,  false, true,  false
            true,  RUNNING,          12, true,  true,  12, true,  true,  true
            true,  REBALANCING,      0,  true,  true,  12, true,  true,  false
            true,  RUNNING,          0,  true,  true,  12, true,  true,  true
            true,  RUNNING,          12, true,  true,  0,  true,  true,  true
            true,  RUNNING,          0,  true,  true,  0,  true,  true,  true
            true,  RUNNING,          12, true,  true,  0,  false, true,  false
            true,  ERROR,            0,  true,  true,  12, true,  false, false
            true,  PENDING_ERROR,    0,  true,  true,  12, true,  false, false
            true,  NOT_RUNNING,      0,  true,  true,  12, true,  false, false
            true,  PENDING_SHUTDOWN, 0,  true,  true,  12, true,  false, false
            true,  null,             0,  true,  true,  12, true,  false, false
            true,  RUNNING,          12, false, true,  0,  true,  false, false
            true,  RUNNING,          12, true,  false, 12, true,  false, false
            """)
    void shouldBeAliveUnlessAHalfIsDeadAndReadyWhenBothRunAndTheWriterJoinedWithPartitionsOrNone(
            boolean started, String streams, int streamsPartitions, boolean running, boolean healthy,
            int writerPartitions, boolean joined, boolean alive, boolean ready) {
        Observation o = new Observation(started, streams, streamsPartitions, running, healthy, writerPartitions,
                joined);

        assertThat(WorkerHealth.liveness(o).ok()).isEqualTo(alive);
        assertThat(WorkerHealth.readiness(o).ok()).isEqualTo(ready);
    }

    @Test
    void shouldSayWhichHalfIsDead() {
        assertThat(WorkerHealth.liveness(new Observation(true, "ERROR", 0, true, true, 3, true)).why())
                .isEqualTo("Kafka Streams is ERROR: no status is computed");
        assertThat(WorkerHealth.liveness(new Observation(true, "RUNNING", 3, false, true, 0, true)).why())
                .isEqualTo("the status writer's listener is stopped: no status is written");
    }

    @Test
    void shouldReplaceThreadsWithinTheBudgetOnly() {
        Instant t0 = Instant.parse("2026-11-21T06:00:00Z");
        ThreadReplacements budget = new ThreadReplacements(2, Duration.ofMinutes(10));

        assertThat(budget.replace(t0)).isTrue();
        assertThat(budget.replace(t0.plusSeconds(1))).isTrue();
        assertThat(budget.replace(t0.plusSeconds(2))).isFalse();
        // Ten minutes after the first death, one more may go.
        assertThat(budget.replace(t0.plus(Duration.ofMinutes(10)))).isTrue();
        assertThat(budget.total()).isEqualTo(3);
        assertThat(new ThreadReplacements(0, Duration.ofMinutes(10)).replace(t0)).isFalse();
    }
}
