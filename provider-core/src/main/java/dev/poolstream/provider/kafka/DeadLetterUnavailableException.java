package dev.poolstream.provider.kafka;

/**
 * A command that cannot be carried out could not be dead-lettered (Kafka did not take the record). It stays
 * unfinished, so it is tried again rather than committed past. The failure is the cause: the dead-letter record's
 * reason is still the failure's.
 */
final class DeadLetterUnavailableException extends RuntimeException {

    private final Exception failure;

    DeadLetterUnavailableException(Exception failure, RuntimeException sendFailure) {
        super("could not dead-letter the command: " + sendFailure.getMessage(), failure);
        this.failure = failure;
        addSuppressed(sendFailure);
    }

    Exception failure() {
        return failure;
    }
}
