package dev.poolstream.events.command;

/**
 * The size a group should have.
 *
 * @param externallyManaged an autoscaler owns the size ({@code cluster.x-k8s.io/replicas-managed-by}): the
 *                          provider sets min and max but never pushes {@code desired}
 */
public record Capacity(int desired, int min, int max, boolean externallyManaged) {
}
