package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import java.util.List;
import java.util.Objects;

/**
 * A pool's computed status on {@code machinepool.status.v1}: the MachinePool v1beta2 status exactly as it is
 * written to the API server, the provider ID list, and the per-instance view behind the counts; with what a
 * writer of the pool's Kubernetes objects needs to find them.
 *
 * @param generation          the MachinePool generation this status was computed for
 * @param cluster             the pool's Cluster, {@code <namespace>/<name>}: where its Nodes live
 * @param infrastructureKind  the infrastructure pool's kind ({@code AWSMachinePool}, ...), null if unresolved
 * @param infrastructureName  the infrastructure pool's name
 * @param infrastructureReady the cloud group exists (the infra pool's {@code status.ready})
 * @param retired             members that left the pool with a Node it referenced: those Nodes are to be deleted
 *                            (each only while it still carries that provider ID: a Node name can come back); not
 *                            while the cloud still reports the instance (terminating: a termination handler may be
 *                            draining its Node under a lifecycle hook)
 * @param terminating         provider IDs of the instances the cloud still reports, terminating: no members (not
 *                            counted, not listed), but their objects are not let go until they are gone
 * @param poolUid             the uid of the MachinePool this status was computed for; null when unknown (a record
 *                            written before it was carried). A MachinePool deleted and made again under its name has
 *                            another: the status writer writes nothing of the old one's status onto it.
 * @param infrastructureUid   the same for the infrastructure pool
 * @param departed            the members that left the pool within the last hour (longer while paused), newest
 *                            first (at most 10,000): the only instances whose objects the status writer lets go. A
 *                            member that is missing from this status but not listed here may be missing only for a
 *                            moment (a status computed again after a crash); its objects stay.
 * @param look                the number of this status among the pool's: one more than the status before whenever a
 *                            look of the pool changes it, whichever replica makes it. It orders a pool's statuses
 *                            and departures with no clock; 0 when unknown (a record written before it was carried)
 */
@CloudEventType("dev.poolstream.machinepool.status.v1")
public record PoolStatus(
        @JsonProperty(required = true) String pool,
        long generation,
        String cluster,
        String infrastructureKind,
        String infrastructureName,
        MachinePoolStatus status,
        List<String> providerIDList,
        boolean infrastructureReady,
        List<PoolMember> members,
        List<PoolMember> retired,
        List<String> terminating,
        String poolUid,
        String infrastructureUid,
        List<PoolDeparture> departed,
        Long look) implements Keyed {

    public PoolStatus {
        Objects.requireNonNull(pool, "pool");
        providerIDList = Copies.list(providerIDList);
        members = Copies.list(members);
        retired = Copies.list(retired);
        terminating = Copies.list(terminating);
        departed = Copies.list(departed);
        look = look == null ? 0L : look; // optional in the schema: records written before it was carried lack it
    }

    /** A status that says no member left. */
    public PoolStatus(String pool, long generation, String cluster, String infrastructureKind,
                      String infrastructureName, MachinePoolStatus status, List<String> providerIDList,
                      boolean infrastructureReady, List<PoolMember> members, List<PoolMember> retired,
                      List<String> terminating, String poolUid, String infrastructureUid) {
        this(pool, generation, cluster, infrastructureKind, infrastructureName, status, providerIDList,
                infrastructureReady, members, retired, terminating, poolUid, infrastructureUid, List.of(), 0L);
    }

    public PoolStatus(String pool, long generation, String cluster, String infrastructureKind,
                      String infrastructureName, MachinePoolStatus status, List<String> providerIDList,
                      boolean infrastructureReady, List<PoolMember> members, List<PoolMember> retired) {
        this(pool, generation, cluster, infrastructureKind, infrastructureName, status, providerIDList,
                infrastructureReady, members, retired, List.of());
    }

    /** A status whose objects' uids are not known: the writer writes it onto whatever object has its names. */
    public PoolStatus(String pool, long generation, String cluster, String infrastructureKind,
                      String infrastructureName, MachinePoolStatus status, List<String> providerIDList,
                      boolean infrastructureReady, List<PoolMember> members, List<PoolMember> retired,
                      List<String> terminating) {
        this(pool, generation, cluster, infrastructureKind, infrastructureName, status, providerIDList,
                infrastructureReady, members, retired, terminating, null, null);
    }

    /** This status as the look numbered {@code look} computed it. */
    public PoolStatus withLook(long look) {
        return new PoolStatus(pool, generation, cluster, infrastructureKind, infrastructureName, status, providerIDList,
                infrastructureReady, members, retired, terminating, poolUid, infrastructureUid, departed, look);
    }

    @Override
    public String key() {
        return pool;
    }
}
