package dev.poolstream.reconciler.domain;

import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.TerminateInstances;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * What the reconciler remembers of a pool between looks. All of it can be lost (a restart): the next look then
 * makes the same decisions again, whose commands carry the same ids, so the providers ignore them.
 *
 * @param templateKey the pool template the last look saw; a different one means a roll-out
 * @param templateAfter the group's last carried-out command when that template was first seen: its
 *                    {@code RollOut}'s id derives from it ({@code RollOut.of})
 * @param awaiting    the capacity command sent and not yet carried out: nothing else changes the group's size
 *                    until the provider reports it, or a command sent after it ({@code ScalingGroupState
 *                    .lastCommandId}: a pool's commands are applied in order), or it failed, or {@code since} is old
 * @param drains      provider ID → the drain of a victim, started or done
 * @param attempts    the commands that failed, and their next attempts
 * @param unconfirmed the {@code RollOut} or {@code DeleteGroup} sent and not yet seen carried out (the group state
 *                    names one of its attempts; for a {@code DeleteGroup}, with the group gone). It holds up nothing
 *                    else, but its failure may never be seen (dead-lettered while the partition was reassigned): an
 *                    attempt not seen within the await timeout has failed, and its next one goes after the backoff
 * @param restricted  the MachineHealthChecks (owner mode) that remediate none because too many Machines are
 *                    unhealthy: each says so once, when it starts to
 * @param seen        the pool's generation and when a look first saw it; null before the first look
 * @param nodesUnseenAt the last look at which the pool's workload cluster could not be watched; null for none since
 *                    the start or assignment (whose read-back of the topics leaves no status behind the Nodes)
 */
public record Memory(String templateKey, String templateAfter, Awaiting awaiting, Map<String, Drain> drains,
                     Attempts attempts, Awaiting unconfirmed, Set<String> restricted, Seen seen, Instant nodesUnseenAt) {

    public static final Memory EMPTY = new Memory(null, null, null, Map.of(), Attempts.NONE, null, Set.of(),
            null, null);

    /** A generation of the pool's spec, and when a look first saw it. */
    public record Seen(long generation, Instant at) {
    }

    public Memory {
        drains = drains == null ? Map.of() : Map.copyOf(drains);
        attempts = attempts == null ? Attempts.NONE : attempts;
        restricted = restricted == null ? Set.of() : Set.copyOf(restricted);
    }

    /**
     * @param commandId  the id of the command sent (the decision's own, or one of its later attempts)
     * @param kind       its kind, e.g. {@code SetCapacity}
     * @param commandIds the awaited command and those sent after it: seeing any of them applied means it was
     * @param confirming sent by a look that remembered nothing of the pool (its first since a start or an
     *                   assignment), only to confirm what it cannot know: not seeing it in time is no failure to
     *                   show, only a reason to send it again
     * @param instances  the instances a {@code TerminateInstances} terminates; empty for other commands
     */
    public record Awaiting(String commandId, String kind, long generation, Set<String> commandIds, Instant since,
                           boolean confirming, Set<String> instances) {

        public Awaiting {
            commandIds = Set.copyOf(commandIds);
            instances = instances == null ? Set.of() : Set.copyOf(instances);
        }

        static Awaiting of(ScalingGroupCommand command, Instant since) {
            return of(command, since, false);
        }

        static Awaiting of(ScalingGroupCommand command, Instant since, boolean confirming) {
            return new Awaiting(command.id(), command.getClass().getSimpleName(), command.generation(),
                    Set.of(command.id()), since, confirming,
                    command instanceof TerminateInstances terminate ? Set.copyOf(terminate.providerIDs()) : Set.of());
        }

        Awaiting andThen(String id) {
            Set<String> ids = new java.util.HashSet<>(commandIds);
            ids.add(id);
            return new Awaiting(commandId, kind, generation, ids, since, confirming, instances);
        }

        /** When it counts as not carried out, if it is not seen so by then. */
        Instant outOfTimeAt(Duration awaitTimeout) {
            return since.plus(awaitTimeout);
        }

        boolean carriedOut(String lastCommandId) {
            return lastCommandId != null && commandIds.contains(lastCommandId);
        }
    }

    /**
     * The drain of one victim.
     *
     * @param startedAt when it was first started: {@code deadline} counts from here, across a failed drain's retries
     * @param deadline  {@code startedAt + nodeDrainTimeoutSeconds}; null for no limit (unset or 0, as Cluster API)
     * @param outcome   how it ended; null while it runs or waits to be tried again
     * @param failures  how many times in a row it failed
     * @param retryAt   when a failed drain is started again; null when not waiting
     * @param endedAt   when it ended with an outcome that lets its instance be terminated; null before
     */
    public record Drain(String providerID, String nodeName, Instant startedAt, Instant deadline,
                        DrainOutcome outcome, int failures, Instant retryAt, Instant endedAt) {

        /**
         * A victim's drain, started whether or not a Node of it is known: "none known" may only mean its workload
         * cluster could not be watched when the Node registered, so the drainer asks the cluster by provider ID.
         *
         * @param nodeName empty when no Node is known
         */
        static Drain start(String providerID, String nodeName, Instant now, Instant deadline) {
            return new Drain(providerID, nodeName, now, deadline, null, 0, null, null);
        }

        /** Its instance may be terminated: drained, gone, or out of time. */
        public boolean done() {
            return outcome != null && outcome.terminates();
        }

        /** To be (re)started now: not ended, and not waiting after a failure. */
        boolean due(Instant now) {
            return outcome == null && (retryAt == null || !now.isBefore(retryAt));
        }

        /** The same drain with another deadline: the pool's {@code nodeDrainTimeoutSeconds} changed while it ran. */
        Drain withDeadline(Instant next) {
            return new Drain(providerID, nodeName, startedAt, next, outcome, failures, retryAt, endedAt);
        }

        /** Not drained at all: its Machine carries {@code exclude-node-draining}. */
        Drain skipped() {
            return new Drain(providerID, nodeName, startedAt, deadline, new DrainOutcome.Skipped(), failures, null,
                    null);
        }

        /** Ended {@link DrainOutcome.Drained} before {@code time}. */
        boolean drainedBefore(Instant time) {
            return outcome instanceof DrainOutcome.Drained && endedAt.isBefore(time);
        }

        /** The drain ended: a failure waits {@link Retries#delay} and is tried again, keeping its deadline. */
        public Drain ended(DrainOutcome how, Instant now, Retries retries) {
            if (how.terminates()) {
                return new Drain(providerID, nodeName, startedAt, deadline, how, failures, null, now);
            }
            return new Drain(providerID, nodeName, startedAt, deadline, null, failures + 1,
                    now.plus(retries.delay(failures + 1)), null);
        }
    }

    /** The pool template seen, first seen when the group's last carried-out command was {@code after}. */
    Memory withTemplate(String key, String after) {
        return new Memory(key, after, awaiting, drains, attempts, unconfirmed, restricted, seen, nodesUnseenAt);
    }

    Memory withAwaiting(Awaiting next) {
        return new Memory(templateKey, templateAfter, next, drains, attempts, unconfirmed, restricted, seen,
                nodesUnseenAt);
    }

    public Memory withDrains(Map<String, Drain> next) {
        return new Memory(templateKey, templateAfter, awaiting, next, attempts, unconfirmed, restricted, seen,
                nodesUnseenAt);
    }

    Memory withAttempts(Attempts next) {
        return new Memory(templateKey, templateAfter, awaiting, drains, next, unconfirmed, restricted, seen,
                nodesUnseenAt);
    }

    Memory withUnconfirmed(Awaiting next) {
        return new Memory(templateKey, templateAfter, awaiting, drains, attempts, next, restricted, seen,
                nodesUnseenAt);
    }

    Memory withRestricted(Set<String> next) {
        return new Memory(templateKey, templateAfter, awaiting, drains, attempts, unconfirmed, next, seen,
                nodesUnseenAt);
    }

    /** The generation seen at {@code now}: kept while it is the same one, so its time is when it was first seen. */
    Memory withGeneration(long generation, Instant now) {
        return seen != null && seen.generation() == generation ? this
                : new Memory(templateKey, templateAfter, awaiting, drains, attempts, unconfirmed, restricted,
                        new Seen(generation, now), nodesUnseenAt);
    }

    /**
     * A look at which the pool's workload cluster could not be watched (its Nodes as last seen, or missing though they
     * run): the health checks wait a while after it ({@link Remediations}).
     */
    Memory withNodesUnseenAt(Instant now) {
        return new Memory(templateKey, templateAfter, awaiting, drains, attempts, unconfirmed, restricted, seen, now);
    }
}
