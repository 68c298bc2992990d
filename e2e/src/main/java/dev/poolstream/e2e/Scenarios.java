package dev.poolstream.e2e;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.e2e.Observer.InstanceView;
import io.fabric8.kubernetes.api.model.Node;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The scenarios. Each changes a pool as a user would, then waits, with a timeout, until what a user can observe
 * shows the change done ("converged"): the MachinePool's status (phase Running; replicas, ready and available equal
 * to the target), moto (exactly the target number of the pool's instances running), and the Nodes (one per running
 * instance, Ready, schedulable, without the uninitialized taint; none left for an instance that went).
 */
public final class Scenarios {

    static final Duration POLL = Duration.ofMillis(100);
    static final Duration SETTLE = Duration.ofSeconds(30);

    /** A convergence: when it was reached (null: not within the timeout), and the extremes on the way. */
    public record Convergence(Instant at, int fewestLive, int mostLive, String last) {
    }

    private final Environment env;
    private final Observer observer;
    private final Pools pools;
    private final PrintStream out;
    private final Duration timeout;
    private String reference;
    private String downReference;
    private Double upSeconds;
    private Double downSeconds;
    private Duration healthyBaseline;

    public Scenarios(Environment env, Observer observer, Pools pools, PrintStream out) {
        this.env = env;
        this.observer = observer;
        this.pools = pools;
        this.out = out;
        this.timeout = env.options().timeout();
    }

    /** Waits until the pool shows {@code replicas} everywhere. */
    public Convergence await(String pool, int replicas, Duration within) throws InterruptedException {
        Instant deadline = Instant.now().plus(within);
        int fewest = Integer.MAX_VALUE;
        int most = 0;
        String last = "";
        while (true) {
            Instant now = Instant.now();
            List<InstanceView> instances = observer.instances(pools.key(pool));
            int live = (int) instances.stream().filter(InstanceView::live).count();
            fewest = Math.min(fewest, live);
            most = Math.max(most, live);
            last = describe(pool, instances);
            if (converged(pool, replicas, instances)) {
                return new Convergence(now, fewest, most, last);
            }
            if (now.isAfter(deadline)) {
                return new Convergence(null, fewest, most, last);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private boolean converged(String pool, int replicas, List<InstanceView> instances) {
        MachinePool mp = observer.pool(pool);
        MachinePoolStatus s = mp == null ? null : mp.getStatus();
        if (s == null || s.getPhase() != MachinePoolStatus.Phase.RUNNING || !eq(s.getReplicas(), replicas)
                || !eq(s.getReadyReplicas(), replicas) || !eq(s.getAvailableReplicas(), replicas)) {
            return false;
        }
        Set<String> live = instances.stream().filter(InstanceView::live).map(InstanceView::providerId)
                .collect(Collectors.toSet());
        Set<String> gone = instances.stream().filter(i -> !i.live()).map(InstanceView::providerId)
                .collect(Collectors.toSet());
        if (live.size() != replicas || !observer.nodesOf(gone).isEmpty()) {
            return false;
        }
        List<Node> nodes = observer.nodesOf(live);
        return nodes.size() == replicas && nodes.stream().allMatch(n -> Observer.ready(n)
                && !Observer.unschedulable(n) && !Observer.tainted(n, ClusterApi.UNINITIALIZED_TAINT_KEY));
    }

    String describe(String pool, List<InstanceView> instances) {
        MachinePool mp = observer.pool(pool);
        MachinePoolStatus s = mp == null ? null : mp.getStatus();
        Set<String> live = instances.stream().filter(InstanceView::live).map(InstanceView::providerId)
                .collect(Collectors.toSet());
        List<Node> nodes = observer.nodesOf(live);
        long ready = nodes.stream().filter(Observer::ready).count();
        long tainted = nodes.stream().filter(n -> Observer.tainted(n, ClusterApi.UNINITIALIZED_TAINT_KEY)).count();
        long cordoned = nodes.stream().filter(Observer::unschedulable).count();
        return (s == null ? "no status" : "status " + s.getPhase() + " " + s.getReadyReplicas() + "/"
                + s.getReplicas() + " ready, " + s.getAvailableReplicas() + " available") + "; moto " + live.size()
                + " running; Nodes " + nodes.size() + " (" + ready + " Ready, " + cordoned + " cordoned, " + tainted
                + " tainted)";
    }

    /** What a user reads off the pool's status, for comparing a disturbed run's end with the undisturbed one's. */
    String summary(String pool) {
        MachinePool mp = observer.pool(pool);
        MachinePoolStatus s = mp == null ? null : mp.getStatus();
        if (s == null) {
            return "no status";
        }
        List<String> trueConditions = s.getConditions() == null ? List.of() : s.getConditions().stream()
                .filter(c -> c.getStatus() == Conditions.Status.TRUE).map(Conditions::getType).sorted().toList();
        int providerIds = mp.getSpec().getProviderIDList() == null ? 0 : mp.getSpec().getProviderIDList().size();
        return "phase " + s.getPhase() + ", replicas " + s.getReplicas() + ", ready " + s.getReadyReplicas()
                + ", available " + s.getAvailableReplicas() + ", up to date " + s.getUpToDateReplicas()
                + ", nodeRefs " + (s.getNodeRefs() == null ? 0 : s.getNodeRefs().size()) + ", providerIDList "
                + providerIds + ", True: " + String.join(" ", trueConditions);
    }

    /** Waits until the status was computed from the pool's latest generation (writing providerIDList bumps it). */
    String settledSummary(String pool) throws InterruptedException {
        Instant deadline = Instant.now().plus(SETTLE);
        while (Instant.now().isBefore(deadline)) {
            MachinePool mp = observer.pool(pool);
            if (mp != null && mp.getStatus() != null && Objects.equals(mp.getStatus().getObservedGeneration(),
                    mp.getMetadata().getGeneration())) {
                break;
            }
            Thread.sleep(POLL.toMillis());
        }
        return summary(pool);
    }

    public Result scaleUp(String pool, int from, int to) throws InterruptedException {
        Result r = new Result(E2eOptions.SCALE_UP, pool + ", " + from + " -> " + to + " replicas");
        Instant change = Instant.now();
        pools.scale(pool, to);
        Convergence c = await(pool, to, timeout);
        measureConvergence(r, c, change);
        upSeconds = r.converged();
        checkInstances(r, pool, change, from, to, c);
        if (c.at() != null) {
            reference = settledSummary(pool);
            r.row("status at the end", reference);
        }
        return r;
    }

    public Result scaleDown(String pool, int from, int to) throws InterruptedException {
        Result r = new Result(E2eOptions.SCALE_DOWN, pool + ", " + from + " -> " + to + " replicas");
        Instant change = Instant.now();
        pools.scale(pool, to);
        Convergence c = await(pool, to, timeout);
        measureConvergence(r, c, change);
        downSeconds = r.converged();
        checkInstances(r, pool, change, from, to, c);
        checkCordons(r, pool, change, to);
        if (c.at() != null) {
            downReference = settledSummary(pool);
            r.row("status at the end", downReference);
        }
        return r;
    }

    /** Every Node of an instance that went was cordoned before; the kept ones were not. */
    void checkCordons(Result r, String pool, Instant change, int to) {
        List<InstanceView> instances = observer.instances(pools.key(pool));
        Map<String, String> names = observer.nodeNamesByProviderId(instances.stream().map(InstanceView::providerId)
                .collect(Collectors.toSet()));
        List<String> cordon = Checks.cordonProblems(instances, change, names, observer::cordonedAt,
                observer::cordonedWhenDeleted, observer::cordonedWhenGone);
        List<InstanceView> ended = instances.stream().filter(i -> i.goneSeen() != null && i.goneSeen().isAfter(change))
                .toList();
        long read = ended.stream().map(i -> names.get(i.providerId()))
                .filter(n -> n != null && observer.cordonedWhenGone(n) != null).count();
        r.check("every Node cordoned before its instance went", cordon.isEmpty(), cordon.isEmpty()
                ? ended.size() + " of " + ended.size() + " (" + read + " by the API server's revisions, "
                + (ended.size() - read) + " by the times the watch saw)"
                : String.join("; ", cordon));
        List<String> survivors = Checks.survivorProblems(instances, names, observer::cordonedAt, change);
        r.check("the " + to + " kept Nodes stay schedulable", survivors.isEmpty(), String.join("; ", survivors));
    }

    /**
     * Brings a pool to {@code replicas} undisturbed when it is not there (a scenario run on its own, or after one
     * that left it elsewhere); fails when it does not get there.
     */
    public void ensureAt(String pool, int replicas) throws InterruptedException {
        MachinePool mp = observer.pool(pool);
        if (mp != null && eq(mp.getSpec().getReplicas(), replicas) && await(pool, replicas, Duration.ZERO).at() != null) {
            return;
        }
        out.printf("  (bringing %s to %d replicas first)%n", pool, replicas);
        pools.scale(pool, replicas);
        Convergence c = await(pool, replicas, timeout);
        if (c.at() == null) {
            throw new IllegalStateException(pool + " did not reach " + replicas + " replicas first: " + c.last());
        }
        settledSummary(pool);
    }

    /**
     * A scale of {@code pool} from {@code from} to {@code to} with the target killed ({@code kill -9})
     * {@code killAfter} into it and started again at once, as a container's restart policy would: mid scale-up
     * ({@code kill-<target>}, 5 → 20) or mid scale-down ({@code kill-<target>-down}, 20 → 5, with the scale-down's
     * checks: every Node cordoned before its instance went, the kept ones never).
     */
    public Result kill(String scenario, String target, String pool, int from, int to) throws InterruptedException {
        boolean down = to < from;
        Result r = new Result(scenario, pool + ", " + from + " -> " + to + " replicas, kill -9 of " + target + " "
                + env.options().killAfter().toMillis() / 1000.0 + " s in");
        ManagedProcess process = env.process(target);
        Recovery recovery = new Recovery(env, observer, target, pool);
        recovery.beforeKill();
        Instant change = Instant.now();
        pools.scale(pool, to);
        long wait = Duration.between(Instant.now(), change.plus(env.options().killAfter())).toMillis();
        if (wait > 0) {
            Thread.sleep(wait); // the scenario's own timing: the kill comes this long after the change
        }
        long oldPid = process.pid();
        if (env.closing()) {
            throw new IllegalStateException("the run is being stopped");
        }
        Instant killed = process.kill();
        Instant restarted = process.start();
        r.row("killed", String.format(java.util.Locale.ROOT, "pid %d at %.2f s, restarted as pid %d at %.2f s",
                oldPid, seconds(change, killed), process.pid(), seconds(change, restarted)));
        Thread probe = new Thread(() -> recovery.probe(restarted, timeout), "e2e-recovery-" + target);
        probe.setDaemon(true);
        probe.start();
        Convergence c = await(pool, to, timeout);
        measureConvergence(r, c, change);
        Double undisturbed = down ? downSeconds : upSeconds;
        r.undisturbed(undisturbed);
        r.seconds("undisturbed " + (down ? E2eOptions.SCALE_DOWN : E2eOptions.SCALE_UP) + " (this run)", undisturbed);
        recovery.finish(restarted.plus(timeout));
        probe.join(5_000);
        recovery.report(r, restarted);
        checkInstances(r, pool, change, from, to, c);
        if (down) {
            checkCordons(r, pool, change, to);
        }
        String expected = down ? downReference : reference;
        if (c.at() != null && expected != null) {
            String actual = awaitSummary(pool, expected);
            r.check("ends in the undisturbed run's state", expected.equals(actual),
                    expected.equals(actual) ? actual : "got " + actual + "; undisturbed " + expected);
        } else if (c.at() != null) {
            r.row("status at the end", settledSummary(pool) + " (no undisturbed run to compare with)");
        }
        return r;
    }

    /**
     * Two pools scaled at the same moment ({@code a} and {@code b} each from {@code from}): both converge, each with
     * exactly its own new instances, and neither lists the other's instances or Nodes.
     */
    public Result twoPools(String a, int toA, String b, int toB, int from) throws InterruptedException {
        Result r = new Result(E2eOptions.TWO_POOLS, a + " " + from + " -> " + toA + " and " + b + " " + from + " -> "
                + toB + " replicas, at the same moment");
        java.util.concurrent.ExecutorService both = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            Instant change = Instant.now();
            java.util.concurrent.Future<Convergence> ca = both.submit(() -> {
                go.await();
                pools.scale(a, toA);
                return await(a, toA, timeout);
            });
            java.util.concurrent.Future<Convergence> cb = both.submit(() -> {
                go.await();
                pools.scale(b, toB);
                return await(b, toB, timeout);
            });
            go.countDown();
            Convergence convA = ca.get();
            Convergence convB = cb.get();
            Double atA = convA.at() == null ? null : seconds(change, convA.at());
            Double atB = convB.at() == null ? null : seconds(change, convB.at());
            r.seconds("change -> " + a + " converged", atA);
            r.seconds("change -> " + b + " converged", atB);
            r.converged(atA == null || atB == null ? null : Math.max(atA, atB));
            r.undisturbed(upSeconds);
            r.seconds("undisturbed scale-up 5 -> 20 (this run)", upSeconds);
            r.check(a + " converged within " + timeout.toSeconds() + " s", convA.at() != null, convA.last());
            r.check(b + " converged within " + timeout.toSeconds() + " s", convB.at() != null, convB.last());
            checkInstances(r, a, change, from, toA, convA);
            checkInstances(r, b, change, from, toB, convB);
            settledSummary(a);
            settledSummary(b);
            for (String pool : List.of(a, b)) {
                String other = pool.equals(a) ? b : a;
                List<String> problems = crossTalk(pool, other);
                r.check("no cross-talk: " + pool + " lists only its own instances and Nodes", problems.isEmpty(),
                        problems.isEmpty() ? "providerIDList, nodeRefs and the Nodes' owner annotations: its own"
                                : String.join("; ", problems));
            }
            r.note(a + " " + Result.format(atA) + ", " + b + " " + Result.format(atB));
        } catch (java.util.concurrent.ExecutionException e) {
            r.error(e.getCause().toString());
        } finally {
            both.shutdownNow();
        }
        return r;
    }

    List<String> crossTalk(String pool, String other) {
        Set<String> own = observer.instances(pools.key(pool)).stream().filter(InstanceView::live)
                .map(InstanceView::providerId).collect(Collectors.toSet());
        Set<String> others = observer.instances(pools.key(other)).stream().map(InstanceView::providerId)
                .collect(Collectors.toSet());
        MachinePool mp = observer.pool(pool);
        List<String> ids = mp == null || mp.getSpec().getProviderIDList() == null ? List.of()
                : mp.getSpec().getProviderIDList();
        List<String> refs = mp == null || mp.getStatus() == null || mp.getStatus().getNodeRefs() == null ? List.of()
                : mp.getStatus().getNodeRefs().stream().map(n -> n.getName()).toList();
        Map<String, String> nodes = new java.util.HashMap<>();
        Map<String, String> owners = new java.util.HashMap<>();
        for (Node n : observer.nodes()) {
            if (n.getSpec() != null && n.getSpec().getProviderID() != null) {
                nodes.put(n.getMetadata().getName(), n.getSpec().getProviderID());
            }
            Map<String, String> annotations = n.getMetadata().getAnnotations();
            if (annotations != null && annotations.get(ClusterApi.NODE_OWNER_NAME_ANNOTATION) != null) {
                owners.put(n.getMetadata().getName(), annotations.get(ClusterApi.NODE_OWNER_NAME_ANNOTATION));
            }
        }
        return Checks.crossTalkProblems(pool, own, others, ids, refs, nodes, owners);
    }

    /**
     * The time of an undisturbed 5 → 7 of the healthy pool in this run (measured once, then back to 5): what a
     * healthy pool's 5 → 7 beside a bad one is held to.
     */
    Duration healthyBaseline(String healthy, int from, int to, Result r) throws InterruptedException {
        if (healthyBaseline == null) {
            ensureAt(healthy, from);
            Instant change = Instant.now();
            pools.scale(healthy, to);
            Convergence c = await(healthy, to, timeout);
            if (c.at() == null) {
                throw new IllegalStateException("the healthy pool's undisturbed " + from + " -> " + to
                        + " did not converge: " + c.last());
            }
            healthyBaseline = Duration.between(change, c.at());
            out.printf(java.util.Locale.ROOT, "  (undisturbed %s %d -> %d: %.2f s)%n", healthy, from, to,
                    healthyBaseline.toMillis() / 1000.0);
            ensureAt(healthy, from);
        } else {
            ensureAt(healthy, from);
        }
        return healthyBaseline;
    }

    String awaitSummary(String pool, String expected) throws InterruptedException {
        Instant deadline = Instant.now().plus(SETTLE);
        String actual = summary(pool);
        while (!expected.equals(actual) && Instant.now().isBefore(deadline)) {
            Thread.sleep(POLL.toMillis());
            actual = summary(pool);
        }
        return actual;
    }

    void measureConvergence(Result r, Convergence c, Instant change) {
        Double at = c.at() == null ? null : seconds(change, c.at());
        r.converged(at);
        r.seconds("change -> converged", at);
        r.check("converged within " + timeout.toSeconds() + " s", c.at() != null, c.last());
    }

    void checkInstances(Result r, String pool, Instant change, int from, int to, Convergence c)
            throws InterruptedException {
        observer.awaitCloudLookAfter(Instant.now(), Duration.ofSeconds(5));
        List<InstanceView> instances = observer.instances(pools.key(pool));
        Checks.CloudChange cloud = Checks.cloudChange(instances, change);
        List<String> problems = Checks.instanceProblems(cloud, from, to, c.fewestLive(), c.mostLive());
        r.check(pool + ": exactly the right instances, no duplicates", problems.isEmpty(), problems.isEmpty()
                ? cloud.live() + " running; " + cloud.launched() + " launched, " + cloud.went() + " ended; "
                + c.fewestLive() + ".." + c.mostLive() + " running on the way" : String.join("; ", problems));
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    static boolean eq(Integer value, int expected) {
        return value != null && value == expected;
    }
}
