package dev.poolstream.provider.azure.domain;

import dev.poolstream.events.InstanceLifecycle;
import java.util.Locale;

/** A scale set VM's provisioning state in the contract's terms. */
public final class VmssLifecycle {

    public static InstanceLifecycle of(String provisioningState) {
        if (provisioningState == null) {
            return InstanceLifecycle.PENDING; // ARM has not told yet: CAPZ treats it as Creating
        }
        return switch (provisioningState.toLowerCase(Locale.ROOT)) {
            case "succeeded", "updating", "migrating" -> InstanceLifecycle.RUNNING;
            case "deleting", "deleted" -> InstanceLifecycle.TERMINATING;
            case "failed", "canceled" -> InstanceLifecycle.FAILED;
            default -> InstanceLifecycle.PENDING; // Creating, Accepted and whatever ARM adds
        };
    }

    /** Whether the scale set itself is being deleted. */
    public static boolean deleting(String scaleSetProvisioningState) {
        return "deleting".equalsIgnoreCase(scaleSetProvisioningState);
    }

    private VmssLifecycle() {
    }
}
