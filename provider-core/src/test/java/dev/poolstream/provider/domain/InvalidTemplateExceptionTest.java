package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Failure;
import org.junit.jupiter.api.Test;

class InvalidTemplateExceptionTest {

    @Test
    void shouldCarryTheReasonAndMessageAsAFailureWhenThrown() {
        InvalidTemplateException e = new InvalidTemplateException(Reasons.INVALID_TEMPLATE, "no AMI id");

        assertThat(e.failure()).isEqualTo(new Failure(Reasons.INVALID_TEMPLATE, "no AMI id"));
        assertThat(e).hasMessage("InvalidTemplate: no AMI id");
    }
}
