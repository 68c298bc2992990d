package dev.poolstream.api.kube;

import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * A pool's workload cluster cannot be worked in: its kubeconfig Secret cannot be read or used, or the cluster does
 * not answer. Its message names the cluster and the Secret, never what the Secret holds; it has no cause, so that
 * no log line prints a parser's message that quotes the kubeconfig.
 */
public final class WorkloadClusterException extends RuntimeException {

    public WorkloadClusterException(String message) {
        super(message);
    }

    /**
     * A failed request to a workload cluster, in words that quote nothing of its kubeconfig: the HTTP status and the
     * API server's reason when it answered, else the kind of failure. fabric8's messages name the request's URL (the
     * kubeconfig's server), and a cause's message can name its host.
     */
    public static String describe(Throwable failure) {
        if (failure instanceof KubernetesClientException e && e.getCode() > 0) {
            String reason = e.getStatus() == null ? null : e.getStatus().getReason();
            return "HTTP " + e.getCode() + (reason == null || reason.isBlank() ? "" : " " + reason);
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return failure instanceof KubernetesClientException ? "no answer (" + root.getClass().getSimpleName() + ")"
                : failure.getClass().getSimpleName() + (root == failure ? "" : " (" + root.getClass().getSimpleName()
                + ")");
    }
}
