package dev.poolstream.events.lifecycle;

/**
 * How long a scale-up took, measured from when it started to when each new Node turned Ready.
 *
 * @param nodes              the new Nodes measured
 * @param firstReadyMillis   to the first new Node Ready
 * @param lastReadyMillis    to the last new Node Ready
 * @param p50Millis          per-node median
 * @param p90Millis          per-node 90th percentile
 */
public record ProvisioningLatency(int nodes, long firstReadyMillis, long lastReadyMillis, long p50Millis,
                                  long p90Millis) {
}
