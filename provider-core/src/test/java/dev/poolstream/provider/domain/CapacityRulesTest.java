package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.command.Capacity;
import org.junit.jupiter.api.Test;

class CapacityRulesTest {

    @Test
    void shouldAcceptReplicasOnEitherBound() {
        assertThat(CapacityRules.check(new Capacity(1, 1, 5, false))).isEmpty();
        assertThat(CapacityRules.check(new Capacity(5, 1, 5, false))).isEmpty();
        assertThat(CapacityRules.check(new Capacity(0, 0, 0, false))).isEmpty();
    }

    @Test
    void shouldRefuseReplicasBelowMinOrAboveMax() {
        assertThat(CapacityRules.check(new Capacity(0, 1, 5, false)))
                .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Reasons.REPLICAS_OUT_OF_RANGE));
        assertThat(CapacityRules.check(new Capacity(6, 1, 5, false)))
                .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Reasons.REPLICAS_OUT_OF_RANGE));
    }

    @Test
    void shouldRefuseMinAboveMaxEvenWhenManagedExternally() {
        assertThat(CapacityRules.check(new Capacity(3, 6, 5, true)))
                .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Reasons.INVALID_CAPACITY));
    }

    @Test
    void shouldRefuseNegativeSizes() {
        assertThat(CapacityRules.check(new Capacity(-1, 0, 5, true))).isPresent();
        assertThat(CapacityRules.check(new Capacity(1, -1, 5, false))).isPresent();
    }

    @Test
    void shouldRefuseWhenCapacityIsMissing() {
        assertThat(CapacityRules.check(null)).isPresent();
    }
}
