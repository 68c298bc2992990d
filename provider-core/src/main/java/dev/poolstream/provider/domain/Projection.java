package dev.poolstream.provider.domain;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.ScalingGroupState;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Turns what the cloud describes into the values of {@code scalinggroup.state.v1} and {@code .instances.v1}. */
public final class Projection {

    /**
     * The group's state.
     *
     * @param previous the state last published for the pool, whose applied generation and command id carry over
     *                 when {@code appliedGeneration} is negative (a poll, or a refused command)
     */
    public static ScalingGroupState state(String pool, Cloud cloud, String group, Optional<GroupSnapshot> snapshot,
                                          Optional<ScalingGroupState> previous, long appliedGeneration,
                                          String commandId, Failure error) {
        return state(pool, cloud, group, snapshot, previous, appliedGeneration, commandId, error, null);
    }

    /**
     * @param templateFingerprint the fingerprint of the template the command carried out (an EnsureGroup's or a
     *                            RollOut's); null: the one last published carries over
     */
    public static ScalingGroupState state(String pool, Cloud cloud, String group, Optional<GroupSnapshot> snapshot,
                                          Optional<ScalingGroupState> previous, long appliedGeneration,
                                          String commandId, Failure error, String templateFingerprint) {
        String fingerprint = templateFingerprint != null ? templateFingerprint
                : previous.filter(s -> Objects.equals(s.group(), group))
                        .map(ScalingGroupState::templateFingerprint).orElse(null);
        long generation = appliedGeneration >= 0 ? appliedGeneration
                : previous.map(ScalingGroupState::appliedGeneration).orElse(0L);
        String id = commandId != null ? commandId : previous.map(ScalingGroupState::lastCommandId).orElse(null);
        Failure lastError = appliedGeneration >= 0 || error != null ? error
                : previous.map(ScalingGroupState::lastError).orElse(null);
        if (snapshot.isEmpty()) {
            return new ScalingGroupState(pool, cloud, group, false, 0, 0, 0, null, false, generation, id, lastError,
                    null);
        }
        GroupSnapshot g = snapshot.get();
        return new ScalingGroupState(pool, cloud, group, !g.deleting(), g.desired(), g.min(), g.max(),
                g.templateVersion(), g.rolloutInFlight(), generation, id, lastError, fingerprint, g.launchFailure());
    }

    /**
     * The state last published, with {@code error} as its last error: for a command refused before the group was
     * read. Without a previous state of the same group, the group is reported as not known to exist.
     */
    public static ScalingGroupState withError(String pool, Cloud cloud, String group,
                                              Optional<ScalingGroupState> previous, Failure error) {
        return previous.filter(s -> Objects.equals(s.group(), group))
                .map(s -> new ScalingGroupState(s.pool(), s.cloud(), s.group(), s.exists(), s.desired(), s.min(),
                        s.max(), s.templateVersion(), s.rolloutInFlight(), s.appliedGeneration(), s.lastCommandId(),
                        error, s.templateFingerprint(), s.launchFailure()))
                .orElseGet(() -> state(pool, cloud, group, Optional.empty(), previous, -1, null, error));
    }

    /** Every instance of the group as an {@link InstanceState}. */
    public static List<InstanceState> instances(String pool, Cloud cloud, Optional<GroupSnapshot> snapshot) {
        if (snapshot.isEmpty()) {
            return List.of();
        }
        GroupSnapshot g = snapshot.get();
        return g.instances().stream().map(i -> new InstanceState(i.providerID(), pool, cloud, i.instanceId(),
                i.zone(), i.lifecycle(), i.cloudState(), i.templateVersion(),
                i.templateVersion() != null && Objects.equals(i.templateVersion(), g.templateVersion()),
                i.launchTime())).toList();
    }

    private Projection() {
    }
}
