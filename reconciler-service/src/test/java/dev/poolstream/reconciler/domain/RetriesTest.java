package dev.poolstream.reconciler.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How long a failed command, and a failed drain, wait before they are tried again. */
class RetriesTest {

    @ParameterizedTest(name = "backoff {0}s, at most {1}s: after failure {2} wait {3}s")
    @CsvSource(textBlock = """
            10, 300, 0,  10
            10, 300, 1,  10
            10, 300, 2,  20
            10, 300, 3,  40
            10, 300, 5,  160
            10, 300, 6,  300
            10, 300, 40, 300
            10, 10,  1,  10
            10, 10,  3,  10
            10, 15,  2,  15
            0,  5,   3,  0
            """)
    void shouldDoubleTheBackoffAfterEachFailureUpToItsMaximum(long backoff, long max, int failures, long seconds) {
        Retries retries = new Retries(Duration.ofSeconds(backoff), Duration.ofSeconds(max), 50, Duration.ofHours(1));

        assertThat(retries.delay(failures)).isEqualTo(Duration.ofSeconds(seconds));
        assertThat(retries.attemptDelay(failures)).as("within the attempts: the same")
                .isEqualTo(retries.delay(failures));
    }

    /** Past the attempts a command is still tried again, its pause capped so that a fixed cause is picked up soon. */
    @ParameterizedTest(name = "backoff 10s to 300s, {0} attempts, then at most {1}s: after failure {2} wait {3}s")
    @CsvSource(textBlock = """
            5, 60,  1,  10
            5, 60,  4,  80
            5, 60,  5,  60
            5, 60,  6,  60
            5, 60,  40, 60
            5, 600, 5,  160
            5, 600, 6,  300
            1, 60,  1,  10
            1, 5,   1,  5
            1, 5,   3,  5
            3, 30,  2,  20
            3, 30,  3,  30
            """)
    void shouldCapTheBackoffPastTheAttemptsAndKeepItsGrowthBefore(int attempts, long after, int failed, long seconds) {
        Retries retries = new Retries(Duration.ofSeconds(10), Duration.ofSeconds(300), attempts,
                Duration.ofSeconds(after));

        assertThat(retries.attemptDelay(failed)).isEqualTo(Duration.ofSeconds(seconds));
        assertThat(retries.beyondAttempts(failed)).isEqualTo(failed >= attempts);
    }

    @ParameterizedTest(name = "a drain failed {0} times: its pause grows to the maximum (the commands' cap is not its)")
    @CsvSource({"5", "6", "9"})
    void shouldKeepTheDrainsBackoffGrowingPastTheCommandsAttempts(int failures) {
        assertThat(Retries.DEFAULT.delay(failures)).isEqualTo(Duration.ofSeconds(Math.min(300,
                10L << (failures - 1))));
    }

    @ParameterizedTest(name = "backoff {0} ms, at most {1} ms, {2} attempts, then at most {3} ms: valid={4}")
    @CsvSource(textBlock = """
            0,   0,   1, 0,   true
            100, 100, 1, 100, true
            100, 200, 5, 50,  true
            -1,  100, 5, 100, false
            100, 99,  5, 100, false
            100, 200, 0, 100, false
            100, 200, 5, -1,  false
            """)
    void shouldRefuseANegativeBackoffAMaximumBelowItOrNoAttemptWhenCreated(long backoff, long max, int attempts,
                                                                          long after, boolean valid) {
        if (valid) {
            assertThat(new Retries(Duration.ofMillis(backoff), Duration.ofMillis(max), attempts,
                    Duration.ofMillis(after)).attempts()).isEqualTo(attempts);
        } else {
            assertThatThrownBy(() -> new Retries(Duration.ofMillis(backoff), Duration.ofMillis(max), attempts,
                    Duration.ofMillis(after))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid retries");
        }
    }

    @ParameterizedTest(name = "a drain failed {0} times before: next at +{1}s")
    @CsvSource(textBlock = """
            0, 10
            1, 20
            4, 160
            """)
    void shouldStartAFailedDrainAgainAfterTheBackoffOfItsFailuresInARowKeepingItsDeadline(int failedBefore,
                                                                                          long seconds) {
        Instant now = Pools.T0.plusSeconds(100);
        Memory.Drain drain = new Memory.Drain("aws:///a/i-1", "node-1", Pools.T0, Pools.T0.plusSeconds(600), null,
                failedBefore, null, null);

        Memory.Drain failed = drain.ended(new DrainOutcome.Failed("boom"), now, Retries.DEFAULT);

        assertThat(failed.failures()).isEqualTo(failedBefore + 1);
        assertThat(failed.retryAt()).isEqualTo(now.plusSeconds(seconds));
        assertThat(failed.outcome()).isNull();
        assertThat(failed.done()).isFalse();
        assertThat(failed.due(now.plusSeconds(seconds).minusMillis(1))).isFalse();
        assertThat(failed.due(now.plusSeconds(seconds))).isTrue();
        assertThat(failed.startedAt()).isEqualTo(Pools.T0);
        assertThat(failed.deadline()).isEqualTo(Pools.T0.plusSeconds(600));
    }
}
