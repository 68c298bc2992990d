package dev.poolstream.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Kubernetes timestamps ({@code metav1.Time}, RFC 3339 in UTC) as {@link Instant}s. */
public final class KubeTime {

    /**
     * The instant, or null when the time is absent or unreadable. For every reader here (a condition's transition,
     * a deletion timestamp as written by the API server) absent is the safe reading of unreadable.
     */
    public static Instant parse(String time) {
        if (time == null || time.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(time);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private KubeTime() {
    }
}
