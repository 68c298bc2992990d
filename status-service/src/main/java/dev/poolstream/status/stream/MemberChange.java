package dev.poolstream.status.stream;

import dev.poolstream.status.domain.Member;

/**
 * A member of a pool as it now is, on the repartition topic keyed by pool ({@link MemberCodec}).
 *
 * @param member null: the member left this pool
 */
public record MemberChange(String providerID, Member member) implements PoolLooks.Input {
}
