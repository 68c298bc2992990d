package dev.poolstream.provider.azure.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CapacityChangeTest {

    @Test
    void shouldAllowRaisingOrKeepingCapacityWhenScalingUp() {
        assertThat(CapacityChange.check("np", 5, 20)).isEmpty();
        assertThat(CapacityChange.check("np", 5, 5)).isEmpty();
    }

    @Test
    void shouldRefuseLoweringCapacityAndNameTheCommandToSendWhenScalingDownBlindly() {
        var failure = CapacityChange.check("np", 5, 3).orElseThrow();
        assertThat(failure.reason()).isEqualTo("ScaleDownNeedsNamedInstances");
        assertThat(failure.message()).contains("capacity 5", "to 3", "TerminateInstances", "2 drained instances");
    }
}
