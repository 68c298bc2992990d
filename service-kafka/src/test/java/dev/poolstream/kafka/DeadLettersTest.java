package dev.poolstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    @Test
    void shouldNameTheInnermostCause() {
        Exception wrapped = new IllegalStateException("outer",
                new UncheckedIOException("middle", new java.io.IOException("connection reset")));

        assertThat(DeadLetters.rootCause(wrapped)).isEqualTo("IOException: connection reset");
        assertThat(DeadLetters.rootCause(new NullPointerException())).isEqualTo("NullPointerException");
    }
}
