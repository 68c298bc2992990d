package dev.poolstream.status.domain;

/**
 * How many of a pool's replicas are in each state.
 *
 * @param desired  what the pool asks for
 * @param replicas instances the cloud reports for the group (those leaving excepted)
 * @param ready    of those, with a Ready Node
 */
public record Counts(int desired, int replicas, int ready, int available, int upToDate) {
}
