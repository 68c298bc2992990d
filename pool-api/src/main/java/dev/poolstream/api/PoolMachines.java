package dev.poolstream.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a pool's instances are named as Kubernetes objects (issue 17, docs/machines.md): one infrastructure machine
 * ({@code AWSMachine}, {@code AzureMachinePoolMachine}) per instance, and one Cluster API {@code Machine} of the same
 * name. Names are derived, never generated, so a restart or a second writer finds the same object.
 */
public final class PoolMachines {

    /** A label value: at most 63 characters, alphanumerics, {@code -_.}, starting and ending alphanumeric. */
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final int MAX_NAME = 63;

    /**
     * The value of {@code cluster.x-k8s.io/pool-name} for a MachinePool name: the name itself when it is a valid
     * label value, else {@code hash_<FNV-32a, URL base64 without padding>_z}, as Cluster API's
     * {@code format.MustFormatValue}.
     */
    public static String poolNameLabel(String poolName) {
        if (poolName.length() <= MAX_NAME && LABEL_VALUE.matcher(poolName).matches()) {
            return poolName;
        }
        int hash = fnv32a(poolName);
        byte[] bytes = {(byte) (hash >>> 24), (byte) (hash >>> 16), (byte) (hash >>> 8), (byte) hash};
        return "hash_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + "_z";
    }

    /**
     * The kind of a pool's per-instance objects, set as the infrastructure pool's
     * {@code status.infrastructureMachineKind}; null for a kind Poolstream does not know.
     */
    public static String infrastructureMachineKind(String infrastructurePoolKind) {
        if (ClusterApi.KIND_AWS_MACHINE_POOL.equals(infrastructurePoolKind)) {
            return ClusterApi.KIND_AWS_MACHINE;
        }
        if (ClusterApi.KIND_AZURE_MACHINE_POOL.equals(infrastructurePoolKind)) {
            return ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE;
        }
        return null;
    }

    /**
     * The name of an instance's infrastructure machine and Machine: {@code <infrastructure pool>-<instance>} (CAPZ's
     * form), lower-cased, with every character a DNS label does not allow turned into {@code -}. A name longer than
     * 63 characters (the Machine's name becomes its Node's label value) keeps its first 54 and ends in
     * {@code -<8 hex digits of FNV-32a of the whole>}, so two long names stay apart.
     */
    public static String machineName(String infrastructurePoolName, String providerID) {
        String instance = ProviderId.parse(providerID).instance();
        String raw = (infrastructurePoolName + "-" + instance).toLowerCase(Locale.ROOT);
        StringBuilder name = new StringBuilder(raw.length());
        for (char c : raw.toCharArray()) {
            name.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ? c : '-');
        }
        String cleaned = trimDashes(name.toString());
        if (cleaned.length() <= MAX_NAME) {
            return cleaned;
        }
        return trimDashes(cleaned.substring(0, 54)) + "-" + String.format("%08x", fnv32a(providerID + "/" + raw));
    }

    private static String trimDashes(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '-') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '-') {
            to--;
        }
        return s.substring(from, to);
    }

    static int fnv32a(String s) {
        int hash = 0x811c9dc5;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        return hash;
    }

    private PoolMachines() {
    }
}
