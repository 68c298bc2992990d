package dev.poolstream.e2e;

import dev.poolstream.e2e.Checks.ConditionView;
import dev.poolstream.e2e.Observer.InstanceView;
import dev.poolstream.e2e.Scenarios.Convergence;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * A bad input beside a healthy pool that keeps scaling. The bad pool must say why on its own object (a False
 * condition whose reason or message names the problem; its Warning Events are reported too), must not hold up the
 * healthy pool's 5 → 7 (within twice its undisturbed time in this run plus {@link #SLACK}), and must recover by
 * itself once the input is fixed: Running with its replicas, the condition gone, nothing else touched.
 */
final class BadInputs {

    static final String HEALTHY = "healthy";
    static final int HEALTHY_FROM = 5;
    static final int HEALTHY_TO = 7;
    static final int BAD_REPLICAS = 3;
    static final Duration SLACK = Duration.ofSeconds(5);
    /** How long the bad pool may take to say why on its object. */
    static final Duration EXPLAIN_WITHIN = Duration.ofSeconds(90);
    /** The second Cluster: the same API server, its kubeconfig Secret garbage until fixed. */
    static final String BAD_CLUSTER = "e2e-bad";
    static final String GARBAGE = "this is not a kubeconfig {";

    /** What is wrong, and how a user would tell from the object. */
    enum Kind {
        INFRASTRUCTURE(E2eOptions.BAD_INFRASTRUCTURE, "bad-infra",
                "a MachinePool whose AWSMachinePool does not exist; then it is created",
                Pattern.compile("(?i)InfrastructureNotFound|AWSMachinePool\\b.*\\b(not found|does not exist|missing)")),
        BOOTSTRAP(E2eOptions.BAD_BOOTSTRAP, "bad-bootstrap",
                "a MachinePool whose bootstrap data Secret is missing; then it is created",
                Pattern.compile("(?i)BootstrapDataSecretNotFound|" + Pattern.quote(
                        Pools.bootstrapSecretName("bad-bootstrap")))),
        KUBECONFIG(E2eOptions.BAD_KUBECONFIG, "bad-kubeconfig",
                "a pool of a second Cluster whose kubeconfig Secret is garbage; then it is fixed",
                Pattern.compile("(?i)kubeconfig"));

        final String scenario;
        final String pool;
        final String what;
        final Pattern explains;

        Kind(String scenario, String pool, String what, Pattern explains) {
            this.scenario = scenario;
            this.pool = pool;
            this.what = what;
            this.explains = explains;
        }

        static Kind of(String scenario) {
            for (Kind k : values()) {
                if (k.scenario.equals(scenario)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("no bad input " + scenario);
        }
    }

    private final Environment env;
    private final Observer observer;
    private final Pools pools;
    private final Scenarios scenarios;
    private final PrintStream out;
    private final String ami;
    private final Duration timeout;

    BadInputs(Environment env, Observer observer, Pools pools, Scenarios scenarios, PrintStream out, String ami) {
        this.env = env;
        this.observer = observer;
        this.pools = pools;
        this.scenarios = scenarios;
        this.out = out;
        this.ami = ami;
        this.timeout = env.options().timeout();
    }

    Result run(Kind kind) throws Exception {
        Result r = new Result(kind.scenario, kind.what + "; beside it " + HEALTHY + " " + HEALTHY_FROM + " -> "
                + HEALTHY_TO);
        Duration baseline = scenarios.healthyBaseline(HEALTHY, HEALTHY_FROM, HEALTHY_TO, r);
        Duration bound = Checks.bound(baseline, SLACK);
        ExecutorService healthy = Executors.newSingleThreadExecutor();
        try {
            Instant change = Instant.now();
            createBad(kind);
            pools.scale(HEALTHY, HEALTHY_TO);
            Future<Convergence> healthyDone = healthy.submit(() -> scenarios.await(HEALTHY, HEALTHY_TO, timeout));

            Optional<ConditionView> why = Optional.empty();
            Instant deadline = Instant.now().plus(EXPLAIN_WITHIN);
            while (why.isEmpty() && Instant.now().isBefore(deadline)) {
                why = Checks.explanation(observer.conditions(kind.pool), kind.explains);
                if (why.isEmpty()) {
                    Thread.sleep(Scenarios.POLL.toMillis());
                }
            }
            Instant explained = why.isPresent() ? Instant.now() : null;

            Convergence h = healthyDone.get();
            Double healthySeconds = h.at() == null ? null : Scenarios.seconds(change, h.at());
            r.seconds("undisturbed " + HEALTHY + " " + HEALTHY_FROM + " -> " + HEALTHY_TO + " (this run)",
                    baseline.toMillis() / 1000.0);
            r.undisturbed(baseline.toMillis() / 1000.0);
            r.seconds(HEALTHY + " " + HEALTHY_FROM + " -> " + HEALTHY_TO + " beside the bad pool", healthySeconds);
            r.check(HEALTHY + " converged within 2 x undisturbed + " + SLACK.toSeconds() + " s ("
                            + Result.format(bound.toMillis() / 1000.0) + ")",
                    h.at() != null && Duration.between(change, h.at()).compareTo(bound) <= 0, h.last());
            scenarios.checkInstances(r, HEALTHY, change, HEALTHY_FROM, HEALTHY_TO, h);

            r.seconds("bad input -> the pool says why", explained == null ? null : Scenarios.seconds(change, explained));
            r.check("the bad pool says why on its object (a condition, not True, naming the problem)", why.isPresent(),
                    why.map(ConditionView::toString).orElse("not within " + EXPLAIN_WITHIN.toSeconds()
                            + " s; its conditions: " + observer.conditions(kind.pool)));
            r.row("Warning Events on the MachinePool", warnings(kind.pool));
            r.row("its instances while bad", describeInstances(kind.pool));
            r.row("its status while bad", scenarios.summary(kind.pool) + "; " + scenarios.describe(kind.pool,
                    observer.instances(pools.key(kind.pool))));

            Instant fixed = Instant.now();
            fix(kind);
            Convergence c = scenarios.await(kind.pool, BAD_REPLICAS, timeout);
            Double recovered = c.at() == null ? null : Scenarios.seconds(fixed, c.at());
            r.converged(recovered);
            r.seconds("fixed -> converged (" + BAD_REPLICAS + " replicas, Running)", recovered);
            r.check("recovers by itself once fixed, within " + timeout.toSeconds() + " s", c.at() != null, c.last());
            if (c.at() != null) {
                scenarios.checkInstances(r, kind.pool, change, 0, BAD_REPLICAS, c);
                Optional<ConditionView> still = Checks.explanation(observer.conditions(kind.pool), kind.explains);
                r.check("no condition names the problem any more", still.isEmpty(),
                        still.map(ConditionView::toString).orElse(""));
                r.row("status at the end", scenarios.settledSummary(kind.pool));
            }
            r.note(String.format(Locale.ROOT, "healthy %s (bound %s); says why %s; fixed -> converged %s",
                    Result.format(healthySeconds), Result.format(bound.toMillis() / 1000.0),
                    explained == null ? "never" : "after " + Result.format(Scenarios.seconds(change, explained)),
                    Result.format(recovered)));
        } finally {
            healthy.shutdownNow();
        }
        try {
            scenarios.ensureAt(HEALTHY, HEALTHY_FROM);
        } catch (IllegalStateException e) {
            r.row("afterwards", e.getMessage());
        }
        return r;
    }

    private void createBad(Kind kind) {
        switch (kind) {
            case INFRASTRUCTURE -> pools.createPool(kind.pool, BAD_REPLICAS, ami, Pools.CLUSTER, false, true);
            case BOOTSTRAP -> pools.createPool(kind.pool, BAD_REPLICAS, ami, Pools.CLUSTER, true, false);
            case KUBECONFIG -> {
                pools.createCluster(BAD_CLUSTER, env.kubeconfigText(), GARBAGE);
                pools.createPool(kind.pool, BAD_REPLICAS, ami, BAD_CLUSTER, true, true);
            }
        }
    }

    private void fix(Kind kind) {
        switch (kind) {
            case INFRASTRUCTURE -> pools.createInfrastructurePool(kind.pool, Pools.CLUSTER, ami);
            case BOOTSTRAP -> pools.createBootstrapSecret(kind.pool, Pools.CLUSTER);
            case KUBECONFIG -> pools.setKubeconfig(BAD_CLUSTER, env.kubeconfigText());
        }
    }

    /** The Warning Events regarding the MachinePool (events.k8s.io/v1), as {@code kubectl describe} lists them. */
    private String warnings(String pool) {
        try {
            List<Event> events = env.kube().events().v1().events().inNamespace(Environment.NAMESPACE).list()
                    .getItems().stream()
                    .filter(e -> e.getRegarding() != null && pool.equals(e.getRegarding().getName())
                            && "MachinePool".equals(e.getRegarding().getKind()) && "Warning".equals(e.getType()))
                    .toList();
            if (events.isEmpty()) {
                return "none";
            }
            return String.join("; ", events.stream().map(e -> e.getReason() + ": " + truncate(e.getNote()))
                    .distinct().limit(4).toList());
        } catch (RuntimeException e) {
            return "could not list: " + e.getMessage();
        }
    }

    private String describeInstances(String pool) {
        List<InstanceView> instances = observer.instances(pools.key(pool));
        return instances.stream().filter(InstanceView::live).count() + " running, "
                + instances.stream().filter(i -> !i.live()).count() + " gone";
    }

    static String truncate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= 140 ? text : text.substring(0, 140) + "...";
    }
}
