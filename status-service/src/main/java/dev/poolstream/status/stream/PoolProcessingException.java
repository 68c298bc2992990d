package dev.poolstream.status.stream;

/** A failure while looking at one pool: carries the pool's key (as it came, parseable or not) to the error handlers. */
public final class PoolProcessingException extends RuntimeException {

    private final String pool;

    PoolProcessingException(String pool, RuntimeException cause) {
        super("looking at pool '" + pool + "' failed: " + cause.getMessage(), cause);
        this.pool = pool;
    }

    public String pool() {
        return pool;
    }

    /** The pool key of the first {@link PoolProcessingException} in {@code e}'s causes, or null. */
    public static String poolOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PoolProcessingException p) {
                return p.pool();
            }
        }
        return null;
    }
}
