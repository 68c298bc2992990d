package dev.poolstream.provider.engine;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.InventoryDiff;
import dev.poolstream.provider.domain.PoolRecord;
import dev.poolstream.provider.domain.Projection;
import java.util.List;
import java.util.Optional;

/** Publishes a pool's group and instances as the cloud describes them, and remembers what it published. */
final class PoolPublisher {

    private final Cloud cloud;
    private final Publication publication;

    PoolPublisher(Cloud cloud, Publication publication) {
        this.cloud = cloud;
        this.publication = publication;
    }

    /**
     * @param appliedGeneration the generation of the command carried out, or -1 for a poll or a refusal
     * @param alwaysState       publish the state even when it equals the one last published
     * @return the instance changes published
     */
    InventoryDiff publish(PoolRecord record, Optional<GroupSnapshot> snapshot, long appliedGeneration,
                          String commandId, Failure error, boolean alwaysState) {
        return publish(record, snapshot, appliedGeneration, commandId, error, alwaysState, null);
    }

    /** @param templateFingerprint the template the command carried out; null: the last one published stays */
    InventoryDiff publish(PoolRecord record, Optional<GroupSnapshot> snapshot, long appliedGeneration,
                          String commandId, Failure error, boolean alwaysState, String templateFingerprint) {
        ScalingGroupState state = Projection.state(record.pool(), cloud, record.group(), snapshot,
                record.lastState(), appliedGeneration, commandId, error, templateFingerprint);
        List<InstanceState> instances = Projection.instances(record.pool(), cloud, snapshot);
        InventoryDiff diff = InventoryDiff.between(record.published(), instances);
        boolean stateChanged = alwaysState || !record.lastState().map(state::equals).orElse(false);
        if (diff.isEmpty() && !stateChanged) {
            return diff;
        }
        publication.publish(diff, stateChanged ? state : null);
        record.applied(diff);
        record.lastState(state);
        return diff;
    }

    /** Publishes the state last published with {@code error} as its last error, without reading the cloud. */
    void publishFailure(PoolRecord record, Failure error) {
        ScalingGroupState state = Projection.withError(record.pool(), cloud, record.group(), record.lastState(), error);
        publication.publish(new InventoryDiff(List.of(), List.of()), state);
        record.lastState(state);
    }
}
