package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Objects;

/**
 * One instance of a pool joined with its Node: what the reconciler needs to choose victims and pace a roll-out.
 *
 * @param nodeName        empty until a Node with this provider ID exists
 * @param deleteRequested the Node carries {@code cluster.x-k8s.io/delete-machine}, or cluster-autoscaler's
 *                        {@code ToBeDeletedByClusterAutoscaler} taint: it goes first when the pool shrinks
 * @param nodeAdopted     the Node carries the pool's owner annotations and no longer the uninitialized taint
 */
public record PoolMember(
        @JsonProperty(required = true) String providerID,
        String nodeName,
        String nodeUid,
        InstanceLifecycle lifecycle,
        Instant launchTime,
        boolean ready,
        boolean available,
        boolean upToDate,
        boolean deleteRequested,
        boolean nodeAdopted) {

    public PoolMember {
        Objects.requireNonNull(providerID, "providerID");
        nodeName = nodeName == null ? "" : nodeName;
    }

    public boolean hasNode() {
        return !nodeName.isEmpty();
    }
}
