package dev.poolstream.provider.aws.domain;

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

    /**
     * User tags first (the template's, then the AWSMachinePool's {@code additionalTags}), then CAPA's own, which win:
     * a user cannot disown a group by tagging it.
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
        tags.put(KUBERNETES_CLUSTER_PREFIX + cluster, OWNED);
        tags.put(CAPA_CLUSTER_PREFIX + cluster, OWNED);
        tags.put(CAPA_ROLE, "node");
        tags.put("Name", group);
        return new TreeMap<>(tags);
    }

    private CapaTags() {
    }
}
