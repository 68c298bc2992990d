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
        Retries retries = new Retries(Duration.ofSeconds(backoff), Duration.ofSeconds(max), 5);

        assertThat(retries.delay(failures)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest(name = "backoff {0} ms, at most {1} ms, {2} attempts: valid={3}")
    @CsvSource(textBlock = """
            0,   0,   1, true
            100, 100, 1, true
            100, 200, 5, true
            -1,  100, 5, false
            100, 99,  5, false
            100, 200, 0, false
            """)
    void shouldRefuseANegativeBackoffAMaximumBelowItOrNoAttemptWhenCreated(long backoff, long max, int attempts,
                                                                          boolean valid) {
        if (valid) {
            assertThat(new Retries(Duration.ofMillis(backoff), Duration.ofMillis(max), attempts).attempts())
                    .isEqualTo(attempts);
        } else {
            assertThatThrownBy(() -> new Retries(Duration.ofMillis(backoff), Duration.ofMillis(max), attempts))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid retries");
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
                failedBefore, null);

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
