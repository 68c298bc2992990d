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

    public static CommandFailure of(ScalingGroupCommand command, Failure why) {
        return new CommandFailure(command.id(), command.getClass().getSimpleName(), command.generation(), why);
    }
}
