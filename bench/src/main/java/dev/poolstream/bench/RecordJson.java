package dev.poolstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.serde.EventJson;
import dev.poolstream.status.domain.Member;
import dev.poolstream.status.domain.PoolInputs;
import dev.poolstream.status.domain.StatusCalculator;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark 10: what the contract's JSON costs per record, written and read, for the records the status topology
 * reads and writes at every Node event and every look: a Node record, an instance record, a pool's status of 20
 * members. Each beside the same mapping with java.time's formatter for instants (jackson-datatype-jsr310 alone, as
 * before {@code InstantText}), in one JVM, alternately: the difference is what reading and writing the instants costs.
 */
final class RecordJson {

    private static final int ROUNDS = 7;

    private record Case(String name, Class<?> type, Object value, int iterations) {
    }

    static Map<String, Object> run(List<String> args) throws Exception {
        Map<String, Object> result = Bench.header("record-json");
        SteadyState fleet = new SteadyState(1, 20, Instant.now().minus(Duration.ofHours(1)));
        Map<String, Member> members = new HashMap<>();
        for (int node = 0; node < 20; node++) {
            InstanceState instance = fleet.instance(node);
            members.put(instance.providerID(), new Member(instance,
                    fleet.node(node, true, fleet.launched().plusSeconds(60 + node))));
        }
        PoolStatus status = StatusCalculator.look(SteadyState.poolKey(0),
                new PoolInputs(fleet.spec(0), fleet.group(0), members), null, Instant.now()).status();
        List<Case> cases = List.of(
                new Case("Node record (node.v1)", NodeState.class, fleet.node(0, true, Instant.now()), 200_000),
                new Case("instance record (scalinggroup.instances.v1)", InstanceState.class, fleet.instance(0),
                        200_000),
                new Case("pool status, 20 members (machinepool.status.v1)", PoolStatus.class, status, 10_000));
        ObjectMapper javaTime = EventJson.configure(JsonMapper.builder()).build();
        ObjectMapper contract = EventJson.mapper();
        Bench.OUT.printf("%nthe contract's JSON per record, median of %d rounds   ./bench.sh record-json%n", ROUNDS);
        Bench.OUT.printf("  %-48s %8s %13s %13s %10s%n", "record", "bytes", "write", "read", "same bytes");
        Map<String, Object> rows = new LinkedHashMap<>();
        for (Case c : cases) {
            byte[] before = javaTime.writerFor(c.type()).writeValueAsBytes(c.value());
            byte[] now = contract.writerFor(c.type()).writeValueAsBytes(c.value());
            double[][] javaTimeCost = new double[ROUNDS][];
            double[][] contractCost = new double[ROUNDS][];
            for (int round = 0; round < ROUNDS; round++) {
                javaTimeCost[round] = cost(javaTime, c, before);
                contractCost[round] = cost(contract, c, now);
            }
            double[] old = median(javaTimeCost);
            double[] fast = median(contractCost);
            boolean same = Arrays.equals(before, now);
            Bench.OUT.printf(Locale.ROOT, "  %-48s %8d %5.2f / %5.2f %5.2f / %5.2f %10s%n", c.name(), now.length,
                    old[0], fast[0], old[1], fast[1], same ? "yes" : "NO");
            rows.put(c.name(), Map.of("bytes", now.length, "sameBytes", same,
                    "javaTime", Map.of("writeMicros", old[0], "readMicros", old[1]),
                    "contract", Map.of("writeMicros", fast[0], "readMicros", fast[1])));
        }
        Bench.OUT.println("  (write and read in µs per record: java.time's formatter / the contract's InstantText)");
        result.put("records", rows);
        result.put("look", lookCost(fleet, members));
        return result;
    }

    /**
     * What a look of a pool of 20 costs, with a group state that names the template last carried out (as a current
     * provider's does), and of that what comparing it with the spec's template costs: the spec's
     * {@code GroupTemplate.of(spec).fingerprint()} (its JSON, then SHA-256), computed at every such look.
     */
    private static Map<String, Object> lookCost(SteadyState fleet, Map<String, Member> members) {
        PoolSpec spec = fleet.spec(0);
        ScalingGroupState g = fleet.group(0);
        String fingerprint = GroupTemplate.of(spec).fingerprint();
        ScalingGroupState named = new ScalingGroupState(g.pool(), g.cloud(), g.group(), g.exists(), g.desired(),
                g.min(), g.max(), g.templateVersion(), g.rolloutInFlight(), g.appliedGeneration(), g.lastCommandId(),
                g.lastError(), fingerprint);
        PoolInputs inputs = new PoolInputs(spec, named, members);
        int iterations = 20_000;
        double[] looks = new double[ROUNDS];
        double[] fingerprints = new double[ROUNDS];
        long sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Instant now = Instant.now();
            long start = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                sink += StatusCalculator.look(SteadyState.poolKey(0), inputs, null, now).status().status()
                        .getUpToDateReplicas();
            }
            long looked = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                sink += GroupTemplate.of(spec).fingerprint().length();
            }
            long printed = System.nanoTime();
            looks[round] = (looked - start) / 1e3 / iterations;
            fingerprints[round] = (printed - looked) / 1e3 / iterations;
        }
        if (sink == 0) {
            throw new IllegalStateException("nothing was computed");
        }
        Arrays.sort(looks);
        Arrays.sort(fingerprints);
        double look = looks[ROUNDS / 2];
        double print = fingerprints[ROUNDS / 2];
        Bench.OUT.printf(Locale.ROOT, "%na look at a pool of 20 (StatusCalculator.look), median of %d rounds: %.2f µs;"
                + " of it the spec's template fingerprint (GroupTemplate.of(spec).fingerprint()): %.2f µs (%.0f%%)%n",
                ROUNDS, look, print, 100 * print / look);
        return Map.of("lookMicros", look, "specFingerprintMicros", print);
    }

    /** µs per write and per read, over the case's iterations (the first rounds warm the JIT up). */
    private static double[] cost(ObjectMapper mapper, Case c, byte[] json) throws Exception {
        ObjectWriter writer = mapper.writerFor(c.type());
        ObjectReader reader = mapper.readerFor(c.type());
        long sink = 0;
        long start = System.nanoTime();
        for (int i = 0; i < c.iterations(); i++) {
            sink += writer.writeValueAsBytes(c.value()).length;
        }
        long written = System.nanoTime();
        for (int i = 0; i < c.iterations(); i++) {
            sink += reader.readValue(json) == null ? 0 : 1;
        }
        long read = System.nanoTime();
        if (sink == 0) {
            throw new IllegalStateException("nothing was written");
        }
        return new double[] {(written - start) / 1e3 / c.iterations(), (read - written) / 1e3 / c.iterations()};
    }

    private static double[] median(double[][] rounds) {
        double[] writes = Arrays.stream(rounds).mapToDouble(r -> r[0]).sorted().toArray();
        double[] reads = Arrays.stream(rounds).mapToDouble(r -> r[1]).sorted().toArray();
        return new double[] {writes[writes.length / 2], reads[reads.length / 2]};
    }

    private RecordJson() {
    }
}
