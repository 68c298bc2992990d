package dev.poolstream.events.command;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.poolstream.events.Keyed;

/**
 * A command to a cloud provider on {@code scalinggroup.commands.<cloud>.v1}, keyed by pool so that every command
 * of one pool is applied in order.
 *
 * <p>Every command carries the MachinePool generation it serves and an id derived from its content
 * ({@link CommandIds}): a reconciler that restarts and emits the same decision emits the same id, and the
 * provider treats an id it has seen as done.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "command")
@JsonSubTypes({
        @JsonSubTypes.Type(value = EnsureGroup.class, name = "EnsureGroup"),
        @JsonSubTypes.Type(value = SetCapacity.class, name = "SetCapacity"),
        @JsonSubTypes.Type(value = RollOut.class, name = "RollOut"),
        @JsonSubTypes.Type(value = TerminateInstances.class, name = "TerminateInstances"),
        @JsonSubTypes.Type(value = DeleteGroup.class, name = "DeleteGroup")})
public sealed interface ScalingGroupCommand extends Keyed
        permits EnsureGroup, SetCapacity, RollOut, TerminateInstances, DeleteGroup {

    String id();

    /** The pool key, {@code <namespace>/<name>}. */
    String pool();

    long generation();

    /** The Auto Scaling Group or VM Scale Set name. */
    String group();

    /**
     * This command under an id that also names the pool's incarnation ({@link CommandIds#ofIncarnation}): a pool
     * deleted and created again under the same name starts again at the same generations, and its commands must not
     * carry the ids of the first one's (the provider drops a known id as a repeat; a state naming the first one's
     * {@code DeleteGroup} would prove the second one's group gone).
     */
    ScalingGroupCommand forPoolUid(String uid);

    /**
     * This command naming the pool's cluster, whose group alone the provider acts on (a command without a template
     * would otherwise act on any group tagged with the pool's key, another cluster's pool of the same name's too).
     */
    ScalingGroupCommand inCluster(String cluster);

    @Override
    default String key() {
        return pool();
    }
}
