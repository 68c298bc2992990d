package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Objects;

/**
 * A member that left its pool: the evidence on which the status writer lets the instance's objects go (its
 * Machine in owner mode, which the reconciler takes as a request to drain and replace). A member missing from a
 * status is not evidence: a status computed again after a crash can lack a member that joined just before it.
 *
 * @param providerID the member's provider ID
 * @param at         when the status service took the member out of the pool, by its clock
 * @param afterLook  the number of the pool's status ({@link PoolStatus#look}) when it left: only objects made for
 *                   that status or an earlier one are let go (an instance ID that left and came back has objects of
 *                   later statuses); 0 when unknown, and then {@code at} decides, beyond the clocks' skew
 */
public record PoolDeparture(@JsonProperty(required = true) String providerID,
                            @JsonProperty(required = true) Instant at,
                            long afterLook) {

    public PoolDeparture {
        Objects.requireNonNull(providerID, "providerID");
        Objects.requireNonNull(at, "at");
    }
}
