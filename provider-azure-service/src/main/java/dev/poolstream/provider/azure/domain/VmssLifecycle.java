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
     * The VMs to name when the scale set is short of its capacity ({@link GroupSnapshot#isShort}) and VMs of it
     * failed to provision (an allocation failure, a quota, an extension that failed): Azure keeps such a VM in the
     * scale set, counted in its capacity, with provisioning state Failed. By instance ID; empty otherwise.
     */
    public static List<String> failedVms(GroupSnapshot scaleSet) {
        if (!scaleSet.isShort()) {
            return List.of();
        }
        return scaleSet.instances().stream().filter(i -> i.lifecycle() == InstanceLifecycle.FAILED)
                .map(InstanceSnapshot::instanceId).sorted().toList();
    }

    /**
     * Why the scale set is short, when VMs of it failed to provision; null when none did.
     *
     * @param failed   its {@link #failedVms}
     * @param whyFirst what the instance view of the first of them says ({@link #provisioningError}); null when it
     *                 was not read, and the message says where to look
     */
    public static Failure launchFailure(String scaleSet, List<String> failed, String whyFirst) {
        if (failed.isEmpty()) {
            return null;
        }
        return new Failure(Reasons.LAUNCH_FAILED, "scale set " + scaleSet + ": " + failed.size()
                + (failed.size() == 1 ? " VM" : " VMs") + " failed to provision " + failed
                + (whyFirst == null ? "; the instance view of each says why"
                : "; VM " + failed.get(0) + ": " + whyFirst));
    }

    /** A status of a VM's instance view: its code ({@code ProvisioningState/failed/AllocationFailed}) and message. */
    public record ViewStatus(String code, String message) {
    }

    /**
     * What a failed VM's instance view says went wrong: its failed provisioning status, as the error code ARM puts
     * after {@code ProvisioningState/failed/} and the message ({@code AllocationFailed: Allocation failed. We do not
     * have sufficient capacity ...}). Null when no status says provisioning failed.
     */
    public static String provisioningError(List<ViewStatus> statuses) {
        return statuses.stream().filter(s -> s.code() != null
                        && s.code().toLowerCase(Locale.ROOT).startsWith(PROVISIONING_FAILED))
                .findFirst()
                .map(s -> {
                    String code = s.code().substring(PROVISIONING_FAILED.length());
                    String message = s.message() == null || s.message().isBlank() ? null : s.message().strip();
                    return code.isEmpty() ? message : message == null ? code : code + ": " + message;
                })
                .orElse(null);
    }

    private static final String PROVISIONING_FAILED = "provisioningstate/failed/";

    /**
     * Whether the scale set itself is {@code Failed}: its last operation failed (a model update, an extension) after
     * no one waited for it any more (the provider follows an operation for a while only), or ARM's own did.
     */
    public static boolean failed(String scaleSetProvisioningState) {
        return "failed".equalsIgnoreCase(scaleSetProvisioningState);
    }

    /**
     * Why the scale set is {@link #failed}, when no VM of it failed to provision (they say more, and come first).
     *
     * @param why what its instance view says ({@link #provisioningError}); null when it was not read, and the message
     *            says where to look
     */
    public static Failure scaleSetFailure(String scaleSet, String why) {
        return new Failure(Reasons.SCALE_SET_FAILED, "scale set " + scaleSet + " is in provisioning state Failed"
                + (why == null ? "; its instance view says why" : ": " + why));
    }

    /** Whether the scale set itself is being deleted. */
    public static boolean deleting(String scaleSetProvisioningState) {
        return "deleting".equalsIgnoreCase(scaleSetProvisioningState);
    }

    private VmssLifecycle() {
    }
}
