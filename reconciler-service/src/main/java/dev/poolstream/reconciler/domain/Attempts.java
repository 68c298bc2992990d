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
import java.util.Set;

/**
 * The commands of a pool that failed, and how they are tried again. A command is decided with an id derived from
 * what it does (the same decision, the same id: the sender and the provider drop a repeat). Once that id has
 * failed (dead-lettered, or not carried out in time), the same decision is sent again after a backoff, under the id
 * of its next attempt ({@link #attemptId}): new, so that it is sent and carried out, and still derived, so that the
 * same attempt made twice (a look repeated, a restart) is the same command. After {@link Retries#attempts()} the
 * decision is given up until the pool's spec changes (a new generation decides commands with new ids).
 *
 * @param byBase the id the decision derives (the first attempt's) → what became of it
 */
public record Attempts(Map<String, Attempt> byBase) {

    public static final Attempts NONE = new Attempts(Map.of());
    public static final String REASON_RETRYING = "RetryingCommand";
    public static final String REASON_FAILED = "CommandFailed";

    public Attempts {
        byBase = Map.copyOf(byBase);
    }

    /**
     * @param sent    attempts made so far
     * @param lastId  the id of the last attempt made
     * @param ids     every attempt's id
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
     * @param command   to send (the decided one, or its attempt under the attempt's id); null when held or given up
     * @param heldUntil when the next attempt may go, while it may not yet
     * @param gaveUp    why the decision is given up: every attempt failed
     */
    public record Sending(ScalingGroupCommand command, Attempts attempts, Instant heldUntil, Failure gaveUp) {
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
     * Takes a failure in: the attempt it ends waits {@link Retries#delay} before the next. A failure already taken
     * in, or of an earlier attempt, or of an older generation, changes nothing.
     *
     * @param notices gets what a user should see: {@code RetryingCommand}, or {@code CommandFailed} after the last
     */
    Attempts failed(CommandFailure failure, long generation, Instant now, Retries retries, List<Notice> notices) {
        for (Map.Entry<String, Attempt> entry : byBase.entrySet()) {
            Attempt a = entry.getValue();
            if (a.lastId().equals(failure.id())) {
                if (a.waiting()) {
                    return this;
                }
                Attempt next = new Attempt(a.kind(), a.generation(), a.sent(), a.lastId(), a.ids(),
                        now.plus(retries.delay(a.sent())), failure.why());
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
                now.plus(retries.delay(1)), failure.why());
        notices.add(notice(first, retries));
        return with(failure.id(), first);
    }

    /** Whether this id is known to have failed. */
    boolean hasFailed(String id) {
        return byBase.values().stream().anyMatch(a -> a.ids().contains(id) && (a.waiting()
                || !a.lastId().equals(id)));
    }

    /** What to do with a command the look decided: send it (maybe as its next attempt), hold it, or give it up. */
    Sending send(ScalingGroupCommand decided, Instant now, Retries retries) {
        Attempt a = byBase.get(decided.id());
        if (a == null) {
            return new Sending(decided, this, null, null);
        }
        if (!a.waiting()) {
            return new Sending(withId(decided, a.lastId()), this, null, null);
        }
        if (a.sent() >= retries.attempts()) {
            return new Sending(null, this, null, gaveUp(a));
        }
        if (now.isBefore(a.retryAt())) {
            return new Sending(null, this, a.retryAt(), null);
        }
        String id = attemptId(decided, a.sent() + 1);
        Set<String> ids = new HashSet<>(a.ids());
        ids.add(id);
        Attempt next = new Attempt(a.kind(), a.generation(), a.sent() + 1, id, ids, null, a.why());
        return new Sending(withId(decided, id), with(decided.id(), next), null, null);
    }

    /** Whether the decision of this id has failed and waits for (or has given up) its next attempt. */
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
     * The pool is retrying: which command, why, and when; null when it is not. An attempt whose time has passed
     * without it being made belongs to a decision no longer made (the picture changed): it is not counted.
     */
    Failure retrying(Retries retries, Instant now) {
        return byBase.values().stream().filter(a -> pending(a, retries, now))
                .min(java.util.Comparator.comparing(Attempt::retryAt))
                .map(a -> new Failure(REASON_RETRYING, a.kind() + " failed (" + describe(a.why()) + "); attempt "
                        + (a.sent() + 1) + " of " + retries.attempts() + " at " + a.retryAt()))
                .orElse(null);
    }

    /** When the next attempt of a decision may go; null when none waits. */
    Instant nextRetryAt(Retries retries, Instant now) {
        return byBase.values().stream().filter(a -> pending(a, retries, now))
                .map(Attempt::retryAt).min(Instant::compareTo).orElse(null);
    }

    private static boolean pending(Attempt a, Retries retries, Instant now) {
        return a.waiting() && a.sent() < retries.attempts() && a.retryAt().isAfter(now);
    }

    private Attempts with(String base, Attempt attempt) {
        Map<String, Attempt> all = new HashMap<>(byBase);
        all.put(base, attempt);
        return new Attempts(all);
    }

    private static Notice notice(Attempt a, Retries retries) {
        if (a.sent() >= retries.attempts()) {
            return Notice.warning("Retry", REASON_FAILED, gaveUp(a).message());
        }
        Duration in = retries.delay(a.sent());
        return Notice.warning("Retry", REASON_RETRYING, a.kind() + " " + a.lastId() + " failed ("
                + describe(a.why()) + "); retrying in " + human(in) + " (attempt " + (a.sent() + 1) + " of "
                + retries.attempts() + ")");
    }

    private static Failure gaveUp(Attempt a) {
        return new Failure(REASON_FAILED, a.kind() + " failed " + a.sent() + (a.sent() == 1 ? " time" : " times")
                + " (last: " + describe(a.why()) + "); not tried again until the pool's spec changes");
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
            return new SetCapacity(id, s.pool(), s.generation(), s.group(), s.capacity());
        } else if (c instanceof RollOut r) {
            return new RollOut(id, r.pool(), r.generation(), r.group(), r.template());
        } else if (c instanceof TerminateInstances t) {
            return new TerminateInstances(id, t.pool(), t.generation(), t.group(), t.providerIDs());
        } else if (c instanceof DeleteGroup d) {
            return new DeleteGroup(id, d.pool(), d.generation(), d.group());
        }
        throw new IllegalArgumentException("unknown command " + c.getClass().getName());
    }
}
