package dev.poolstream.events;

import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import java.util.List;

/**
 * A pool's computed status on {@code machinepool.status.v1}: the MachinePool v1beta2 status exactly as it is
 * written to the API server, the provider ID list, and the per-instance view behind the counts.
 *
 * @param generation          the MachinePool generation this status was computed for
 * @param infrastructureReady the group exists and reports its instances (the infra pool's {@code status.ready})
 */
@CloudEventType("dev.poolstream.machinepool.status.v1")
public record PoolStatus(
        String pool,
        long generation,
        MachinePoolStatus status,
        List<String> providerIDList,
        boolean infrastructureReady,
        List<PoolMember> members) implements Keyed {

    public PoolStatus {
        providerIDList = Copies.list(providerIDList);
        members = Copies.list(members);
    }

    @Override
    public String key() {
        return pool;
    }
}
