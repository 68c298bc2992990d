package dev.poolstream.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The name of a pool's cloud group: the AWS Auto Scaling Group (and its launch template, which has the same name)
 * or the Azure VM Scale Set. The infrastructure pool's name alone is not unique: two AWSMachinePools of the same
 * name in two namespaces, or of two clusters, would share one group. A derived name is the infrastructure pool's
 * name, readable, then {@code -} and {@value #HASH_LENGTH} hex digits of the SHA-256 of
 * {@code <cluster>/<namespace>/<infrastructure pool name>}, e.g. {@code workers-3f9a1c2b7d}, cut so that it fits the
 * cloud:
 *
 * <ul>
 *   <li>AWS: at most {@value #AWS_MAX_LENGTH} characters (an Auto Scaling Group name may have 255, but the launch
 *       template named as the group at most 128, of {@code A-Z a-z 0-9 ( ) . - / _}).</li>
 *   <li>Azure: letters, digits and hyphens only ({@code .} becomes {@code -}), at most {@value #AZURE_DERIVED_LENGTH}
 *       characters: a Linux scale set's name may have 64, but its computer name prefix, from which the Nodes are
 *       named, at most 58, and the hash must stay in it for two pools of one cluster not to name their Nodes
 *       alike.</li>
 * </ul>
 *
 * <p>An existing group (one CAPA or CAPZ made, named as its infrastructure pool) cannot be renamed on either cloud.
 * To take it over, the MachinePool names it in the annotation {@value #ANNOTATION}; the provider still refuses it
 * until it carries the pool's ownership tags (see the provider READMEs).
 */
public final class ScalingGroupNames {

    /** A MachinePool annotation naming an existing group to use instead of the derived name. */
    public static final String ANNOTATION = "poolstream.dev/scaling-group-name";
    /** The reason of {@link #problem} for an annotation that names no valid group. */
    public static final String REASON_INVALID_NAME = "InvalidScalingGroupName";
    public static final int AWS_MAX_LENGTH = 128;
    public static final int AZURE_MAX_LENGTH = 64;
    public static final int AZURE_DERIVED_LENGTH = 58;
    public static final int HASH_LENGTH = 10;

    private static final Pattern AWS_NAME = Pattern.compile("[A-Za-z0-9().\\-/_]{3," + AWS_MAX_LENGTH + "}");
    private static final Pattern AZURE_NAME = Pattern.compile(
            "[A-Za-z0-9](?:[A-Za-z0-9._-]{0," + (AZURE_MAX_LENGTH - 2) + "}[A-Za-z0-9_])?");

    /**
     * The derived name of the group of an infrastructure pool: unique per cluster, namespace and infrastructure pool
     * name, the same every time.
     *
     * @param cluster                the MachinePool's {@code spec.clusterName}
     * @param namespace              the MachinePool's (and its infrastructure pool's) namespace
     * @param infrastructurePoolName the AWSMachinePool's or AzureMachinePool's name
     */
    public static String derive(Cloud cloud, String cluster, String namespace, String infrastructurePoolName) {
        Objects.requireNonNull(cloud, "cloud");
        requireSegment(cluster, "cluster");
        requireSegment(namespace, "namespace");
        requireSegment(infrastructurePoolName, "infrastructurePoolName");
        String hash = hash(cluster + "/" + namespace + "/" + infrastructurePoolName);
        int room = (cloud == Cloud.AZURE ? AZURE_DERIVED_LENGTH : AWS_MAX_LENGTH) - 1 - HASH_LENGTH;
        String base = cloud == Cloud.AZURE
                ? infrastructurePoolName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-")
                : infrastructurePoolName.replaceAll("[^A-Za-z0-9().\\-/_]", "-");
        base = base.substring(0, Math.min(base.length(), room))
                .replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
        return (base.isEmpty() ? "pool" : base) + "-" + hash;
    }

    /**
     * The group of a pool: the one its MachinePool names in {@value #ANNOTATION}, else the {@link #derive derived}
     * name.
     *
     * @param annotations the MachinePool's annotations ({@link PoolSpec#annotations()})
     * @throws IllegalArgumentException when the annotation names no valid group for the cloud ({@link #problem} says
     *                                  why, as a condition can show it)
     */
    public static String forPool(Cloud cloud, String cluster, String namespace, String infrastructurePoolName,
                                 Map<String, String> annotations) {
        Optional<Failure> problem = problem(cloud, annotations);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get().message());
        }
        String named = annotations == null ? null : annotations.get(ANNOTATION);
        return named != null ? named : derive(cloud, cluster, namespace, infrastructurePoolName);
    }

    /** Why the group named in {@value #ANNOTATION} cannot be the cloud's group name; empty when it can, or is not set. */
    public static Optional<Failure> problem(Cloud cloud, Map<String, String> annotations) {
        Objects.requireNonNull(cloud, "cloud");
        String named = annotations == null ? null : annotations.get(ANNOTATION);
        if (named == null) {
            return Optional.empty();
        }
        boolean valid = (cloud == Cloud.AZURE ? AZURE_NAME : AWS_NAME).matcher(named).matches();
        return valid ? Optional.empty() : Optional.of(new Failure(REASON_INVALID_NAME, "the annotation " + ANNOTATION
                + " names '" + named + "', which cannot be " + (cloud == Cloud.AZURE
                ? "a VM Scale Set name (1-64 letters, digits, '.', '_' or '-', starting with a letter or digit and "
                + "ending with a letter, digit or '_')"
                : "an Auto Scaling Group and launch template name (3-128 of A-Z a-z 0-9 ( ) . - / _)")));
    }

    private static String hash(String input) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    private static void requireSegment(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        if (value.indexOf('/') >= 0) {
            throw new IllegalArgumentException(what + " '" + value + "' contains '/'");
        }
    }

    private ScalingGroupNames() {
    }
}
