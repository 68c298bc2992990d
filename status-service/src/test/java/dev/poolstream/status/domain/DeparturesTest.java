package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.adoptedNode;
import static dev.poolstream.status.domain.Pools.aws;
import static dev.poolstream.status.domain.Pools.group;
import static dev.poolstream.status.domain.Pools.instance;
import static dev.poolstream.status.domain.Pools.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolDeparture;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The status's {@code departed}: the members that surely left, the only evidence on which the status writer lets an
 * instance's objects go. A member that is only missing (a crash lost its join) is not in it.
 */
class DeparturesTest {

    private static final Instant NOW = T0.plus(StatusCalculator.DEPARTED_KEPT);

    @Test
    void shouldListTheMembersThatLeftNewestFirst() {
        Map<String, Instant> departures = Map.of(aws(1), T0.plusSeconds(5), aws(2), T0.plusSeconds(9),
                aws(3), T0.plusSeconds(5));

        assertThat(StatusCalculator.departed(new PoolInputs(spec(1), group(1), Map.of(), departures), NOW))
                .containsExactly(new PoolDeparture(aws(2), T0.plusSeconds(9)),
                        new PoolDeparture(aws(1), T0.plusSeconds(5)), new PoolDeparture(aws(3), T0.plusSeconds(5)));
    }

    @Test
    void shouldListAMemberWhoseInstanceWentButNotOneWithAnInstanceAgain() {
        Map<String, Member> members = new HashMap<>();
        members.put(aws(1), new Member(null, adoptedNode("node-1", aws(1))));
        members.put(aws(2), new Member(instance(aws(2), 2), null));
        members.put(aws(3), new Member(instance(aws(3), 3, InstanceLifecycle.TERMINATING, "1"), null));
        Map<String, Instant> departures = Map.of(aws(1), NOW, aws(2), NOW, aws(3), NOW);

        assertThat(StatusCalculator.departed(new PoolInputs(spec(1), group(1), members, departures), NOW))
                .as("its Node lingers; back in the pool; reported terminating, a member still")
                .containsExactly(new PoolDeparture(aws(1), NOW));
    }

    @Test
    void shouldListADepartureForAnHourAndAThousandAtMost() {
        Map<String, Instant> departures = new HashMap<>();
        departures.put(aws(0), T0);
        for (int i = 1; i <= StatusCalculator.DEPARTED_MAX; i++) {
            departures.put(aws(i), T0.plusMillis(i));
        }
        PoolInputs inputs = new PoolInputs(spec(1), group(1), Map.of(), departures);

        assertThat(StatusCalculator.departed(inputs, NOW.minusMillis(1))).hasSize(StatusCalculator.DEPARTED_MAX)
                .first().isEqualTo(new PoolDeparture(aws(StatusCalculator.DEPARTED_MAX),
                        T0.plusMillis(StatusCalculator.DEPARTED_MAX)));
        assertThat(StatusCalculator.departed(inputs, NOW.minusMillis(1))).last()
                .isEqualTo(new PoolDeparture(aws(1), T0.plusMillis(1)));
        assertThat(StatusCalculator.departed(inputs, NOW)).as("an hour after the first")
                .hasSize(StatusCalculator.DEPARTED_MAX).noneMatch(d -> d.providerID().equals(aws(0)));
        assertThat(StatusCalculator.departed(inputs, NOW.plusMillis(1))).as("and a millisecond after the second")
                .hasSize(StatusCalculator.DEPARTED_MAX - 1);
    }

    @Test
    void shouldPutTheDeparturesInTheStatus() {
        PoolInputs inputs = new PoolInputs(spec(1), group(1), Pools.ready(1), Map.of(aws(2), T0.minusSeconds(1)));

        assertThat(StatusCalculator.look(Pools.POOL, inputs, null, T0).status().departed())
                .containsExactly(new PoolDeparture(aws(2), T0.minusSeconds(1)));
    }
}
