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

    /** The facts the conditions say. {@code problems} are why the spec cannot be acted on. */
    public record Facts(Counts counts, boolean infrastructureProvisioned, boolean bootstrapDataReady,
                        boolean deleting, boolean paused, List<Failure> problems, Failure cloudError,
                        long generation) {
    }

    public static List<Conditions> of(Facts facts, List<Conditions> previous, Instant now) {
        Counts c = facts.counts();
        Optional<Failure> problem = facts.problems().stream().findFirst();
        List<Conditions> conditions = new ArrayList<>();

        boolean available = facts.infrastructureProvisioned() && c.available() >= c.desired();
        conditions.add(condition("Available", available, available ? "Available" : "NotAvailable",
                c.available() + " of " + c.desired() + " replicas are available"));

        boolean allReady = c.ready() == c.replicas();
        conditions.add(condition("MachinesReady", allReady, allReady ? "Ready" : "NotReady",
                c.replicas() == 0 ? "No replicas"
                        : allReady ? "All " + c.replicas() + " replicas are Ready"
                        : (c.replicas() - c.ready()) + " of " + c.replicas() + " replicas are not Ready"));

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
            return condition("InfrastructureReady", false, problem.get().reason(), problem.get().message());
        }
        if (facts.cloudError() != null) {
            return condition("InfrastructureReady", false, facts.cloudError().reason(), facts.cloudError().message());
        }
        if (!facts.bootstrapDataReady()) {
            return condition("InfrastructureReady", false, "WaitingForBootstrapData",
                    "Waiting for spec.template.spec.bootstrap.dataSecretName");
        }
        if (!facts.infrastructureProvisioned()) {
            return condition("InfrastructureReady", false, "WaitingForScalingGroup",
                    "Waiting for the cloud's scaling group to exist");
        }
        return condition("InfrastructureReady", true, "Provisioned", "The scaling group exists");
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
        Conditions condition = new Conditions();
        condition.setType(type);
        condition.setStatus(status ? Conditions.Status.TRUE : Conditions.Status.FALSE);
        condition.setReason(reason);
        condition.setMessage(message);
        return condition;
    }

    private PoolConditions() {
    }
}
