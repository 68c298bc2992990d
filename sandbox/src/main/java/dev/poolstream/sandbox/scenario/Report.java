package dev.poolstream.sandbox.scenario;

import java.util.List;
import java.util.Locale;

/**
 * What a run measured, in seconds from the moment the pools were changed.
 *
 * @param nodeReady        when the status service saw each new Node Ready, sorted
 * @param simulatedBoots   each new instance's simulated boot (launch to its Node Ready in the workload cluster)
 * @param allReady         when every pool's MachinePool status showed the target ready (and up-to-date) replicas
 * @param overhead         {@code allReady} minus the slowest simulated boot: what the pipeline itself added
 * @param minReadyDuring   the fewest Ready replicas of a pool seen while it changed (a roll-out's floor)
 */
public record Report(String scenario, int pools, int replicas, int scaleTo, String bootDelay, long seed,
                     List<Double> nodeReady, List<Double> simulatedBoots, double firstReady, double allReady,
                     double p50, double p90, double overhead, int minReadyDuring, List<PoolOutcome> outcomes) {

    /** A pool's MachinePool status at the end of the run, as the API server holds it. */
    public record PoolOutcome(String pool, Integer replicas, Integer readyReplicas, Integer availableReplicas,
                              Integer upToDateReplicas, int nodeRefs, String phase, List<String> trueConditions) {
    }

    public String table() {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "Poolstream sandbox: %s, %d pool%s, %d -> %d replicas, boot delay %s "
                + "(seed %d)%n", scenario, pools, pools == 1 ? "" : "s", replicas, scaleTo, bootDelay, seed));
        t.append(row("new Nodes Ready", Integer.toString(nodeReady.size())));
        if (!nodeReady.isEmpty()) {
            t.append(row("first new Node Ready", secs(firstReady)));
            t.append(row("per-node Ready p50 / p90", secs(p50) + " / " + secs(p90)));
        }
        t.append(row("all pools done (status written)", secs(allReady)));
        if (!simulatedBoots.isEmpty()) {
            List<Double> boots = simulatedBoots.stream().sorted().toList();
            t.append(row("simulated boot min / p50 / max", String.format(Locale.ROOT, "%.2f / %.2f / %.2f s",
                    boots.get(0), percentile(boots, 50), boots.get(boots.size() - 1))));
            t.append(row("pipeline overhead", secs(overhead) + "   (all done minus the slowest simulated boot)"));
        }
        if (minReadyDuring >= 0) {
            t.append(row("fewest Ready replicas during the change", Integer.toString(minReadyDuring)));
        }
        for (PoolOutcome o : outcomes) {
            t.append(row("status of " + o.pool(), String.format(Locale.ROOT,
                    "replicas %d, ready %d, available %d, up to date %d, nodeRefs %d, phase %s", o.replicas(),
                    o.readyReplicas(), o.availableReplicas(), o.upToDateReplicas(), o.nodeRefs(), o.phase())));
            t.append(row("", "conditions True: " + String.join(", ", o.trueConditions())));
        }
        return t.toString();
    }

    static double percentile(List<Double> sorted, int percent) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static String row(String label, String value) {
        return String.format(Locale.ROOT, "  %-40s %s%n", label, value);
    }

    private static String secs(double seconds) {
        return String.format(Locale.ROOT, "%.2f s", seconds);
    }
}
