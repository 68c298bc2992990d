package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.NodeState;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MembershipTest {

    @ParameterizedTest(name = "ready={0} transition=+{1}s minReady={2} now=+{3}s -> available {4}, next look {5}")
    @CsvSource(nullValues = "null", textBlock = """
            True,    0,    0,  0,  true,  null
            False,   0,    0,  0,  false, null
            Unknown, 0,    0,  0,  false, null
            True,    0,    20, 10, false, 20.001
            True,    0,    20, 20, false, 20.001
            True,    0,    20, 21, true,  null
            True,    null, 20, 99, false, null
            True,    null, 0,  0,  true,  null
            """)
    void shouldBeAvailableOnlyWhenReadyLongerThanMinReadySeconds(String ready, Integer transitionSecond,
                                                                 int minReadySeconds, int nowSecond,
                                                                 boolean available, Double nextLookSecond) {
        NodeState node = Pools.node("n", "aws:///a/i-1", ConditionStatus.valueOf(ready.toUpperCase()),
                transitionSecond == null ? null : T0.plusSeconds(transitionSecond));
        Instant now = T0.plusSeconds(nowSecond);

        assertThat(Membership.available(node, minReadySeconds, now)).isEqualTo(available);
        assertThat(Membership.becomesAvailable(node, minReadySeconds, now))
                .isEqualTo(java.util.Optional.ofNullable(nextLookSecond)
                        .map(s -> T0.plusMillis(Math.round(s * 1000))));
    }
}
