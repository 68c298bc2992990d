package dev.poolstream.api.kube;

/**
 * A pool's workload cluster cannot be worked in: its kubeconfig Secret cannot be read or used, or the cluster does
 * not answer. Its message names the cluster and the Secret, never what the Secret holds; it has no cause, so that
 * no log line prints a parser's message that quotes the kubeconfig.
 */
public final class WorkloadClusterException extends RuntimeException {

    public WorkloadClusterException(String message) {
        super(message);
    }
}
