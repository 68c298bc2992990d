package dev.poolstream.status.stream;

import dev.poolstream.api.PoolKey;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.status.domain.Member;
import dev.poolstream.status.domain.PoolInputs;
import dev.poolstream.status.domain.PoolView;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The status topology:
 *
 * <pre>
 * scalinggroup.instances.v1 ─┐ outer join on provider ID (co-partitioned: no repartition)
 * node.v1 ───────────────────┴─▶ members ─▶ group by pool (one repartition) ─▶ pool members ─┐
 * machinepool.spec.v1 ──────┐ outer join on pool key                                         │ outer join
 * scalinggroup.state.v1 ────┴─▶ spec + group ─────────────────────────────────────────────────┴─▶ pool inputs
 *   ─▶ StatusProcessor (store pool-views; a wall-clock look for minReadySeconds reads the inputs from the
 *      specs, groups and pool-members stores)
 *   ─▶ machinepool.status.v1 (changed statuses), machinepool.lifecycle.v1 (transitions)
 * </pre>
 */
public final class StatusTopology {

    public static final URI SOURCE = URI.create("/poolstream/status");

    public static void build(StreamsBuilder builder, Duration lookInterval, StatusMetrics metrics) {
        Serde<String> keys = Serdes.String();
        KTable<String, InstanceState> instances = builder.table(Topics.SCALINGGROUP_INSTANCES.name(),
                Consumed.with(keys, contract(InstanceState.class)).withName("instances"),
                Materialized.<String, InstanceState, KeyValueStore<Bytes, byte[]>>as("instances")
                        .withKeySerde(keys).withValueSerde(contract(InstanceState.class)));
        KTable<String, NodeState> nodes = builder.table(Topics.NODE.name(),
                Consumed.with(keys, contract(NodeState.class)).withName("nodes"),
                Materialized.<String, NodeState, KeyValueStore<Bytes, byte[]>>as("nodes")
                        .withKeySerde(keys).withValueSerde(contract(NodeState.class)));
        // The join results are not materialized: each is computed from the stores of its inputs when needed, so
        // a Node is kept once (in "nodes"), not once more per join (bench/: status-throughput).
        // Outer: a Node whose instance is gone stays in its pool (found by its owner annotations) until it goes too,
        // so that the pool sees its tombstone (a retired Node leaves the status as soon as it is gone).
        KTable<String, Member> members = instances.outerJoin(nodes, Member::new, Named.as("instance-node-join"));
        KTable<String, PoolMembers> byPool = members
                .groupBy((providerId, member) -> KeyValue.pair(poolOf(member), member),
                        Grouped.with("members-by-pool", keys, InternalSerde.of(Member.class)))
                .aggregate(PoolMembers::empty, (pool, member, all) -> all.with(member),
                        (pool, member, all) -> all.without(member), Named.as("pool-members-aggregate"),
                        Materialized.<String, PoolMembers, KeyValueStore<Bytes, byte[]>>as(StatusProcessor.POOL_MEMBERS)
                                .withKeySerde(keys).withValueSerde(InternalSerde.of(PoolMembers.class)));

        KTable<String, PoolSpec> specs = builder.table(Topics.MACHINEPOOL_SPEC.name(),
                Consumed.with(keys, contract(PoolSpec.class)).withName("specs"),
                Materialized.<String, PoolSpec, KeyValueStore<Bytes, byte[]>>as(StatusProcessor.SPECS)
                        .withKeySerde(keys).withValueSerde(contract(PoolSpec.class)));
        KTable<String, ScalingGroupState> groups = builder.table(Topics.SCALINGGROUP_STATE.name(),
                Consumed.with(keys, contract(ScalingGroupState.class)).withName("groups"),
                Materialized.<String, ScalingGroupState, KeyValueStore<Bytes, byte[]>>as(StatusProcessor.GROUPS)
                        .withKeySerde(keys).withValueSerde(contract(ScalingGroupState.class)));
        KTable<String, PoolInputs> inputs = specs
                .outerJoin(groups, (spec, group) -> new PoolInputs(spec, group, null), Named.as("spec-group-join"))
                .outerJoin(byPool, (specAndGroup, pool) -> new PoolInputs(
                                specAndGroup == null ? null : specAndGroup.spec(),
                                specAndGroup == null ? null : specAndGroup.group(),
                                pool == null ? null : pool.members()), Named.as("inputs-join"));

        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StatusProcessor.VIEWS),
                keys, InternalSerde.of(PoolView.class)));
        Serde<Keyed> out = Serdes.serdeFrom(new EventSerializer<>(SOURCE, Clock.systemUTC()),
                new EventDeserializer<>(Keyed.class));
        inputs.toStream(Named.as("pool-inputs-changes"))
                .process(() -> new StatusProcessor(lookInterval, metrics), Named.as("status"), StatusProcessor.VIEWS,
                        StatusProcessor.SPECS, StatusProcessor.GROUPS, StatusProcessor.POOL_MEMBERS)
                .to((pool, value, context) -> value == null || value instanceof PoolStatus
                                ? Topics.MACHINEPOOL_STATUS.name() : Topics.MACHINEPOOL_LIFECYCLE.name(),
                        Produced.with(keys, out).withName("status-and-lifecycle"));
    }

    /**
     * The pool a member is grouped in: its instance's. An instance whose pool is no pool key fails here, on its own
     * record (dead-lettered from its topic), not later on the repartition topic. A Node without an instance goes to
     * the pool its owner annotations name, and one that names none is left out (a null key drops it): control-plane
     * Nodes, Nodes of Machines, Nodes no pool adopted.
     */
    static String poolOf(Member member) {
        return member.instanceGone() ? member.pool() : PoolKey.parse(member.pool()).toString();
    }

    private static <T extends Keyed> Serde<T> contract(Class<T> type) {
        return Serdes.serdeFrom(new EventSerializer<>(SOURCE, Clock.systemUTC()), new EventDeserializer<>(type));
    }

    private StatusTopology() {
    }
}
