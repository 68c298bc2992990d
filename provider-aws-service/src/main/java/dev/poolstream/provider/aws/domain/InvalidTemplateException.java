package dev.poolstream.provider.aws.domain;

import dev.poolstream.events.Failure;

/** A template that cannot become an AWS launch template or group as given. */
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
