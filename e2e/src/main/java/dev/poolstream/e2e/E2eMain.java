package dev.poolstream.e2e;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.services.ec2.model.Image;

/**
 * The process tier's driver, run by {@code ./e2e.sh}: starts every process (see {@link Environment}), creates the
 * Cluster and the pools, runs the scenarios, prints a table per scenario and a last line {@code N passed, N failed},
 * and stops everything it started. Exit code 0 when every scenario passed, 1 when one failed, 2 when the run could
 * not be set up.
 */
public final class E2eMain {

    static final int FROM = 5;
    static final int TO = 20;

    public static void main(String[] args) {
        PrintStream out = System.out;
        E2eOptions options;
        try {
            options = E2eOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(E2eOptions.USAGE);
            System.exit(2);
            return;
        }
        Environment env = new Environment(options, out);
        Thread stopper = new Thread(env::close, "e2e-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        Instant began = Instant.now();
        List<Result> results = null;
        try {
            results = run(options, env, out);
        } catch (Exception e) {
            if (env.closing()) {
                out.println("stopped before the end (a signal): " + e.getMessage().lines().findFirst().orElse(""));
            } else {
                out.println("the run could not be set up: " + e.getMessage());
                e.printStackTrace(System.err);
            }
        }
        out.println("stopping every process of the run (logs in " + options.work() + ")");
        env.close();
        try {
            Runtime.getRuntime().removeShutdownHook(stopper);
        } catch (IllegalStateException e) {
            // shutting down already
        }
        if (results == null) {
            out.println("not run: the set-up failed (above)");
            out.println("0 passed, " + options.scenarios().size() + " failed");
            System.exit(2);
        }
        printSummary(out, results, Duration.between(began, Instant.now()));
        System.exit(results.stream().allMatch(Result::passed) ? 0 : 1);
    }

    static List<Result> run(E2eOptions options, Environment env, PrintStream out) throws Exception {
        out.printf("Poolstream e2e: %s; boot delay %s (seed %d); services as separate JVMs (%s)%n",
                String.join(", ", options.scenarios()), options.bootDelays(), options.seed(), Environment.javaOpts());
        Instant began = Instant.now();
        out.println("starting the processes (logs in " + options.work() + "):");
        env.start();

        String ami = env.ec2().describeImages(b -> b.owners("amazon")).images().stream().map(Image::imageId)
                .sorted().findFirst().orElseThrow(() -> new IllegalStateException("moto lists no AMI"));
        Pools pools = new Pools(env.kube(), Environment.NAMESPACE);
        pools.createCluster(env.kubeconfigText());
        Set<String> poolNames = new LinkedHashSet<>();
        for (String scenario : options.scenarios()) {
            poolNames.addAll(poolsFor(scenario));
        }
        try (Observer observer = new Observer(env.kube(), env.ec2(), env.brokers(), Environment.NAMESPACE)) {
            for (String pool : poolNames) {
                pools.createPool(pool, FROM, ami);
            }
            Scenarios scenarios = new Scenarios(env, observer, pools, out);
            BadInputs badInputs = new BadInputs(env, observer, pools, scenarios, out, ami);
            for (String pool : poolNames) {
                Scenarios.Convergence c = scenarios.await(pool, FROM, options.timeout());
                if (c.at() == null) {
                    throw new IllegalStateException("pool " + pool + " did not reach " + FROM + " replicas within "
                            + options.timeout().toSeconds() + " s: " + c.last());
                }
            }
            out.printf("  %6.1f s  %d pool(s) Running with %d replicas: %s%n%n", seconds(began, Instant.now()),
                    poolNames.size(), FROM, String.join(", ", poolNames));

            List<Result> results = new ArrayList<>();
            for (String scenario : options.scenarios()) {
                Result result;
                try {
                    java.util.Optional<String> unfit = env.unfit(options.timeout());
                    if (unfit.isPresent()) {
                        result = new Result(scenario, "not run").error("not run: " + unfit.get());
                    } else {
                        result = runOne(scenario, options, env, observer, pools, scenarios, badInputs, out);
                    }
                } catch (Exception e) {
                    result = new Result(scenario, "did not run to the end").error(e.toString());
                    if (!env.closing()) {
                        e.printStackTrace(System.err);
                    }
                }
                results.add(result);
                out.print(result.table());
                out.println();
            }
            return results;
        }
    }

    static Result runOne(String scenario, E2eOptions options, Environment env, Observer observer, Pools pools,
                         Scenarios scenarios, BadInputs badInputs, PrintStream out) throws Exception {
        if (E2eOptions.SCALE_UP.equals(scenario)) {
            scenarios.ensureAt("workers", FROM);
            return scenarios.scaleUp("workers", FROM, TO);
        }
        if (E2eOptions.SCALE_DOWN.equals(scenario)) {
            scenarios.ensureAt("workers", TO);
            return scenarios.scaleDown("workers", TO, FROM);
        }
        if (scenario.startsWith(E2eOptions.KILL)) {
            String pool = poolsFor(scenario).get(0);
            boolean down = E2eOptions.killDown(scenario);
            scenarios.ensureAt(pool, down ? TO : FROM);
            return scenarios.kill(scenario, E2eOptions.killTarget(scenario), pool, down ? TO : FROM, down ? FROM : TO);
        }
        if (E2eOptions.TWO_POOLS.equals(scenario)) {
            scenarios.ensureAt("twin-a", FROM);
            scenarios.ensureAt("twin-b", FROM);
            return scenarios.twoPools("twin-a", 12, "twin-b", 9, FROM);
        }
        if (E2eOptions.DELETE_POOL.equals(scenario)) {
            return new PoolDeletion(env, observer, pools, scenarios, out).run(options.deleteReplicas());
        }
        if (scenario.startsWith(E2eOptions.FAILOVER)) {
            return new Failover(env, observer, pools, scenarios, out).run(
                    scenario.substring(E2eOptions.FAILOVER.length()));
        }
        if (E2eOptions.POISON.equals(scenario)) {
            return new PoisonRecords(env, observer, pools, scenarios, out).run();
        }
        return badInputs.run(BadInputs.Kind.of(scenario));
    }

    /**
     * The pools a scenario needs from the start, each created with 5 replicas: the scale scenarios share "workers"
     * (up, then down); each kill has a pool of its own (its scale-down flavour the same one, back from 20), so do
     * the other scenarios; the bad inputs share the healthy pool, and make their bad pool themselves.
     */
    static List<String> poolsFor(String scenario) {
        if (scenario.startsWith(E2eOptions.KILL)) {
            return List.of(E2eOptions.KILL + E2eOptions.killTarget(scenario).replace("-service", ""));
        }
        if (E2eOptions.TWO_POOLS.equals(scenario)) {
            return List.of("twin-a", "twin-b");
        }
        if (E2eOptions.DELETE_POOL.equals(scenario)) {
            return List.of(PoolDeletion.POOL);
        }
        if (scenario.startsWith(E2eOptions.FAILOVER)) {
            return List.of(Failover.pool(scenario.substring(E2eOptions.FAILOVER.length())));
        }
        if (E2eOptions.POISON.equals(scenario)) {
            return List.of(BadInputs.HEALTHY, PoisonRecords.POOL);
        }
        if (List.of(E2eOptions.BAD_INFRASTRUCTURE, E2eOptions.BAD_BOOTSTRAP, E2eOptions.BAD_KUBECONFIG)
                .contains(scenario)) {
            return List.of(BadInputs.HEALTHY);
        }
        return List.of("workers");
    }

    static void printSummary(PrintStream out, List<Result> results, Duration took) {
        out.println("summary (converged: from the change, for a bad input from the fix, for delete-pool until the "
                + "MachinePool is gone; undisturbed: the same change undisturbed in this run; working: from the "
                + "restart, for failover from the kill to the survivor holding every partition; ready->work: from "
                + "the restarted process's readiness, target " + (int) Recovery.READY_TARGET_SECONDS + " s)");
        out.println(Result.SUMMARY_HEADER);
        for (Result r : results) {
            out.println(r.summaryLine());
        }
        long passed = results.stream().filter(Result::passed).count();
        out.printf(Locale.ROOT, "  (the whole run: %.0f s)%n", took.toMillis() / 1000.0);
        out.println(passed + " passed, " + (results.size() - passed) + " failed");
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    private E2eMain() {
    }
}
