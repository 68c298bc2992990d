package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.adoptedNode;
import static dev.poolstream.status.domain.Pools.aws;
import static dev.poolstream.status.domain.Pools.group;
import static dev.poolstream.status.domain.Pools.instance;
import static dev.poolstream.status.domain.Pools.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolDeparture;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
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
        Map<String, PoolDeparture> departures = new HashMap<>(Pools.left(T0.plusSeconds(5), aws(1), aws(3)));
        departures.putAll(Pools.left(T0.plusSeconds(9), aws(2)));

        assertThat(StatusCalculator.departed(new PoolInputs(spec(1), group(1), Map.of(), departures), null, NOW))
                .containsExactly(new PoolDeparture(aws(2), T0.plusSeconds(9), 0),
                        new PoolDeparture(aws(1), T0.plusSeconds(5), 0),
                        new PoolDeparture(aws(3), T0.plusSeconds(5), 0));
    }

    @Test
    void shouldListAMemberWhoseInstanceWentButNotOneWithAnInstanceAgain() {
        Map<String, Member> members = new HashMap<>();
        members.put(aws(1), new Member(null, adoptedNode("node-1", aws(1))));
        members.put(aws(2), new Member(instance(aws(2), 2), null));
        members.put(aws(3), new Member(instance(aws(3), 3, InstanceLifecycle.TERMINATING, "1"), null));
        Map<String, PoolDeparture> departures = Pools.left(NOW, aws(1), aws(2), aws(3));

        assertThat(StatusCalculator.departed(new PoolInputs(spec(1), group(1), members, departures), null, NOW))
                .as("its Node lingers; back in the pool; reported terminating, a member still")
                .containsExactly(new PoolDeparture(aws(1), NOW, 0));
    }

    @Test
    void shouldListADepartureForAnHourAndAThousandAtMost() {
        Map<String, PoolDeparture> departures = new HashMap<>(Pools.left(T0, aws(0)));
        for (int i = 1; i <= StatusCalculator.DEPARTED_MAX; i++) {
            departures.putAll(Pools.left(T0.plusMillis(i), aws(i)));
        }
        PoolInputs inputs = new PoolInputs(spec(1), group(1), Map.of(), departures);

        assertThat(StatusCalculator.departed(inputs, null, NOW.minusMillis(1))).hasSize(StatusCalculator.DEPARTED_MAX)
                .first().isEqualTo(new PoolDeparture(aws(StatusCalculator.DEPARTED_MAX),
                        T0.plusMillis(StatusCalculator.DEPARTED_MAX), 0));
        assertThat(StatusCalculator.departed(inputs, null, NOW.minusMillis(1))).last()
                .isEqualTo(new PoolDeparture(aws(1), T0.plusMillis(1), 0));
        assertThat(StatusCalculator.departed(inputs, null, NOW)).as("an hour after the first")
                .hasSize(StatusCalculator.DEPARTED_MAX).noneMatch(d -> d.providerID().equals(aws(0)));
        assertThat(StatusCalculator.departed(inputs, null, NOW.plusMillis(1))).as("and a millisecond after the second")
                .hasSize(StatusCalculator.DEPARTED_MAX - 1);
    }

    @Test
    void shouldCountADeparturesHourFromThePoolsResumeWhenThatIsLater() {
        assertThat(StatusCalculator.departureKept(T0, T0.plusSeconds(600), NOW.plusSeconds(599))).isTrue();
        assertThat(StatusCalculator.departureKept(T0, T0.plusSeconds(600), NOW.plusSeconds(600))).isFalse();
        assertThat(StatusCalculator.departureKept(T0.plusSeconds(600), T0, NOW.plusSeconds(599))).isTrue();
        assertThat(StatusCalculator.departureKept(T0, null, NOW.minusMillis(1))).isTrue();
        assertThat(StatusCalculator.departureKept(T0, null, NOW)).isFalse();
    }

    @Test
    void shouldKeepListingWhatLeftWhileThePoolWasPausedForAnHourAfterItsResume() {
        // Nothing lets a paused pool's objects go: a departure aged out while paused was never let go at all.
        PoolSpec paused = spec(1, 0, Map.of(ClusterApi.PAUSED_ANNOTATION, ""), false);
        Map<String, PoolDeparture> departures = Pools.left(T0.plusSeconds(1), aws(2));
        PoolView running = Pools.look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null,
                T0).view();
        PoolView pausedView = Pools.look(new PoolInputs(paused, group(1), Pools.ready(1),
                departures), running, T0.plusSeconds(2)).view();
        Instant resume = T0.plusSeconds(7200);
        PoolView resumed = Pools.look(new PoolInputs(spec(1), group(1), Pools.ready(1),
                departures), pausedView, resume).view();
        PoolView later = Pools.look(new PoolInputs(spec(1), group(1), Pools.ready(1),
                departures), resumed, resume.plus(StatusCalculator.DEPARTED_KEPT).minusMillis(1)).view();
        PoolView anHourAfter = Pools.look(new PoolInputs(spec(1), group(1), Pools.ready(1),
                departures), later, resume.plus(StatusCalculator.DEPARTED_KEPT)).view();

        assertThat(running.departuresKeptFrom()).isNull();
        assertThat(pausedView.departuresKeptFrom()).isEqualTo(T0.plusSeconds(2));
        assertThat(resumed.departuresKeptFrom()).as("the look of the resume").isEqualTo(resume);
        assertThat(resumed.status().departed()).containsExactly(new PoolDeparture(aws(2), T0.plusSeconds(1), 0));
        assertThat(later.departuresKeptFrom()).isEqualTo(resume);
        assertThat(later.status().departed()).hasSize(1);
        assertThat(anHourAfter.status().departed()).isEmpty();
    }

    @Test
    void shouldNumberAStatusOneMoreThanTheOneBeforeOnlyWhenItChanges() {
        PoolView first = Pools.look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null,
                T0).view();
        PoolView same = Pools.look(new PoolInputs(spec(2), group(2), Pools.ready(2)), first,
                T0.plusSeconds(1)).view();
        PoolView changed = Pools.look(new PoolInputs(spec(2), group(2), Pools.ready(1),
                Pools.left(T0.plusSeconds(1), aws(2))), same, T0.plusSeconds(2)).view();

        assertThat(first.status().look()).isEqualTo(1);
        assertThat(same.status()).as("unchanged: the same status, not sent again").isEqualTo(first.status());
        assertThat(changed.status().look()).isEqualTo(2);
    }

    @Test
    void shouldNotRetireTheNodeOfAMemberMissingNowByADepartureFromBeforeTheStatusThatListedIt() {
        // An Azure instance ID left after status 1, came back and was listed by status 3; a crash lost its join
        // again: missing now, and the only departure is the old one. Its Node is a live one.
        PoolView one = Pools.look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null,
                T0).view();
        PoolView listed = Pools.look(new PoolInputs(spec(3), group(3), Pools.ready(3)), one,
                T0.plusSeconds(60)).view();
        Map<String, PoolDeparture> old = Map.of(aws(3), new PoolDeparture(aws(3), T0.plusSeconds(10),
                one.status().look()));
        Map<String, PoolDeparture> fresh = Map.of(aws(3), new PoolDeparture(aws(3), T0.plusSeconds(61),
                listed.status().look()));

        assertThat(Pools.look(new PoolInputs(spec(3), group(3), Pools.ready(2), old), listed,
                T0.plusSeconds(62)).status().retired()).isEmpty();
        assertThat(Pools.look(new PoolInputs(spec(3), group(3), Pools.ready(2), fresh), listed,
                T0.plusSeconds(62)).status().retired()).extracting(PoolMember::providerID).containsExactly(aws(3));
        Map<String, PoolDeparture> unnumbered = Map.of(aws(3), new PoolDeparture(aws(3), T0.plusSeconds(61), 0));
        assertThat(Pools.look(new PoolInputs(spec(3), group(3), Pools.ready(2), unnumbered),
                listed, T0.plusSeconds(62)).status().retired())
                .as("a departure written while the pool had no view: before the incarnation that listed it").isEmpty();
        PoolView unnumberedView = new PoolView(listed.status().withLook(0), 3, null, Map.of(), List.of(), null);
        assertThat(Pools.look(new PoolInputs(spec(3), group(3), Pools.ready(2), unnumbered),
                unnumberedView, T0.plusSeconds(62)).status().retired()).as("a view written before the numbers")
                .hasSize(1);
    }

    @Test
    void shouldPutTheDeparturesInTheStatus() {
        PoolInputs inputs = new PoolInputs(spec(1), group(1), Pools.ready(1),
                Pools.left(T0.minusSeconds(1), aws(2)));

        assertThat(Pools.look(inputs, null, T0).status().departed())
                .containsExactly(new PoolDeparture(aws(2), T0.minusSeconds(1), 0));
    }
}
