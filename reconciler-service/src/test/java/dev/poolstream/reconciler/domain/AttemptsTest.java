package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.POOL;
import static dev.poolstream.reconciler.domain.Pools.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Failure;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** A failed command's attempts: their ids, their backoff (capped, never given up), what a user is told. */
class AttemptsTest {

    private static final SetCapacity DECIDED = SetCapacity.of(POOL, 7, "workers", new Capacity(20, 0, 50, false),
            "x");
    private static final Failure THROTTLED = new Failure("RetriesExhausted", "Rate exceeded");

    @ParameterizedTest(name = "attempt {0}")
    @CsvSource({"0", "1", "2", "3", "5"})
    void shouldNameTheFirstAttemptByTheDecisionsIdAndEveryLaterOneByANewDerivedId(int attempt) {
        String id = Attempts.attemptId(DECIDED, attempt);

        if (attempt <= 1) {
            assertThat(id).isEqualTo(DECIDED.id());
        } else {
            assertThat(id).isNotEqualTo(DECIDED.id()).isEqualTo(Attempts.attemptId(DECIDED, attempt))
                    .isNotEqualTo(Attempts.attemptId(DECIDED, attempt + 1));
        }
    }

    @ParameterizedTest(name = "generation {0}: keeps {1}")
    @CsvSource(textBlock = """
            5, '6,7,8'
            6, '6,7,8'
            7, '7,8'
            8, '8'
            9, ''
            """)
    void shouldForgetOnlyTheAttemptsOfOlderGenerationsWhenPruned(long generation, String kept) {
        Attempts attempts = new Attempts(Map.of("a6", attempt(6), "a7", attempt(7), "a8", attempt(8)));

        assertThat(attempts.prune(generation).byBase().keySet()).containsExactlyInAnyOrderElementsOf(
                kept.isEmpty() ? List.of() : Stream.of(kept.split(",")).map(g -> "a" + g).toList());
    }

    @Test
    void shouldHoldTheFirstFailureForTheBackoffThenSendTheNextAttemptUnderItsId() {
        List<Notice> notices = new ArrayList<>();
        Attempts failed = Attempts.NONE.failed(CommandFailure.of(DECIDED, THROTTLED), 7, T0, Retries.DEFAULT,
                notices);

        assertThat(notices).singleElement().satisfies(n -> {
            assertThat(n.warning()).isTrue();
            assertThat(n.reason()).isEqualTo(Attempts.REASON_RETRYING);
            assertThat(n.note()).isEqualTo("SetCapacity " + DECIDED.id() + " failed (RetriesExhausted: Rate"
                    + " exceeded); retrying in 10s (attempt 2 of 5)");
        });
        assertThat(failed.hasFailed(DECIDED.id())).isTrue();
        assertThat(failed.waiting(DECIDED.id())).isTrue();
        assertThat(failed.retrying(Retries.DEFAULT, T0).message()).isEqualTo("SetCapacity failed (RetriesExhausted:"
                + " Rate exceeded); attempt 2 of 5 at " + T0.plusSeconds(10));
        assertThat(failed.nextRetryAt(T0)).isEqualTo(T0.plusSeconds(10));

        Attempts.Sending held = failed.send(DECIDED, T0.plusSeconds(10).minusMillis(1));
        assertThat(held.command()).isNull();
        assertThat(held.heldUntil()).isEqualTo(T0.plusSeconds(10));
        assertThat(held.attempts()).isEqualTo(failed);

        Attempts.Sending second = failed.send(DECIDED, T0.plusSeconds(10));
        String id = Attempts.attemptId(DECIDED, 2);
        assertThat(second.command()).isEqualTo(Attempts.withId(DECIDED, id));
        assertThat(second.heldUntil()).isNull();
        assertThat(second.attempts().byBase().get(DECIDED.id())).satisfies(a -> {
            assertThat(a.sent()).isEqualTo(2);
            assertThat(a.lastId()).isEqualTo(id);
            assertThat(a.ids()).containsExactlyInAnyOrder(DECIDED.id(), id);
            assertThat(a.retryAt()).isNull();
        });
        Attempts inFlight = second.attempts();
        assertThat(inFlight.hasFailed(DECIDED.id())).as("an earlier attempt").isTrue();
        assertThat(inFlight.hasFailed(id)).as("in flight").isFalse();
        assertThat(inFlight.hasFailed("unknown")).isFalse();
        assertThat(inFlight.waiting(DECIDED.id())).isFalse();
        assertThat(inFlight.retrying(Retries.DEFAULT, T0.plusSeconds(11))).isNull();
        assertThat(inFlight.nextRetryAt(T0.plusSeconds(11))).isNull();
        assertThat(inFlight.isAttemptOf(id, DECIDED.id())).isTrue();
        assertThat(inFlight.isAttemptOf(DECIDED.id(), DECIDED.id())).isTrue();
        assertThat(inFlight.isAttemptOf("another", DECIDED.id())).isFalse();
        assertThat(Attempts.NONE.isAttemptOf(id, DECIDED.id())).isFalse();
        // Decided again while it is in flight: the same attempt, under the same id (the sender drops the repeat).
        assertThat(inFlight.send(DECIDED, T0.plusSeconds(12)).command().id()).isEqualTo(id);
    }

    @Test
    void shouldTakeInEachFailureOnceAndIgnoreThoseOfEarlierAttemptsAndOlderGenerations() {
        List<Notice> notices = new ArrayList<>();
        Attempts failed = Attempts.NONE.failed(CommandFailure.of(DECIDED, THROTTLED), 7, T0, Retries.DEFAULT,
                notices);
        Attempts second = failed.send(DECIDED, T0.plusSeconds(10)).attempts();
        notices.clear();

        assertThat(failed.failed(CommandFailure.of(DECIDED, THROTTLED), 7, T0.plusSeconds(1), Retries.DEFAULT,
                notices)).as("the same failure again").isSameAs(failed);
        assertThat(second.failed(CommandFailure.of(DECIDED, THROTTLED), 7, T0.plusSeconds(11), Retries.DEFAULT,
                notices)).as("the first attempt's failure, again").isSameAs(second);
        SetCapacity older = SetCapacity.of(POOL, 6, "workers", new Capacity(3, 0, 50, false), "x");
        assertThat(Attempts.NONE.failed(CommandFailure.of(older, THROTTLED), 7, T0, Retries.DEFAULT, notices))
                .as("an older generation's").isSameAs(Attempts.NONE);
        assertThat(notices).isEmpty();

        // The second attempt fails: its backoff is the second (20 s).
        ScalingGroupCommand attempt2 = Attempts.withId(DECIDED, Attempts.attemptId(DECIDED, 2));
        Attempts again = second.failed(CommandFailure.of(attempt2, THROTTLED), 7, T0.plusSeconds(12),
                Retries.DEFAULT, notices);
        assertThat(again.byBase().get(DECIDED.id()).retryAt()).isEqualTo(T0.plusSeconds(32));
        assertThat(notices).singleElement().extracting(Notice::note).asString()
                .contains(attempt2.id(), "retrying in 20s (attempt 3 of 5)");
        assertThat(again.hasFailed(attempt2.id())).isTrue();
    }

    /**
     * A cause a user fixes later (a bootstrap Secret created) must still be picked up: past its attempts a decision
     * is tried again at most the cap apart, each attempt under its own derived id, and the pool says so.
     */
    @ParameterizedTest(name = "{0} attempts at the growing backoff")
    @CsvSource({"1", "2", "3"})
    void shouldNeverGiveUpButTryAgainPastTheAttemptsAtMostTheCapApartUnderNewIds(int attempts) {
        Retries retries = new Retries(Duration.ofSeconds(2), Duration.ofMinutes(1), attempts, Duration.ofSeconds(5));
        Failure why = new Failure("InvalidTemplate", "no Secret team-a/workers-bootstrap");
        List<Notice> notices = new ArrayList<>();
        Attempts state = Attempts.NONE;
        Instant now = T0;
        List<String> ids = new ArrayList<>();
        for (int failed = 1; failed <= attempts + 3; failed++) {
            String id = Attempts.attemptId(DECIDED, failed);
            ids.add(id);
            state = state.failed(CommandFailure.of(Attempts.withId(DECIDED, id), why), 7, now, retries, notices);

            // 2 s, 4 s, 8 s, ... while within the attempts; past them, at most 5 s.
            long seconds = failed < attempts ? 2L << (failed - 1) : Math.min(5, 2L << (failed - 1));
            Instant due = now.plusSeconds(seconds);
            String note = "SetCapacity " + id + " failed (InvalidTemplate: no Secret team-a/workers-bootstrap);"
                    + " retrying in " + seconds + "s (attempt " + (failed + 1)
                    + (failed < attempts ? " of " + attempts + ")" : "; " + failed
                    + (failed == 1 ? " attempt" : " attempts") + " failed, so it is tried at most 5s apart until it"
                    + " succeeds or the pool's spec changes)");
            assertThat(notices).last().isEqualTo(Notice.warning("Retry", Attempts.REASON_RETRYING, note));
            assertThat(state.retrying(retries, now)).isEqualTo(new Failure(Attempts.REASON_RETRYING,
                    failed < attempts
                            ? "SetCapacity failed (InvalidTemplate: no Secret team-a/workers-bootstrap); attempt "
                            + (failed + 1) + " of " + attempts + " at " + due
                            : "SetCapacity failed " + failed + " times (last: InvalidTemplate: no Secret"
                            + " team-a/workers-bootstrap); attempt " + (failed + 1) + " at " + due));
            assertThat(state.nextRetryAt(now)).as("looked at again when it is due").isEqualTo(due);

            Attempts.Sending held = state.send(DECIDED, due.minusMillis(1));
            assertThat(held.command()).isNull();
            assertThat(held.heldUntil()).isEqualTo(due);
            Attempts.Sending next = state.send(DECIDED, due);
            String nextId = Attempts.attemptId(DECIDED, failed + 1);
            assertThat(next.command()).isEqualTo(Attempts.withId(DECIDED, nextId));
            assertThat(ids).doesNotContain(nextId);
            assertThat(state.send(DECIDED, due.plusSeconds(1)).command().id()).as("the same attempt, the same id")
                    .isEqualTo(nextId);
            state = next.attempts();
            assertThat(state.retrying(retries, due)).as("in flight").isNull();
            now = due.plusSeconds(1);
        }
        assertThat(notices).hasSize(attempts + 3).allMatch(n -> n.reason().equals(Attempts.REASON_RETRYING));
    }

    /** Retried for as long as it fails, a decision keeps its own id and its last attempts' ids, not all of them. */
    /**
     * A group state names the last command carried out; whether it is an attempt of a decision must be known after
     * a restart too (nothing remembered): the first attempts' ids are derived, a later one only remembered.
     */
    @ParameterizedTest(name = "attempt {0}, remembered {1}: known {2}")
    @CsvSource(textBlock = """
            1,  false, true
            2,  false, true
            16, false, true
            17, false, false
            17, true,  true
            40, true,  true
            """)
    void shouldKnowTheFirstAttemptsOfADecisionWithoutMemoryAndLaterOnesWhenRemembered(int attempt,
                                                                                       boolean remembered,
                                                                                       boolean known) {
        String id = Attempts.attemptId(DECIDED, attempt);
        Attempts attempts = remembered ? new Attempts(Map.of(DECIDED.id(), new Attempts.Attempt("SetCapacity", 7,
                attempt, id, Set.of(DECIDED.id(), id), null, null))) : Attempts.NONE;
        SetCapacity other = SetCapacity.of(POOL, 7, "workers", new Capacity(21, 0, 50, false), "x");

        assertThat(attempts.isAttemptOf(id, DECIDED)).isEqualTo(known);
        assertThat(attempts.isAttemptOf(Attempts.attemptId(other, attempt), DECIDED)).as("another decision's")
                .isFalse();
        assertThat(attempts.isAttemptOf(null, DECIDED)).as("no command carried out yet").isFalse();
    }

    @Test
    void shouldKeepTheIdsOfOnlyTheLastAttemptsOfADecisionRetriedForLong() {
        Attempts state = Attempts.NONE.failed(CommandFailure.of(DECIDED, THROTTLED), 7, T0, Retries.DEFAULT,
                new ArrayList<>());
        Instant now = T0;
        for (int attempt = 2; attempt <= 41; attempt++) {
            now = now.plus(Duration.ofMinutes(2));
            state = state.send(DECIDED, now).attempts();
            if (attempt < 41) {
                state = state.failed(CommandFailure.of(Attempts.withId(DECIDED, Attempts.attemptId(DECIDED, attempt)),
                        THROTTLED), 7, now, Retries.DEFAULT, new ArrayList<>());
            }
        }

        List<String> kept = new ArrayList<>(List.of(DECIDED.id()));
        for (int attempt = 26; attempt <= 41; attempt++) {
            kept.add(Attempts.attemptId(DECIDED, attempt));
        }
        assertThat(state.byBase().get(DECIDED.id()).ids()).containsExactlyInAnyOrderElementsOf(kept);
        assertThat(state.byBase().get(DECIDED.id()).sent()).isEqualTo(41);
        assertThat(state.isAttemptOf(Attempts.attemptId(DECIDED, 26), DECIDED.id())).isTrue();
        assertThat(state.isAttemptOf(Attempts.attemptId(DECIDED, 25), DECIDED.id())).as("forgotten").isFalse();
        assertThat(state.hasFailed(Attempts.attemptId(DECIDED, 40))).isTrue();
        assertThat(state.hasFailed(Attempts.attemptId(DECIDED, 41))).as("in flight").isFalse();
    }

    @ParameterizedTest(name = "{0} attempts failed, retry at +{1}s, now +{2}s: pending={3}")
    @CsvSource(textBlock = """
            1, 10, 0,  true
            1, 10, 9,  true
            1, 10, 10, false
            1, 10, 11, false
            5, 10, 9,  true
            5, 10, 10, false
            9, 10, 9,  true
            """)
    void shouldCountAnAttemptAsPendingOnlyUntilItsTimeHasComeHoweverOftenItFailed(int failed, long retryIn,
                                                                                long nowAt, boolean pending) {
        Attempts waiting = new Attempts(Map.of(DECIDED.id(), new Attempts.Attempt("SetCapacity", 7, failed,
                DECIDED.id(), Set.of(DECIDED.id()), T0.plusSeconds(retryIn), null)));

        assertThat(waiting.nextRetryAt(T0.plusSeconds(nowAt)))
                .isEqualTo(pending ? T0.plusSeconds(retryIn) : null);
        assertThat(waiting.retrying(Retries.DEFAULT, T0.plusSeconds(nowAt)) != null).isEqualTo(pending);
    }

    @Test
    void shouldSayTheEarliestPendingRetryWhenSeveralWait() {
        Attempts attempts = new Attempts(Map.of(
                "a", new Attempts.Attempt("SetCapacity", 7, 2, "a2", Set.of("a", "a2"), T0.plusSeconds(40), null),
                "b", new Attempts.Attempt("RollOut", 7, 1, "b", Set.of("b"), T0.plusSeconds(20),
                        new Failure("InvalidTemplate", "no AMI"))));

        assertThat(attempts.nextRetryAt(T0)).isEqualTo(T0.plusSeconds(20));
        assertThat(attempts.retrying(Retries.DEFAULT, T0).message()).isEqualTo("RollOut failed (InvalidTemplate: no"
                + " AMI); attempt 2 of 5 at " + T0.plusSeconds(20));
        assertThat(attempts.retrying(Retries.DEFAULT, T0.plusSeconds(30)).message())
                .isEqualTo("SetCapacity failed (unknown); attempt 3 of 5 at " + T0.plusSeconds(40));
    }

    static Stream<Arguments> commands() {
        var template = GroupTemplate.of(Pools.aws(3));
        Capacity capacity = new Capacity(3, 0, 50, false);
        return Stream.of(
                Arguments.of(EnsureGroup.of(POOL, 7, "workers", template, capacity)),
                Arguments.of(SetCapacity.of(POOL, 7, "workers", capacity, "x")),
                Arguments.of(RollOut.of(POOL, 7, "workers", template)),
                Arguments.of(TerminateInstances.of(POOL, 7, "workers", List.of("aws:///a/i-2", "aws:///a/i-1"))),
                Arguments.of(DeleteGroup.of(POOL, 7, "workers")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void shouldSendTheSameCommandUnderAnotherIdWhenTriedAgain(ScalingGroupCommand command) {
        ScalingGroupCommand again = Attempts.withId(command, "attempt-2");

        assertThat(again).isInstanceOf(command.getClass()).usingRecursiveComparison().ignoringFields("id")
                .isEqualTo(command);
        assertThat(again.id()).isEqualTo("attempt-2");
        assertThat(Attempts.withId(command, command.id())).isSameAs(command);
    }

    private static Attempts.Attempt attempt(long generation) {
        return new Attempts.Attempt("SetCapacity", generation, 1, "a" + generation, Set.of("a" + generation),
                T0, THROTTLED);
    }
}
