package dev.poolstream.status.domain;

import dev.poolstream.events.lifecycle.ProvisioningLatency;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One change of desired replicas, from when the status service saw it until the pool has that many Ready
 * replicas. It notes when each Node that was not Ready at the start turns Ready.
 *
 * @param readyAt provider ID → when its Node was seen Ready during this run
 */
public record ScalingRun(long generation, int from, int to, Instant startedAt, Map<String, Instant> readyAt) {

    public ScalingRun {
        readyAt = readyAt == null ? Map.of() : Map.copyOf(readyAt);
    }

    public boolean scalingUp() {
        return to > from;
    }

    ScalingRun withReady(String providerID, Instant at) {
        if (readyAt.containsKey(providerID)) {
            return this;
        }
        Map<String, Instant> more = new HashMap<>(readyAt);
        more.put(providerID, at);
        return new ScalingRun(generation, from, to, startedAt, more);
    }

    /** Time to the first and last new Node Ready, and per-node p50 and p90 (nearest rank); null for a scale-down. */
    ProvisioningLatency latency() {
        if (!scalingUp() || readyAt.isEmpty()) {
            return null;
        }
        List<Long> millis = readyAt.values().stream()
                .map(at -> Duration.between(startedAt, at).toMillis()).sorted().toList();
        return new ProvisioningLatency(millis.size(), millis.get(0), millis.get(millis.size() - 1),
                percentile(millis, 50), percentile(millis, 90));
    }

    static long percentile(List<Long> sorted, int percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
