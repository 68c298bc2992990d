package dev.poolstream.status.domain;

import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.events.Failure;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The v1beta2 conditions of a MachinePool, each with a reason and a message that counts, so that a user can tell
 * from {@code kubectl describe} whether an upgrade or a scale is under way and how far it has got (Beyond CAPI).
 */
public final class PoolConditions {

    public static final String INFRASTRUCTURE_READY = "InfrastructureReady";
    /** InfrastructureReady's reasons when nothing is wrong, only not done yet (or done). */
    public static final String WAITING_FOR_BOOTSTRAP_DATA = "WaitingForBootstrapData";
    public static final String WAITING_FOR_SCALING_GROUP = "WaitingForScalingGroup";
    public static final String PROVISIONED = "Provisioned";

    /**
     * The facts the conditions say. {@code problems} are why the spec cannot be acted on; {@code workloadCluster} why
     * the pool's Nodes cannot be seen (the watcher's word), or null.
     */
    public record Facts(Counts counts, boolean infrastructureProvisioned, boolean bootstrapDataReady,
                        boolean deleting, boolean paused, List<Failure> problems, Failure cloudError,
                        long generation, Failure workloadCluster) {

        /** Facts of a pool whose Nodes are seen. */
        public Facts(Counts counts, boolean infrastructureProvisioned, boolean bootstrapDataReady, boolean deleting,
                     boolean paused, List<Failure> problems, Failure cloudError, long generation) {
            this(counts, infrastructureProvisioned, bootstrapDataReady, deleting, paused, problems, cloudError,
                    generation, null);
        }
    }

    public static List<Conditions> of(Facts facts, List<Conditions> previous, Instant now) {
        Counts c = facts.counts();
        Optional<Failure> problem = facts.problems().stream().findFirst();
        List<Conditions> conditions = new ArrayList<>();

        boolean available = facts.infrastructureProvisioned() && c.available() >= c.desired();
        conditions.add(condition("Available", available, available ? "Available" : "NotAvailable",
                c.available() + " of " + c.desired() + " replicas are available"));

        boolean allReady = c.ready() == c.replicas();
        if (facts.workloadCluster() != null) {
            // Whether the Nodes are Ready cannot be known now (the counts are as last seen): say so, and why, as
            // Cluster API says of a Machine's Node when its cluster does not answer.
            conditions.add(condition("MachinesReady", Conditions.Status.UNKNOWN, facts.workloadCluster().reason(),
                    facts.workloadCluster().message()));
        } else {
            conditions.add(condition("MachinesReady", allReady, allReady ? "Ready" : "NotReady",
                    c.replicas() == 0 ? "No replicas"
                            : allReady ? "All " + c.replicas() + " replicas are Ready"
                            : (c.replicas() - c.ready()) + " of " + c.replicas() + " replicas are not Ready"));
        }

        boolean allUpToDate = c.upToDate() == c.replicas();
        conditions.add(condition("MachinesUpToDate", allUpToDate, allUpToDate ? "UpToDate" : "NotUpToDate",
                c.replicas() == 0 ? "No replicas"
                        : allUpToDate ? "All " + c.replicas() + " replicas are up to date"
                        : (c.replicas() - c.upToDate()) + " of " + c.replicas() + " replicas are not up to date"));

        boolean wantsMore = c.desired() > c.ready() && c.replicas() <= c.desired();
        boolean wantsFewer = c.replicas() > c.desired();
        conditions.add(scaling("ScalingUp", wantsMore, problem, "Scaling up from " + c.ready() + " to "
                + c.desired() + " ready replicas", "Not scaling up"));
        conditions.add(scaling("ScalingDown", wantsFewer, problem, "Scaling down from " + c.replicas() + " to "
                + c.desired() + " replicas", "Not scaling down"));

        boolean rollingOut = c.upToDate() < c.replicas();
        conditions.add(condition("RollingOut", rollingOut, rollingOut ? "RollingOut" : "NotRollingOut",
                rollingOut ? "Rolling out: " + c.upToDate() + " of " + c.replicas() + " replicas are up to date"
                        : "Not rolling out"));

        conditions.add(condition("Deleting", facts.deleting(), facts.deleting() ? "Deleting" : "NotDeleting",
                facts.deleting() ? "Deleting the scaling group: " + c.replicas() + " replicas remain" : ""));
        conditions.add(condition("Paused", facts.paused(), facts.paused() ? "Paused" : "NotPaused",
                facts.paused() ? "Reconciliation is paused" : ""));

        conditions.add(infrastructureReady(facts, problem));

        for (Conditions condition : conditions) {
            condition.setObservedGeneration(facts.generation());
            condition.setLastTransitionTime(previous.stream()
                    .filter(p -> p.getType().equals(condition.getType()) && p.getStatus() == condition.getStatus())
                    .map(Conditions::getLastTransitionTime).findFirst()
                    .orElse(ZonedDateTime.ofInstant(now.truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC)));
        }
        return conditions;
    }

    private static Conditions infrastructureReady(Facts facts, Optional<Failure> problem) {
        if (problem.isPresent()) {
            return condition(INFRASTRUCTURE_READY, false, problem.get().reason(), problem.get().message());
        }
        if (facts.cloudError() != null) {
            return condition(INFRASTRUCTURE_READY, false, facts.cloudError().reason(), facts.cloudError().message());
        }
        if (!facts.bootstrapDataReady()) {
            return condition(INFRASTRUCTURE_READY, false, WAITING_FOR_BOOTSTRAP_DATA,
                    "Waiting for spec.template.spec.bootstrap.dataSecretName");
        }
        if (!facts.infrastructureProvisioned()) {
            return condition(INFRASTRUCTURE_READY, false, WAITING_FOR_SCALING_GROUP,
                    "Waiting for the cloud's scaling group to exist");
        }
        return condition(INFRASTRUCTURE_READY, true, PROVISIONED, "The scaling group exists");
    }

    /** A scale the spec asks for but that cannot happen is False with the reason why. */
    private static Conditions scaling(String type, boolean wanted, Optional<Failure> problem, String message,
                                      String idle) {
        if (wanted && problem.isPresent()) {
            return condition(type, false, problem.get().reason(), problem.get().message());
        }
        return condition(type, wanted, wanted ? type : "Not" + type, wanted ? message : idle);
    }

    private static Conditions condition(String type, boolean status, String reason, String message) {
        return condition(type, status ? Conditions.Status.TRUE : Conditions.Status.FALSE, reason, message);
    }

    private static Conditions condition(String type, Conditions.Status status, String reason, String message) {
        Conditions condition = new Conditions();
        condition.setType(type);
        condition.setStatus(status);
        condition.setReason(reason(reason));
        condition.setMessage(message(message));
        return condition;
    }

    /** metav1.Condition's reason: CamelCase, {@value #REASON_PATTERN}, at most {@value #REASON_MAX_LENGTH}. */
    static final String REASON_PATTERN = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";
    static final int REASON_MAX_LENGTH = 1024;
    static final int MESSAGE_MAX_LENGTH = 32768;
    private static final java.util.regex.Pattern REASON = java.util.regex.Pattern.compile(REASON_PATTERN);

    /**
     * A reason the API server accepts. Reasons come from other services through the topics (a cloud's error, a
     * spec problem): one that does not fit metav1.Condition's pattern keeps its letters, digits and underscores, so
     * that the condition is still written instead of the whole status being rejected.
     */
    static String reason(String reason) {
        if (reason != null && reason.length() <= REASON_MAX_LENGTH && REASON.matcher(reason).matches()) {
            return reason;
        }
        String kept = reason == null ? "" : reason.replaceAll("[^A-Za-z0-9_]", "").replaceFirst("^[^A-Za-z]+", "");
        if (kept.length() > REASON_MAX_LENGTH) {
            kept = kept.substring(0, REASON_MAX_LENGTH);
        }
        return kept.isEmpty() ? "Unknown" : kept;
    }

    /**
     * A message within metav1.Condition's maxLength, cut with an ellipsis. The API server counts the limit in bytes
     * ("Too long: may not be more than 32768 bytes"), so the cut is in UTF-8 bytes, between whole characters.
     */
    static String message(String message) {
        return message(message, MESSAGE_MAX_LENGTH);
    }

    /** {@code message} within {@code maxBytes} UTF-8 bytes, cut between whole characters with an ellipsis. */
    static String message(String message, int maxBytes) {
        if (message == null) {
            return "";
        }
        if (message.length() * 3 <= maxBytes
                || message.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= maxBytes) {
            return message;
        }
        String ellipsis = "...";
        int budget = maxBytes - ellipsis.length();
        int bytes = 0;
        int end = 0;
        while (end < message.length()) {
            int codePoint = message.codePointAt(end);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > budget) {
                break;
            }
            bytes += size;
            end += Character.charCount(codePoint);
        }
        return message.substring(0, end) + ellipsis;
    }

    private PoolConditions() {
    }
}
