package dev.poolstream.status.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryReportsTest {

    private static final Instant T0 = Instant.parse("2026-11-21T06:00:00Z");
    private final RetryReports reports = new RetryReports(Duration.ofMinutes(1));

    @Test
    void shouldReportTheFirstFailureThenAtMostOncePerInterval() {
        assertThat(reports.failed("a/p", T0)).isTrue();
        assertThat(reports.failed("a/p", T0.plusMillis(500))).isFalse();
        assertThat(reports.failed("a/p", T0.plusSeconds(59))).isFalse();
        assertThat(reports.failed("a/p", T0.plusSeconds(60).minusMillis(1))).isFalse();
        assertThat(reports.failed("a/p", T0.plusSeconds(60))).isTrue();
        assertThat(reports.failed("a/p", T0.plusSeconds(90))).isFalse();
        assertThat(reports.failed("a/p", T0.plusSeconds(120))).isTrue();
    }

    @Test
    void shouldReportEachPoolOnItsOwn() {
        assertThat(reports.failed("a/p", T0)).isTrue();
        assertThat(reports.failed("a/q", T0.plusSeconds(1))).isTrue();
        assertThat(reports.failed("a/p", T0.plusSeconds(2))).isFalse();
        assertThat(reports.failed("a/q", T0.plusSeconds(3))).isFalse();
    }

    @Test
    void shouldTellARecoveryOnlyOfAPoolWhoseFailureWasReportedAndReportItsNextFailureAtOnce() {
        assertThat(reports.recovered("a/p")).isFalse();
        reports.failed("a/p", T0);

        assertThat(reports.recovered("a/p")).isTrue();
        assertThat(reports.recovered("a/p")).isFalse();
        assertThat(reports.failed("a/p", T0.plusSeconds(1))).isTrue();
    }

    @Test
    void shouldForgetTheLongestUnheardOfPoolBeyondTheBound() {
        reports.failed("a/first", T0);
        for (int i = 0; i < RetryReports.REMEMBERED; i++) {
            reports.failed("b/" + i, T0);
        }

        // Exactly REMEMBERED kept: the first of those after it still.
        assertThat(reports.failed("b/0", T0.plusSeconds(1))).isFalse();
        assertThat(reports.failed("a/first", T0.plusSeconds(1))).isTrue();
        assertThat(reports.failed("b/" + (RetryReports.REMEMBERED - 1), T0.plusSeconds(1))).isFalse();
    }
}
