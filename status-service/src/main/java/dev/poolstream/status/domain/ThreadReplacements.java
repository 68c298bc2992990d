package dev.poolstream.status.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How many dead stream threads are replaced before the worker counts as dead: a thread that dies again and again (a
 * record every new thread fails on in the same way) makes no progress, and liveness should say so instead of
 * replacing threads for ever. At most {@code max} replacements within {@code window}.
 */
public final class ThreadReplacements {

    private final int max;
    private final Duration window;
    private final Deque<Instant> recent = new ArrayDeque<>();
    private long total;

    public ThreadReplacements(int max, Duration window) {
        this.max = max;
        this.window = window;
    }

    /** A thread died at {@code now}: true when it may be replaced, false when the budget is spent. */
    public synchronized boolean replace(Instant now) {
        while (!recent.isEmpty() && !recent.peekFirst().isAfter(now.minus(window))) {
            recent.removeFirst();
        }
        if (recent.size() >= max) {
            return false;
        }
        recent.addLast(now);
        total++;
        return true;
    }

    /** Threads replaced since the start. */
    public synchronized long total() {
        return total;
    }
}
