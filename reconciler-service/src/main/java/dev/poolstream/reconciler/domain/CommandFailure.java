package dev.poolstream.reconciler.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.command.ScalingGroupCommand;

/**
 * A command of the pool that failed: the provider put it on its topic's dead-letter topic (refused, or its retries
 * exhausted), or it was not carried out within the await timeout.
 *
 * @param kind the command's kind, e.g. {@code SetCapacity}
 */
public record CommandFailure(String id, String kind, long generation, Failure why) {

    public static final String REASON_TIMED_OUT = "CommandTimedOut";
    /** A terminate the provider carried out (or began: a long-running operation) whose instances are still listed. */
    public static final String REASON_INSTANCES_STILL_LISTED = "InstancesStillListed";

    public static CommandFailure of(ScalingGroupCommand command, Failure why) {
        return new CommandFailure(command.id(), command.getClass().getSimpleName(), command.generation(), why);
    }
}
