package dev.poolstream.provider.azure.domain;

import dev.poolstream.provider.domain.GroupOwnership;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tags CAPZ puts on a machine pool's scale set, so that tools that look for them (cloud-provider-azure, cost
 * reports, CAPZ itself on a way back) find the scale set as theirs. Azure tag names cannot hold {@code /}, so CAPZ
 * writes its prefixes with {@code _}.
 */
public final class CapzTags {

    public static final String PREFIX = "sigs.k8s.io_cluster-api-provider-azure_";
    public static final String ROLE = PREFIX + "role";
    public static final String NAME = "Name";
    /**
     * Poolstream's own tag: the pool key of the pool whose scale set this is. Azure tag names cannot hold {@code /},
     * so it is written with {@code _}, as the bookkeeping tags are; the value (the pool key) may hold it.
     */
    public static final String POOL = "poolstream.dev_pool";
    /** What makes a scale set a pool's own: CAPZ's cluster-owned tag and the pool tag ({@link GroupOwnership}). */
    public static final GroupOwnership.TagNames OWNERSHIP = new GroupOwnership.TagNames("VM Scale Set", null,
            PREFIX + "cluster_", POOL);

    public static String clusterKey(String cluster) {
        return PREFIX + "cluster_" + cluster;
    }

    /**
     * CAPZ's tags, then the template's tags, then the pool's {@code additionalTags}; CAPZ's own tags cannot be
     * overridden by the user's, and user tags with an ownership key (the pool tag, or CAPZ's cluster-owned tag of any
     * cluster) are dropped: nobody claims a scale set for another pool or cluster by tags.
     */
    public static Map<String, String> of(String cluster, String scaleSet, Map<String, String> templateTags,
                                         Map<String, String> additionalTags) {
        Map<String, String> tags = new TreeMap<>();
        if (templateTags != null) {
            tags.putAll(templateTags);
        }
        if (additionalTags != null) {
            tags.putAll(additionalTags);
        }
        tags.keySet().removeIf(OWNERSHIP::reserved);
        tags.put(clusterKey(cluster), "owned");
        tags.put(ROLE, "node");
        tags.put(NAME, scaleSet);
        return tags;
    }

    private CapzTags() {
    }
}
