package dev.poolstream.reconciler.config;

import java.time.Clock;

/** The clock the reconciler decides and drains by; its own type, so that it claims no other bean's {@code Clock}. */
public record ReconcilerClock(Clock clock) {
}
