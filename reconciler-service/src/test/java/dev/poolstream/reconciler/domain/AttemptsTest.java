package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.POOL;
import static dev.poolstream.reconciler.domain.Pools.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Failure;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
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

/** A failed command's attempts: their ids, their backoff, when they are given up, what a user is told. */
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
        assertThat(failed.nextRetryAt(Retries.DEFAULT, T0)).isEqualTo(T0.plusSeconds(10));

        Attempts.Sending held = failed.send(DECIDED, T0.plusSeconds(10).minusMillis(1), Retries.DEFAULT);
        assertThat(held.command()).isNull();
        assertThat(held.heldUntil()).isEqualTo(T0.plusSeconds(10));
        assertThat(held.gaveUp()).isNull();
        assertThat(held.attempts()).isEqualTo(failed);

        Attempts.Sending second = failed.send(DECIDED, T0.plusSeconds(10), Retries.DEFAULT);
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
        assertThat(inFlight.nextRetryAt(Retries.DEFAULT, T0.plusSeconds(11))).isNull();
        assertThat(inFlight.isAttemptOf(id, DECIDED.id())).isTrue();
        assertThat(inFlight.isAttemptOf(DECIDED.id(), DECIDED.id())).isTrue();
        assertThat(inFlight.isAttemptOf("another", DECIDED.id())).isFalse();
        assertThat(Attempts.NONE.isAttemptOf(id, DECIDED.id())).isFalse();
        // Decided again while it is in flight: the same attempt, under the same id (the sender drops the repeat).
        assertThat(inFlight.send(DECIDED, T0.plusSeconds(12), Retries.DEFAULT).command().id()).isEqualTo(id);
    }

    @Test
    void shouldTakeInEachFailureOnceAndIgnoreThoseOfEarlierAttemptsAndOlderGenerations() {
        List<Notice> notices = new ArrayList<>();
        Attempts failed = Attempts.NONE.failed(CommandFailure.of(DECIDED, THROTTLED), 7, T0, Retries.DEFAULT,
                notices);
        Attempts second = failed.send(DECIDED, T0.plusSeconds(10), Retries.DEFAULT).attempts();
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

    @ParameterizedTest(name = "{0} attempts in all")
    @CsvSource({"1", "2"})
    void shouldGiveUpAfterTheLastAttemptAndSayHowOftenItFailed(int attempts) {
        Retries retries = new Retries(Duration.ofMillis(1500), Duration.ofMinutes(1), attempts);
        List<Notice> notices = new ArrayList<>();
        Attempts state = Attempts.NONE;
        Instant now = T0;
        for (int i = 1; i <= attempts; i++) {
            ScalingGroupCommand sent = Attempts.withId(DECIDED, Attempts.attemptId(DECIDED, i));
            state = state.failed(CommandFailure.of(sent, new Failure("InvalidTemplate", "")), 7, now, retries,
                    notices);
            now = now.plusSeconds(60);
            if (i < attempts) {
                assertThat(notices.get(notices.size() - 1).note()).contains("retrying in 1500ms");
                state = state.send(DECIDED, now, retries).attempts();
            }
        }

        Attempts.Sending sending = state.send(DECIDED, now.plusSeconds(3600), retries);
        String times = attempts == 1 ? "1 time" : attempts + " times";
        assertThat(sending.command()).isNull();
        assertThat(sending.heldUntil()).isNull();
        assertThat(sending.gaveUp()).isEqualTo(new Failure(Attempts.REASON_FAILED, "SetCapacity failed " + times
                + " (last: InvalidTemplate); not tried again until the pool's spec changes"));
        assertThat(notices.get(notices.size() - 1)).isEqualTo(Notice.warning("Retry", Attempts.REASON_FAILED,
                sending.gaveUp().message()));
        assertThat(state.retrying(retries, now)).as("nothing pending once given up").isNull();
        assertThat(state.nextRetryAt(retries, now)).isNull();
    }

    @ParameterizedTest(name = "retry at +{0}s, now +{1}s: pending={2}")
    @CsvSource(textBlock = """
            10, 0,  true
            10, 9,  true
            10, 10, false
            10, 11, false
            """)
    void shouldCountAnAttemptAsPendingOnlyUntilItsTimeHasCome(long retryIn, long nowAt, boolean pending) {
        Attempts waiting = new Attempts(Map.of(DECIDED.id(), new Attempts.Attempt("SetCapacity", 7, 1,
                DECIDED.id(), Set.of(DECIDED.id()), T0.plusSeconds(retryIn), null)));

        assertThat(waiting.nextRetryAt(Retries.DEFAULT, T0.plusSeconds(nowAt)))
                .isEqualTo(pending ? T0.plusSeconds(retryIn) : null);
        assertThat(waiting.retrying(Retries.DEFAULT, T0.plusSeconds(nowAt)) != null).isEqualTo(pending);
    }

    @Test
    void shouldSayTheEarliestPendingRetryWhenSeveralWait() {
        Attempts attempts = new Attempts(Map.of(
                "a", new Attempts.Attempt("SetCapacity", 7, 2, "a2", Set.of("a", "a2"), T0.plusSeconds(40), null),
                "b", new Attempts.Attempt("RollOut", 7, 1, "b", Set.of("b"), T0.plusSeconds(20),
                        new Failure("InvalidTemplate", "no AMI"))));

        assertThat(attempts.nextRetryAt(Retries.DEFAULT, T0)).isEqualTo(T0.plusSeconds(20));
        assertThat(attempts.retrying(Retries.DEFAULT, T0).message()).isEqualTo("RollOut failed (InvalidTemplate: no"
                + " AMI); attempt 2 of 5 at " + T0.plusSeconds(20));
        assertThat(attempts.retrying(Retries.DEFAULT, T0.plusSeconds(30)).message())
                .isEqualTo("SetCapacity failed (unknown); attempt 3 of 5 at " + T0.plusSeconds(40));
    }

    static Stream<Arguments> commands() {
        var template = PoolReconciler.template(Pools.aws(3));
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
