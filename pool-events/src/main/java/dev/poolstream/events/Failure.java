package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * Why something could not be done, as a Kubernetes condition would say it: a CamelCase {@code reason} a
 * program can match and a {@code message} a person can read. It becomes a condition on the pool.
 */
public record Failure(@JsonProperty(required = true) String reason, String message) {

    public Failure {
        Objects.requireNonNull(reason, "reason");
        message = message == null ? "" : message;
    }
}
