package dev.poolstream.status.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus.Phase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** MACHINEPOOL-SEMANTICS.md §4, rule by rule: in order, the last match wins, none keeps the previous phase. */
class PhasesTest {

    @ParameterizedTest(name = "[{index}] {0}: previous={1} -> {9}")
    @CsvSource(nullValues = "null", textBlock = """
            rule 1 no phase yet,                        null,         false, false, false, 0, 0, false, false, Pending
            nothing matches keeps previous,             Provisioned,  false, false, false, 0, 0, false, false, Provisioned
            rule 2 bootstrap without infrastructure,    Pending,      true,  false, false, 3, 0, false, false, Provisioning
            rule 2 needs bootstrap data,                Pending,      false, false, false, 3, 0, false, false, Pending
            rule 3 node refs,                           Provisioning, true,  false, true,  3, 0, false, false, Provisioned
            rule 4 desired equals ready,                Provisioned,  true,  true,  true,  3, 3, false, false, Running
            rule 4 zero replicas,                       null,         true,  true,  false, 0, 0, false, false, Running
            rule 5 desired above ready,                 Running,      true,  true,  true,  5, 3, false, false, ScalingUp
            rule 5 externally managed,                  Running,      true,  true,  true,  5, 3, true,  false, Scaling
            rule 6 desired below ready,                 Running,      true,  true,  true,  2, 3, false, false, ScalingDown
            rule 6 externally managed,                  Running,      true,  true,  true,  2, 3, true,  false, Scaling
            rule 7 deleting wins over everything,       Running,      true,  true,  true,  3, 3, false, true,  Deleting
            rules 4-6 need infrastructure,              Provisioned,  false, false, true,  5, 3, false, false, Provisioned
            scaling up becomes running,                 ScalingUp,    true,  true,  true,  5, 5, false, false, Running
            """)
    void shouldFollowClusterApisPhaseRules(String rule, String previous, boolean bootstrapReady, boolean provisioned,
                                           boolean anyNodeRefs, int desired, int ready, boolean external,
                                           boolean deleting, String expected) {
        Phase phase = Phases.next(previous == null ? null : Phase.valueOf(previous.toUpperCase()), new Phases.Facts(bootstrapReady, provisioned, anyNodeRefs, desired, ready,
                external, deleting));

        assertThat(phase.getValue()).as(rule).isEqualTo(expected);
    }
}
