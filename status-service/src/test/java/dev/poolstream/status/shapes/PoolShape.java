package dev.poolstream.status.shapes;

import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.status.domain.PoolInputs;
import dev.poolstream.status.domain.PoolView;
import dev.poolstream.status.domain.StatusCalculator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One shape a pool can be in, as the inputs of one or more looks in a row (a pool scaled to 0 had Nodes before).
 * The statuses are computed by the real {@link StatusCalculator}, each look from the one before, a minute apart.
 *
 * @param name  what the shape is, for the test's display name
 * @param looks the inputs of each look, for the pool and Node names given
 */
public record PoolShape(String name, Function<Names, List<PoolInputs>> looks) {

    /** When the first look happens. */
    public static final Instant T0 = Instant.parse("2026-11-21T06:00:00Z");

    /**
     * Where a shape lives: tests on a shared API server give each shape its own names.
     *
     * @param id a short token unique to this instance of the shape: in Node names and provider IDs
     */
    public record Names(String namespace, String pool, String cluster, String id) {

        public String poolKey() {
            return namespace + "/" + pool;
        }

        public String clusterKey() {
            return namespace + "/" + cluster;
        }

        public String providerId(int n) {
            return "aws:///us-east-1a/i-" + id + "-" + n;
        }

        public String nodeName(int n) {
            return "ip-" + id + "-" + n;
        }
    }

    /** The status of each look, in order. */
    public List<PoolStatus> statuses(Names names) {
        List<PoolStatus> statuses = new ArrayList<>();
        PoolView previous = null;
        Instant now = T0;
        for (PoolInputs inputs : looks.apply(names)) {
            StatusCalculator.Look look = StatusCalculator.look(names.poolKey(), inputs, previous, now);
            statuses.add(look.status());
            previous = look.view();
            now = now.plusSeconds(60);
        }
        return statuses;
    }

    /** Every Node the looks join, by name (the last state of each): what a workload cluster would hold. */
    public List<NodeState> nodes(Names names) {
        Map<String, NodeState> nodes = new LinkedHashMap<>();
        looks.apply(names).forEach(inputs -> inputs.members().values().stream()
                .map(m -> m.node()).filter(Objects::nonNull).forEach(n -> nodes.put(n.name(), n)));
        return List.copyOf(nodes.values());
    }

    @Override
    public String toString() {
        return name;
    }
}
