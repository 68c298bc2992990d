package dev.poolstream.bench;

import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.serde.EventJson;
import dev.poolstream.sandbox.Sandbox;
import dev.poolstream.sandbox.SandboxOptions;
import dev.poolstream.sandbox.cloud.SimulatedCloud;
import dev.poolstream.sandbox.scenario.Report;
import dev.poolstream.sandbox.scenario.ScenarioRun;
import dev.poolstream.sandbox.scenario.TopicTail;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./bench.sh <benchmark>}: runs one benchmark, prints its table beside the hop baseline of the same run, and
 * writes it as JSON to {@code bench/results/}. It fails only when it could not run: targets are reported, not
 * asserted.
 */
public final class Bench {

    static final PrintStream OUT = System.out;

    /** fabric8's mock API server logs every request through java.util.logging; held here so it stays quiet. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG =
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    public static void main(String[] args) {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        try {
            run(args);
        } catch (Exception | Error e) {
            // The benchmark could not run: say why, and stop the broker's and clients' threads with the JVM.
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        String name = args.length == 0 ? "help" : args[0];
        Map<String, Object> result = switch (name) {
            case "hop" -> hop();
            case "node-to-status" -> NodeToStatus.run(List.of(args).subList(1, args.length));
            case "replicas-to-cloud" -> replicasToCloud(args.length > 1 ? Integer.parseInt(args[1]) : 50);
            case "seed-overhead" -> seedOverhead(args.length > 1 ? Integer.parseInt(args[1]) : 3);
            case "cloud-calls" -> CloudCalls.run(List.of(args).subList(1, args.length));
            case "status-throughput" -> StatusThroughput.run(List.of(args).subList(1, args.length));
            case "watcher-heap" -> WatcherHeap.run(List.of(args).subList(1, args.length));
            case "watcher-takeover" -> WatcherTakeover.run(List.of(args).subList(1, args.length));
            case "record-json" -> RecordJson.run(List.of(args).subList(1, args.length));
            default -> {
                OUT.println("""
                        usage: ./bench.sh <benchmark>
                          hop                   produce -> consume of one record on the embedded broker (the baseline)
                          node-to-status [P F R [property=value...]]
                                                Node Ready changes -> MachinePool status written, P pools of 20
                                                Nodes (1000), F changes (600) at R per second (20); properties
                                                go to the status service (to try a setting)
                          replicas-to-cloud [N] spec.replicas change -> the simulated cloud's capacity write, N times
                          seed-overhead [R]     the sandbox's scale-up, R runs: all Ready minus the slowest boot
                          cloud-calls           cloud API calls of 5 -> 20 and 20 -> 5 on each provider (needs moto)
                          status-throughput [N...] the status join's events/s and state per Node at N Nodes
                                                (default 1000 10000 100000)
                          watcher-heap [N]      heap per watched Node of the watcher's Node informer, N Nodes
                                                (20000) on the real API server, beside whole Nodes (before)
                          watcher-takeover [C N R] a killed watcher replica's workload clusters taken over by
                                                the other: C clusters (20) of N Nodes (50), R rounds (5), on
                                                the real API server
                          record-json           the contract's JSON per record, written and read, beside
                                                java.time's formatter for instants
                        """);
                System.exit(name.equals("help") ? 0 : 2);
                yield Map.of();
            }
        };
        Path dir = Path.of("bench", "results");
        Files.createDirectories(dir);
        Path file = dir.resolve(name + ".json");
        EventJson.mapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), result);
        OUT.println("  written to " + file);
        System.exit(0);
    }

    static Map<String, Object> header(String name) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", name);
        result.put("date", LocalDate.now().toString());
        result.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        result.put("cores", Runtime.getRuntime().availableProcessors());
        return result;
    }

    private static Map<String, Object> hop() throws Exception {
        Map<String, Object> result = header("hop");
        try (Sandbox sandbox = new Sandbox(SandboxOptions.parse("--boot-delay=100ms"))) {
            Percentiles hop = HopBaseline.measure(sandbox.brokers(), 200, 2000);
            result.put("hop", hop);
            table("hop baseline", Map.of("produce -> consume, one record", hop.toString()));
        }
        return result;
    }

    /**
     * Benchmark 3: from a MachinePool's spec.replicas write accepted by the API server to the simulated cloud's
     * capacity write, split where the change crosses Kafka: its machinepool.spec.v1 record (the watcher) and the
     * command carrying the new capacity, SetCapacity or EnsureGroup (the reconciler); the rest is the provider.
     */
    private static Map<String, Object> replicasToCloud(int changes) throws Exception {
        Map<String, Object> result = header("replicas-to-cloud");
        SandboxOptions options = SandboxOptions.parse("--boot-delay=50ms..100ms", "--replicas=1");
        try (Sandbox sandbox = new Sandbox(options)) {
            ScenarioRun run = new ScenarioRun(sandbox, options, new PrintStream(PrintStream.nullOutputStream()));
            run.createCluster();
            run.createPool("bench");
            run.awaitAll(List.of("bench"), s -> s.getPhase() == MachinePoolStatus.Phase.RUNNING
                    && Integer.valueOf(1).equals(s.getReadyReplicas()), null);
            AtomicInteger wanted = new AtomicInteger();
            AtomicLong acceptedAt = new AtomicLong();
            AtomicLong specAt = new AtomicLong();
            AtomicLong commandAt = new AtomicLong();
            sandbox.managementServer().orElseThrow().onWrite(write -> {
                if (write.path().matches(".*/machinepools/bench(\\?.*)?")
                        && intAt(write.object(), "spec", "replicas") == wanted.get()) {
                    acceptedAt.compareAndSet(0, write.nanoTime());
                }
            });
            List<double[]> timings = new ArrayList<>();
            try (TopicTail<PoolSpec> specs = new TopicTail<>(sandbox.brokers(),
                    Topics.MACHINEPOOL_SPEC.name(), PoolSpec.class, (spec, at) -> {
                        if (spec.desiredReplicas() == wanted.get()) {
                            specAt.compareAndSet(0, at);
                        }
                    });
                 TopicTail<ScalingGroupCommand> commands = new TopicTail<>(sandbox.brokers(),
                         Topics.SCALINGGROUP_COMMANDS_AWS.name(), ScalingGroupCommand.class, (command, at) -> {
                             Capacity capacity = command instanceof SetCapacity set ? set.capacity()
                                     : command instanceof EnsureGroup ensure ? ensure.capacity() : null;
                             if (capacity != null && capacity.desired() == wanted.get()) {
                                 commandAt.compareAndSet(0, at);
                             }
                         })) {
                for (int i = 0; i < changes; i++) {
                    int target = 2 + i;
                    acceptedAt.set(0);
                    specAt.set(0);
                    commandAt.set(0);
                    wanted.set(target);
                    long before = System.nanoTime();
                    run.edit("bench", mp -> mp.getSpec().setReplicas(target));
                    SimulatedCloud.CapacityWrite write = awaitWrite(sandbox.cloud(), target, before);
                    // The provider may read the command before the bench's own tail does: wait for the tails too.
                    awaitSet(List.of(specAt, commandAt), Duration.ofSeconds(2));
                    timings.add(new double[] {acceptedAt.get(), specAt.get(), commandAt.get(), write.nanoTime()});
                    // Let the instance boot and the pool settle before the next change, as a user's changes come.
                    run.awaitAll(List.of("bench"), s -> Integer.valueOf(target).equals(s.getReadyReplicas()), null);
                }
            }
            Percentiles latency = between(timings, 0, 3);
            Percentiles watcher = between(timings, 0, 1);
            Percentiles reconciler = between(timings, 1, 2);
            Percentiles provider = between(timings, 2, 3);
            Percentiles hop = HopBaseline.measure(sandbox.brokers(), 100, 500);
            result.put("replicasToCloudWrite", latency);
            result.put("watcher", watcher);
            result.put("reconciler", reconciler);
            result.put("provider", provider);
            result.put("hop", hop);
            result.put("target", "p99 <= 50 ms");
            OUT.println("spec.replicas change -> cloud write (simulated cloud)");
            OUT.printf("  %-44s %s%n", "latency", latency);
            OUT.printf("  %-44s %s%n", "  spec write -> spec record (watcher)", watcher);
            OUT.printf("  %-44s %s%n", "  spec record -> command (reconciler)", reconciler);
            OUT.printf("  %-44s %s%n", "  command -> cloud write (provider)", provider);
            OUT.printf("  %-44s %s%n", "hop baseline (same run)", hop);
            OUT.printf(Locale.ROOT, "  %-44s %.1f%n", "p99 / hop p99", latency.p99() / hop.p99());
            OUT.printf(Locale.ROOT, "  %-44s %s%n", "target", "p99 <= 50 ms: " + (latency.p99() <= 50 ? "met"
                    : String.format(Locale.ROOT, "missed by %.1f ms", latency.p99() - 50)));
        }
        return result;
    }

    /** Milliseconds between two of each change's points in time, over the changes that reached both. */
    private static Percentiles between(List<double[]> timings, int from, int to) {
        return Percentiles.of(timings.stream().filter(t -> t[from] != 0 && t[to] != 0)
                .map(t -> (t[to] - t[from]) / 1e6).toList());
    }

    /** The integer at the path in a JSON object (an API server's copy of an object), or -1 when there is none. */
    static int intAt(String json, String... path) {
        try {
            com.fasterxml.jackson.databind.JsonNode node = EventJson.mapper().readTree(json);
            for (String field : path) {
                node = node.path(field);
            }
            return node.isInt() ? node.asInt() : -1;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static void awaitSet(List<AtomicLong> times, Duration limit) throws InterruptedException {
        Instant deadline = Instant.now().plus(limit);
        while (times.stream().anyMatch(t -> t.get() == 0) && Instant.now().isBefore(deadline)) {
            Thread.sleep(1);
        }
    }

    private static SimulatedCloud.CapacityWrite awaitWrite(SimulatedCloud cloud, int desired, long afterNanos)
            throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            for (SimulatedCloud.CapacityWrite write : cloud.capacityWrites()) {
                if (write.desired() == desired && write.nanoTime() - afterNanos > 0) {
                    return write;
                }
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("no capacity write of " + desired + " within 60 s");
    }

    /** Benchmark 7: the sandbox's scale-up, R runs, each in a fresh sandbox. */
    private static Map<String, Object> seedOverhead(int runs) throws Exception {
        Map<String, Object> result = header("seed-overhead");
        List<Double> overheads = new ArrayList<>();
        List<Percentiles> hops = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            SandboxOptions options = SandboxOptions.parse("--boot-delay=1s..3s", "--seed=" + (42 + i),
                    "--out=target/bench-seed-" + i);
            try (Sandbox sandbox = new Sandbox(options)) {
                Report report = new ScenarioRun(sandbox, options, new PrintStream(PrintStream.nullOutputStream()))
                        .run();
                overheads.add(report.overhead() * 1000);
                hops.add(HopBaseline.measure(sandbox.brokers(), 50, 200));
                OUT.printf(Locale.ROOT, "  run %d: all Ready %.2f s, slowest boot %.2f s, overhead %.0f ms%n", i + 1,
                        report.allReady(), report.allReady() - report.overhead(), report.overhead() * 1000);
            }
        }
        Percentiles overhead = Percentiles.of(overheads);
        result.put("overheadMillis", overheads);
        result.put("overhead", overhead);
        result.put("hop", hops);
        result.put("target", "overhead <= 250 ms");
        table("seed scenario overhead (5 -> 20, boots 1-3 s)", Map.of(
                "overhead, all Ready minus the slowest boot", overhead.toString(),
                "hop baseline p99 per run", hops.stream().map(h -> String.format(Locale.ROOT, "%.2f ms", h.p99()))
                        .toList().toString(),
                "target", "<= 250 ms: " + (overhead.p50() <= 250 ? "met (median)" : "missed (median)")));
        return result;
    }

    private static void table(String title, Map<String, String> rows) {
        OUT.println(title);
        new java.util.TreeMap<>(rows).forEach((k, v) -> OUT.printf("  %-44s %s%n", k, v));
    }

    private Bench() {
    }
}
