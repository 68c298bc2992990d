package dev.poolstream.reconciler.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.events.MachineRequest;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Poolstream as the owner that acts on a MachineHealthCheck's mark, in both modes (docs/machines.md; nothing in
 * Cluster API v1.14, CAPA or CAPZ does it for a pool), the way Cluster API's MachineSet does for its Machines: at
 * most {@code max(1, maxUnavailable)} remediations in flight (Machines whose {@code OwnerRemediated} reason is
 * {@code MachineDeleting}, or being deleted); each admitted one first gets {@code OwnerRemediated} reason
 * {@code MachineDeleting}, then its Machine is deleted, so the step is re-entrant; the others get reason
 * {@code RemediationDeferred}. In owner mode no MachineHealthCheck controller runs, so the marks come from
 * {@link HealthChecks} too.
 */
final class Remediations {

    public static final String MARKED_UNHEALTHY = "MachineMarkedUnhealthy";
    public static final String REMEDIATING = "MachineRemediating";
    public static final String DEFERRED = "RemediationDeferred";
    public static final String RESTRICTED = "RemediationRestricted";
    public static final String RECOVERED = "MachineHealthy";
    static final String MACHINE_DELETING_MESSAGE = "Machine is deleting";

    /**
     * @param restricted  the health checks that remediate none now, remembered so that each says so once
     * @param lookAgainAt when a health check's timeout passes; null for none
     */
    record Plan(List<KubeAction> actions, List<Notice> notices, Set<String> restricted, Instant lookAgainAt) {
    }

    /** A Machine to remediate; {@code marking} is the health check's finding when the Machine is not yet marked. */
    private record Candidate(String providerID, String machine, HealthChecks.Unhealthy marking) {
    }

    /**
     * How long after the workload cluster could not be watched the health checks still find nothing: the watcher
     * says it is watched again as soon as it has listed the Nodes, and the status that carries them comes through
     * the status service after that, up to its look delay later (2 s) and more while it works off the relist. Until
     * then a Node that joined meanwhile is missing from the status, and one that became Ready is still NotReady in it.
     */
    static final Duration NODES_SETTLE = Duration.ofSeconds(30);

    static Plan plan(PoolSpec spec, List<PoolMember> members, boolean ownerMode, int maxInFlight,
                     Set<String> restrictedBefore, Instant now) {
        return plan(spec, members, ownerMode, maxInFlight, restrictedBefore, null, now);
    }

    /** @param nodesUnseenAt the last look at which the workload cluster could not be watched; null for none */
    static Plan plan(PoolSpec spec, List<PoolMember> members, boolean ownerMode, int maxInFlight,
                     Set<String> restrictedBefore, Instant nodesUnseenAt, Instant now) {
        Map<String, MachineRequest> requests = spec.machinesByInstance();
        String infrastructurePool = spec.infrastructure().name();
        // The terminate lowers the group by one: refilled to the replicas, unless an autoscaler owns the size.
        boolean replaced = !spec.replicasManagedExternally();

        List<KubeAction> actions = new ArrayList<>();
        List<Candidate> waiting = new ArrayList<>();
        // While the watcher cannot see the workload cluster, its members' Nodes are as last seen, or missing though
        // they run: no ground to find a Machine unhealthy, or to count how many are. Cluster API's check does
        // nothing until its connection to the cluster is back; neither do these (marks made before still go on).
        // Nor for a while after it is back: the status the Nodes were last seen in is older than the watcher's news.
        Instant settledAt = nodesUnseenAt == null ? null : nodesUnseenAt.plus(NODES_SETTLE);
        boolean settling = settledAt != null && now.isBefore(settledAt);
        boolean checking = ownerMode && spec.workloadCluster() == null && !spec.healthChecks().isEmpty();
        HealthChecks.Result result = checking && !settling
                ? HealthChecks.evaluate(spec.healthChecks(), members, requests, now) : null;
        Set<String> recovered = result == null ? Set.of() : recovered(members, requests, result);
        long inFlight = requests.values().stream().filter(Remediations::inFlight).count();
        for (MachineRequest request : requests.values()) {
            if (outlived(request)) {
                String machine = machineName(request, infrastructurePool);
                actions.add(new KubeAction.ClearRemediation(request.providerID(), machine, false, List.of(
                        Notice.normal("Remediate", RECOVERED, "Machine " + machine + " (" + request.providerID()
                                + ") is no longer marked unhealthy: its OwnerRemediated mark is removed, it is not"
                                + " replaced"))));
                continue;
            }
            if (!request.awaitingRemediation()) {
                continue;
            }
            if (recovered.contains(request.providerID())) {
                String machine = machineName(request, infrastructurePool);
                actions.add(new KubeAction.ClearRemediation(request.providerID(), machine, true, List.of(Notice.normal(
                        "Remediate", RECOVERED, "Machine " + machine + " (" + request.providerID() + ") is healthy"
                                + " again before its remediation's turn: its mark is removed, it is not replaced"))));
                continue;
            }
            Candidate candidate = new Candidate(request.providerID(), machineName(request, infrastructurePool), null);
            if (ClusterApi.REASON_MACHINE_DELETING.equals(request.ownerRemediated())) {
                // Admitted before, not yet deleted (the delete failed, or is not seen yet): delete it again.
                actions.add(remediate(candidate, replaced));
            } else {
                waiting.add(candidate);
            }
        }

        List<Notice> notices = new ArrayList<>();
        Instant lookAgainAt = checking && settling ? settledAt : null;
        Set<String> restricted = Set.of();
        if (result != null) {
            lookAgainAt = result.nextAt();
            restricted = Set.copyOf(result.restricted().keySet());
            result.restricted().forEach((check, why) -> {
                if (!restrictedBefore.contains(check)) {
                    notices.add(Notice.warning("Remediate", RESTRICTED, why));
                }
            });
            for (HealthChecks.Unhealthy unhealthy : result.unhealthy()) {
                MachineRequest request = requests.get(unhealthy.member().providerID());
                boolean taken = request != null && (request.awaitingRemediation() || inFlight(request));
                if (!taken) {
                    waiting.add(new Candidate(unhealthy.member().providerID(),
                            machineName(request, infrastructurePool, unhealthy.member().providerID()), unhealthy));
                }
            }
        }

        waiting.sort(Comparator.comparing(Candidate::machine));
        long slots = Math.max(0, maxInFlight - inFlight);
        for (Candidate candidate : waiting) {
            if (slots > 0) {
                slots--;
                actions.add(remediate(candidate, replaced));
                continue;
            }
            MachineRequest request = requests.get(candidate.providerID());
            boolean deferredAlready = candidate.marking() == null && request != null
                    && ClusterApi.REASON_REMEDIATION_DEFERRED.equals(request.ownerRemediated());
            if (!deferredAlready) {
                actions.add(defer(candidate, inFlight, maxInFlight));
            }
        }
        return new Plan(actions, notices, restricted, lookAgainAt);
    }

    /**
     * Owner mode: deferred marks whose Machines no check finds unhealthy any more and whose Node is there. Only a
     * deferred one: an admitted one ({@code MachineDeleting}) is being replaced already.
     */
    private static Set<String> recovered(List<PoolMember> members, Map<String, MachineRequest> requests,
                                         HealthChecks.Result result) {
        Set<String> recovered = new HashSet<>();
        for (PoolMember member : members) {
            MachineRequest request = requests.get(member.providerID());
            if (request != null && request.awaitingRemediation() && !request.remediateAnnotated()
                    && ClusterApi.REASON_REMEDIATION_DEFERRED.equals(request.ownerRemediated())
                    && member.hasNode() && !result.found().contains(member.providerID())) {
                recovered.add(member.providerID());
            }
        }
        return recovered;
    }

    /**
     * An {@code OwnerRemediated} mark whose Machine is no longer found unhealthy ({@code HealthCheckSucceeded} not
     * False): it recovered before its turn, or before its admitted delete went through. Cluster API's
     * MachineHealthCheck leaves the mark for the owner to remove, as a MachineSet does. Kept, it would hold a
     * remediation slot for good (admitted), and make the next {@code HealthCheckSucceeded} False, which a check that
     * short-circuits (too many unhealthy) writes without asking for remediation, look like a request to remediate.
     */
    private static boolean outlived(MachineRequest request) {
        return request.ownerRemediated() != null && !request.healthCheckFailed() && !request.deleting()
                && request.machine() != null;
    }

    /** Being remediated: admitted ({@code MachineDeleting}) or already being deleted. */
    private static boolean inFlight(MachineRequest request) {
        return request.deleting() || ClusterApi.REASON_MACHINE_DELETING.equals(request.ownerRemediated())
                && !outlived(request);
    }

    private static KubeAction remediate(Candidate candidate, boolean replaced) {
        List<KubeAction.MachineCondition> conditions = new ArrayList<>(marks(candidate));
        conditions.add(new KubeAction.MachineCondition(ClusterApi.CONDITION_OWNER_REMEDIATED,
                ClusterApi.REASON_MACHINE_DELETING, MACHINE_DELETING_MESSAGE));
        List<Notice> notices = new ArrayList<>(markedNotices(candidate));
        notices.add(Notice.normal("Remediate", REMEDIATING, "Remediating Machine " + candidate.machine() + " ("
                + candidate.providerID() + "): deleting it; its instance is drained" + (replaced
                ? ", terminated and replaced" : " and terminated, not replaced: the pool's size is its autoscaler's,"
                + " which adds an instance when it needs one")));
        return new KubeAction.RemediateMachine(candidate.providerID(), candidate.machine(), conditions, notices);
    }

    private static KubeAction defer(Candidate candidate, long inFlight, int maxInFlight) {
        String why = "Waiting: " + inFlight + " remediation" + (inFlight == 1 ? "" : "s") + " in flight, at most "
                + maxInFlight + " (the pool's maxUnavailable, at least 1)";
        List<KubeAction.MachineCondition> conditions = new ArrayList<>(marks(candidate));
        conditions.add(new KubeAction.MachineCondition(ClusterApi.CONDITION_OWNER_REMEDIATED,
                ClusterApi.REASON_REMEDIATION_DEFERRED, why));
        List<Notice> notices = new ArrayList<>(markedNotices(candidate));
        notices.add(Notice.normal("Remediate", DEFERRED, "Remediation of Machine " + candidate.machine() + " ("
                + candidate.providerID() + ") deferred. " + why));
        return new KubeAction.DeferRemediation(candidate.providerID(), candidate.machine(), conditions, notices);
    }

    private static List<KubeAction.MachineCondition> marks(Candidate candidate) {
        return candidate.marking() == null ? List.of() : List.of(new KubeAction.MachineCondition(
                ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, candidate.marking().reason(),
                candidate.marking().message()));
    }

    private static List<Notice> markedNotices(Candidate candidate) {
        return candidate.marking() == null ? List.of() : List.of(Notice.normal("Remediate", MARKED_UNHEALTHY,
                "Machine " + candidate.machine() + " (" + candidate.providerID() + ") marked unhealthy by "
                        + "MachineHealthCheck " + candidate.marking().check() + ": " + candidate.marking().message()));
    }

    private static String machineName(MachineRequest request, String infrastructurePool) {
        return machineName(request, infrastructurePool, request.providerID());
    }

    /** The Machine the watcher named, else the one an instance's Machine is always named. */
    private static String machineName(MachineRequest request, String infrastructurePool, String providerID) {
        return request != null && request.machine() != null ? request.machine()
                : PoolMachines.machineName(infrastructurePool, providerID);
    }

    private Remediations() {
    }
}
