package dev.poolstream.status.stream;

import dev.poolstream.testing.MachinePoolSpecs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.NodeRefs;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.EventSerializer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology on Kafka Streams' test driver: the join in every order, tombstones, and time alone. */
class StatusTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-21T06:00:00Z");
    private static final Duration LOOK_INTERVAL = Duration.ofMillis(10);
    private static final String POOL = "team-a/workers";
    private static final String ID_1 = "aws:///us-east-1a/i-0001";

    private TopologyTestDriver driver;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** The wall-clock time of the driver. */
    private Instant now = T0;
    private TestInputTopic<String, Keyed> specs;
    private TestInputTopic<String, Keyed> groups;
    private TestInputTopic<String, Keyed> instances;
    private TestInputTopic<String, Keyed> nodes;
    private TestOutputTopic<String, PoolStatus> statuses;
    private TestOutputTopic<String, PoolLifecycleEvent> lifecycle;

    @BeforeEach
    void start(@TempDir Path stateDir) {
        StreamsBuilder builder = new StreamsBuilder();
        StatusTopology.build(builder, LOOK_INTERVAL, Duration.ofSeconds(2), new StatusMetrics(registry));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "status-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        driver = new TopologyTestDriver(builder.build(), config, T0);
        EventSerializer<Keyed> values = new EventSerializer<>(StatusTopology.SOURCE, Clock.systemUTC());
        specs = driver.createInputTopic(Topics.MACHINEPOOL_SPEC.name(), new StringSerializer(), values);
        groups = driver.createInputTopic(Topics.SCALINGGROUP_STATE.name(), new StringSerializer(), values);
        instances = driver.createInputTopic(Topics.SCALINGGROUP_INSTANCES.name(), new StringSerializer(), values);
        nodes = driver.createInputTopic(Topics.NODE.name(), new StringSerializer(), values);
        statuses = driver.createOutputTopic(Topics.MACHINEPOOL_STATUS.name(), new StringDeserializer(),
                new EventDeserializer<>(PoolStatus.class));
        lifecycle = driver.createOutputTopic(Topics.MACHINEPOOL_LIFECYCLE.name(), new StringDeserializer(),
                new EventDeserializer<>(PoolLifecycleEvent.class));
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldJoinANodeThatArrivesBeforeItsInstance() {
        pool(POOL, 1, 0);
        pipe(nodes, node("n1", ID_1, "uid-1"));
        pipe(instances, instance(POOL, ID_1));

        PoolStatus status = last(POOL);

        assertThat(status.providerIDList()).containsExactly(ID_1);
        assertThat(status.status().getNodeRefs()).extracting(NodeRefs::getName).containsExactly("n1");
        assertThat(status.status().getReadyReplicas()).isEqualTo(1);
    }

    @Test
    void shouldJoinANodeThatArrivesAfterItsInstance() {
        pool(POOL, 1, 0);
        pipe(instances, instance(POOL, ID_1));
        assertThat(last(POOL).status().getNodeRefs()).isEmpty();

        pipe(nodes, node("n1", ID_1, "uid-1"));

        assertThat(last(POOL).status().getNodeRefs()).extracting(NodeRefs::getName).containsExactly("n1");
    }

    @Test
    void shouldFollowTombstonesOfEitherSide() {
        pool(POOL, 1, 0);
        pipe(instances, instance(POOL, ID_1));
        pipe(nodes, node("n1", ID_1, "uid-1"));
        assertThat(last(POOL).status().getNodeRefs()).hasSize(1);

        tombstone(nodes, ID_1);
        PoolStatus nodeGone = last(POOL);
        assertThat(nodeGone.status().getNodeRefs()).isEmpty();
        assertThat(nodeGone.status().getReplicas()).isEqualTo(1);

        pipe(nodes, node("n1", ID_1, "uid-1"));
        assertThat(last(POOL).status().getNodeRefs()).hasSize(1);
        tombstone(instances, ID_1);
        PoolStatus instanceGone = last(POOL);
        assertThat(instanceGone.status().getReplicas()).isZero();
        assertThat(instanceGone.providerIDList()).isEmpty();
        assertThat(instanceGone.retired()).extracting(PoolMember::nodeName).containsExactly("n1");

        tombstone(specs, POOL);
        tick();
        TestRecord<String, PoolStatus> tombstone = statuses.readRecordsToList().get(0);
        assertThat(tombstone.key()).isEqualTo(POOL);
        assertThat(tombstone.value()).isNull();
    }

    @Test
    void shouldTakeTheNewUidOfANodeRecreatedUnderTheSameName() {
        pool(POOL, 1, 0);
        pipe(instances, instance(POOL, ID_1));
        pipe(nodes, node("n1", ID_1, "uid-old"));
        assertThat(last(POOL).status().getNodeRefs()).extracting(NodeRefs::getUid).containsExactly("uid-old");

        tombstone(nodes, ID_1);
        pipe(nodes, node("n1", ID_1, "uid-new"));

        assertThat(last(POOL).status().getNodeRefs()).extracting(NodeRefs::getUid).containsExactly("uid-new");
    }

    @Test
    void shouldKeepTwoAzurePoolsWhoseIdsEndInTheSameInstanceNumberApart() {
        String one = "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/"
                + "virtualMachineScaleSets/nodepool1/virtualMachines/0";
        String two = one.replace("nodepool1", "nodepool2");
        azurePool("team-a/nodepool1");
        azurePool("team-a/nodepool2");
        pipe(instances, instance("team-a/nodepool1", one));
        pipe(instances, instance("team-a/nodepool2", two));
        pipe(nodes, node("pool1-vmss000000", one, "u1"));
        pipe(nodes, node("pool2-vmss000000", two, "u2"));

        tick();
        Map<String, PoolStatus> latest = statuses.readKeyValuesToMap();

        assertThat(latest.get("team-a/nodepool1").status().getNodeRefs()).extracting(NodeRefs::getName)
                .containsExactly("pool1-vmss000000");
        assertThat(latest.get("team-a/nodepool2").status().getNodeRefs()).extracting(NodeRefs::getName)
                .containsExactly("pool2-vmss000000");
    }

    @Test
    void shouldTurnANodeAvailableWhenMinReadySecondsPassWithoutANewEvent() {
        pool(POOL, 1, 20);
        pipe(instances, instance(POOL, ID_1));
        pipe(nodes, node("n1", ID_1, "uid-1"));
        PoolStatus ready = last(POOL);
        assertThat(ready.status().getReadyReplicas()).isEqualTo(1);
        assertThat(ready.status().getAvailableReplicas()).isZero();

        advance(Duration.ofSeconds(10));
        assertThat(statuses.isEmpty()).isTrue();
        advance(Duration.ofSeconds(11));

        PoolStatus available = last(POOL);
        assertThat(available.status().getAvailableReplicas()).isEqualTo(1);
        assertThat(lifecycle.readValuesToList()).filteredOn(NodeReady.class::isInstance).hasSize(1);
    }

    @Test
    void shouldPublishNothingWhenNothingChanged() {
        pool(POOL, 1, 0);
        pipe(instances, instance(POOL, ID_1));
        pipe(nodes, node("n1", ID_1, "uid-1"));
        last(POOL);

        pipe(nodes, node("n1", ID_1, "uid-1"));
        advance(Duration.ofSeconds(5));

        assertThat(statuses.isEmpty()).isTrue();
    }

    @Test
    void shouldSayDeletingAndEmptyTheRetiredListWhenTheNodesGoAfterTheirInstances() {
        pool(POOL, 2, 0);
        String id2 = "aws:///us-east-1a/i-0002";
        pipe(instances, instance(POOL, ID_1));
        pipe(instances, instance(POOL, id2));
        pipe(nodes, adopted("n1", ID_1));
        pipe(nodes, adopted("n2", id2));
        assertThat(last(POOL).status().getPhase()).isEqualTo(MachinePoolStatus.Phase.RUNNING);

        pipe(specs, deleting(POOL, 2));
        PoolStatus marked = last(POOL);
        assertThat(marked.status().getPhase()).isEqualTo(MachinePoolStatus.Phase.DELETING);
        assertThat(marked.status().getReplicas()).isEqualTo(2);

        // As the process tier saw it: the provider's instance tombstones first, then the Nodes' (the kubelet's).
        tombstone(instances, ID_1);
        tombstone(instances, id2);
        PoolStatus instancesGone = last(POOL);
        assertThat(instancesGone.status().getReplicas()).isZero();
        assertThat(instancesGone.status().getPhase()).isEqualTo(MachinePoolStatus.Phase.DELETING);
        assertThat(instancesGone.members()).isEmpty();
        assertThat(instancesGone.retired()).extracting(PoolMember::nodeName).containsExactlyInAnyOrder("n1", "n2");

        tombstone(nodes, ID_1);
        assertThat(last(POOL).retired()).extracting(PoolMember::nodeName).containsExactly("n2");
        tombstone(nodes, id2);
        PoolStatus allGone = last(POOL);
        assertThat(allGone.members()).isEmpty();
        assertThat(allGone.retired()).isEmpty();
    }

    @Test
    void shouldEmptyTheRetiredListWhenTheNodesGoBeforeTheirInstances() {
        pool(POOL, 1, 0);
        pipe(instances, instance(POOL, ID_1));
        pipe(nodes, adopted("n1", ID_1));
        last(POOL);
        pipe(specs, deleting(POOL, 1));
        pipe(instances, new InstanceState(ID_1, POOL, Cloud.AWS, "i", "z", InstanceLifecycle.TERMINATING,
                "Terminating", "1", true, T0));
        // Not to be deleted while its instance terminates (a termination handler may be draining it).
        PoolStatus terminating = last(POOL);
        assertThat(terminating.retired()).isEmpty();
        assertThat(terminating.terminating()).containsExactly(ID_1);

        // The Node's tombstone: nothing left to delete, nothing the status says changes.
        tombstone(nodes, ID_1);
        tick();
        assertThat(statuses.isEmpty()).isTrue();

        // The instance's tombstone: no longer terminating, and no Node to delete.
        tombstone(instances, ID_1);
        PoolStatus allGone = last(POOL);
        assertThat(allGone.members()).isEmpty();
        assertThat(allGone.terminating()).isEmpty();
        assertThat(allGone.retired()).isEmpty();
    }

    @Test
    void shouldLeaveNodesThatNameNoPoolOutAndPublishNothingForThem() {
        pool(POOL, 1, 0);
        pipe(instances, instance(POOL, ID_1));
        pipe(nodes, node("n1", ID_1, "uid-1"));
        last(POOL);

        // A control-plane Node, and a Node of another pool's (gone) instance: nothing to join, no status change.
        pipe(nodes, node("cp-1", "aws:///us-east-1a/i-cp", "uid-cp"));
        pipe(nodes, new NodeState("team-a/demo", "other", "uid-o", "aws:///us-east-1a/i-other", ConditionStatus.TRUE,
                T0, "v1.33.1", false, List.of(), Map.of(ClusterApi.NODE_OWNER_KIND_ANNOTATION, "MachinePool",
                ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION, "team-b", ClusterApi.NODE_OWNER_NAME_ANNOTATION,
                "elsewhere")));
        tombstone(nodes, "aws:///us-east-1a/i-cp");
        tick();

        assertThat(statuses.isEmpty()).isTrue();
    }

    @Test
    void shouldPublishNothingForAPoolThatRanBeforeUntilTheProviderReportsItsGroup() {
        pipe(specs, ranBefore());
        pipe(nodes, node("n1", ID_1, "uid-1"));
        pipe(instances, instance(POOL, ID_1));
        tick();
        assertThat(statuses.isEmpty()).isTrue();
        assertThat(lifecycle.isEmpty()).isTrue();
        assertThat(registry.get("poolstream.status.pools.waiting").gauge().value()).isEqualTo(1);

        pipe(groups, new ScalingGroupState(POOL, Cloud.AWS, "workers", true, 1, 0, 10, "1", false, 1, "c", null));

        assertThat(last(POOL).status().getReadyReplicas()).isEqualTo(1);
        assertThat(registry.get("poolstream.status.pools.waiting").gauge().value()).isZero();
        assertThat(lifecycle.readValuesToList()).extracting(e -> e.getClass().getSimpleName())
                .containsExactlyInAnyOrder("NodeJoined", "NodeReady", "PoolReady");
    }

    @Test
    void shouldNoLongerCountAPoolWaitingForTheProviderOnceItsTaskLeaves() {
        pipe(specs, ranBefore());
        tick();
        assertThat(registry.get("poolstream.status.pools.waiting").gauge().value()).isEqualTo(1);

        driver.close();
        driver = null;

        assertThat(registry.get("poolstream.status.pools.waiting").gauge().value()).isZero();
    }

    /** A pool taken over from Cluster API: its spec lists the instance, which only the provider can report. */
    private static PoolSpec ranBefore() {
        MachinePoolSpec spec = MachinePoolSpecs.of("demo", 1, "v1.33.1", "bootstrap",
                ClusterApi.KIND_AWS_MACHINE_POOL, "workers", 0);
        spec.setProviderIDList(List.of(ID_1));
        var aws = new dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec();
        aws.setMinSize(0);
        aws.setMaxSize(10);
        return new PoolSpec("team-a", "workers", "uid", 1, Map.of(), Map.of(), List.of(), null, spec,
                new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL, "workers",
                        "u", 1, List.of(), null, new InfraSpec.Aws(aws), null), false);
    }

    private void pool(String pool, int replicas, int minReadySeconds) {
        String[] key = pool.split("/");
        MachinePoolSpec spec = MachinePoolSpecs.of("demo", replicas, "v1.33.1", "bootstrap",
                ClusterApi.KIND_AWS_MACHINE_POOL, key[1], minReadySeconds);
        var aws = new dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec();
        aws.setMinSize(0);
        aws.setMaxSize(10);
        pipe(specs, new PoolSpec(key[0], key[1], "uid", 1, Map.of(), Map.of(), List.of(), null, spec,
                new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL, key[1],
                        "u", 1, List.of(), null, new InfraSpec.Aws(aws), null), false));
        pipe(groups, new ScalingGroupState(pool, Cloud.AWS, key[1], true, replicas, 0, 10, "1", false, 1, "c",
                null));
    }

    private void azurePool(String pool) {
        String[] key = pool.split("/");
        MachinePoolSpec spec = MachinePoolSpecs.of("demo", 1, "v1.33.1", "bootstrap",
                ClusterApi.KIND_AZURE_MACHINE_POOL, key[1], 0);
        pipe(specs, new PoolSpec(key[0], key[1], "uid", 1, Map.of(), Map.of(), List.of(), null, spec,
                new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AZURE_MACHINE_POOL, key[1],
                        "u", 1, List.of(), null, new InfraSpec.Azure(new AzureMachinePoolSpec()), null), false));
        pipe(groups, new ScalingGroupState(pool, Cloud.AZURE, key[1], true, 1, 0, 10, "1", false, 1, "c", null));
    }

    /** The pool's spec with its deletionTimestamp set. */
    private static PoolSpec deleting(String pool, int replicas) {
        String[] key = pool.split("/");
        MachinePoolSpec spec = MachinePoolSpecs.of("demo", replicas, "v1.33.1", "bootstrap",
                ClusterApi.KIND_AWS_MACHINE_POOL, key[1], 0);
        var aws = new dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec();
        aws.setMinSize(0);
        aws.setMaxSize(10);
        return new PoolSpec(key[0], key[1], "uid", 1, Map.of(), Map.of(), List.of("f"), T0, spec,
                new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL, key[1],
                        "u", 1, List.of(), null, new InfraSpec.Aws(aws), null), false);
    }

    /** A Ready Node the pool (team-a/workers of cluster demo) adopted. */
    private static NodeState adopted(String name, String providerId) {
        return new NodeState("team-a/demo", name, "uid-" + name, providerId, ConditionStatus.TRUE, T0, "v1.33.1",
                false, List.of(), Map.of(ClusterApi.NODE_CLUSTER_NAME_ANNOTATION, "demo",
                ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION, "team-a",
                ClusterApi.NODE_OWNER_KIND_ANNOTATION, "MachinePool", ClusterApi.NODE_OWNER_NAME_ANNOTATION, "workers"));
    }

    private static InstanceState instance(String pool, String providerId) {
        return new InstanceState(providerId, pool, Cloud.AWS, "i", "z", InstanceLifecycle.RUNNING, "InService", "1",
                true, T0);
    }

    private static NodeState node(String name, String providerId, String uid) {
        return new NodeState("team-a/demo", name, uid, providerId, ConditionStatus.TRUE, T0, "v1.33.1", false,
                List.of(), Map.of());
    }

    /** Written now, as a producer stamps a record (a record written long ago is late: its pool's look waits). */
    private void pipe(TestInputTopic<String, Keyed> topic, Keyed value) {
        topic.pipeInput(value.key(), value, now);
    }

    private void tombstone(TestInputTopic<String, Keyed> topic, String key) {
        topic.pipeInput(key, null, now);
    }

    private void advance(Duration duration) {
        now = now.plus(duration);
        driver.advanceWallClockTime(duration);
    }

    /** The look interval passes: the pools changed within it are looked at. */
    private void tick() {
        advance(LOOK_INTERVAL);
    }

    private PoolStatus last(String pool) {
        tick();
        List<TestRecord<String, PoolStatus>> records = statuses.readRecordsToList();
        assertThat(records).as("status records").isNotEmpty();
        return records.stream().filter(r -> r.key().equals(pool)).reduce((a, b) -> b).orElseThrow().value();
    }
}
