package dev.poolstream.provider.aws.domain;

import dev.poolstream.events.InstanceLifecycle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How an Auto Scaling instance reads in Poolstream's terms. */
public final class AwsInstances {

    /** At most this many instances per {@code DetachInstances} (the Auto Scaling API's limit). */
    public static final int DETACH_BATCH = 20;
    /** At most this many instances per {@code SetInstanceProtection} (the Auto Scaling API's limit). */
    public static final int PROTECT_BATCH = 50;
    /** At most this many instances per EC2 {@code TerminateInstances} (EC2's limit). */
    public static final int TERMINATE_BATCH = 1000;
    /** At most this many values per EC2 {@code DescribeInstances} filter. */
    public static final int FILTER_BATCH = 200;

    private static final Pattern PROVIDER_ID = Pattern.compile("^aws:///[^/]*/(i-[0-9a-f]+)$");

    /** {@code aws:///<availability-zone>/<instance-id>}, exactly as the AWS cloud provider sets it on the Node. */
    public static String providerId(String zone, String instanceId) {
        return "aws:///" + zone + "/" + instanceId;
    }

    /** The instance id in a provider ID of the form {@link #providerId} gives; empty for any other string. */
    public static Optional<String> instanceId(String providerId) {
        Matcher m = PROVIDER_ID.matcher(providerId == null ? "" : providerId);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * Whether Auto Scaling lets this instance be detached: only {@code InService} ones. The others (pending, standby,
     * already leaving) are terminated through the group one by one.
     */
    public static boolean detachable(String lifecycleState) {
        return "InService".equals(lifecycleState);
    }

    /**
     * Whether a named instance the group does not run any more may still be running outside it: one the group does
     * not list (detached, or gone), or lists as detaching. One the group itself is terminating is left to it.
     *
     * @param lifecycleState the group's word for the instance, empty when the group does not list it
     */
    public static boolean mayRunOutsideGroup(Optional<String> lifecycleState) {
        return lifecycleState.map(s -> s.startsWith("Detach")).orElse(true);
    }

    /** {@code ids} in consecutive batches of at most {@code size}. */
    public static <T> List<List<T>> batches(List<T> ids, int size) {
        List<List<T>> batches = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += size) {
            batches.add(List.copyOf(ids.subList(from, Math.min(ids.size(), from + size))));
        }
        return batches;
    }

    /**
     * The normalised lifecycle of an Auto Scaling instance: {@code Pending*} and {@code Warmed:Pending*} are PENDING,
     * {@code InService} and standby are RUNNING, {@code Terminating*}, {@code Terminated}, {@code Detach*} are
     * TERMINATING, and an {@code Unhealthy} instance that is not already leaving is FAILED.
     */
    public static InstanceLifecycle lifecycle(String lifecycleState, String healthStatus) {
        String state = lifecycleState == null ? "" : lifecycleState;
        if (state.startsWith("Terminat") || state.startsWith("Detach") || state.startsWith("Warmed:Terminat")) {
            return InstanceLifecycle.TERMINATING;
        }
        if ("Unhealthy".equalsIgnoreCase(healthStatus)) {
            return InstanceLifecycle.FAILED;
        }
        if (state.equals("InService") || state.equals("Standby") || state.equals("EnteringStandby")) {
            return InstanceLifecycle.RUNNING;
        }
        return InstanceLifecycle.PENDING;
    }

    private AwsInstances() {
    }
}
