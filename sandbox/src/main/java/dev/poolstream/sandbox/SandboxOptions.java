package dev.poolstream.sandbox;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What a sandbox run does. Every option has a default: {@code ./sandbox.sh} alone runs the MachinePool scale-up
 * benchmark, one pool from 5 to 20 replicas.
 *
 * @param bootDelay compressed boot time of a simulated instance, launch to Node Ready ({@code 3s..8s})
 * @param kubeconfig a real cluster to use as management and workload cluster, instead of the in-process API
 */
public record SandboxOptions(Scenario scenario, int replicas, int scaleTo, int pools, String bootDelay,
                             double failRate, long seed, Path out, Path kubeconfig) {

    public enum Scenario {
        /** A pool reaches Running, then scales up: the MachinePool scale-up benchmark. */
        SCALE_UP,
        /** A pool reaches Running, then its Kubernetes version changes: every instance is replaced. */
        ROLLOUT,
        /** A pool reaches Running, then scales down: victims are drained, then terminated. */
        SCALE_DOWN,
        /** cluster-autoscaler taints and drains one Node, marks its Machine, lowers replicas: that instance goes. */
        AUTOSCALER,
        /** One Node turns Not Ready for longer than a MachineHealthCheck allows: that instance is replaced. */
        REMEDIATE
    }

    public static SandboxOptions defaults() {
        return new SandboxOptions(Scenario.SCALE_UP, 5, 20, 1, "3s..8s", 0, 42, Path.of("target", "sandbox"), null);
    }

    public static final String USAGE = """
            usage: ./sandbox.sh [options]
              --scenario=scale-up|rollout|scale-down|autoscaler|remediate   what to run (default scale-up)
              --replicas=N        replicas each pool starts with (default 5)
              --scale-to=N        replicas to scale to (default 20; for scale-down, fewer than --replicas)
              --pools=N           pools, each in its own scaling group (default 1)
              --boot-delay=A..B   simulated boot time, launch to Node Ready (default 3s..8s; real boots take ~60s)
              --fail-rate=F       share of instances that fail to boot, 0 to 1 (default 0)
              --seed=N            seed of the simulated boot delays and failures (default 42)
              --out=DIR           where the results JSON and chart go (default target/sandbox)
              --kubeconfig=FILE   use a real cluster (with the Cluster API CRDs installed) instead of the in-process API
            """;

    public static SandboxOptions parse(String... args) {
        SandboxOptions o = defaults();
        boolean scaleToGiven = false;
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new IllegalArgumentException(USAGE);
            }
            String[] kv = arg.split("=", 2);
            if (kv.length != 2 || !kv[0].startsWith("--")) {
                throw new IllegalArgumentException("'" + arg + "' is not an option\n" + USAGE);
            }
            String value = kv[1];
            switch (kv[0]) {
                case "--scenario" -> o = new SandboxOptions(scenario(value), o.replicas, o.scaleTo, o.pools,
                        o.bootDelay, o.failRate, o.seed, o.out, o.kubeconfig);
                case "--replicas" -> o = new SandboxOptions(o.scenario, number(kv), o.scaleTo, o.pools, o.bootDelay,
                        o.failRate, o.seed, o.out, o.kubeconfig);
                case "--scale-to" -> {
                    scaleToGiven = true;
                    o = new SandboxOptions(o.scenario, o.replicas, number(kv), o.pools, o.bootDelay, o.failRate,
                            o.seed, o.out, o.kubeconfig);
                }
                case "--pools" -> o = new SandboxOptions(o.scenario, o.replicas, o.scaleTo, number(kv), o.bootDelay,
                        o.failRate, o.seed, o.out, o.kubeconfig);
                case "--boot-delay" -> o = new SandboxOptions(o.scenario, o.replicas, o.scaleTo, o.pools, value,
                        o.failRate, o.seed, o.out, o.kubeconfig);
                case "--fail-rate" -> o = new SandboxOptions(o.scenario, o.replicas, o.scaleTo, o.pools, o.bootDelay,
                        Double.parseDouble(value), o.seed, o.out, o.kubeconfig);
                case "--seed" -> o = new SandboxOptions(o.scenario, o.replicas, o.scaleTo, o.pools, o.bootDelay,
                        o.failRate, Long.parseLong(value), o.out, o.kubeconfig);
                case "--out" -> o = new SandboxOptions(o.scenario, o.replicas, o.scaleTo, o.pools, o.bootDelay,
                        o.failRate, o.seed, Path.of(value), o.kubeconfig);
                case "--kubeconfig" -> o = new SandboxOptions(o.scenario, o.replicas, o.scaleTo, o.pools,
                        o.bootDelay, o.failRate, o.seed, o.out, Path.of(value));
                default -> throw new IllegalArgumentException("unknown option " + kv[0] + "\n" + USAGE);
            }
        }
        if (o.scenario == Scenario.SCALE_DOWN && !scaleToGiven) {
            o = new SandboxOptions(o.scenario, Math.max(o.replicas, 20), 5, o.pools, o.bootDelay, o.failRate, o.seed,
                    o.out, o.kubeconfig);
        }
        if (o.scenario == Scenario.AUTOSCALER) {
            o = new SandboxOptions(o.scenario, Math.max(o.replicas, 3), Math.max(o.replicas, 3) - 1, o.pools,
                    o.bootDelay, o.failRate, o.seed, o.out, o.kubeconfig);
        }
        if (o.scenario == Scenario.REMEDIATE) {
            o = new SandboxOptions(o.scenario, Math.max(o.replicas, 3), Math.max(o.replicas, 3), o.pools,
                    o.bootDelay, o.failRate, o.seed, o.out, o.kubeconfig);
        }
        if (o.scenario == Scenario.ROLLOUT && !scaleToGiven) {
            o = new SandboxOptions(o.scenario, o.replicas, o.replicas, o.pools, o.bootDelay, o.failRate, o.seed, o.out,
                    o.kubeconfig);
        }
        if (o.failRate < 0 || o.failRate > 1 || o.replicas < 0 || o.scaleTo < 0 || o.pools < 1) {
            throw new IllegalArgumentException("an option is out of range\n" + USAGE);
        }
        return o;
    }

    private static Scenario scenario(String value) {
        return Arrays.stream(Scenario.values()).filter(s -> s.name().replace('_', '-').equalsIgnoreCase(value))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("unknown scenario " + value + "; one of "
                        + List.of("scale-up", "rollout", "scale-down", "autoscaler", "remediate")));
    }

    private static int number(String[] kv) {
        try {
            return Integer.parseInt(kv[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(kv[0] + " takes a whole number, not '" + kv[1] + "'");
        }
    }
}
