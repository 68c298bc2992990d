package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * A pool's cloud group as the provider last saw it, on {@code scalinggroup.state.v1}.
 *
 * @param group              the Auto Scaling Group or VM Scale Set name
 * @param exists             false once the group is gone (or before it is created)
 * @param templateVersion    the group's current launch template version or model
 * @param rolloutInFlight    the cloud is replacing instances onto a new template (an instance refresh)
 * @param appliedGeneration  the MachinePool generation of the last command that was carried out
 * @param lastCommandId      the id of that command
 * @param lastError          why the last command failed, or null
 * @param templateFingerprint the {@code GroupTemplate.fingerprint()} of the last template carried out on the group
 *                           (an EnsureGroup's or a RollOut's); null when not known (a provider from before)
 * @param launchFailure      why the cloud's latest attempt to launch an instance into the group failed, while the group
 *                           is short of its desired capacity (AWS: the group's latest launch activity; Azure: the VMs
 *                           that failed to provision), or, on Azure, why the scale set itself is {@code Failed}
 *                           ({@code ScaleSetProvisionFailed}); null when none of these holds or the provider cannot
 *                           tell
 */
@CloudEventType("dev.poolstream.scalinggroup.state.v1")
public record ScalingGroupState(
        @JsonProperty(required = true) String pool,
        Cloud cloud,
        @JsonProperty(required = true) String group,
        boolean exists,
        int desired,
        int min,
        int max,
        String templateVersion,
        boolean rolloutInFlight,
        long appliedGeneration,
        String lastCommandId,
        Failure lastError,
        String templateFingerprint,
        Failure launchFailure) implements Keyed {

    public ScalingGroupState {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(group, "group");
    }

    /** Without a launch failure. */
    public ScalingGroupState(String pool, Cloud cloud, String group, boolean exists, int desired, int min, int max,
                             String templateVersion, boolean rolloutInFlight, long appliedGeneration,
                             String lastCommandId, Failure lastError, String templateFingerprint) {
        this(pool, cloud, group, exists, desired, min, max, templateVersion, rolloutInFlight, appliedGeneration,
                lastCommandId, lastError, templateFingerprint, null);
    }

    /** Without a known template or a launch failure. */
    public ScalingGroupState(String pool, Cloud cloud, String group, boolean exists, int desired, int min, int max,
                             String templateVersion, boolean rolloutInFlight, long appliedGeneration,
                             String lastCommandId, Failure lastError) {
        this(pool, cloud, group, exists, desired, min, max, templateVersion, rolloutInFlight, appliedGeneration,
                lastCommandId, lastError, null, null);
    }

    @Override
    public String key() {
        return pool;
    }
}
