package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * Why something could not be done, as a Kubernetes condition would say it: a CamelCase {@code reason} a
 * program can match and a {@code message} a person can read. It becomes a condition on the pool.
 */
public record Failure(@JsonProperty(required = true) String reason, String message) {

    /**
     * A provider's refusal that the reconciler acts on: the group (or its template) exists but does not carry the
     * tags that make it this pool's, so Poolstream neither adopts, changes nor deletes it.
     */
    public static final String GROUP_NOT_OWNED = "GroupNotOwned";

    public Failure {
        Objects.requireNonNull(reason, "reason");
        message = message == null ? "" : message;
    }
}
