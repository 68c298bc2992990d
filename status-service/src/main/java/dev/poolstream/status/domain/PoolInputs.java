package dev.poolstream.status.domain;

import dev.poolstream.events.PoolDeparture;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import java.util.Map;

/**
 * Everything known about one pool: its desired state, its cloud group, and its instances with their Nodes.
 * Any part can be missing while the pipeline catches up.
 *
 * @param members    by provider ID
 * @param departures provider ID → when the member left the pool (the record that took it out was processed) and
 *                   after which look, for {@link StatusCalculator#DEPARTED_KEPT}: the evidence that a member missing
 *                   now has left, and is not missing only because a crash lost its join
 */
public record PoolInputs(PoolSpec spec, ScalingGroupState group, Map<String, Member> members,
                         Map<String, PoolDeparture> departures) {

    public PoolInputs {
        members = members == null ? Map.of() : Map.copyOf(members);
        departures = departures == null ? Map.of() : Map.copyOf(departures);
    }

    /** Inputs in which no member has left. */
    public PoolInputs(PoolSpec spec, ScalingGroupState group, Map<String, Member> members) {
        this(spec, group, members, Map.of());
    }
}
