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
 * @param at         when the status service took the member out of the pool, by its clock: only objects made for a
 *                   status surely before that are let go
 */
public record PoolDeparture(@JsonProperty(required = true) String providerID,
                            @JsonProperty(required = true) Instant at) {

    public PoolDeparture {
        Objects.requireNonNull(providerID, "providerID");
        Objects.requireNonNull(at, "at");
    }
}
