package dev.poolstream.e2e;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a simulated instance boots before its kubelet registers the Node: {@code 3s..8s} (uniform) or {@code 5s}.
 * Each instance's delay is drawn from the seed and its instance id, so a run's delays do not depend on the order in
 * which instances are first seen.
 */
public record BootDelays(Duration min, Duration max, long seed) {

    private static final Pattern RANGE = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s)(?:\\.\\.(\\d+(?:\\.\\d+)?)(ms|s))?");

    public BootDelays {
        if (min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("boot delay: need 0 <= min <= max, got " + min + ".." + max);
        }
    }

    public static BootDelays parse(String text, long seed) {
        Matcher m = RANGE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("boot delay must look like 3s..8s, 500ms or 5s: " + text);
        }
        Duration min = duration(m.group(1), m.group(2));
        Duration max = m.group(3) == null ? min : duration(m.group(3), m.group(4));
        return new BootDelays(min, max, seed);
    }

    private static Duration duration(String number, String unit) {
        double value = Double.parseDouble(number);
        return Duration.ofMillis(Math.round("s".equals(unit) ? value * 1000 : value));
    }

    /** The delay of this instance: the same for the same seed and id. */
    public Duration of(String instanceId) {
        long span = max.toMillis() - min.toMillis();
        if (span == 0) {
            return min;
        }
        SplittableRandom random = new SplittableRandom(seed * 31 + instanceId.hashCode());
        return min.plusMillis(random.nextLong(span + 1));
    }

    @Override
    public String toString() {
        return min.equals(max) ? seconds(min) : seconds(min) + ".." + seconds(max);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
