package dev.poolstream.reconciler.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.command.CommandIds;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The commands of a pool that failed, and how they are tried again. A command is decided with an id derived from
 * what it does (the same decision, the same id: the sender and the provider drop a repeat). Once that id has
 * failed (dead-lettered, or not carried out in time), the same decision is sent again after a backoff, under the id
 * of its next attempt ({@link #attemptId}): new, so that it is sent and carried out, and still derived, so that the
 * same attempt made twice (a look repeated, a restart) is the same command. A decision is never given up: a cause
 * that a user fixes later (a bootstrap Secret created, a quota raised) must let the pool converge without a new
 * generation. Past {@link Retries#attempts()} failed attempts it is still tried again, at most
 * {@link Retries#maxBackoffAfterAttempts()} apart, and the pool keeps saying it is retrying, why, and when. A new
 * generation decides commands with new ids, and its attempts start over.
 *
 * @param byBase the id the decision derives (the first attempt's) → what became of it
 */
public record Attempts(Map<String, Attempt> byBase) {

    public static final Attempts NONE = new Attempts(Map.of());
    public static final String REASON_RETRYING = "RetryingCommand";
    /** The later attempts whose ids a decision keeps: a report of an older one is long overdue. */
    static final int ATTEMPT_IDS_KEPT = 16;

    public Attempts {
        byBase = Map.copyOf(byBase);
    }

    /**
     * @param sent    attempts made so far
     * @param lastId  the id of the last attempt made
     * @param ids     the decision's own id and those of its last {@link Attempts#ATTEMPT_IDS_KEPT} attempts:
     *                bounded, since a decision is retried for as long as it fails
     * @param retryAt when the next attempt may go (the last one failed); null while the last attempt is in flight
     * @param why     why the last failed attempt failed
     */
    public record Attempt(String kind, long generation, int sent, String lastId, Set<String> ids, Instant retryAt,
                          Failure why) {

        public Attempt {
            ids = Set.copyOf(ids);
        }

        boolean waiting() {
            return retryAt != null;
        }
    }

    /**
     * What becomes of a decided command now.
     *
     * @param command   to send (the decided one, or its attempt under the attempt's id); null while held
     * @param heldUntil when the next attempt may go, while it may not yet
     */
    public record Sending(ScalingGroupCommand command, Attempts attempts, Instant heldUntil) {
    }

    /** The id of a decision's {@code attempt}-th attempt (the first is the decision's own). */
    public static String attemptId(ScalingGroupCommand decided, int attempt) {
        return attempt <= 1 ? decided.id() : CommandIds.derive(decided.getClass().getSimpleName(), decided.pool(),
                decided.generation(), "attempt", attempt, decided.id());
    }

    /** Forgets the attempts of older generations: their decisions are never made again. */
    Attempts prune(long generation) {
        if (byBase.values().stream().allMatch(a -> a.generation() >= generation)) {
            return this;
        }
        Map<String, Attempt> kept = new HashMap<>(byBase);
        kept.values().removeIf(a -> a.generation() < generation);
        return new Attempts(kept);
    }

    /**
     * Takes a failure in: the attempt it ends waits {@link Retries#attemptDelay} before the next. A failure already
     * taken in, or of an earlier attempt, or of an older generation, changes nothing.
     *
     * @param notices gets what a user should see: {@code RetryingCommand}, with why and when
     */
    Attempts failed(CommandFailure failure, long generation, Instant now, Retries retries, List<Notice> notices) {
        for (Map.Entry<String, Attempt> entry : byBase.entrySet()) {
            Attempt a = entry.getValue();
            if (a.lastId().equals(failure.id())) {
                if (a.waiting()) {
                    return this;
                }
                Attempt next = new Attempt(a.kind(), a.generation(), a.sent(), a.lastId(), a.ids(),
                        now.plus(retries.attemptDelay(a.sent())), failure.why());
                notices.add(notice(next, retries));
                return with(entry.getKey(), next);
            }
            if (a.ids().contains(failure.id())) {
                return this;
            }
        }
        if (failure.generation() < generation) {
            return this;
        }
        // The decision's first attempt (its own id) failed.
        Attempt first = new Attempt(failure.kind(), failure.generation(), 1, failure.id(), Set.of(failure.id()),
                now.plus(retries.attemptDelay(1)), failure.why());
        notices.add(notice(first, retries));
        return with(failure.id(), first);
    }

    /** Whether this id is known to have failed. */
    boolean hasFailed(String id) {
        return byBase.values().stream().anyMatch(a -> a.ids().contains(id) && (a.waiting()
                || !a.lastId().equals(id)));
    }

    /** What to do with a command the look decided: send it (maybe as its next attempt), or hold it. */
    Sending send(ScalingGroupCommand decided, Instant now) {
        Attempt a = byBase.get(decided.id());
        if (a == null) {
            return new Sending(decided, this, null);
        }
        if (!a.waiting()) {
            return new Sending(withId(decided, a.lastId()), this, null);
        }
        if (now.isBefore(a.retryAt())) {
            return new Sending(null, this, a.retryAt());
        }
        String id = attemptId(decided, a.sent() + 1);
        Set<String> ids = new HashSet<>(a.ids());
        ids.add(id);
        int forgotten = a.sent() + 1 - ATTEMPT_IDS_KEPT;
        if (forgotten > 1) {
            ids.remove(attemptId(decided, forgotten));
        }
        Attempt next = new Attempt(a.kind(), a.generation(), a.sent() + 1, id, ids, null, a.why());
        return new Sending(withId(decided, id), with(decided.id(), next), null);
    }

    /** Why the last failed attempt of the decision of this id failed; empty when none did. */
    Optional<Failure> lastFailure(String decidedId) {
        Attempt a = byBase.get(decidedId);
        return a == null ? Optional.empty() : Optional.ofNullable(a.why());
    }

    /** Whether the decision of this id has failed and waits for its next attempt. */
    boolean waiting(String decidedId) {
        Attempt a = byBase.get(decidedId);
        return a != null && a.waiting();
    }

    /** Whether a command of this id is one of the attempts (under another id) of a decision. */
    boolean isAttemptOf(String id, String decidedId) {
        Attempt a = byBase.get(decidedId);
        return id.equals(decidedId) || a != null && a.ids().contains(id);
    }

    /**
     * Whether a command of this id (null: none) is one of the attempts of {@code decided}: its own id, a later
     * attempt remembered, or one of its first {@link #ATTEMPT_IDS_KEPT}, remembered or not (their ids are derived,
     * so a look that lost its memory, after a restart, still knows them).
     */
    boolean isAttemptOf(String id, ScalingGroupCommand decided) {
        if (id == null) {
            return false;
        }
        if (isAttemptOf(id, decided.id())) {
            return true;
        }
        for (int attempt = 2; attempt <= ATTEMPT_IDS_KEPT; attempt++) {
            if (attemptId(decided, attempt).equals(id)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The pool is retrying: which command, why, and when; null when it is not. An attempt whose time has passed
     * without it being made belongs to a decision no longer made (the picture changed): it is not counted.
     */
    Failure retrying(Retries retries, Instant now) {
        return byBase.values().stream().filter(a -> pending(a, now))
                .min(java.util.Comparator.comparing(Attempt::retryAt))
                .map(a -> new Failure(REASON_RETRYING, retries.beyondAttempts(a.sent())
                        ? a.kind() + " failed " + a.sent() + " times (last: " + describe(a.why()) + "); attempt "
                        + (a.sent() + 1) + " at " + a.retryAt()
                        : a.kind() + " failed (" + describe(a.why()) + "); attempt " + (a.sent() + 1) + " of "
                        + retries.attempts() + " at " + a.retryAt()))
                .orElse(null);
    }

    /** When the next attempt of a decision may go; null when none waits. */
    Instant nextRetryAt(Instant now) {
        return byBase.values().stream().filter(a -> pending(a, now))
                .map(Attempt::retryAt).min(Instant::compareTo).orElse(null);
    }

    private static boolean pending(Attempt a, Instant now) {
        return a.waiting() && a.retryAt().isAfter(now);
    }

    private Attempts with(String base, Attempt attempt) {
        Map<String, Attempt> all = new HashMap<>(byBase);
        all.put(base, attempt);
        return new Attempts(all);
    }

    /**
     * A command of an older generation than the pool's now failed (or was not seen carried out in time): no attempt
     * of it is made again, since the pool's generation now decides anew (at once, under its own id).
     */
    static Notice superseded(CommandFailure failure, long generation) {
        return Notice.warning("Retry", REASON_RETRYING, failure.kind() + " " + failure.id() + " of generation "
                + failure.generation() + " failed (" + describe(failure.why()) + "); generation " + generation
                + " decides again now");
    }

    private static Notice notice(Attempt a, Retries retries) {
        Duration in = retries.attemptDelay(a.sent());
        String failed = a.kind() + " " + a.lastId() + " failed (" + describe(a.why()) + "); retrying in " + human(in);
        if (retries.beyondAttempts(a.sent())) {
            // Past the budget: still retrying (never given up), and saying how often from now on.
            return Notice.warning("Retry", REASON_RETRYING, failed + " (attempt " + (a.sent() + 1) + "; "
                    + a.sent() + (a.sent() == 1 ? " attempt" : " attempts") + " failed, so it is tried at most "
                    + human(retries.maxBackoffAfterAttempts()) + " apart until it succeeds or the pool's spec"
                    + " changes)");
        }
        return Notice.warning("Retry", REASON_RETRYING, failed + " (attempt " + (a.sent() + 1) + " of "
                + retries.attempts() + ")");
    }

    private static String describe(Failure why) {
        return why == null ? "unknown" : why.message().isEmpty() ? why.reason() : why.reason() + ": " + why.message();
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** The same command under another id. */
    static ScalingGroupCommand withId(ScalingGroupCommand c, String id) {
        if (c.id().equals(id)) {
            return c;
        }
        if (c instanceof EnsureGroup e) {
            return new EnsureGroup(id, e.pool(), e.generation(), e.group(), e.template(), e.capacity());
        } else if (c instanceof SetCapacity s) {
            return new SetCapacity(id, s.pool(), s.generation(), s.group(), s.capacity(), s.cluster());
        } else if (c instanceof RollOut r) {
            return new RollOut(id, r.pool(), r.generation(), r.group(), r.template());
        } else if (c instanceof TerminateInstances t) {
            return new TerminateInstances(id, t.pool(), t.generation(), t.group(), t.providerIDs(), t.cluster());
        } else if (c instanceof DeleteGroup d) {
            return new DeleteGroup(id, d.pool(), d.generation(), d.group(), d.cluster());
        }
        throw new IllegalArgumentException("unknown command " + c.getClass().getName());
    }
}
