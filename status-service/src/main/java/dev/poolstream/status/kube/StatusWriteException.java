package dev.poolstream.status.kube;

/**
 * Some parts of a pool's status write failed (each part is tried whatever the others did): the message says which
 * and why; the first failure is the cause, the others are suppressed. The whole write is tried again: the parts that
 * were done make no request the next time, since each writes only what differs.
 */
public final class StatusWriteException extends RuntimeException {

    public StatusWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
