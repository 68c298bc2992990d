package dev.poolstream.reconciler.domain;

/**
 * Something a user should see on the pool: a decision carried out or an error. The adapter records it as a
 * Kubernetes Event ({@code events.k8s.io/v1}) on the MachinePool and its infrastructure pool, as Cluster API's
 * controllers record theirs; repeats are counted on one Event.
 *
 * @param warning whether it is an error or a refusal (type Warning), else Normal
 * @param action  what was done or failed, e.g. {@code Scale}, {@code Drain}, {@code Terminate}
 * @param reason  CamelCase, e.g. {@code Scaling}, {@code NodeDrained}, {@code RetryingCommand}
 * @param note    a sentence a person reads
 */
public record Notice(boolean warning, String action, String reason, String note) {

    public static Notice normal(String action, String reason, String note) {
        return new Notice(false, action, reason, note);
    }

    public static Notice warning(String action, String reason, String note) {
        return new Notice(true, action, reason, note);
    }
}
