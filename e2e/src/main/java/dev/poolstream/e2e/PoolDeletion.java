package dev.poolstream.e2e;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.e2e.Observer.InstanceView;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;

/**
 * {@code kubectl delete machinepool} of a pool of {@code --delete-replicas} (20) Running replicas: its Auto Scaling
 * group, its instances, its Nodes and finally the MachinePool itself (its finalizers removed) must be gone within
 * {@link #WITHIN}; while it is deleted its status says {@code Deleting}, and no status written after the deletion
 * started says Running with the count from before.
 */
final class PoolDeletion {

    static final String POOL = "doomed";
    static final Duration WITHIN = Duration.ofSeconds(60);
    static final Duration CLOUD_POLL = Duration.ofMillis(250);

    private final Environment env;
    private final Observer observer;
    private final Pools pools;
    private final Scenarios scenarios;
    private final PrintStream out;

    PoolDeletion(Environment env, Observer observer, Pools pools, Scenarios scenarios, PrintStream out) {
        this.env = env;
        this.observer = observer;
        this.pools = pools;
        this.scenarios = scenarios;
        this.out = out;
    }

    Result run(int replicas) throws InterruptedException {
        Result r = new Result(E2eOptions.DELETE_POOL, POOL + " of " + replicas + " replicas deleted (kubectl delete "
                + "machinepool)");
        Instant up = Instant.now();
        scenarios.ensureAt(POOL, replicas);
        r.seconds("scaled to " + replicas + " first (undisturbed)", Scenarios.seconds(up, Instant.now()));
        scenarios.settledSummary(POOL);
        String key = pools.key(POOL);
        List<String> groups = groupsOf(key);
        Set<String> ids = observer.instances(key).stream().filter(InstanceView::live).map(InstanceView::providerId)
                .collect(Collectors.toSet());
        Set<String> nodeNames = Set.copyOf(observer.nodeNamesByProviderId(ids).values());
        MachinePool before = pools.get(POOL);
        r.row("before", "group(s) " + groups + ", " + ids.size() + " instances, " + nodeNames.size() + " Nodes, "
                + "finalizers " + before.getMetadata().getFinalizers());

        Instant deleted = Instant.now();
        pools.delete(POOL);
        Instant groupGone = null;
        Instant instancesGone = null;
        Instant nodesGone = null;
        Instant poolGone = null;
        Duration waitAtMost = WITHIN.multipliedBy(2).compareTo(env.options().timeout()) < 0 ? WITHIN.multipliedBy(2)
                : env.options().timeout();
        Instant deadline = deleted.plus(waitAtMost);
        Instant nextCloudLook = Instant.EPOCH;
        while (Instant.now().isBefore(deadline) && (groupGone == null || instancesGone == null || nodesGone == null
                || poolGone == null)) {
            Instant now = Instant.now();
            if (groupGone == null && now.isAfter(nextCloudLook)) {
                if (groupsOf(key).isEmpty()) {
                    groupGone = now;
                }
                nextCloudLook = now.plus(CLOUD_POLL);
            }
            if (instancesGone == null && observer.instances(key).stream().noneMatch(InstanceView::live)) {
                instancesGone = now;
            }
            if (nodesGone == null && observer.nodesOf(ids).isEmpty()) {
                nodesGone = now;
            }
            if (poolGone == null && observer.pool(POOL) == null && pools.get(POOL) == null) {
                poolGone = observer.poolDeletedAt(POOL) != null ? observer.poolDeletedAt(POOL) : now;
            }
            Thread.sleep(Scenarios.POLL.toMillis());
        }
        waited = waitAtMost;
        check(r, "Auto Scaling group gone", deleted, groupGone);
        check(r, "its " + ids.size() + " instances gone (not running)", deleted, instancesGone);
        check(r, "its " + nodeNames.size() + " Nodes gone", deleted, nodesGone);
        check(r, "the MachinePool gone (finalizers removed)", deleted, poolGone);
        r.converged(poolGone == null ? null : Scenarios.seconds(deleted, poolGone));
        if (poolGone == null) {
            MachinePool left = pools.get(POOL);
            r.row("the MachinePool at the end", left == null ? "gone" : "finalizers "
                    + left.getMetadata().getFinalizers() + ", " + scenarios.summary(POOL));
        }

        List<Checks.StatusSeen> seen = new ArrayList<>();
        for (Checks.StatusSeen s : observer.statusHistory(POOL)) {
            if (!s.at().isAfter(deleted)) {
                seen.clear(); // only the status in place at the deletion, and what came after
            }
            seen.add(s);
        }
        r.row("phases seen (since the deletion)", Checks.phases(seen, deleted));
        List<String> phaseProblems = Checks.deletionPhaseProblems(seen, replicas, deleted);
        r.check("status says Deleting while deleting, never Running " + replicas + " again", phaseProblems.isEmpty(),
                String.join("; ", phaseProblems));
        var infra = pools.infrastructurePool(POOL);
        // Owner mode: Poolstream plays Cluster API's MachinePool controller, which deletes the infrastructure pool.
        r.check("its AWSMachinePool gone with it", infra == null, infra == null ? "gone"
                : "still there, finalizers " + infra.getMetadata().getFinalizers());
        r.note("group " + since(deleted, groupGone) + ", instances " + since(deleted, instancesGone) + ", Nodes "
                + since(deleted, nodesGone) + ", MachinePool " + since(deleted, poolGone));
        pools.deleteLeftovers(POOL);
        return r;
    }

    private Duration waited = Duration.ZERO;

    private void check(Result r, String what, Instant deleted, Instant at) {
        Double s = at == null ? null : Scenarios.seconds(deleted, at);
        r.seconds("deleted -> " + what, s);
        r.check(what + " within " + WITHIN.toSeconds() + " s", s != null && s <= WITHIN.toSeconds(),
                s == null ? "not within " + waited.toSeconds() + " s" : Result.format(s));
    }

    private static String since(Instant from, Instant to) {
        return to == null ? "never" : Result.format(Scenarios.seconds(from, to));
    }

    /** The Auto Scaling groups moto has for the pool (by its pool tag). */
    private List<String> groupsOf(String key) {
        try {
            List<String> names = new ArrayList<>();
            for (AutoScalingGroup g : env.autoScaling().describeAutoScalingGroupsPaginator(b -> { })
                    .autoScalingGroups()) {
                if (g.tags().stream().anyMatch(t -> Pools.POOL_TAG.equals(t.key()) && key.equals(t.value()))) {
                    names.add(g.autoScalingGroupName());
                }
            }
            return names;
        } catch (RuntimeException e) {
            return List.of("(moto did not answer: " + e.getMessage() + ")");
        }
    }
}
