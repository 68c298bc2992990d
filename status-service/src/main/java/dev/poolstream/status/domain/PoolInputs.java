package dev.poolstream.status.domain;

import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import java.util.Map;

/**
 * Everything known about one pool: its desired state, its cloud group, and its instances with their Nodes.
 * Any part can be missing while the pipeline catches up.
 *
 * @param members by provider ID
 */
public record PoolInputs(PoolSpec spec, ScalingGroupState group, Map<String, Member> members) {

    public PoolInputs {
        members = members == null ? Map.of() : Map.copyOf(members);
    }
}
