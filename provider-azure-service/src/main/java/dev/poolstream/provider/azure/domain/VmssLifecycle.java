package dev.poolstream.provider.azure.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.InstanceSnapshot;
import dev.poolstream.provider.domain.Reasons;
import java.util.List;
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

    /**
     * Why the scale set is short of its capacity, when VMs of it failed to provision (an allocation failure, a quota,
     * an extension that failed): Azure keeps such a VM in the scale set, counted in its capacity, with provisioning
     * state Failed; the reason is in its instance view, which the listing does not carry. Null when the scale set is
     * not short ({@link GroupSnapshot#isShort}) or none of its VMs failed.
     */
    public static Failure launchFailure(GroupSnapshot scaleSet) {
        List<String> failed = scaleSet.instances().stream().filter(i -> i.lifecycle() == InstanceLifecycle.FAILED)
                .map(InstanceSnapshot::instanceId).sorted().toList();
        if (failed.isEmpty() || !scaleSet.isShort()) {
            return null;
        }
        return new Failure(Reasons.LAUNCH_FAILED, "scale set " + scaleSet.group() + ": " + failed.size()
                + (failed.size() == 1 ? " VM" : " VMs") + " failed to provision " + failed
                + "; the instance view of each says why");
    }

    /** Whether the scale set itself is being deleted. */
    public static boolean deleting(String scaleSetProvisioningState) {
        return "deleting".equalsIgnoreCase(scaleSetProvisioningState);
    }

    private VmssLifecycle() {
    }
}
