package dev.poolstream.provider.aws.domain;

import dev.poolstream.provider.domain.GroupOwnership;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tags CAPA puts on a machine pool's Auto Scaling Group, launch template, instances and volumes, so that tools
 * that find CAPA's resources by tag (the AWS cloud provider, CAPA's own cleanup, cost reports) find ours too.
 */
public final class CapaTags {

    public static final String CAPA_CLUSTER_PREFIX = "sigs.k8s.io/cluster-api-provider-aws/cluster/";
    public static final String CAPA_ROLE = "sigs.k8s.io/cluster-api-provider-aws/role";
    public static final String KUBERNETES_CLUSTER_PREFIX = "kubernetes.io/cluster/";
    public static final String OWNED = "owned";
    /** Poolstream's own tag: the pool key of the pool whose group this is. */
    public static final String POOL = "poolstream.dev/pool";
    /**
     * What makes a group (and its launch template) a pool's own: CAPA's cluster-owned tag and the pool tag
     * ({@link GroupOwnership}).
     */
    public static final GroupOwnership.TagNames OWNERSHIP = new GroupOwnership.TagNames("Auto Scaling Group",
            "launch template", CAPA_CLUSTER_PREFIX, POOL);

    /**
     * User tags first (the template's, then the AWSMachinePool's {@code additionalTags}), then CAPA's own, which win:
     * a user cannot disown a group by tagging it. User tags with an ownership key (the pool tag, or CAPA's
     * cluster-owned tag of any cluster) are dropped: nobody claims a group for another pool or cluster by tags.
     */
    public static Map<String, String> of(String cluster, String group, Map<String, String> templateTags,
                                         Map<String, String> additionalTags) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (templateTags != null) {
            tags.putAll(templateTags);
        }
        if (additionalTags != null) {
            tags.putAll(additionalTags);
        }
        tags.keySet().removeIf(OWNERSHIP::reserved);
        tags.put(KUBERNETES_CLUSTER_PREFIX + cluster, OWNED);
        tags.put(CAPA_CLUSTER_PREFIX + cluster, OWNED);
        tags.put(CAPA_ROLE, "node");
        tags.put("Name", group);
        return new TreeMap<>(tags);
    }

    private CapaTags() {
    }
}
