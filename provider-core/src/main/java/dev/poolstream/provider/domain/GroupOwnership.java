package dev.poolstream.provider.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.ScalingGroupNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which cloud groups are a pool's own: the rule every write and delete passes first. A group is pool
 * {@code <namespace>/<name>}'s when it carries both tags Poolstream writes when it creates it:
 *
 * <ul>
 *   <li>the pool tag (AWS {@code poolstream.dev/pool}, Azure {@code poolstream.dev_pool}) whose value is exactly the
 *       pool key ({@link #poolValue}); and</li>
 *   <li>the cluster-owned tag of CAPA or CAPZ ({@code <prefix><cluster>=owned}) of exactly one cluster: the command's
 *       cluster for a command that carries one (EnsureGroup and RollOut, in their template), else whichever one
 *       cluster the tags name.</li>
 * </ul>
 *
 * <p>A pool key belongs to one MachinePool and a MachinePool to one cluster, so the pool tag alone identifies the
 * pool; the cluster-owned tag keeps Poolstream to groups that are, by CAPA's and CAPZ's own convention, a cluster's
 * own, and keeps the two from disagreeing. A group with neither, either alone, another pool's key or several owning
 * clusters is refused, never adopted, and the reason says how to take it over. Tag names come from each cloud
 * ({@link TagNames}); this class only decides.
 */
public final class GroupOwnership {

    public static final String OWNED = "owned";
    /** The longest tag value both clouds accept (AWS and Azure: 256). */
    public static final int MAX_TAG_VALUE = 256;
    private static final int HASH_LENGTH = 16;

    /**
     * One cloud's names for what it owns.
     *
     * @param groupKind        what the cloud calls a group, for messages ("Auto Scaling Group", "VM Scale Set")
     * @param templateKind     what it calls a group's separate template ("launch template"), or null
     * @param clusterKeyPrefix the cluster-owned tag's key up to the cluster's name
     * @param poolKey          the pool tag's key
     */
    public record TagNames(String groupKind, String templateKind, String clusterKeyPrefix, String poolKey) {

        public TagNames {
            Objects.requireNonNull(groupKind, "groupKind");
            Objects.requireNonNull(clusterKeyPrefix, "clusterKeyPrefix");
            Objects.requireNonNull(poolKey, "poolKey");
        }

        public String clusterKey(String cluster) {
            return clusterKeyPrefix + cluster;
        }

        /** Whether only Poolstream writes this key: a user's tag with it is dropped, so nobody claims a group by tags. */
        public boolean reserved(String key) {
            return key.equals(poolKey) || key.startsWith(clusterKeyPrefix);
        }
    }

    /**
     * The pool tag's value: the pool key; for a key longer than a tag value may be (a namespace of 63 and a name of
     * 253 characters make 317), its first 239 characters, {@code ~} and 16 hex digits of its SHA-256.
     */
    public static String poolValue(String pool) {
        Objects.requireNonNull(pool, "pool");
        if (pool.length() <= MAX_TAG_VALUE) {
            return pool;
        }
        return pool.substring(0, MAX_TAG_VALUE - HASH_LENGTH - 1) + "~" + sha256(pool).substring(0, HASH_LENGTH);
    }

    /** The two tags that make a group the pool's, as written at create. */
    public static Map<String, String> tags(TagNames names, String pool, String cluster) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(names.clusterKey(requireCluster(cluster)), OWNED);
        tags.put(names.poolKey(), poolValue(pool));
        return tags;
    }

    /**
     * {@code tags} without any reserved key ({@link TagNames#reserved}: a user's pool tag, or a cluster-owned tag of
     * any cluster), then the pool's two ownership tags: what a group of this pool is created with.
     */
    public static Map<String, String> stamp(TagNames names, Map<String, String> tags, String pool, String cluster) {
        Map<String, String> stamped = new TreeMap<>();
        if (tags != null) {
            tags.forEach((k, v) -> {
                if (!names.reserved(k)) {
                    stamped.put(k, v);
                }
            });
        }
        stamped.putAll(tags(names, pool, cluster));
        return stamped;
    }

    /** Whether a group with these tags is the pool's own ({@link #check}). */
    public static boolean owns(TagNames names, Map<String, String> tags, String pool, String cluster) {
        return check(names, names.groupKind(), "", tags, pool, cluster).isEmpty();
    }

    /**
     * The group as the pool may see it: the group when it is the pool's own (or the cloud names no ownership tags),
     * else empty: a group that is not the pool's is no group of the pool's, and neither it nor its instances are
     * published for the pool.
     *
     * @param cluster the command's cluster, or null
     */
    public static Optional<GroupSnapshot> visible(Optional<TagNames> names, Optional<GroupSnapshot> group, String pool,
                                                  String cluster) {
        return group.filter(g -> notOwned(names, g, pool, cluster).isEmpty());
    }

    /**
     * Why a group that is there is not the pool's own ({@link #check}), or empty when it is (or the cloud names no
     * ownership tags).
     *
     * @param cluster the command's cluster, or null
     */
    public static Optional<Failure> notOwned(Optional<TagNames> names, GroupSnapshot group, String pool,
                                             String cluster) {
        return names.flatMap(n -> check(n, n.groupKind(), group.group(), group.tags(), pool, cluster));
    }

    /**
     * Empty when the resource is the pool's own, else why not (reason {@link Reasons#GROUP_NOT_OWNED}), naming the
     * resource, the missing or wrong tags and how to take it over.
     *
     * @param kind     what the resource is, for the message (the group kind or the template kind)
     * @param resource its name
     * @param cluster  the command's cluster, or null for a command that carries none
     */
    public static Optional<Failure> check(TagNames names, String kind, String resource, Map<String, String> tags,
                                          String pool, String cluster) {
        Map<String, String> actual = tags == null ? Map.of() : tags;
        String expected = poolValue(pool);
        StringBuilder problems = new StringBuilder();
        String poolTag = actual.get(names.poolKey());
        if (poolTag == null) {
            problems.append("it has no tag ").append(names.poolKey());
        } else if (!poolTag.equals(expected)) {
            problems.append("its tag ").append(names.poolKey()).append(" is '").append(poolTag)
                    .append("', not '").append(expected).append('\'');
        }
        List<String> owners = new TreeMap<>(actual).entrySet().stream()
                .filter(e -> e.getKey().startsWith(names.clusterKeyPrefix()) && OWNED.equals(e.getValue()))
                .map(e -> e.getKey().substring(names.clusterKeyPrefix().length())).toList();
        String clusterProblem = null;
        if (cluster != null && !owners.contains(cluster)) {
            clusterProblem = "it has no tag " + names.clusterKey(cluster) + "=" + OWNED
                    + (owners.isEmpty() ? "" : " (it is owned by cluster " + String.join(", ", owners) + ")");
        } else if (owners.isEmpty()) {
            clusterProblem = "it has no tag " + names.clusterKey("<cluster>") + "=" + OWNED;
        } else if (owners.size() > 1) {
            clusterProblem = "it is owned by " + owners.size() + " clusters (" + String.join(", ", owners)
                    + "), where one cluster may own it";
        }
        if (clusterProblem != null) {
            problems.append(problems.length() == 0 ? "" : "; ").append(clusterProblem);
        }
        if (problems.length() == 0) {
            return Optional.empty();
        }
        String owner = cluster != null ? cluster : owners.size() == 1 ? owners.get(0) : "<cluster>";
        return Optional.of(new Failure(Reasons.GROUP_NOT_OWNED, kind + " " + resource + " exists but is not pool "
                + pool + "'s own: " + problems + ". Poolstream neither adopts, changes nor deletes what it did not "
                + "create, and has left it untouched. To take it over, tag it " + names.poolKey() + "=" + expected
                + " and " + names.clusterKey(owner) + "=" + OWNED + " (and no other cluster's " + OWNED
                + " tag); if it is not this pool's, remove the annotation " + ScalingGroupNames.ANNOTATION
                + " that names it from the MachinePool, or delete the " + kind + "."));
    }

    private static String requireCluster(String cluster) {
        if (cluster == null || cluster.isBlank()) {
            throw new IllegalArgumentException("the template names no cluster: its group cannot be tagged as owned");
        }
        return cluster;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    private GroupOwnership() {
    }
}
