package dev.poolstream.events;

/** Where a cloud instance is in its life, the same for every cloud; the cloud's own word goes beside it. */
public enum InstanceLifecycle {
    /** Requested, booting, or waiting on a lifecycle hook. */
    PENDING,
    /** Running in the group. */
    RUNNING,
    /** Being terminated or deleted. */
    TERMINATING,
    /** The cloud reports the instance failed; it will not become a Node. */
    FAILED
}
