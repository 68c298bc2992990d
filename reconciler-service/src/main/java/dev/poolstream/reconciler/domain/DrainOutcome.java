package dev.poolstream.reconciler.domain;

/**
 * How the drain of one Node ended. Only {@link Drained}, {@link NodeGone} and {@link TimedOut} let its instance be
 * terminated; an error is never "drained": a {@link Failed} drain is started again after a backoff.
 */
public sealed interface DrainOutcome {

    /** Whether the victim's instance may be terminated now. */
    boolean terminates();

    /**
     * Cordoned (the API server holds {@code spec.unschedulable}) and no pod left but DaemonSet pods (of a DaemonSet
     * still there) and mirror pods.
     */
    record Drained() implements DrainOutcome {
        @Override
        public boolean terminates() {
            return true;
        }
    }

    /** The Node does not exist (or the instance never had one): nothing to drain. */
    record NodeGone() implements DrainOutcome {
        @Override
        public boolean terminates() {
            return true;
        }
    }

    /**
     * {@code nodeDrainTimeoutSeconds} passed first: the instance is terminated anyway, as Cluster API does.
     *
     * @param podsLeft pods still to evict when it timed out; -1 when the last round could not list them
     * @param why      what held it up (a PodDisruptionBudget, the last error)
     */
    record TimedOut(int podsLeft, String why) implements DrainOutcome {
        @Override
        public boolean terminates() {
            return true;
        }
    }

    /**
     * Not drained: the victim's Machine carries {@code machine.cluster.x-k8s.io/exclude-node-draining}, which Cluster
     * API's Machine controller honours the same way.
     */
    record Skipped() implements DrainOutcome {
        @Override
        public boolean terminates() {
            return true;
        }
    }

    /** Something unexpected went wrong: the instance is not terminated, and the drain is tried again later. */
    record Failed(String why) implements DrainOutcome {
        @Override
        public boolean terminates() {
            return false;
        }
    }
}
