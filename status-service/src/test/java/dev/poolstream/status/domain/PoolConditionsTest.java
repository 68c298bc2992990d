package dev.poolstream.status.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PoolConditionsTest {

    @Test
    void shouldKeepAReasonWhenItFitsMetav1ConditionsPattern() {
        assertThat(PoolConditions.reason("CloudRejected")).isEqualTo("CloudRejected");
        assertThat(PoolConditions.reason("Replicas_Out:Of,Range")).isEqualTo("Replicas_Out:Of,Range");
    }

    @Test
    void shouldKeepOnlyLettersDigitsAndUnderscoresWhenAReasonDoesNotFit() {
        assertThat(PoolConditions.reason("AutoScaling.ValidationError")).isEqualTo("AutoScalingValidationError");
        assertThat(PoolConditions.reason("429 Too Many Requests")).isEqualTo("TooManyRequests");
        assertThat(PoolConditions.reason("Failed:")).isEqualTo("Failed");
        assertThat(PoolConditions.reason("...")).isEqualTo("Unknown");
        assertThat(PoolConditions.reason(null)).isEqualTo("Unknown");
        assertThat(PoolConditions.reason("A".repeat(2000))).hasSize(PoolConditions.REASON_MAX_LENGTH);
        assertThat(PoolConditions.reason("AutoScaling.ValidationError")).matches(PoolConditions.REASON_PATTERN);
    }

    @Test
    void shouldCutAMessageWithinTheLimitInBytesWhenItIsTooLong() {
        String ascii = PoolConditions.message("x".repeat(40_000));
        String wide = PoolConditions.message("é€😀".repeat(10_000));

        assertThat(ascii).endsWith("...").hasSize(PoolConditions.MESSAGE_MAX_LENGTH);
        assertThat(wide.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(PoolConditions.MESSAGE_MAX_LENGTH)
                .isGreaterThan(PoolConditions.MESSAGE_MAX_LENGTH - 8);
        assertThat(wide.substring(0, wide.length() - 3).codePoints().allMatch(Character::isValidCodePoint)).isTrue();
        assertThat(Character.isHighSurrogate(wide.charAt(wide.length() - 4))).isFalse();
        assertThat(PoolConditions.message("short")).isEqualTo("short");
        assertThat(PoolConditions.message(null)).isEmpty();
    }
}
