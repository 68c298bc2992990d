package dev.poolstream.sandbox;

import dev.poolstream.sandbox.scenario.ScenarioRun;

/** {@code ./sandbox [options]}: runs a scenario on the whole pipeline in this JVM, prints its table, and exits. */
public final class SandboxMain {

    public static void main(String[] args) throws Exception {
        SandboxOptions options;
        try {
            options = SandboxOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        System.out.println("starting the sandbox: embedded Kafka, "
                + (options.kubeconfig() == null ? "in-process Kubernetes API" : "the API server of " + options.kubeconfig())
                + ", simulated cloud, watcher, reconciler, status and provider...");
        int exit = 0;
        try (Sandbox sandbox = new Sandbox(options)) {
            new ScenarioRun(sandbox, options, System.out).run();
        } catch (RuntimeException e) {
            System.err.println("the scenario failed: " + e.getMessage());
            exit = 1;
        }
        System.exit(exit);
    }

    private SandboxMain() {
    }
}
