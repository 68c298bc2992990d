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
            poolNames.add(poolFor(scenario));
        }
        try (Observer observer = new Observer(env.kube(), env.ec2(), env.brokers(), Environment.NAMESPACE)) {
            for (String pool : poolNames) {
                pools.createPool(pool, FROM, ami);
            }
            Scenarios scenarios = new Scenarios(env, observer, pools, out);
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
            boolean workersAtTo = false;
            for (String scenario : options.scenarios()) {
                Result result;
                try {
                    java.util.Optional<String> unfit = env.unfit(options.timeout());
                    if (unfit.isPresent()) {
                        result = new Result(scenario, "not run").error("not run: " + unfit.get());
                    } else if (E2eOptions.SCALE_UP.equals(scenario)) {
                        result = scenarios.scaleUp("workers", FROM, TO);
                        workersAtTo = true;
                    } else if (E2eOptions.SCALE_DOWN.equals(scenario)) {
                        if (!workersAtTo) {
                            pools.scale("workers", TO);
                            scenarios.await("workers", TO, options.timeout());
                        }
                        result = scenarios.scaleDown("workers", TO, FROM);
                        workersAtTo = false;
                    } else {
                        String target = scenario.substring(E2eOptions.KILL.length());
                        result = scenarios.kill(target, poolFor(scenario), FROM, TO);
                    }
                } catch (Exception e) {
                    result = new Result(scenario, "did not run to the end").error(e.toString());
                }
                results.add(result);
                out.print(result.table());
                out.println();
            }
            return results;
        }
    }

    /** The scale scenarios share "workers" (up, then down); each kill has a pool of its own, at 5 until then. */
    static String poolFor(String scenario) {
        if (scenario.startsWith(E2eOptions.KILL)) {
            return scenario.replace("-service", "");
        }
        return "workers";
    }

    static void printSummary(PrintStream out, List<Result> results, Duration took) {
        out.println("summary (seconds; converged: from the change of spec.replicas; working again: from the restart)");
        out.printf(Locale.ROOT, "  %-28s %12s %15s   %s%n", "scenario", "converged", "working again", "result");
        for (Result r : results) {
            out.printf(Locale.ROOT, "  %-28s %12s %15s   %s%n", r.scenario(), Result.format(r.converged()),
                    Result.format(r.workingAgain()), r.passed() ? "passed" : "FAILED");
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
