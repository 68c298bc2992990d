package dev.poolstream.status.stream;

import dev.poolstream.events.InstanceState;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolDeparture;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.status.domain.Member;
import dev.poolstream.status.domain.PoolView;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The status topology:
 *
 * <pre>
 * scalinggroup.instances.v1 ─┐ MemberJoin (store members-by-id): keyed by provider ID, no repartition before it
 * node.v1 ───────────────────┴─▶ the member, keyed by its pool ─▶ members-by-pool (the one repartition) ─┐
 * machinepool.spec.v1 ──────────────────────────────────────────────────────────────────────────────────┤
 * scalinggroup.state.v1 ────────────────────────────────────────────────────────────────────────────────┴─▶ PoolLooks
 *   (stores pool-members: one entry per member under the pool's prefix; specs, groups, pool-views;
 *    pool-departures: when each member that left did)
 *   ─▶ machinepool.status.v1 (changed statuses), machinepool.lifecycle.v1 (transitions, with their ids)
 * </pre>
 *
 * A Node event costs one store entry written in each half and one record between them; the pool is looked at once
 * per look interval however many of its members changed, and while the topology is behind, once per max look delay
 * (docs/status.md, bench/: status-throughput).
 */
public final class StatusTopology {

    public static final URI SOURCE = URI.create("/poolstream/status");
    /** The repartition topic's name (suffixed by Kafka Streams): the members keyed by pool. */
    public static final String MEMBERS_BY_POOL = "members-by-pool";

    public static void build(StreamsBuilder builder, Duration lookInterval, Duration maxLookDelay,
                             StatusMetrics metrics) {
        Serde<String> keys = Serdes.String();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MemberJoin.STORE), keys,
                InternalSerde.of(MemberJoin.MemberSides.class)));
        KStream<String, MemberJoin.Side> instances = builder.stream(Topics.SCALINGGROUP_INSTANCES.name(),
                        Consumed.with(keys, contract(InstanceState.class)).withName("instances"))
                .mapValues(MemberJoin.InstanceSide::new, Named.as("instance-side"));
        KStream<String, MemberJoin.Side> nodes = builder.stream(Topics.NODE.name(),
                        Consumed.with(keys, contract(NodeState.class)).withName("nodes"))
                .mapValues(MemberJoin.NodeSide::new, Named.as("node-side"));
        KStream<String, PoolLooks.Input> members = instances.merge(nodes, Named.as("sides"))
                .process(MemberJoin::new, Named.as("member-join"), MemberJoin.STORE)
                .repartition(Repartitioned.<String, MemberChange>as(MEMBERS_BY_POOL).withKeySerde(keys)
                        .withValueSerde(InternalSerde.of(MemberChange.class))
                        .withNumberOfPartitions(Topics.MACHINEPOOL_SPEC.partitions()))
                .mapValues(change -> (PoolLooks.Input) change, Named.as("member-changes"));
        KStream<String, PoolLooks.Input> specs = builder.stream(Topics.MACHINEPOOL_SPEC.name(),
                        Consumed.with(keys, contract(PoolSpec.class)).withName("specs"))
                .mapValues(PoolLooks.SpecInput::new, Named.as("spec-input"));
        KStream<String, PoolLooks.Input> groups = builder.stream(Topics.SCALINGGROUP_STATE.name(),
                        Consumed.with(keys, contract(ScalingGroupState.class)).withName("groups"))
                .mapValues(PoolLooks.GroupInput::new, Named.as("group-input"));

        builder.addStateStore(store(PoolLooks.MEMBERS, Member.class));
        builder.addStateStore(store(PoolLooks.SPECS, PoolSpec.class));
        builder.addStateStore(store(PoolLooks.GROUPS, ScalingGroupState.class));
        builder.addStateStore(store(PoolLooks.VIEWS, PoolView.class));
        builder.addStateStore(store(PoolLooks.DEPARTURES, PoolDeparture.class));
        Serde<Keyed> out = Serdes.serdeFrom(new EventSerializer<>(SOURCE, Clock.systemUTC()),
                new EventDeserializer<>(Keyed.class));
        members.merge(specs, Named.as("members-and-specs")).merge(groups, Named.as("pool-inputs"))
                .process(() -> new PoolLooks(lookInterval, maxLookDelay, metrics), Named.as("status"),
                        PoolLooks.MEMBERS, PoolLooks.SPECS, PoolLooks.GROUPS, PoolLooks.VIEWS, PoolLooks.DEPARTURES)
                .to((pool, value, context) -> value == null || value instanceof PoolStatus
                                ? Topics.MACHINEPOOL_STATUS.name() : Topics.MACHINEPOOL_LIFECYCLE.name(),
                        Produced.with(keys, out).withName("status-and-lifecycle"));
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Class<V> type) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(),
                InternalSerde.of(type));
    }

    private static <T extends Keyed> Serde<T> contract(Class<T> type) {
        return Serdes.serdeFrom(new EventSerializer<>(SOURCE, Clock.systemUTC()), new EventDeserializer<>(type));
    }

    private StatusTopology() {
    }
}
