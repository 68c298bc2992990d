package dev.poolstream.provider.domain;

/** The {@code reason}s of the failures a provider reports: CamelCase, stable, for programs to match. */
public final class Reasons {

    /** replicas outside [minSize, maxSize] while the pool's size is not managed externally. */
    public static final String REPLICAS_OUT_OF_RANGE = "ReplicasOutOfRange";
    /** minSize above maxSize, or a negative size. */
    public static final String INVALID_CAPACITY = "InvalidCapacity";
    /** A command other than EnsureGroup names a group that does not exist. */
    public static final String GROUP_NOT_FOUND = "GroupNotFound";
    /**
     * The group (or its template) exists but does not carry the tags that make it this pool's: Poolstream neither
     * adopts, changes nor deletes it.
     */
    public static final String GROUP_NOT_OWNED = dev.poolstream.events.Failure.GROUP_NOT_OWNED;
    /**
     * A desired size below the instances the group holds: the cloud would choose which to end, undrained. A scale-down
     * names its drained instances in a TerminateInstances.
     */
    public static final String SCALE_DOWN_NEEDS_NAMED_INSTANCES = "ScaleDownNeedsNamedInstances";
    /** The command names a bootstrap data Secret outside the pool's namespace: it is not read. */
    public static final String BOOTSTRAP_SECRET_OUTSIDE_NAMESPACE = "BootstrapSecretOutsideNamespace";
    /**
     * The inventory poller's describes of the group failed several times in a row (credentials revoked, throttling,
     * an outage): the instances are as last published. Cleared by the next describe that succeeds.
     */
    public static final String DESCRIBE_FAILED = "DescribeFailed";
    /** The command names a cluster's kubeconfig Secret as bootstrap data: it is not read. */
    public static final String BOOTSTRAP_SECRET_IS_KUBECONFIG = "BootstrapSecretIsKubeconfig";
    /**
     * The record's key is not the pool the command names: commands are keyed by their pool (one pool's commands in
     * order on one partition), and a command keyed otherwise is not carried out.
     */
    public static final String KEY_MISMATCH = "KeyMismatch";
    /** The command is malformed: an empty id, group or instance list, a pool key that is no pool key, a foreign instance. */
    public static final String INVALID_COMMAND = "InvalidCommand";
    /** The template cannot be turned into a cloud template (e.g. no AMI id). */
    public static final String INVALID_TEMPLATE = "InvalidTemplate";
    /** The command is for another cloud. */
    public static final String WRONG_CLOUD = "WrongCloud";
    /** The cloud rejected a request as invalid. */
    public static final String CLOUD_REJECTED = "CloudRejected";
    /**
     * The cloud took a write and its long-running operation then ended failed (an Azure allocation failure). For a
     * write whose change stays (a scale set PUT or PATCH: its new capacity, instances that failed) it is not retried
     * by the provider, since a retry would find the change made and report success, and the error would no longer
     * show; the reconciler decides again from what the cloud has. A failed delete is tried again.
     */
    public static final String CLOUD_OPERATION_FAILED = "CloudOperationFailed";
    /**
     * The cloud's latest attempt to launch an instance into a group short of its desired capacity failed (an AMI gone,
     * no capacity of the instance type in the zone, a quota reached): a group state's {@code launchFailure}, not a
     * command's error, since the command that asked for the capacity was carried out.
     */
    public static final String LAUNCH_FAILED = "LaunchFailed";
    /**
     * An Azure scale set is itself in provisioning state {@code Failed} (its last operation failed: a model update or
     * an extension, one the provider had stopped following) with no VM failed to provision: a group state's
     * {@code launchFailure}, as CAPZ says it on {@code ScaleSetRunning}. The scale set's next operation that succeeds
     * clears it.
     */
    public static final String SCALE_SET_FAILED = "ScaleSetProvisionFailed";
    /** The record could not be read. */
    public static final String MALFORMED_RECORD = "MalformedRecord";
    /**
     * A command failed for a reason that may pass and is tried again after a backoff, and the failure named no reason
     * of its own (one that does, such as {@code CloudThrottled}, is the reason instead); the message says when.
     */
    public static final String RETRYING = "Retrying";
    /**
     * The consumer of the command's partition has not polled for most of {@code max.poll.interval.ms}: Kafka may have
     * given the partition to another consumer already, so the command writes nothing (and publishes no state: a log
     * line says it) and is tried again once that is known (the partition gone: its new owner carries it out).
     */
    public static final String CONSUMER_POLL_OVERDUE = "ConsumerPollOverdue";
    /** A transient failure persisted through every retry. */
    public static final String RETRIES_EXHAUSTED = "RetriesExhausted";

    private Reasons() {
    }
}
