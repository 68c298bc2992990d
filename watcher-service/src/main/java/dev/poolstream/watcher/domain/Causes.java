package dev.poolstream.watcher.domain;

/** What a failure says, for a health detail or a log line. */
public final class Causes {

    private Causes() {
    }

    /** An error's message with its causes', as clients wrap the one that says what is wrong. */
    public static String chain(Throwable error) {
        StringBuilder why = new StringBuilder(String.valueOf(error.getMessage()));
        for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause();
             cause = cause.getCause()) {
            why.append(": ").append(cause.getMessage());
        }
        return why.toString();
    }
}
