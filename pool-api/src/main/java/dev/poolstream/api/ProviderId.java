package dev.poolstream.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A provider ID taken apart for display: logs, lifecycle events, the sandbox's tables.
 *
 * <p>Matching a Node to a cloud instance never goes through this type: it is an exact comparison of the
 * whole string (MACHINEPOOL-SEMANTICS.md §2), because two Azure pools can share a trailing instance number.
 *
 * @param value    the provider ID exactly as given
 * @param cloud    the scheme: {@code aws}, {@code azure}, or whatever precedes {@code ://}; empty if none
 * @param location the availability zone (AWS) or resource group (Azure); empty where the ID carries none
 * @param group    the scale set (Azure Uniform); empty otherwise
 * @param instance the instance ID (AWS), the scale set instance ID (Azure Uniform), the VM name (Azure
 *                 Flexible), or the last path segment of an ID of another kind
 */
public record ProviderId(String value, String cloud, String location, String group, String instance) {

    private static final Pattern AWS = Pattern.compile("aws://[^/]*/([^/]*)/([^/]+)");
    private static final Pattern AZURE_UNIFORM = Pattern.compile(
            "azure:///subscriptions/[^/]+/resourceGroups/([^/]+)/providers/Microsoft\\.Compute/"
                    + "virtualMachineScaleSets/([^/]+)/virtualMachines/([^/]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern AZURE_FLEXIBLE = Pattern.compile(
            "azure:///subscriptions/[^/]+/resourceGroups/([^/]+)/providers/Microsoft\\.Compute/"
                    + "virtualMachines/([^/]+)", Pattern.CASE_INSENSITIVE);

    /** Never fails: an ID of an unknown form keeps its scheme and last segment. */
    public static ProviderId parse(String value) {
        String id = value == null ? "" : value;
        Matcher m;
        if ((m = AWS.matcher(id)).matches()) {
            return new ProviderId(id, "aws", m.group(1), "", m.group(2));
        }
        if ((m = AZURE_UNIFORM.matcher(id)).matches()) {
            return new ProviderId(id, "azure", m.group(1), m.group(2), m.group(3));
        }
        if ((m = AZURE_FLEXIBLE.matcher(id)).matches()) {
            return new ProviderId(id, "azure", m.group(1), "", m.group(2));
        }
        int scheme = id.indexOf("://");
        String cloud = scheme > 0 ? id.substring(0, scheme) : "";
        String trimmed = id.endsWith("/") ? id.substring(0, id.length() - 1) : id;
        String last = trimmed.substring(trimmed.lastIndexOf('/') + 1);
        return new ProviderId(id, cloud, "", "", last);
    }

    /** A short human label: {@code us-east-1a/i-0abc}, {@code nodepool1/3}, or the instance alone. */
    public String shortName() {
        String prefix = !group.isEmpty() ? group : location;
        return prefix.isEmpty() ? instance : prefix + "/" + instance;
    }

    @Override
    public String toString() {
        return value;
    }
}
