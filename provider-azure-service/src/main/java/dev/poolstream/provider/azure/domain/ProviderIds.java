package dev.poolstream.provider.azure.domain;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Provider IDs exactly as the Node carries them (MACHINEPOOL-SEMANTICS.md §2). cloud-provider-azure writes the ARM
 * resource ID of the VM behind {@code azure://} with the resource group lower-cased (and nothing else), while ARM
 * itself returns resource groups in whatever case it likes (often upper-cased for scale set VMs); matching a Node
 * is an exact string comparison, so the IDs are normalised here.
 *
 * <ul>
 *   <li>Uniform: {@code azure:///subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachineScaleSets/<vmss>/virtualMachines/<instance-id>}</li>
 *   <li>Flexible: {@code azure:///subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/<vm-name>}</li>
 * </ul>
 */
public final class ProviderIds {

    public static final String PREFIX = "azure://";

    private static final Pattern UNIFORM_ID = Pattern.compile(
            "^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Compute/virtualMachineScaleSets/"
                    + "([^/]+)/virtualMachines/([^/]+)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern VM_ID = Pattern.compile(
            "^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Compute/virtualMachines/([^/]+)$",
            Pattern.CASE_INSENSITIVE);

    public static String uniform(String subscription, String resourceGroup, String scaleSet, String instanceId) {
        return PREFIX + "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup.toLowerCase(Locale.ROOT)
                + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + scaleSet + "/virtualMachines/" + instanceId;
    }

    public static String flexible(String subscription, String resourceGroup, String vmName) {
        return PREFIX + "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup.toLowerCase(Locale.ROOT)
                + "/providers/Microsoft.Compute/virtualMachines/" + vmName;
    }

    /**
     * The provider ID of a Uniform scale set VM from its ARM resource ID (as the scale set VM list returns it), or
     * of a Flexible one from its VM resource ID. The case of the segment names is the canonical one, whatever ARM
     * returned.
     *
     * @throws IllegalArgumentException for an ID that is neither
     */
    public static String fromResourceId(String resourceId) {
        Matcher uniform = UNIFORM_ID.matcher(resourceId == null ? "" : resourceId);
        if (uniform.matches()) {
            return uniform(uniform.group(1), uniform.group(2), uniform.group(3), uniform.group(4));
        }
        Matcher vm = VM_ID.matcher(resourceId == null ? "" : resourceId);
        if (vm.matches()) {
            return flexible(vm.group(1), vm.group(2), vm.group(3));
        }
        throw new IllegalArgumentException("not the resource ID of a scale set VM or a VM: " + resourceId);
    }

    /**
     * The parts of a provider ID.
     *
     * @param scaleSet the Uniform scale set, or null for a Flexible (plain) VM
     * @param name     the scale set VM's instance ID (Uniform) or the VM's name (Flexible)
     */
    public record Parts(String subscription, String resourceGroup, String scaleSet, String name) {
    }

    /** The parts of a provider ID of either form; empty for any other string. */
    public static Optional<Parts> parse(String providerId) {
        if (providerId == null || !providerId.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String id = providerId.substring(PREFIX.length());
        Matcher uniform = UNIFORM_ID.matcher(id);
        if (uniform.matches()) {
            return Optional.of(new Parts(uniform.group(1), uniform.group(2), uniform.group(3), uniform.group(4)));
        }
        Matcher vm = VM_ID.matcher(id);
        return vm.matches() ? Optional.of(new Parts(vm.group(1), vm.group(2), null, vm.group(3))) : Optional.empty();
    }

    private ProviderIds() {
    }
}
