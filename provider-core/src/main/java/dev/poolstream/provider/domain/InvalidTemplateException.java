package dev.poolstream.provider.domain;

import dev.poolstream.events.Failure;

/** A template that cannot become the cloud's template or group as given, with the reason a user can act on. */
public class InvalidTemplateException extends RuntimeException {

    private final Failure failure;

    public InvalidTemplateException(String reason, String message) {
        super(reason + ": " + message);
        this.failure = new Failure(reason, message);
    }

    public Failure failure() {
        return failure;
    }
}
