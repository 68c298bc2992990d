package dev.poolstream.reconciler;

/**
 * Whether the reconciler decides, and is ready: from the moment its loop has taken in the read-back of an assignment
 * until the next revocation. The consumer announces a catch-up on its thread and the loop takes it in later; a
 * revocation in between makes that catch-up out of date (the next assignment is being read back).
 */
final class ReadBack {

    private long revocations;
    private volatile boolean caughtUp;

    /** The consumer has read its assignment back: what the loop takes the catch-up in with. */
    synchronized long announced() {
        return revocations;
    }

    /** The loop takes in the catch-up announced as {@code announced}; false (and nothing changes) if revoked since. */
    synchronized boolean takeIn(long announced) {
        if (announced != revocations) {
            return false;
        }
        caughtUp = true;
        return true;
    }

    /** Partitions are revoked: not caught up from now on, and every catch-up announced so far is out of date. */
    synchronized void revoked() {
        revocations++;
        caughtUp = false;
    }

    boolean caughtUp() {
        return caughtUp;
    }
}
