package dev.poolstream.status.config;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.Validation;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Timings that would kill the stream threads or spin are refused at boot, naming the property. */
class StatusPropertiesTest {

    private static StatusProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("poolstream.status", StatusProperties.class);
    }

    private static java.util.List<String> violations(StatusProperties properties) {
        return Validation.buildDefaultValidatorFactory().getValidator().validate(properties).stream()
                .map(v -> v.getPropertyPath().toString()).sorted().toList();
    }

    @Test
    void shouldTakeTheDefaults() {
        assertThat(violations(bind(Map.of()))).isEmpty();
    }

    @Test
    void shouldRefuseALookIntervalOrWriteRetryOfZero() {
        // Kafka Streams refuses to schedule a punctuation under 1 ms: each stream thread died, then liveness.
        assertThat(violations(bind(Map.of("poolstream.status.look-interval", "0s",
                "poolstream.status.write-retry-initial", "0s", "poolstream.status.workload-timeout", "-1s"))))
                .containsExactly("lookInterval", "workloadTimeout", "writeRetryInitial");
    }
}
