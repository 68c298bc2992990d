package dev.poolstream.provider.cloud;

/**
 * A command that failed for a reason that may pass: throttling or 5xx beyond the client's own retries, an
 * unreachable endpoint, a bootstrap Secret not created yet. The consumer retries it with backoff, then sends it to
 * the dead-letter topic.
 */
public class RetryableCommandException extends RuntimeException {

    private final String reason;

    public RetryableCommandException(String reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
