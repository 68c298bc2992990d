package dev.poolstream.status.stream;

import dev.poolstream.api.PoolKey;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;
import dev.poolstream.status.domain.Member;
import dev.poolstream.status.domain.Membership;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The instance-Node join, by provider ID (both topics are keyed by it: no repartition before it). Each instance or
 * Node record tells the member's pool the member as it now is; a member that moves to another pool, or to none (an
 * instance gone whose Node names no pool), is told to leave the pool it was in.
 *
 * <p>At-least-once: after a crash the store can be ahead of what was sent (its changelog and the repartition topic are
 * different partitions). So the current member is sent again on every record, never skipped as unchanged, and a pool
 * left is remembered in the same store entry for {@link #LEFT_KEPT} and told again at every start.
 */
final class MemberJoin implements Processor<String, MemberJoin.Side, String, MemberChange> {

    static final String STORE = "members-by-id";
    static final Duration LEFT_KEPT = Duration.ofMinutes(1);

    /** One side of the join: an instance record or a Node record (null value: its tombstone). */
    sealed interface Side permits InstanceSide, NodeSide {
    }

    record InstanceSide(InstanceState instance) implements Side {
    }

    record NodeSide(NodeState node) implements Side {
    }

    private ProcessorContext<String, MemberChange> context;
    private KeyValueStore<String, MemberSides> store;
    /** Entries that are only pools left (both sides gone): deleted once they are older than {@link #LEFT_KEPT}. */
    private final Set<String> leftOnly = new HashSet<>();
    private boolean started;

    @Override
    public void init(ProcessorContext<String, MemberChange> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        context.schedule(Duration.ofMillis(100), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, Side> record) {
        String providerId = record.key();
        MemberSides before = store.get(providerId);
        MemberSides sides = before == null ? MemberSides.NONE : before;
        sides = record.value() instanceof InstanceSide i ? sides.withInstance(i.instance())
                : sides.withNode(Membership.drainMarkChecked(((NodeSide) record.value()).node(), sides.node()));
        String poolBefore = before == null ? null : before.pool();
        String pool;
        try {
            pool = sides.pool();
        } catch (RuntimeException e) {
            throw new PoolProcessingException(sides.member() == null ? null : sides.member().pool(), e);
        }
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        Map<String, Instant> left = new HashMap<>(sides.left());
        if (started) {
            // Not before the start has told them again: a record read again after a crash comes first, and the
            // pools the crash may not have told would be forgotten untold.
            left.values().removeIf(at -> at.plus(LEFT_KEPT).isBefore(now));
        }
        if (pool != null) {
            left.remove(pool);
        }
        boolean moved = poolBefore != null && !poolBefore.equals(pool);
        if (moved) {
            left.put(poolBefore, now);
        }
        sides = sides.withLeft(left);
        if (sides.isEmpty()) {
            store.delete(providerId);
        } else {
            store.put(providerId, sides);
        }
        if (sides.member() == null && !sides.left().isEmpty()) {
            leftOnly.add(providerId);
        } else {
            leftOnly.remove(providerId);
        }
        if (moved) {
            context.forward(new Record<>(poolBefore, new MemberChange(providerId, null), record.timestamp()));
        }
        if (pool != null) {
            context.forward(new Record<>(pool, new MemberChange(providerId, sides.member()), record.timestamp()));
        }
    }

    /**
     * At the first run after a start: tell every pool left recently again (what a crash may have lost). Then, and
     * every time after: forget the entries that are only old pools left.
     */
    private void punctuate(long wallClockMillis) {
        Instant now = Instant.ofEpochMilli(wallClockMillis);
        if (!started) {
            started = true;
            List<KeyValue<String, MemberSides>> withLeft = new ArrayList<>();
            try (KeyValueIterator<String, MemberSides> all = store.all()) {
                all.forEachRemaining(entry -> {
                    if (!entry.value.left().isEmpty()) {
                        withLeft.add(entry);
                    }
                });
            }
            for (KeyValue<String, MemberSides> entry : withLeft) {
                entry.value.left().keySet().forEach(pool -> context.forward(
                        new Record<>(pool, new MemberChange(entry.key, null), wallClockMillis)));
                if (entry.value.member() == null) {
                    leftOnly.add(entry.key);
                }
            }
        }
        for (String providerId : List.copyOf(leftOnly)) {
            MemberSides sides = store.get(providerId);
            if (sides == null || sides.member() != null) {
                leftOnly.remove(providerId);
            } else if (sides.left().values().stream().allMatch(at -> at.plus(LEFT_KEPT).isBefore(now))) {
                store.delete(providerId);
                leftOnly.remove(providerId);
            }
        }
    }

    /**
     * What the join keeps per provider ID.
     *
     * @param left the pools the member left, and when: told again at a start while younger than {@link #LEFT_KEPT}
     */
    record MemberSides(InstanceState instance, NodeState node, Map<String, Instant> left) {

        static final MemberSides NONE = new MemberSides(null, null, Map.of());

        MemberSides {
            left = left == null ? Map.of() : Map.copyOf(left);
        }

        MemberSides withInstance(InstanceState instance) {
            return new MemberSides(instance, node, left);
        }

        MemberSides withNode(NodeState node) {
            return new MemberSides(instance, node, left);
        }

        MemberSides withLeft(Map<String, Instant> left) {
            return new MemberSides(instance, node, left);
        }

        boolean isEmpty() {
            return instance == null && node == null && left.isEmpty();
        }

        /** The joined member, or null when neither side is there. */
        Member member() {
            return instance == null && node == null ? null : new Member(instance, node);
        }

        /**
         * The pool the member is in: its instance's. An instance whose pool is no pool key fails here, on its own
         * record (dead-lettered from its topic). A Node without an instance is in the pool its owner annotations name,
         * and in none when they name none: control-plane Nodes, Nodes of Machines, Nodes no pool adopted.
         */
        String pool() {
            Member member = member();
            if (member == null) {
                return null;
            }
            return member.instanceGone() ? member.pool() : PoolKey.parse(member.pool()).toString();
        }
    }
}
