package dev.poolstream.provider.aws.domain;

import dev.poolstream.events.InstanceLifecycle;

/** How an Auto Scaling instance reads in Poolstream's terms. */
public final class AwsInstances {

    /** {@code aws:///<availability-zone>/<instance-id>}, exactly as the AWS cloud provider sets it on the Node. */
    public static String providerId(String zone, String instanceId) {
        return "aws:///" + zone + "/" + instanceId;
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
