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
        Failure lastError) implements Keyed {

    public ScalingGroupState {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(group, "group");
    }

    @Override
    public String key() {
        return pool;
    }
}
