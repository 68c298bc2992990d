package dev.poolstream.status.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class AgendaTest {

    private static final Instant T0 = Instant.parse("2026-11-30T18:00:00Z");

    private final Agenda agenda = new Agenda();

    @Test
    void shouldTellThePoolsDueSoonestFirstAndKeepThem() {
        agenda.put("a/late", T0.plusSeconds(2));
        agenda.put("a/soon", T0.plusSeconds(1));
        agenda.put("a/later", T0.plusSeconds(3));

        assertThat(agenda.dueAt(T0.plusSeconds(2))).containsExactly("a/soon", "a/late");
        assertThat(agenda.dueAt(T0.plusSeconds(2))).containsExactly("a/soon", "a/late");
        assertThat(agenda.dueAt(T0)).isEmpty();
    }

    @Test
    void shouldMoveAPoolPutAgainAndDropOnePutWithNoMoment() {
        agenda.put("a/p", T0.plusSeconds(1));
        agenda.put("a/p", T0.plusSeconds(5));
        agenda.put("a/q", T0.plusSeconds(1));
        agenda.put("a/q", null);

        assertThat(agenda.dueAt(T0.plusSeconds(4))).isEmpty();
        assertThat(agenda.dueAt(T0.plusSeconds(5))).containsExactly("a/p");
    }

    @Test
    void shouldKeepTheSoonerMomentWhenPutNoLaterThan() {
        agenda.putNoLaterThan("a/p", T0.plusSeconds(2));
        agenda.putNoLaterThan("a/p", T0.plusSeconds(3));
        assertThat(agenda.dueAt(T0.plusSeconds(2))).containsExactly("a/p");

        agenda.putNoLaterThan("a/p", T0.plusSeconds(1));
        assertThat(agenda.dueAt(T0.plusSeconds(1))).containsExactly("a/p");
    }

    @Test
    void shouldForgetARemovedPool() {
        agenda.put("a/p", T0);
        agenda.put("a/q", T0);
        agenda.remove("a/p");
        agenda.remove("a/none");

        assertThat(agenda.dueAt(T0)).containsExactly("a/q");
    }
}
