package dev.poolstream.events;

import java.time.Instant;

/**
 * One instance of a pool joined with its Node: what the reconciler needs to choose victims and pace a roll-out.
 *
 * @param nodeName        empty until a Node with this provider ID exists
 * @param deleteRequested the Node carries {@code cluster.x-k8s.io/delete-machine}
 */
public record PoolMember(
        String providerID,
        String nodeName,
        String nodeUid,
        InstanceLifecycle lifecycle,
        Instant launchTime,
        boolean ready,
        boolean available,
        boolean upToDate,
        boolean deleteRequested) {

    public PoolMember {
        nodeName = nodeName == null ? "" : nodeName;
    }

    public boolean hasNode() {
        return !nodeName.isEmpty();
    }
}
