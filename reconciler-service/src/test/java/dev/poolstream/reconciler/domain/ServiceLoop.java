package dev.poolstream.reconciler.domain;

import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.ScalingGroupCommand;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One pool as the running service handles it, so that a test asserts what the service sends, not only what a
 * look decides. It does what {@code Reconciler} and {@code CommandSender} do with a {@link Decision}: keeps its
 * memory for the next look; sends a command only if its id was not sent before ({@code CommandSender.send}: a look
 * that decides an id again sends nothing); and looks again only when something arrives (a record, a failure) or at a
 * time a decision named, just after it ({@code Reconciler.lookAt}: {@code lookAgainAt} + 1 ms, unless a look is
 * already due before then). Between those looks, no time passes for the pool: there is no other look.
 */
final class ServiceLoop {

    private final Duration awaitTimeout;
    private final Retries retries;
    PoolSpec spec;
    ScalingGroupState group;
    PoolStatus status;
    Memory memory;
    Instant now;
    final List<CommandFailure> failures = new ArrayList<>();
    /** Every command sent, in order. */
    final List<ScalingGroupCommand> sent = new ArrayList<>();
    /** Every notice shown (as an Event), in order. */
    final List<Notice> notices = new ArrayList<>();
    /** The last look's decision. */
    Decision last;
    private final Set<String> sentIds = new HashSet<>();
    /** Looks scheduled by decisions, at the time they fire. */
    private final TreeSet<Instant> timers = new TreeSet<>();
    private Instant scheduled;

    ServiceLoop(PoolSpec spec, ScalingGroupState group, PoolStatus status, Memory memory, Instant now,
                Duration awaitTimeout, Retries retries) {
        this.spec = spec;
        this.group = group;
        this.status = status;
        this.memory = memory;
        this.now = now;
        this.awaitTimeout = awaitTimeout;
        this.retries = retries;
    }

    /** A look as a record or a dead-lettered command arriving at {@code at} makes it; returns what it sent. */
    List<ScalingGroupCommand> lookAt(Instant at) {
        now = at;
        int before = sent.size();
        last = PoolReconciler.decide(new PoolReconciler.Look(spec, group, status, memory, now, false, awaitTimeout,
                null, Duration.ofSeconds(10), List.copyOf(failures), retries));
        memory = last.memory();
        notices.addAll(last.notices());
        for (ScalingGroupCommand command : last.commands()) {
            if (sentIds.add(command.id())) {
                sent.add(command);
            }
        }
        if (last.lookAgainAt() != null) {
            schedule(last.lookAgainAt());
        }
        return List.copyOf(sent.subList(before, sent.size()));
    }

    /** When the next scheduled look fires; null when none is scheduled (nothing happens until a record arrives). */
    Instant nextTimer() {
        return timers.isEmpty() ? null : timers.first();
    }

    /** Lets time pass to the next scheduled look, and makes it; returns what it sent. */
    List<ScalingGroupCommand> timerFires() {
        Instant at = timers.pollFirst();
        if (at == null) {
            throw new IllegalStateException("no look is scheduled");
        }
        if (at.minusMillis(1).equals(scheduled)) {
            scheduled = null;
        }
        return lookAt(at);
    }

    /** {@code Reconciler.lookAt}. */
    private void schedule(Instant at) {
        if (at.isBefore(now)) {
            return;
        }
        if (scheduled != null && !scheduled.isAfter(at) && scheduled.isAfter(now)) {
            return;
        }
        scheduled = at;
        timers.add(at.plusMillis(1));
    }
}
