package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Failure;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryNoticeTest {

    @Test
    void shouldNameTheProblemAsTheReasonAndSayWhichCommandIsRetriedAfterWhichAttemptWhenAndWhy() {
        Failure notice = RetryNotice.of("SetCapacity", 3, Duration.ofSeconds(4), "CloudThrottled",
                "CloudThrottled: UpdateAutoScalingGroup workers: Throttling: Rate exceeded");

        assertThat(notice.reason()).isEqualTo("CloudThrottled");
        assertThat(notice.message()).isEqualTo("retrying SetCapacity (attempt 3, next in 4s): CloudThrottled: "
                + "UpdateAutoScalingGroup workers: Throttling: Rate exceeded");
    }

    @ParameterizedTest
    @CsvSource(value = {"null", "''", "' '"}, nullValues = "null")
    void shouldSayRetryingWhenTheFailureNamesNoReason(String reason) {
        assertThat(RetryNotice.of("SetCapacity", 1, Duration.ofSeconds(1), reason, "boom").reason())
                .isEqualTo(Reasons.RETRYING).isEqualTo("Retrying");
    }

    @Test
    void shouldLeaveOutTheColonWhenThereIsNoErrorToTell() {
        assertThat(RetryNotice.of("RollOut", 1, Duration.ofMillis(200), null, null).message())
                .isEqualTo("retrying RollOut (attempt 1, next in 200ms)");
        assertThat(RetryNotice.of("RollOut", 1, Duration.ofMillis(200), null, " ").message())
                .isEqualTo("retrying RollOut (attempt 1, next in 200ms)");
    }

    @ParameterizedTest
    @CsvSource({
            "0, 0ms",
            "-5, 0ms",
            "250, 250ms",
            "999, 999ms",
            "1000, 1s",
            "1049, 1s",
            "1050, 1.1s",
            "1500, 1.5s",
            "4000, 4s",
            "30000, 30s",
            "59940, 59.9s",
            "60000, 1m",
            "90000, 1m30s",
            "120400, 2m",
            "3600000, 60m"})
    void shouldWriteADurationAsAPersonWould(long millis, String expected) {
        assertThat(RetryNotice.human(Duration.ofMillis(millis))).isEqualTo(expected);
    }
}
