package dev.poolstream.status.stream;

import dev.poolstream.status.domain.Member;
import java.util.HashMap;
import java.util.Map;

/** The members of one pool, by provider ID: the aggregate of the instance-Node join grouped by pool. */
public record PoolMembers(Map<String, Member> members) {

    public PoolMembers {
        members = members == null ? Map.of() : Map.copyOf(members);
    }

    static PoolMembers empty() {
        return new PoolMembers(Map.of());
    }

    PoolMembers with(Member member) {
        Map<String, Member> more = new HashMap<>(members);
        more.put(member.providerID(), member);
        return new PoolMembers(more);
    }

    PoolMembers without(Member member) {
        Map<String, Member> fewer = new HashMap<>(members);
        fewer.remove(member.providerID());
        return new PoolMembers(fewer);
    }
}
