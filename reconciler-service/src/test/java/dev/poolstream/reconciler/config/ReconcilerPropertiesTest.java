package dev.poolstream.reconciler.config;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.Validation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Timings that would make liveness always down or a loop spin are refused at boot, naming the property. */
class ReconcilerPropertiesTest {

    private static List<String> violations(Map<String, String> properties) {
        ReconcilerProperties bound = new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("poolstream.reconciler", ReconcilerProperties.class);
        return Validation.buildDefaultValidatorFactory().getValidator().validate(bound).stream()
                .map(v -> v.getPropertyPath().toString()).sorted().toList();
    }

    @Test
    void shouldTakeTheDefaults() {
        assertThat(violations(Map.of())).isEmpty();
    }

    @Test
    void shouldRefuseAStallLimitOrDrainRetryOfZero() {
        // A stall limit of 0 is passed at every look: liveness was down for good, the pod restarted in a loop.
        assertThat(violations(Map.of("poolstream.reconciler.stall-limit", "0s",
                "poolstream.reconciler.drain-retry", "0s"))).containsExactly("drainRetry", "stallLimit");
    }
}
