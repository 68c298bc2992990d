package dev.poolstream.status.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * When a pool whose status write keeps failing is reported where people look (a WARN line with the pool key, a
 * Warning Event on the MachinePool): at its first failure, then at most once per {@code interval} while it goes on
 * failing, however often it is tried; and its recovery once, if a failure was reported. Time comes in as an
 * argument. Thread-safe: the consumer thread and the retry thread both report.
 */
public final class RetryReports {

    /** Pools remembered at most (a pool whose partition moved away mid-retry is never heard of again). */
    static final int REMEMBERED = 10_000;

    private final Duration interval;
    /** Pool → when its failure was last reported. */
    private final Map<String, Instant> reported = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > REMEMBERED;
        }
    };

    public RetryReports(Duration interval) {
        this.interval = interval;
    }

    /** An attempt at the pool's status failed: whether to report it now. */
    public synchronized boolean failed(String pool, Instant now) {
        Instant last = reported.get(pool);
        if (last != null && now.isBefore(last.plus(interval))) {
            return false;
        }
        reported.put(pool, now);
        return true;
    }

    /** The pool's status was written after failures: whether a failure of it was reported (so tell the recovery). */
    public synchronized boolean recovered(String pool) {
        return reported.remove(pool) != null;
    }
}
