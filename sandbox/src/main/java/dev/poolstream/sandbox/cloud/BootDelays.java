package dev.poolstream.sandbox.cloud;

import java.time.Duration;
import java.util.Random;

/**
 * How long a simulated instance takes from launch to a Ready Node: uniform between {@code min} and {@code max},
 * from a seeded generator so that a run can be repeated. Time is compressed: real boots take about a minute.
 */
public final class BootDelays {

    private final Duration min;
    private final Duration max;
    private final Random random;

    public BootDelays(Duration min, Duration max, long seed) {
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("boot delay " + min + ".." + max + " ends before it starts");
        }
        this.min = min;
        this.max = max;
        this.random = new Random(seed);
    }

    /** {@code 3s..8s}, {@code 500ms..2s}, or a single {@code 5s}. */
    public static BootDelays parse(String range, long seed) {
        String[] parts = range.split("\\.\\.", 2);
        Duration low = duration(parts[0].trim());
        Duration high = parts.length == 2 ? duration(parts[1].trim()) : low;
        return new BootDelays(low, high, seed);
    }

    public synchronized Duration next() {
        long span = max.toMillis() - min.toMillis();
        return min.plusMillis(span == 0 ? 0 : (long) (random.nextDouble() * span));
    }

    public Duration min() {
        return min;
    }

    public Duration max() {
        return max;
    }

    static Duration duration(String text) {
        String t = text.toLowerCase();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000));
            }
        } catch (NumberFormatException e) {
            // Fall through to the message below.
        }
        throw new IllegalArgumentException("'" + text + "' is not a duration such as 500ms, 3s or 1.5m");
    }
}
