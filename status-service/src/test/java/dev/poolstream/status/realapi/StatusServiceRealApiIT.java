package dev.poolstream.status.realapi;

import static dev.poolstream.status.realapi.RealApiObjects.adopted;
import static dev.poolstream.status.realapi.RealApiObjects.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.status.StatusApplication;
import dev.poolstream.status.shapes.PoolShape.Names;
import dev.poolstream.status.shapes.PoolShapes;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.ServiceAccountProperties;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.events.serde.EventDeserializer;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * Real tier, end to end: the status service in owner mode, from the topics through the topology and the writer to a
 * real kube-apiserver (management and workload cluster at once). A new pool whose instance has no Node yet gets a
 * status the server accepts (no {@code versions}), and the Node's joining makes it Running with the Node adopted.
 * Deleted, the pool says Deleting at once, its counts follow its instance going, the Node it retired is deleted, and
 * the retired list is empty once the Node's tombstone comes. Both consumer groups carry the pod's static membership.
 * {@code it.StatusServiceIT} keeps the mock-server run (and the DLT) for the fast path.
 */
@EmbeddedKafka(brokerProperties = {"transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1"})
class StatusServiceRealApiIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NAMESPACE = "status-e2e";

    @Test
    void shouldWriteAStatusTheServerAcceptsAdoptTheNodeAndFollowThePoolsDeletionToTheEnd(EmbeddedKafkaBroker broker,
                                                                                          @TempDir Path dir)
            throws IOException {
        KubeApiServer server = KubeApiServer.shared().namespace(NAMESPACE).applyRbac(RealApiObjects.K8S_RBAC);
        RealApiObjects objects = new RealApiObjects(server);
        Names n = new Names(NAMESPACE, "workers", "e2e", "e2e");
        objects.kubeconfigSecret(server, NAMESPACE, n.cluster());
        MachinePool pool = objects.pool(n, 1, Map.of());

        try (ServiceAccountProperties asTheService = server.serviceAccountProperties(RealApiObjects.SERVICE_ACCOUNT,
                dir.resolve("kubeconfig"));
             ConfigurableApplicationContext app = start(broker, dir);
             KafkaProducer<String, byte[]> producer = producer(broker)) {
            PoolSpec spec = PoolShapes.spec(n, 1);
            send(producer, Topics.MACHINEPOOL_SPEC, new PoolSpec(spec.namespace(), spec.name(),
                    pool.getMetadata().getUid(), pool.getMetadata().getGeneration(), spec.labels(), spec.annotations(),
                    spec.finalizers(), null, spec.spec(), spec.infrastructure(), false));
            send(producer, Topics.SCALINGGROUP_STATE, PoolShapes.group(n, 1, "1", null));
            send(producer, Topics.SCALINGGROUP_INSTANCES, PoolShapes.instance(n, 1, InstanceLifecycle.RUNNING, "1"));

            // No Node yet: the status has no kubelet version to list, and the server takes it.
            await().atMost(WAIT).untilAsserted(() -> {
                Map<String, Object> status = status(objects, n);
                assertThat(status).containsEntry("replicas", 1).containsEntry("readyReplicas", 0)
                        .containsEntry("phase", "ScalingUp").doesNotContainKey("versions");
                assertThat(status.get("nodeRefs")).isEqualTo(List.of());
            });

            Node node = objects.node(PoolShapes.node(n, 1, ConditionStatus.TRUE, PoolShapes.KUBELET));
            NodeState joined = PoolShapes.node(n, 1, ConditionStatus.TRUE, PoolShapes.KUBELET);
            send(producer, Topics.NODE, new NodeState(joined.cluster(), joined.name(), node.getMetadata().getUid(),
                    joined.providerID(), ConditionStatus.TRUE, java.time.Instant.now().minusSeconds(5),
                    PoolShapes.KUBELET, false, joined.taints(), Map.of()));

            await().atMost(WAIT).untilAsserted(() -> {
                Map<String, Object> status = status(objects, n);
                assertThat(status).containsEntry("readyReplicas", 1).containsEntry("availableReplicas", 1)
                        .containsEntry("phase", "Running")
                        .containsEntry("versions", List.of(Map.of("version", PoolShapes.KUBELET, "replicas", 1)))
                        .containsEntry("nodeRefs", List.of(Map.of("apiVersion", "v1", "kind", "Node",
                                "name", n.nodeName(1), "uid", node.getMetadata().getUid())));
                assertThat(adopted(objects.node(n.nodeName(1)), n)).isTrue();
                GenericKubernetesResource infra = objects.awsMachinePool(n);
                assertThat(map(infra.getAdditionalProperties().get("status"))).containsEntry("ready", true)
                        .containsEntry("replicas", 1);
                assertThat(map(infra.getAdditionalProperties().get("spec")).get("providerIDList"))
                        .isEqualTo(List.of(n.providerId(1)));
            });

            // Every request names the service, the workload cluster's too, and so does the status's field manager:
            // kubectl get --show-managed-fields and the audit log say who wrote it.
            assertThat(server.requests()).filteredOn(r -> r.namespace().equals(NAMESPACE)
                            && r.user().endsWith(":" + RealApiObjects.SERVICE_ACCOUNT)
                            || r.resource().equals("nodes") && r.name().equals(n.nodeName(1))
                            && r.verb().equals("patch"))
                    .isNotEmpty().allSatisfy(r -> assertThat(r.userAgent()).as(r.verb() + " " + r.resource())
                            .startsWith("poolstream-status-service/"));
            assertThat(objects.awsMachinePool(n).getMetadata().getManagedFields())
                    .anySatisfy(f -> {
                        assertThat(f.getManager()).isEqualTo("poolstream-status-service");
                        assertThat(f.getSubresource()).isEqualTo("status");
                    });

            // Static membership: the pod's name in each group's member, so that a restart takes its partitions back.
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.getBrokersAsString()))) {
                var groups = admin.describeConsumerGroups(List.of("poolstream-status", "poolstream-status-writer"))
                        .all().get();
                assertThat(groups.get("poolstream-status").members()).isNotEmpty().allSatisfy(m -> assertThat(
                        m.groupInstanceId()).hasValueSatisfying(id -> assertThat(id).startsWith("status-pod-0-streams")));
                assertThat(groups.get("poolstream-status-writer").members()).hasSize(4).allSatisfy(m -> assertThat(
                        m.groupInstanceId()).hasValueSatisfying(id -> assertThat(id)
                        .startsWith("status-pod-0-status-writer-")));
            }

            // What the watcher publishes of the Node once it is adopted: its owner annotations, no taint.
            Node adoptedNode = objects.node(n.nodeName(1));
            send(producer, Topics.NODE, new NodeState(joined.cluster(), joined.name(),
                    adoptedNode.getMetadata().getUid(), joined.providerID(), ConditionStatus.TRUE,
                    java.time.Instant.now().minusSeconds(5), PoolShapes.KUBELET, false, List.of(),
                    adoptedNode.getMetadata().getAnnotations().entrySet().stream()
                            .filter(a -> a.getKey().startsWith("cluster.x-k8s.io/"))
                            .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))));
            await().atMost(WAIT).untilAsserted(() -> assertThat(lastStatus(broker, n.poolKey()).members())
                    .singleElement().satisfies(m -> assertThat(m.nodeAdopted()).isTrue()));

            // The pool is deleted (its finalizer holds it): Deleting at once, then the counts follow its instance
            // going, and its retired Node leaves the status once gone (the reconciler's finalizer waits for that).
            server.client().resources(MachinePool.class).inNamespace(NAMESPACE).withName(n.pool()).edit(p -> {
                p.getMetadata().setFinalizers(List.of("cluster.x-k8s.io/machinepool"));
                return p;
            });
            server.client().resources(MachinePool.class).inNamespace(NAMESPACE).withName(n.pool()).delete();
            MachinePool marked = server.client().resources(MachinePool.class).inNamespace(NAMESPACE)
                    .withName(n.pool()).get();
            send(producer, Topics.MACHINEPOOL_SPEC, new PoolSpec(spec.namespace(), spec.name(),
                    marked.getMetadata().getUid(), marked.getMetadata().getGeneration(), spec.labels(),
                    spec.annotations(), marked.getMetadata().getFinalizers(),
                    java.time.Instant.parse(marked.getMetadata().getDeletionTimestamp()), spec.spec(),
                    spec.infrastructure(), false));
            await().atMost(WAIT).untilAsserted(() -> assertThat(status(objects, n)).containsEntry("phase", "Deleting")
                    .containsEntry("replicas", 1));
            // The group goes: the provider's instance tombstone; the writer deletes the Node it retired.
            producer.send(new ProducerRecord<>(Topics.SCALINGGROUP_INSTANCES.name(), n.providerId(1), null));
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(status(objects, n)).containsEntry("phase", "Deleting").containsEntry("replicas", 0)
                        .containsEntry("readyReplicas", 0);
                assertThat(objects.node(n.nodeName(1))).isNull();
            });
            assertThat(lastStatus(broker, n.poolKey()).retired()).extracting(PoolMember::nodeName)
                    .containsExactly(n.nodeName(1));
            // The watcher's tombstone for the Node: nothing is left for the finalizer to wait for.
            producer.send(new ProducerRecord<>(Topics.NODE.name(), n.providerId(1), null));
            await().atMost(WAIT).untilAsserted(() -> {
                PoolStatus last = lastStatus(broker, n.poolKey());
                assertThat(last.members()).isEmpty();
                assertThat(last.retired()).isEmpty();
            });
            server.client().resources(MachinePool.class).inNamespace(NAMESPACE).withName(n.pool())
                    .edit(p -> {
                        p.getMetadata().setFinalizers(List.of());
                        return p;
                    });
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A pool Cluster API ran before Poolstream took it over: its spec lists its instance and its status says Running.
     * Until the provider's first report of its group, the status service leaves that status as it is (it had written
     * replicas 0 from an empty picture); then it writes the pool as it is, and tells subscribers of no scale.
     */
    @Test
    void shouldLeaveTheStatusOfAPoolThatRanBeforeAsItIsUntilTheProviderReportsItsGroup(EmbeddedKafkaBroker broker,
                                                                                       @TempDir Path dir)
            throws IOException {
        KubeApiServer server = KubeApiServer.shared().namespace(NAMESPACE).applyRbac(RealApiObjects.K8S_RBAC);
        RealApiObjects objects = new RealApiObjects(server);
        Names n = new Names(NAMESPACE, "taken", "taken", "taken");
        objects.kubeconfigSecret(server, NAMESPACE, n.cluster());
        objects.pool(n, 1, Map.of());
        var pools = server.client().resources(MachinePool.class).inNamespace(NAMESPACE).withName(n.pool());
        MachinePool listed = pools.edit(p -> {
            p.getSpec().setProviderIDList(List.of(n.providerId(1)));
            return p;
        });
        MachinePool running = pools.editStatus(p -> {
            MachinePoolStatus status = new MachinePoolStatus();
            status.setReplicas(1);
            status.setReadyReplicas(1);
            status.setPhase(MachinePoolStatus.Phase.RUNNING);
            p.setStatus(status);
            return p;
        });
        Node node = objects.node(PoolShapes.node(n, 1, ConditionStatus.TRUE, PoolShapes.KUBELET));

        try (ServiceAccountProperties asTheService = server.serviceAccountProperties(RealApiObjects.SERVICE_ACCOUNT,
                dir.resolve("kubeconfig"));
             ConfigurableApplicationContext app = start(broker, dir);
             KafkaProducer<String, byte[]> producer = producer(broker)) {
            PoolSpec spec = PoolShapes.spec(n, 1);
            spec.spec().setProviderIDList(List.of(n.providerId(1)));
            send(producer, Topics.MACHINEPOOL_SPEC, new PoolSpec(spec.namespace(), spec.name(),
                    listed.getMetadata().getUid(), listed.getMetadata().getGeneration(), spec.labels(),
                    spec.annotations(), spec.finalizers(), null, spec.spec(), spec.infrastructure(), false));
            send(producer, Topics.SCALINGGROUP_INSTANCES, PoolShapes.instance(n, 1, InstanceLifecycle.RUNNING, "1"));
            NodeState ready = PoolShapes.node(n, 1, ConditionStatus.TRUE, PoolShapes.KUBELET);
            send(producer, Topics.NODE, new NodeState(ready.cluster(), ready.name(), node.getMetadata().getUid(),
                    ready.providerID(), ConditionStatus.TRUE, java.time.Instant.now().minusSeconds(3600),
                    PoolShapes.KUBELET, false, ready.taints(), Map.of()));

            // Looked at, and waiting: nothing published, nothing written.
            MeterRegistry registry = app.getBean(MeterRegistry.class);
            await("the pool waiting for the provider").atMost(WAIT)
                    .until(() -> registry.get("poolstream.status.pools.waiting").gauge().value() == 1);
            assertThat(lastStatus(broker, n.poolKey())).isNull();
            assertThat(pools.get().getMetadata().getResourceVersion())
                    .isEqualTo(running.getMetadata().getResourceVersion());

            send(producer, Topics.SCALINGGROUP_STATE, PoolShapes.group(n, 1, "1", null));

            await().atMost(WAIT).untilAsserted(() -> assertThat(status(objects, n)).containsEntry("replicas", 1)
                    .containsEntry("readyReplicas", 1).containsEntry("phase", "Running"));
            assertThat(registry.get("poolstream.status.pools.waiting").gauge().value()).isZero();
            assertThat(lifecycle(broker, n.poolKey())).extracting(e -> e.getClass().getSimpleName())
                    .contains("NodeJoined", "NodeReady").doesNotContain("ScalingStarted", "ScalingFinished");
        }
    }

    private static ConfigurableApplicationContext start(EmbeddedKafkaBroker broker, Path dir) {
        return StatusApplication.builder().run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--spring.kafka.streams.state-dir=" + dir.resolve("state"),
                "--poolstream.kafka.create-topics=true",
                "--poolstream.status.mode=owner",
                "--poolstream.kafka.instance-id=status-pod-0",
                "--logging.structured.format.console=");
    }

    /** The pool's latest record on {@code machinepool.status.v1}, as the writer reads it (committed only). */
    private static PoolStatus lastStatus(EmbeddedKafkaBroker broker, String pool) {
        List<PoolStatus> all = records(broker, Topics.MACHINEPOOL_STATUS.name(), PoolStatus.class, pool);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    private static List<PoolLifecycleEvent> lifecycle(EmbeddedKafkaBroker broker, String pool) {
        return records(broker, Topics.MACHINEPOOL_LIFECYCLE.name(), PoolLifecycleEvent.class, pool);
    }

    /** The pool's records on a topic, read to its end (committed only). */
    private static <T> List<T> records(EmbeddedKafkaBroker broker, String topic, Class<T> type, String pool) {
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new EventDeserializer<>(type))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<T> found = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                assertThat(System.nanoTime()).as("read to the end of " + topic).isLessThan(deadline);
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (pool.equals(record.key())) {
                        found.add(record.value());
                    }
                }
            }
            return found;
        }
    }

    private static Map<String, Object> status(RealApiObjects objects, Names n) {
        return map(objects.machinePool(n).getAdditionalProperties().get("status"));
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafkaBroker broker) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    private static void send(KafkaProducer<String, byte[]> producer, Topics.TopicSpec topic, Keyed value) {
        EventSerializer<Keyed> serializer = new EventSerializer<>(URI.create("/test"), java.time.Clock.systemUTC());
        producer.send(new ProducerRecord<>(topic.name(), value.key(), serializer.serialize(topic.name(), value)));
    }
}
