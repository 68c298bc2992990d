package dev.poolstream.status.domain;

import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import java.time.Instant;
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
 * @param problemReasons the reasons of the spec's problems at the last look, to publish a change only once
 * @param nextLook       when time alone will change the status (a Node becoming available), or null
 */
public record PoolView(PoolStatus status, int desired, ScalingRun run,
                       Map<String, Retired> retired, List<String> problemReasons, Instant nextLook) {

    public PoolView {
        retired = retired == null ? Map.of() : Map.copyOf(retired);
        problemReasons = problemReasons == null ? List.of() : List.copyOf(problemReasons);
    }

    public record Retired(PoolMember member, Instant at) {
    }
}
