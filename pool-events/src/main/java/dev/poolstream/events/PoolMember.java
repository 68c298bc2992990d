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
 * @param nodeReady       the status of the Node's {@code Ready} condition; null without a Node
 * @param nodeReadySince  that condition's last transition time; null when unknown
 * @param kubeletVersion  the Node's kubelet version; null without a Node
 * @param drainStarted    when the reconciler started draining the Node, while it is cordoned
 *                        ({@code poolstream.dev/drain-started}); null when it is not being drained
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
        boolean nodeAdopted,
        ConditionStatus nodeReady,
        Instant nodeReadySince,
        String kubeletVersion,
        Instant drainStarted) {

    public PoolMember {
        Objects.requireNonNull(providerID, "providerID");
        nodeName = nodeName == null ? "" : nodeName;
    }

    /** A member whose Node is not being drained. */
    public PoolMember(String providerID, String nodeName, String nodeUid, InstanceLifecycle lifecycle,
                      Instant launchTime, boolean ready, boolean available, boolean upToDate, boolean deleteRequested,
                      boolean nodeAdopted, ConditionStatus nodeReady, Instant nodeReadySince, String kubeletVersion) {
        this(providerID, nodeName, nodeUid, lifecycle, launchTime, ready, available, upToDate, deleteRequested,
                nodeAdopted, nodeReady, nodeReadySince, kubeletVersion, null);
    }

    /** A member without the Node's Ready condition and kubelet version in detail. */
    public PoolMember(String providerID, String nodeName, String nodeUid, InstanceLifecycle lifecycle,
                      Instant launchTime, boolean ready, boolean available, boolean upToDate, boolean deleteRequested,
                      boolean nodeAdopted) {
        this(providerID, nodeName, nodeUid, lifecycle, launchTime, ready, available, upToDate, deleteRequested,
                nodeAdopted, null, null, null, null);
    }

    public boolean hasNode() {
        return !nodeName.isEmpty();
    }
}
