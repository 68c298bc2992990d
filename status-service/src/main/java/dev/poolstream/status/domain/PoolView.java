package dev.poolstream.status.domain;

import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the status service remembers of a pool between two looks: the status it last published, and what transitions
 * are measured against. Not the inputs: the topology keeps those already, and reads them back for a look that time
 * alone calls for.
 *
 * @param desired        the desired replicas of the last look, to see a scale start
 * @param run            the scale under way, or null
 * @param retired        provider ID → a member that left with a Node, and when; kept while its Node may linger
 * @param problemReasons the reasons of the errors published as {@code PoolError} at the last look (the spec's
 *                       problems, else the cloud's launch failure), to publish a change only once
 * @param nextLook       when time alone will change the status (a Node becoming available), or null
 * @param recent         the lifecycle events published in the last {@link #RECENT_KEPT} (at most {@link #RECENT_MAX}),
 *                       with their ids: a restart publishes them again, in case the view was kept and they were not
 * @param scalingRuns    how many scale runs (ScalingStarted) this pool's looks have started, and
 * @param errors         how many PoolErrors they have published: the ordinal in the id of each ({@link LifecycleIds}),
 *                       which tells a transition that comes again in one generation (an autoscaler outside Cluster
 *                       API moving the desired capacity back and forth, an error that clears and comes back) from a
 *                       repeat of the same one; 0 in a view written before they were kept
 * @param departuresKeptFrom the earliest time from which a departure's hour counts: the look of the pool's resume (and
 *                       every look while it is paused), since nothing lets a paused pool's objects go; null when it
 *                       was never paused
 */
public record PoolView(PoolStatus status, int desired, ScalingRun run,
                       Map<String, Retired> retired, List<String> problemReasons, Instant nextLook,
                       List<Sent> recent, long scalingRuns, long errors, Instant departuresKeptFrom) {

    /** Longer than a commit interval and the commit itself: what a crash can lose of what was sent. */
    public static final Duration RECENT_KEPT = Duration.ofSeconds(10);
    public static final int RECENT_MAX = 32;

    public PoolView {
        retired = retired == null ? Map.of() : Map.copyOf(retired);
        problemReasons = problemReasons == null ? List.of() : List.copyOf(problemReasons);
        recent = recent == null ? List.of() : List.copyOf(recent);
    }

    public PoolView(PoolStatus status, int desired, ScalingRun run, Map<String, Retired> retired,
                    List<String> problemReasons, Instant nextLook) {
        this(status, desired, run, retired, problemReasons, nextLook, List.of(), 0, 0, null);
    }

    /**
     * This view, remembering {@code sent} (the events of this look) after the events of {@code previous} still within
     * {@link #RECENT_KEPT} of {@code now}, the newest {@link #RECENT_MAX} of them.
     */
    public PoolView remembering(PoolView previous, List<Sent> sent, Instant now) {
        List<Sent> kept = new ArrayList<>();
        if (previous != null) {
            Instant since = now.minus(RECENT_KEPT);
            previous.recent().stream().filter(s -> s.event().at().isAfter(since)).forEach(kept::add);
        }
        kept.addAll(sent);
        List<Sent> newest = kept.size() <= RECENT_MAX ? kept : kept.subList(kept.size() - RECENT_MAX, kept.size());
        return new PoolView(status, desired, run, retired, problemReasons, nextLook, newest, scalingRuns, errors,
                departuresKeptFrom);
    }

    public record Retired(PoolMember member, Instant at) {
    }

    /** A lifecycle event as published, with its CloudEvents id ({@link LifecycleIds}). */
    public record Sent(String id, PoolLifecycleEvent event) {
    }
}
