package dev.poolstream.provider.cloud;

import dev.poolstream.events.Failure;

/** A command that cannot be carried out as given: retrying will not help. It goes to the dead-letter topic. */
public class CommandRefusedException extends RuntimeException {

    private final Failure failure;

    public CommandRefusedException(Failure failure) {
        this(failure, null);
    }

    public CommandRefusedException(Failure failure, Throwable cause) {
        super(failure.reason() + ": " + failure.message(), cause);
        this.failure = failure;
    }

    public Failure failure() {
        return failure;
    }
}
