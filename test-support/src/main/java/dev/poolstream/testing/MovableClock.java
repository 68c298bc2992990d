package dev.poolstream.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock a test moves by hand, from a fixed instant or from the system's time: a deadline or an interval is passed by
 * moving the clock, never by waiting for it.
 */
public final class MovableClock extends Clock {

    private final Clock base;
    private volatile Duration offset = Duration.ZERO;

    private MovableClock(Clock base) {
        this.base = base;
    }

    /** Stands at {@code start} until moved. */
    public static MovableClock at(Instant start) {
        return new MovableClock(Clock.fixed(start, ZoneOffset.UTC));
    }

    /** The system's time, plus what the test moved it by. */
    public static MovableClock system() {
        return new MovableClock(Clock.systemUTC());
    }

    public void advance(Duration by) {
        offset = offset.plus(by);
    }

    /** Moves it to {@code when} (for a clock on the system's time, to about then). */
    public void moveTo(Instant when) {
        offset = Duration.between(base.instant(), when);
    }

    /** Back to its base: the start, or the system's time. */
    public void reset() {
        offset = Duration.ZERO;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return base.instant().plus(offset);
    }
}
