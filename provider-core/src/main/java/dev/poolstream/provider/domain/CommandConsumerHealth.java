package dev.poolstream.provider.domain;

/**
 * Whether the command consumer is alive and ready. Ready means commands are being carried out for the pools the
 * provider owns: the consumer runs, has partitions, and has restored their pools from Kafka (a command for a pool
 * not restored yet could miss its tombstones). A restore that failed keeps it not ready, with the error: the pools
 * of those partitions are polled, but instances that vanished meanwhile may still be published.
 */
public final class CommandConsumerHealth {

    /**
     * @param running          the listener container runs
     * @param inExpectedState  the container runs, or was stopped on purpose (its consumer did not die)
     * @param partitions       command partitions assigned and restored
     * @param restoring        a restore of newly assigned partitions is under way
     * @param restoreFailure   why the last restore failed, or null
     */
    public record Observation(boolean running, boolean inExpectedState, int partitions, boolean restoring,
                              String restoreFailure) {
    }

    /** A verdict and the reason for it, for the health endpoint's details. */
    public record Verdict(boolean ok, String why) {
    }

    public static Verdict readiness(Observation o) {
        if (!o.running()) {
            return new Verdict(false, "the command consumer is not running");
        }
        if (o.restoring()) {
            return new Verdict(false, "restoring the pools of newly assigned partitions from Kafka");
        }
        if (o.restoreFailure() != null) {
            return new Verdict(false, "restoring the pools of the assigned partitions failed: " + o.restoreFailure());
        }
        if (o.partitions() == 0) {
            return new Verdict(false, "no command partitions assigned yet");
        }
        return new Verdict(true, o.partitions() + " command partition(s) assigned and restored");
    }

    /** Down only when the consumer died: a restart helps then, and nothing else does. */
    public static Verdict liveness(Observation o) {
        if (!o.inExpectedState()) {
            return new Verdict(false, "the command consumer stopped unexpectedly");
        }
        return new Verdict(true, o.running() ? "the command consumer runs" : "the command consumer was stopped");
    }

    private CommandConsumerHealth() {
    }
}
