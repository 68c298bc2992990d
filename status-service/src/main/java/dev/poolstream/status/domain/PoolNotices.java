package dev.poolstream.status.domain;

import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus.Phase;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.events.PoolStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What is news to a user about a pool, told as Kubernetes Events on the MachinePool and its infrastructure pool: every
 * error the status service sees (a spec it cannot act on, the cloud's error in the group state, bootstrap data
 * missing, the pool's Nodes that cannot be seen), and the transitions users wait for (the pool Running, a scale finished). A pure comparison of the last
 * status told about with the current one: an error is told when it appears or changes, not on every status.
 */
public final class PoolNotices {

    public static final String REASON_POOL_READY = "PoolReady";
    public static final String REASON_SCALING_FINISHED = "ScalingFinished";
    public static final String ACTION_RECONCILE = "Reconcile";
    public static final String ACTION_PROVISION = "Provision";
    public static final String ACTION_SCALE = "Scale";
    public static final String ACTION_WATCH_NODES = "WatchNodes";

    /** InfrastructureReady reasons that are not errors. */
    private static final Set<String> NOT_ERRORS = Set.of(PoolConditions.WAITING_FOR_BOOTSTRAP_DATA,
            PoolConditions.WAITING_FOR_SCALING_GROUP, PoolConditions.PROVISIONED);

    /**
     * One Event to record.
     *
     * @param warning a Warning Event (an error), else Normal
     * @param action  what was done or failed (events.k8s.io's {@code action})
     * @param reason  CamelCase, what a program matches
     * @param note    what a person reads
     */
    public record Notice(boolean warning, String action, String reason, String note) {
    }

    /**
     * What was last told about a pool: all that the comparison needs, so that remembering many pools costs little.
     *
     * @param error        the error's reason, null when there was none
     * @param scaling      a scale was under way (ScalingUp or ScalingDown True)
     * @param nodesProblem why the pool's Nodes could not be seen (MachinesReady Unknown), null when they could
     */
    public record Seen(Phase phase, String error, String errorMessage, boolean scaling, String nodesProblem,
                       String nodesProblemMessage) {
    }

    public static Seen seen(PoolStatus status) {
        MachinePoolStatus s = status.status();
        Optional<Conditions> error = error(s);
        Optional<Conditions> nodes = nodesProblem(s);
        return new Seen(s == null ? null : s.getPhase(), error.map(Conditions::getReason).orElse(null),
                error.map(Conditions::getMessage).orElse(null), scaling(s),
                nodes.map(Conditions::getReason).orElse(null), nodes.map(Conditions::getMessage).orElse(null));
    }

    /**
     * The notices between the last status told about and the current one.
     *
     * @param previous what was told last, or null when nothing was (a new pool, or this process's first look at it:
     *                 an error is told then, a transition is not, since it cannot be told from a restart)
     */
    public static List<Notice> between(Seen previous, PoolStatus current) {
        List<Notice> notices = new ArrayList<>();
        MachinePoolStatus status = current.status();
        if (status == null) {
            return notices;
        }
        Seen now = seen(current);
        if (now.error() != null && (previous == null || !Objects.equals(previous.error(), now.error())
                || !Objects.equals(previous.errorMessage(), now.errorMessage()))) {
            notices.add(new Notice(true, ACTION_RECONCILE, now.error(), now.errorMessage()));
        }
        if (now.nodesProblem() != null && (previous == null || !Objects.equals(previous.nodesProblem(),
                now.nodesProblem()) || !Objects.equals(previous.nodesProblemMessage(), now.nodesProblemMessage()))) {
            notices.add(new Notice(true, ACTION_WATCH_NODES, now.nodesProblem(), now.nodesProblemMessage()));
        }
        if (previous == null) {
            return notices;
        }
        if (previous.scaling() && !now.scaling() && now.error() == null) {
            // (A scale a spec problem holds back is not finished: the problem is the error, told above.)
            int replicas = orZero(status.getReplicas());
            notices.add(new Notice(false, ACTION_SCALE, REASON_SCALING_FINISHED, "Scaling finished: " + replicas
                    + (replicas == 1 ? " replica, " : " replicas, ") + orZero(status.getReadyReplicas()) + " Ready"));
        }
        if (now.phase() == Phase.RUNNING && previous.phase() != Phase.RUNNING) {
            notices.add(new Notice(false, ACTION_PROVISION, REASON_POOL_READY, "The pool is Running: "
                    + orZero(status.getReadyReplicas()) + " of " + orZero(status.getReplicas())
                    + " replicas are Ready"));
        }
        return notices;
    }

    /** The error the status shows: InfrastructureReady False for a spec problem or the cloud's error. */
    private static Optional<Conditions> error(MachinePoolStatus status) {
        return condition(status, PoolConditions.INFRASTRUCTURE_READY)
                .filter(c -> c.getStatus() != Conditions.Status.TRUE && !NOT_ERRORS.contains(c.getReason()));
    }

    /** Why the Nodes cannot be seen: MachinesReady Unknown (PoolConditions sets it only for that). */
    private static Optional<Conditions> nodesProblem(MachinePoolStatus status) {
        return condition(status, "MachinesReady").filter(c -> c.getStatus() == Conditions.Status.UNKNOWN);
    }

    private static boolean scaling(MachinePoolStatus status) {
        return isTrue(condition(status, "ScalingUp")) || isTrue(condition(status, "ScalingDown"));
    }

    private static Optional<Conditions> condition(MachinePoolStatus status, String type) {
        if (status == null || status.getConditions() == null) {
            return Optional.empty();
        }
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static boolean isTrue(Optional<Conditions> condition) {
        return condition.map(c -> c.getStatus() == Conditions.Status.TRUE).orElse(false);
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    private PoolNotices() {
    }
}
