package dev.poolstream.status.domain;

import java.util.Set;

/**
 * Whether the status worker is alive (liveness: else the pod is restarted) and ready (readiness), from what its two
 * halves report: the Kafka Streams topology that computes the statuses, and the listener that writes them to
 * Kubernetes.
 *
 * <p>Alive unless a half is dead after the start: Kafka Streams in {@code ERROR} or {@code NOT_RUNNING} (or on its
 * way there), or the listener's container stopped. A rebalance, or a stream thread being replaced, is not death.
 * Ready when both halves work: Kafka Streams {@code RUNNING} (its rebalance done, its tasks' stores restored) and the
 * listener running and in its group (assigned, partitions or none). An instance that got no partition is ready: with
 * more replicas (or writer consumers) than partitions some get none, and wait as standbys; once that made them never
 * ready, and a rolling update whose new pod got none never went on.
 */
public final class WorkerHealth {

    private static final Set<String> DEAD = Set.of("PENDING_ERROR", "ERROR", "PENDING_SHUTDOWN", "NOT_RUNNING");

    /**
     * @param started           the application has started its workers, and is not stopping them
     * @param streamsState      Kafka Streams' state ({@code KafkaStreams.State} by name), null when there is none
     * @param streamsPartitions the partitions of Kafka Streams' active tasks on this instance
     * @param writerRunning     the status writer's listener container runs
     * @param writerHealthy     it is in the state it was asked to be in (not stopped by an error)
     * @param writerPartitions  the partitions assigned to it
     * @param writerJoined      its consumers have had their first assignment (with partitions or none)
     */
    public record Observation(boolean started, String streamsState, int streamsPartitions, boolean writerRunning,
                              boolean writerHealthy, int writerPartitions, boolean writerJoined) {
    }

    /** @param why what a person reads in the health details */
    public record Verdict(boolean ok, String why) {
    }

    public static Verdict liveness(Observation o) {
        if (!o.started()) {
            return new Verdict(true, "starting");
        }
        if (o.streamsState() == null || DEAD.contains(o.streamsState())) {
            return new Verdict(false, "Kafka Streams is " + (o.streamsState() == null ? "gone" : o.streamsState())
                    + ": no status is computed");
        }
        if (!o.writerRunning() || !o.writerHealthy()) {
            return new Verdict(false, "the status writer's listener is stopped"
                    + (o.writerHealthy() ? "" : " by an error") + ": no status is written");
        }
        return new Verdict(true, "Kafka Streams is " + o.streamsState() + ", the status writer runs");
    }

    public static Verdict readiness(Observation o) {
        Verdict alive = liveness(o);
        if (!o.started() || !alive.ok()) {
            return new Verdict(false, alive.why());
        }
        if (!"RUNNING".equals(o.streamsState())) {
            return new Verdict(false, "Kafka Streams is " + o.streamsState());
        }
        if (!o.writerJoined()) {
            return new Verdict(false, "the status writer has not joined its consumer group yet");
        }
        return new Verdict(true, "Kafka Streams is RUNNING with " + o.streamsPartitions()
                + " partitions, the status writer has " + o.writerPartitions());
    }

    private WorkerHealth() {
    }
}
