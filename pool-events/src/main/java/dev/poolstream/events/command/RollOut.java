package dev.poolstream.events.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.poolstream.events.CloudEventType;
import java.util.Objects;

/**
 * Make a new template version (AWS) or model (Azure) the one new instances get, and bring the group's placement,
 * tags and settings (AWS: its suspended processes) to the template's. Existing instances are replaced by the
 * reconciler, within the pool's surge and unavailability budget, through drain and {@link TerminateInstances}.
 */
@CloudEventType("dev.poolstream.scalinggroup.command.rollout.v1")
public record RollOut(
        @JsonProperty(required = true) String id,
        @JsonProperty(required = true) String pool,
        long generation,
        @JsonProperty(required = true) String group,
        @JsonProperty(required = true) GroupTemplate template) implements ScalingGroupCommand {

    public RollOut {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(template, "template");
    }

    public static RollOut of(String pool, long generation, String group, GroupTemplate template) {
        return of(pool, generation, group, template, null);
    }

    /**
     * @param after the group's last carried-out command when the template was first seen: a template changed back
     *              to an earlier one (an AWSMachinePool edited and reverted, the MachinePool's generation unchanged) is
     *              a new command, not the earlier one's repeat, which the provider would drop; the same decision made
     *              again from the same picture (a restart, a retry's base) keeps its id
     */
    public static RollOut of(String pool, long generation, String group, GroupTemplate template, String after) {
        String id = CommandIds.derive("RollOut", pool, generation, group, template.fingerprint(),
                template.groupFingerprint(), after);
        return new RollOut(id, pool, generation, group, template);
    }

    @Override
    public RollOut forPoolUid(String uid) {
        return new RollOut(CommandIds.ofIncarnation(id, uid), pool, generation, group, template);
    }

    /** Its template names the cluster already. */
    @Override
    public RollOut inCluster(String name) {
        return this;
    }
}
