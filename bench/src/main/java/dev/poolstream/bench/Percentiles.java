package dev.poolstream.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Latencies in milliseconds, summarised by nearest-rank percentiles. */
record Percentiles(int count, double p50, double p90, double p99, double max) {

    static Percentiles of(List<Double> millis) {
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        return new Percentiles(sorted.size(), rank(sorted, 50), rank(sorted, 90), rank(sorted, 99),
                sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
    }

    private static double rank(List<Double> sorted, double percent) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)", p50, p90, p99,
                max, count);
    }
}
