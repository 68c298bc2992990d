package dev.poolstream.watcher.domain;

import dev.poolstream.api.PoolKey;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which workload clusters this replica watches: those named by the live records of the {@code workloadcluster.v1}
 * partitions its consumer group gave it. Kafka decides the assignment; this only follows it, record by record.
 *
 * <p>Not thread-safe: the consumer's thread feeds it (polls and rebalance callbacks run there).
 */
public final class ClusterOwnership {

    /** What a record asks of this replica. */
    public enum Effect {
        /** Start watching the cluster's Nodes and publishing them. */
        TAKE,
        /** The Cluster is gone: its Nodes get tombstones, its watch stops. */
        GONE,
        /** Nothing new: a record repeated, or read from a partition that is not (or no longer) ours. */
        NONE,
        /**
         * A key that names no cluster ({@code <namespace>/<name>}): never taken, so that nothing downstream (the
         * watch, the release of its Nodes) meets it; the caller says so.
         */
        MALFORMED
    }

    /** The clusters of each assigned partition. */
    private final Map<Integer, Set<String>> clustersByPartition = new HashMap<>();
    /** The clusters of each assigned partition whose tombstone was read: their Nodes' tombstones are ours to send. */
    private final Map<Integer, Set<String>> goneByPartition = new HashMap<>();

    /** Partitions given to this replica; their clusters become ours as their records are read. */
    public void assigned(Collection<Integer> partitions) {
        partitions.forEach(p -> clustersByPartition.putIfAbsent(p, new HashSet<>()));
    }

    /**
     * Partitions taken away (revoked, or lost when this replica's session expired): their clusters, which this
     * replica must stop watching and publishing at once, the gone ones too (whose tombstones it may still be sending:
     * the partition's next owner reads the Cluster's tombstone and sends them). Sorted, for logs.
     */
    public Set<String> revoked(Collection<Integer> partitions) {
        Set<String> released = new TreeSet<>();
        partitions.forEach(p -> {
            Set<String> clusters = clustersByPartition.remove(p);
            if (clusters != null) {
                released.addAll(clusters);
            }
            Set<String> gone = goneByPartition.remove(p);
            if (gone != null) {
                released.addAll(gone);
            }
        });
        return released;
    }

    /**
     * A record read from {@code partition}: {@code live} for a Cluster that exists, false for its tombstone. A
     * tombstone counts as {@link Effect#GONE} even for a cluster never taken: its Nodes may still be on
     * {@code node.v1} from a replica that died before it could delete them.
     */
    public Effect record(int partition, String cluster, boolean live) {
        try {
            PoolKey.parse(cluster);
        } catch (IllegalArgumentException e) {
            return Effect.MALFORMED;
        }
        Set<String> clusters = clustersByPartition.get(partition);
        if (clusters == null) {
            return Effect.NONE;
        }
        Set<String> gone = goneByPartition.computeIfAbsent(partition, p -> new HashSet<>());
        if (live) {
            gone.remove(cluster);
            return clusters.add(cluster) ? Effect.TAKE : Effect.NONE;
        }
        clusters.remove(cluster);
        gone.add(cluster);
        return Effect.GONE;
    }

    public boolean owns(String cluster) {
        return clustersByPartition.values().stream().anyMatch(c -> c.contains(cluster));
    }

    /** Every cluster this replica watches, sorted. */
    public Set<String> clusters() {
        Set<String> all = new TreeSet<>();
        clustersByPartition.values().forEach(all::addAll);
        return all;
    }

    public Set<Integer> partitions() {
        return new TreeSet<>(clustersByPartition.keySet());
    }
}
