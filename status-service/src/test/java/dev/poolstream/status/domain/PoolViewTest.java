package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.POOL;
import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.aws;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.lifecycle.NodeJoined;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What a view remembers of the events it published: what a restart sends again (PoolLooks). */
class PoolViewTest {

    private static final PoolView EMPTY = new PoolView(null, 0, null, null, null, null);

    @Test
    void shouldRememberTheEventsOfThisLookAfterThoseOfTheLastStillRecent() {
        Instant now = T0.plus(PoolView.RECENT_KEPT);
        PoolView previous = EMPTY.remembering(null, List.of(sent(1, T0), sent(2, T0.plusSeconds(1))), T0);

        PoolView view = EMPTY.remembering(previous, List.of(sent(3, now)), now);

        // The event exactly RECENT_KEPT old is no longer kept; the one a second younger is.
        assertThat(view.recent()).extracting(PoolView.Sent::id).containsExactly("id-2", "id-3");
    }

    @Test
    void shouldKeepOnlyTheNewestWhenMoreWereSent() {
        List<PoolView.Sent> many = IntStream.rangeClosed(1, PoolView.RECENT_MAX + 3).mapToObj(i -> sent(i, T0))
                .toList();
        PoolView previous = EMPTY.remembering(null, many.subList(0, 10), T0);

        PoolView view = EMPTY.remembering(previous, many.subList(10, many.size()), T0);

        assertThat(view.recent()).hasSize(PoolView.RECENT_MAX).first().extracting(PoolView.Sent::id)
                .isEqualTo("id-4");
        assertThat(view.recent()).last().extracting(PoolView.Sent::id).isEqualTo("id-" + (PoolView.RECENT_MAX + 3));
    }

    private static PoolView.Sent sent(int n, Instant at) {
        return new PoolView.Sent("id-" + n, new NodeJoined(POOL, at, "n" + n, aws(n)));
    }
}
