package dev.poolstream.status.it;

import dev.poolstream.testing.MachinePoolSpecs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.ClusterSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.NodeRefs;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Taint;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.status.StatusApplication;
import dev.poolstream.testing.MockCluster;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import dev.poolstream.status.domain.PoolView;
import dev.poolstream.status.stream.StreamThreadDeaths;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * The status service in owner mode, from the topics to the API servers: the MachinePool's status, the infra pool's
 * status and provider ID lists, and the Node annotated and untainted; a record it cannot read goes to the DLT.
 */
@EmbeddedKafka(brokerProperties = {"transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1"})
class StatusServiceIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ID = "aws:///us-east-1a/i-0status";

    @Test
    void shouldWriteThePoolsStatusAndTendItsNode(EmbeddedKafkaBroker broker, @TempDir Path stateDir) {
        try (MockCluster management = new MockCluster(); MockCluster workload = new MockCluster()) {
            KubernetesClient kube = management.client();
            kube.resource(cluster()).create();
            kube.resource(new SecretBuilder().withNewMetadata().withNamespace("team-a").withName("demo-kubeconfig")
                    .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, "demo").endMetadata()
                    .addToData("value", Base64.getEncoder().encodeToString(
                            workload.kubeconfig().getBytes(StandardCharsets.UTF_8))).build()).create();
            MachinePool pool = kube.resource(machinePool()).create();
            kube.resource(awsPool()).create();
            workload.client().resource(node()).create();

            System.setProperty("kubernetes.master", management.url());
            System.setProperty("kubernetes.auth.tryKubeConfig", "false");
            System.setProperty("kubernetes.auth.tryServiceAccount", "false");
            try (ConfigurableApplicationContext app = StatusApplication.builder().run(
                    "--server.port=0",
                    "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                    "--spring.kafka.streams.state-dir=" + stateDir,
                    "--poolstream.kafka.create-topics=true",
                    "--poolstream.status.mode=owner",
                    // Some 30 members' status: a pool of 60 is too large for Kafka (below), one of 1 is not.
                    "--spring.kafka.streams.properties.producer.max.request.size=16384",
                    "--logging.structured.format.console=");
                 KafkaProducer<String, byte[]> producer = producer(broker)) {
                Instant launched = Instant.now().minusSeconds(60);
                send(producer, Topics.MACHINEPOOL_SPEC, spec(pool));
                send(producer, Topics.SCALINGGROUP_STATE, new ScalingGroupState("team-a/workers", Cloud.AWS,
                        "workers", true, 1, 1, 10, "1", false, 1, "c", null));
                send(producer, Topics.SCALINGGROUP_INSTANCES, new InstanceState(ID, "team-a/workers", Cloud.AWS,
                        "i-0status", "us-east-1a", InstanceLifecycle.RUNNING, "InService", "1", true, launched));
                send(producer, Topics.NODE, new NodeState("team-a/demo", "ip-10-0-0-7", "uid-7", ID,
                        ConditionStatus.TRUE, launched.plusSeconds(40), "v1.33.1", false,
                        List.of(new Taint(ClusterApi.UNINITIALIZED_TAINT_KEY, null, "NoSchedule")), Map.of()));

                await().atMost(WAIT).untilAsserted(() -> {
                    MachinePool written = kube.resources(MachinePool.class).inNamespace("team-a").withName("workers")
                            .get();
                    MachinePoolStatus status = written.getStatus();
                    assertThat(status).isNotNull();
                    assertThat(status.getReplicas()).isEqualTo(1);
                    assertThat(status.getReadyReplicas()).isEqualTo(1);
                    assertThat(status.getAvailableReplicas()).isEqualTo(1);
                    assertThat(status.getPhase()).isEqualTo(MachinePoolStatus.Phase.RUNNING);
                    // The generation of the spec record it was computed from (writing providerIDList bumps the live one).
                    assertThat(status.getObservedGeneration()).isEqualTo(1L);
                    assertThat(status.getNodeRefs()).extracting(NodeRefs::getName, NodeRefs::getUid)
                            .containsExactly(org.assertj.core.groups.Tuple.tuple("ip-10-0-0-7", "uid-7"));
                    assertThat(status.getConditions()).filteredOn(c -> c.getType().equals("Available"))
                            .singleElement().satisfies(c -> {
                                assertThat(c.getStatus()).isEqualTo(Conditions.Status.TRUE);
                                assertThat(c.getMessage()).isEqualTo("1 of 1 replicas are available");
                            });
                    assertThat(written.getSpec().getProviderIDList()).containsExactly(ID);
                });
                await().atMost(WAIT).untilAsserted(() -> {
                    AWSMachinePool infra = kube.resources(AWSMachinePool.class).inNamespace("team-a")
                            .withName("workers").get();
                    assertThat(infra.getStatus().getReady()).isTrue();
                    assertThat(infra.getStatus().getReplicas()).isEqualTo(1);
                    assertThat(infra.getSpec().getProviderIDList()).containsExactly(ID);
                });
                await().atMost(WAIT).untilAsserted(() -> {
                    Node node = workload.client().nodes().withName("ip-10-0-0-7").get();
                    assertThat(node.getMetadata().getAnnotations())
                            .containsEntry(ClusterApi.NODE_CLUSTER_NAME_ANNOTATION, "demo")
                            .containsEntry(ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION, "team-a")
                            .containsEntry(ClusterApi.NODE_OWNER_KIND_ANNOTATION, "MachinePool")
                            .containsEntry(ClusterApi.NODE_OWNER_NAME_ANNOTATION, "workers");
                    assertThat(node.getSpec().getTaints())
                            .noneMatch(t -> ClusterApi.UNINITIALIZED_TAINT_KEY.equals(t.getKey()));
                    assertThat(node.getSpec().getTaints()).anyMatch(t -> "example.com/gpu".equals(t.getKey()));
                });

                // A record that is not JSON lands on the DLT with its reason, and the streams keep running.
                producer.send(new ProducerRecord<>(Topics.NODE.name(), "aws:///broken",
                        "not json".getBytes(StandardCharsets.UTF_8)));
                ConsumerRecord<String, byte[]> dead = awaitDeadLetter(broker, Topics.NODE.deadLetter().name());
                assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("not json");
                assertThat(new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(),
                        StandardCharsets.UTF_8)).isEqualTo("MalformedRecord");
                KafkaStreams streams = app.getBean(org.springframework.kafka.config.StreamsBuilderFactoryBean.class)
                        .getKafkaStreams();
                assertThat(streams.state().isRunningOrRebalancing()).isTrue();

                // A deposed watcher leader's spec, aborted when its successor fenced it, is no input: the topology
                // reads committed records only. A committed record after it on the same partition says when the
                // topology has gone past it.
                int partition = Utils.toPositive(Utils.murmur2("team-a/workers".getBytes(StandardCharsets.UTF_8)))
                        % Topics.PARTITIONS;
                try (KafkaProducer<String, byte[]> deposed = producer(broker, "poolstream-watcher")) {
                    deposed.initTransactions();
                    deposed.beginTransaction();
                    send(deposed, partition, spec(pool, "workers", 2));
                    deposed.flush();
                    deposed.abortTransaction();
                }
                send(producer, partition, spec(pool, "marker", 1));
                ReadOnlyKeyValueStore<String, PoolSpec> specs = streams.store(StoreQueryParameters.fromNameAndType(
                        "specs", QueryableStoreTypes.<String, PoolSpec>keyValueStore()));
                await().atMost(WAIT).until(() -> specs.get("team-a/marker") != null);
                assertThat(specs.get("team-a/workers").generation()).isEqualTo(1L);

                // A pool whose status is too large for Kafka is not sent, and every other pool goes on: the thread
                // once died on it, and so did every replacement, until the client stopped.
                send(producer, Topics.MACHINEPOOL_SPEC, spec(pool, "huge", 1));
                send(producer, Topics.SCALINGGROUP_STATE, new ScalingGroupState("team-a/huge", Cloud.AWS, "huge", true,
                        60, 1, 100, "1", false, 1, "c", null));
                for (int i = 0; i < 60; i++) {
                    send(producer, Topics.SCALINGGROUP_INSTANCES, new InstanceState("aws:///us-east-1a/i-0huge" + i,
                            "team-a/huge", Cloud.AWS, "i-0huge" + i, "us-east-1a", InstanceLifecycle.RUNNING,
                            "InService", "1", true, launched));
                }
                ReadOnlyKeyValueStore<String, PoolView> views = streams.store(StoreQueryParameters.fromNameAndType(
                        "pool-views", QueryableStoreTypes.<String, PoolView>keyValueStore()));
                await().atMost(WAIT).ignoreExceptions().until(() -> views.get("team-a/huge").status().members()
                        .size() == 60);
                // Then a pool of the same task (the same partition): by default that task sent nothing more.
                String after = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "after-huge-" + i)
                        .filter(name -> partitionOf("team-a/" + name) == partitionOf("team-a/huge")).findFirst()
                        .orElseThrow();
                send(producer, Topics.MACHINEPOOL_SPEC, spec(pool, after, 1));
                send(producer, Topics.SCALINGGROUP_STATE, new ScalingGroupState("team-a/" + after, Cloud.AWS, after,
                        true, 1, 1, 10, "1", false, 1, "c", null));
                Map<String, String> latest = awaitLatest(broker, Topics.MACHINEPOOL_STATUS.name(), seen ->
                        seen.containsKey("team-a/" + after));
                // Sent while it was small (its instances came one by one), never with all 60.
                assertThat(java.util.regex.Pattern.compile("i-0huge([0-9]+)").matcher(latest.getOrDefault(
                        "team-a/huge", "")).results().map(m -> m.group(1)).distinct().count()).isLessThan(60);
                assertThat(app.getBean(StreamThreadDeaths.class).replaced()).as("stream threads replaced").isZero();
                assertThat(streams.state().isRunningOrRebalancing()).isTrue();
            }
        }
    }

    private static ConsumerRecord<String, byte[]> awaitDeadLetter(EmbeddedKafkaBroker broker, String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlt-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return !seen.isEmpty();
            });
            return seen.get(0);
        }
    }

    private static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % Topics.PARTITIONS;
    }

    /** The latest value of each key on {@code topic} from its start, once {@code done} holds for them. */
    private static Map<String, String> awaitLatest(EmbeddedKafkaBroker broker, String topic,
                                                   java.util.function.Predicate<Map<String, String>> done) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ConsumerConfig.GROUP_ID_CONFIG, "keys-" + java.util.UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            Map<String, String> latest = new java.util.HashMap<>();
            await().atMost(WAIT).ignoreExceptions().until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> latest.put(r.key(), r.value() == null ? null
                        : new String(r.value(), StandardCharsets.UTF_8)));
                return done.test(latest);
            });
            return latest;
        }
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafkaBroker broker) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafkaBroker broker, String transactionalId) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId));
    }

    private static void send(KafkaProducer<String, byte[]> producer, Topics.TopicSpec topic, Keyed value) {
        EventSerializer<Keyed> serializer = new EventSerializer<>(URI.create("/test"), java.time.Clock.systemUTC());
        producer.send(new ProducerRecord<>(topic.name(), value.key(), serializer.serialize(topic.name(), value)));
    }

    /** A pool's spec record on a partition of machinepool.spec.v1 chosen by the caller. */
    private static void send(KafkaProducer<String, byte[]> producer, int partition, PoolSpec value) {
        EventSerializer<Keyed> serializer = new EventSerializer<>(URI.create("/test"), java.time.Clock.systemUTC());
        String topic = Topics.MACHINEPOOL_SPEC.name();
        producer.send(new ProducerRecord<>(topic, partition, value.key(), serializer.serialize(topic, value)));
    }

    private static Cluster cluster() {
        Cluster cluster = new Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("demo").build());
        cluster.setSpec(new ClusterSpec());
        return cluster;
    }

    private static MachinePool machinePool() {
        MachinePoolSpec spec = MachinePoolSpecs.of("demo", 1, "v1.33.1", "workers-bootstrap",
                ClusterApi.KIND_AWS_MACHINE_POOL, "workers", 0);
        MachinePool pool = new MachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("workers").build());
        pool.setSpec(spec);
        return pool;
    }

    private static AWSMachinePool awsPool() {
        AWSMachinePoolSpec spec = new AWSMachinePoolSpec();
        spec.setMinSize(1);
        spec.setMaxSize(10);
        AWSMachinePool pool = new AWSMachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("workers").build());
        pool.setSpec(spec);
        return pool;
    }

    private static PoolSpec spec(MachinePool pool) {
        return spec(pool, "workers",
                pool.getMetadata().getGeneration() == null ? 1 : pool.getMetadata().getGeneration());
    }

    private static PoolSpec spec(MachinePool pool, String name, long generation) {
        return new PoolSpec("team-a", name, pool.getMetadata().getUid(), generation, Map.of(), Map.of(),
                List.of(), null, pool.getSpec(), new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP,
                ClusterApi.KIND_AWS_MACHINE_POOL, "workers", null, 1, List.of(), null,
                new InfraSpec.Aws(awsPool().getSpec()), null), false);
    }

    private static Node node() {
        return new NodeBuilder().withNewMetadata().withName("ip-10-0-0-7").endMetadata()
                .withNewSpec().withProviderID(ID)
                .addNewTaint().withKey(ClusterApi.UNINITIALIZED_TAINT_KEY).withEffect("NoSchedule").endTaint()
                .addNewTaint().withKey("example.com/gpu").withEffect("NoSchedule").endTaint()
                .endSpec().build();
    }
}
