package dev.poolstream.status.domain;

import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus.Phase;
import dev.poolstream.events.Failure;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.lifecycle.NodeJoined;
import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.NodeRemoved;
import dev.poolstream.events.lifecycle.PoolError;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.events.lifecycle.PoolReady;
import dev.poolstream.events.lifecycle.RolloutProgress;
import dev.poolstream.events.lifecycle.ScalingFinished;
import dev.poolstream.events.lifecycle.ScalingStarted;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The lifecycle events between two looks at a pool, and the scale they measure. */
final class Transitions {

    /** @param scalingRuns and {@code errors}: the view's counts after these events ({@link PoolView}) */
    record Outcome(ScalingRun run, List<PoolLifecycleEvent> events, long scalingRuns, long errors) {
    }

    /**
     * @param failures     what a {@code PoolError} tells of, when their reasons change: the first one
     * @param seenRunning  the first look at a pool that ran before: it did not scale from 0 to its size, and its Nodes
     *                     already Ready did not become Ready now (their {@code NodeReady} measures nothing: -1)
     */
    static Outcome between(PoolView previous, PoolStatus current, Counts counts, List<Failure> failures,
                           boolean seenRunning, Instant now) {
        String pool = current.pool();
        long generation = current.generation();
        List<PoolLifecycleEvent> events = new ArrayList<>();
        PoolStatus before = previous == null ? null : previous.status();
        Map<String, PoolMember> was = before == null ? Map.of() : before.members().stream()
                .collect(Collectors.toMap(PoolMember::providerID, Function.identity(), (a, b) -> a));

        ScalingRun run = previous == null ? null : previous.run();
        long scalingRuns = previous == null ? 0 : previous.scalingRuns();
        long errors = previous == null ? 0 : previous.errors();
        int desiredBefore = previous != null ? previous.desired() : seenRunning ? counts.desired() : 0;
        if (counts.desired() != desiredBefore) {
            events.add(new ScalingStarted(pool, now, generation, desiredBefore, counts.desired()));
            run = new ScalingRun(generation, desiredBefore, counts.desired(), now, Map.of());
            scalingRuns++;
        }

        for (PoolMember member : current.members()) {
            PoolMember then = was.get(member.providerID());
            if (member.hasNode() && (then == null || !then.hasNode())) {
                events.add(new NodeJoined(pool, now, member.nodeName(), member.providerID()));
            }
            if (member.ready() && (then == null || !then.ready())) {
                long sinceLaunch = seenRunning || member.launchTime() == null ? -1
                        : Duration.between(member.launchTime(), now).toMillis();
                events.add(new NodeReady(pool, now, member.nodeName(), member.providerID(), sinceLaunch));
                if (run != null) {
                    run = run.withReady(member.providerID(), now);
                }
            }
        }
        var currentIds = current.members().stream().map(PoolMember::providerID).collect(Collectors.toSet());
        was.values().stream().filter(m -> !currentIds.contains(m.providerID()))
                .forEach(m -> events.add(new NodeRemoved(pool, now, m.nodeName(), m.providerID())));

        if (run != null && counts.desired() == run.to() && counts.replicas() == run.to()
                && (!run.scalingUp() || counts.ready() >= run.to())) {
            events.add(new ScalingFinished(pool, now, run.generation(), run.from(), run.to(), run.latency()));
            run = null;
        }

        MachinePoolStatus then = before == null ? null : before.status();
        if (then != null) {
            int upToDateBefore = then.getUpToDateReplicas() == null ? 0 : then.getUpToDateReplicas();
            int replicasBefore = then.getReplicas() == null ? 0 : then.getReplicas();
            boolean wasRolling = upToDateBefore < replicasBefore;
            boolean isRolling = counts.upToDate() < counts.replicas();
            if (counts.upToDate() != upToDateBefore && (wasRolling || isRolling)) {
                events.add(new RolloutProgress(pool, now, generation, counts.upToDate(), counts.replicas()));
            }
        }

        Phase phaseBefore = then == null ? null : then.getPhase();
        if (current.status().getPhase() == Phase.RUNNING && phaseBefore != Phase.RUNNING) {
            events.add(new PoolReady(pool, now, generation, counts.replicas()));
        }

        List<String> reasons = failures.stream().map(Failure::reason).toList();
        List<String> reasonsBefore = previous == null ? List.of() : previous.problemReasons();
        if (!reasons.isEmpty() && !reasons.equals(reasonsBefore)) {
            events.add(new PoolError(pool, now, failures.get(0)));
            errors++;
        }
        return new Outcome(run, events, scalingRuns, errors);
    }

    private Transitions() {
    }
}
