package dev.poolstream.reconciler.it;

import dev.poolstream.testing.MachinePoolSpecs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.RefreshPreferences;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.reconciler.ReconcilerApplication;
import dev.poolstream.testing.MockCluster;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * The reconciler on a real broker and mock API servers, with each pool's cloud and status played by a
 * {@link PoolSimulator} that answers its commands.
 */
@EmbeddedKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReconcilerIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private MockCluster management;
    private MockCluster workload;
    private ConfigurableApplicationContext app;
    private KafkaProducer<String, byte[]> producer;
    private KafkaConsumer<String, ScalingGroupCommand> commands;
    private final EventSerializer<Keyed> serializer = new EventSerializer<>(URI.create("/test"), Clock.systemUTC());

    @BeforeAll
    void start(EmbeddedKafkaBroker broker) {
        management = new MockCluster();
        workload = new MockCluster();
        management.client().resource(new SecretBuilder().withNewMetadata().withNamespace("team-a")
                .withName("demo-kubeconfig").endMetadata()
                .addToData("value", Base64.getEncoder().encodeToString(
                        workload.kubeconfig().getBytes(StandardCharsets.UTF_8))).build()).create();
        System.setProperty("kubernetes.master", management.url());
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        app = ReconcilerApplication.builder().run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--poolstream.kafka.create-topics=true",
                "--poolstream.reconciler.mode=owner",
                "--poolstream.reconciler.drain-retry=100ms",
                "--logging.structured.format.console=");
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        commands = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-cloud",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new EventDeserializer<>(ScalingGroupCommand.class));
        commands.subscribe(List.of(Topics.SCALINGGROUP_COMMANDS_AWS.name()));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {commands, producer, app, workload, management}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // Close the rest.
            }
        }
    }

    @Test
    void shouldScaleFiveToTwentyWithOneCapacityCommand() {
        Pool pool = new Pool("scale-up");
        pool.create(5, 1, 50);
        pool.settle();

        int before = pool.commands.size();
        pool.publishSpec(20, 2, "v1");
        pool.settle(c -> c instanceof SetCapacity);

        List<ScalingGroupCommand> sent = pool.commands.subList(before, pool.commands.size());
        assertThat(sent).as(sent.toString()).singleElement().isInstanceOfSatisfying(SetCapacity.class,
                c -> assertThat(c.capacity().desired()).isEqualTo(20));
        assertThat(pool.sim.members).hasSize(20);
    }

    @Test
    void shouldCordonAndEvictFiveNamedNodesBeforeTheirTerminateCommand() {
        Pool pool = new Pool("scale-down");
        pool.create(20, 1, 50);
        pool.settle();
        List<String> oldest = pool.sim.members.subList(0, 5).stream().map(m -> m.nodeName()).toList();
        workload.client().resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
                .withNamespace("kube-system").withName("daemon-on-" + oldest.get(0))
                .addNewOwnerReference().withKind("DaemonSet").withName("agent").withApiVersion("apps/v1")
                .withUid("ds").endOwnerReference().endMetadata()
                .withNewSpec().withNodeName(oldest.get(0)).endSpec().build()).create();
        // A PodDisruptionBudget refuses the first two evictions of one pod: the drain keeps trying.
        workload.refuseEvictions("apps", "app-on-" + oldest.get(1), 2);

        pool.publishSpec(15, 2, "v1");
        TerminateInstances terminate = (TerminateInstances) pool.settleUntil(c -> c instanceof TerminateInstances,
                c -> {
                    // The moment the command arrives, its Nodes are already cordoned and empty.
                    for (String node : oldest) {
                        Node n = workload.client().nodes().withName(node).get();
                        assertThat(n.getSpec().getUnschedulable()).as(node + " cordoned").isTrue();
                        assertThat(workload.client().pods().inNamespace("apps").withName("app-on-" + node).get())
                                .as(node + " evicted").isNull();
                    }
                });

        assertThat(terminate.providerIDs()).hasSize(5);
        assertThat(workload.client().pods().inNamespace("kube-system").withName("daemon-on-" + oldest.get(0)).get())
                .as("a DaemonSet pod is left alone").isNotNull();
        assertThat(pool.sim.members).hasSize(15);
        assertThat(pool.sim.members.stream().map(m -> m.nodeName())).doesNotContainAnyElementsOf(oldest);
    }

    @Test
    void shouldRollOutFiveWithMaxSurgeOneNeverBelowFiveReady() {
        Pool pool = new Pool("roll-out");
        pool.create(5, 1, 50);
        pool.settle();
        List<Integer> readyHistory = new ArrayList<>();

        pool.publishSpec(5, 2, "v2");
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            pool.answer(readyHistory);
            // Done when the new template is the group's and every instance runs it.
            return pool.sim.template.equals("v2") && pool.sim.members.size() == 5
                    && pool.sim.members.stream().allMatch(m -> m.upToDate());
        });

        assertThat(readyHistory).isNotEmpty().allMatch(ready -> ready >= 5);
        assertThat(pool.commands.stream().filter(TerminateInstances.class::isInstance)).hasSize(5);
        assertThat(pool.sim.template).isEqualTo("v2");
    }

    @Test
    void shouldRemoveTheFinalizerOnlyAfterTheGroupIsGone() {
        Pool pool = new Pool("deleted");
        pool.create(2, 1, 50);
        pool.settle();
        await().atMost(WAIT).until(() -> pool.infraFinalizers().contains(ClusterApi.POOLSTREAM_FINALIZER));

        pool.publishDeleting();
        DeleteGroup delete = (DeleteGroup) pool.settleUntil(c -> c instanceof DeleteGroup, c ->
                assertThat(pool.infraFinalizers()).as("finalizer kept while the group exists")
                        .contains(ClusterApi.POOLSTREAM_FINALIZER));

        assertThat(delete.group()).isEqualTo("workers-deleted");
        await().atMost(WAIT).until(() -> !pool.infraFinalizers().contains(ClusterApi.POOLSTREAM_FINALIZER));
    }

    @Test
    void shouldSendNoCapacityCommandForAnExternallyManagedPool() {
        Pool pool = new Pool("autoscaled");
        pool.annotations = Map.of(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "cluster-autoscaler");
        pool.create(3, 1, 50);
        pool.settle();

        pool.sim.handle(SetCapacity.of(pool.key, 1, "x", new dev.poolstream.events.command.Capacity(6, 0, 50,
                true)));
        pool.publishObserved();
        await().atMost(WAIT).until(() -> Integer.valueOf(6).equals(management.client()
                .resources(dev.poolstream.api.cluster.v1beta2.MachinePool.class).inNamespace("team-a")
                .withName("autoscaled").get().getSpec().getReplicas()));
        pool.publishSpec(6, 2, "v1");
        pool.settle();

        assertThat(pool.commands).noneMatch(c -> c instanceof SetCapacity || c instanceof TerminateInstances);
    }

    /** One pool of the test: its objects, its simulator, and the commands it received. */
    private final class Pool {
        final String name;
        final String key;
        final PoolSimulator sim;
        final List<ScalingGroupCommand> commands = new ArrayList<>();
        Map<String, String> annotations = Map.of();
        int min;
        int max;

        Pool(String name) {
            this.name = name;
            this.key = "team-a/" + name;
            this.sim = new PoolSimulator(key, workload.client());
        }

        void create(int replicas, int min, int max) {
            this.min = min;
            this.max = max;
            KubernetesClient kube = management.client();
            AWSMachinePool aws = new AWSMachinePool();
            aws.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("workers-" + name).build());
            aws.setSpec(awsSpec());
            kube.resource(aws).create();
            var pool = new dev.poolstream.api.cluster.v1beta2.MachinePool();
            pool.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName(name).build());
            pool.setSpec(machinePoolSpec(replicas, "v1"));
            kube.resource(pool).create();
            sim.start(replicas);
            publishObserved();
            publishSpec(replicas, 1, "v1");
        }

        AWSMachinePoolSpec awsSpec() {
            AWSMachinePoolSpec spec = new AWSMachinePoolSpec();
            spec.setMinSize(min);
            spec.setMaxSize(max);
            RefreshPreferences preferences = new RefreshPreferences();
            preferences.setMinHealthyPercentage(100L);
            preferences.setMaxHealthyPercentage(120L);
            spec.setRefreshPreferences(preferences);
            return spec;
        }

        void publishSpec(int replicas, long generation, String version) {
            publish(Topics.MACHINEPOOL_SPEC, spec(replicas, generation, version, null));
        }

        void publishDeleting() {
            publish(Topics.MACHINEPOOL_SPEC, spec(sim.members.size(), 3, sim.template, Instant.now()));
        }

        PoolSpec spec(int replicas, long generation, String version, Instant deleting) {
            var infra = management.client().resources(AWSMachinePool.class).inNamespace("team-a")
                    .withName("workers-" + name).get();
            return new PoolSpec("team-a", name, "uid-" + name, generation, Map.of(), annotations,
                    List.of(), deleting, machinePoolSpec(replicas, version),
                    new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL,
                            "workers-" + name, "u", version.equals("v1") ? 1 : 2,
                            infra.getMetadata().getFinalizers(), null, new InfraSpec.Aws(awsSpec()), null),
                    false);
        }

        MachinePoolSpec machinePoolSpec(int replicas, String version) {
            return MachinePoolSpecs.of("demo", replicas, version, name + "-bootstrap",
                    ClusterApi.KIND_AWS_MACHINE_POOL, "workers-" + name, 0);
        }

        void publishObserved() {
            publish(Topics.SCALINGGROUP_STATE, sim.state());
            publish(Topics.MACHINEPOOL_STATUS, sim.status());
        }

        List<String> infraFinalizers() {
            var infra = management.client().resources(AWSMachinePool.class).inNamespace("team-a")
                    .withName("workers-" + name).get();
            return infra.getMetadata().getFinalizers() == null ? List.of() : infra.getMetadata().getFinalizers();
        }

        /** Answers commands until {@code last} arrives (checking each on arrival), then until quiet. */
        ScalingGroupCommand settleUntil(Predicate<ScalingGroupCommand> last,
                                        java.util.function.Consumer<ScalingGroupCommand> onArrival) {
            List<ScalingGroupCommand> seen = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                for (ScalingGroupCommand c : poll()) {
                    if (last.test(c)) {
                        onArrival.accept(c);
                        seen.add(c);
                    }
                    answer(c);
                }
                return !seen.isEmpty();
            });
            return seen.get(0);
        }

        /**
         * Answers commands until one matching {@code expected} has been answered (if one is expected) and no command
         * has come for a second: the reconciler has nothing more to say about the pool.
         */
        void settle() {
            settle(null);
        }

        void settle(Predicate<ScalingGroupCommand> expected) {
            long[] quietSince = {System.nanoTime()};
            boolean[] matched = {false};
            boolean expectsOne = expected != null;
            await().atMost(WAIT).until(() -> {
                List<ScalingGroupCommand> batch = poll();
                for (ScalingGroupCommand c : batch) {
                    matched[0] |= expectsOne && expected.test(c);
                    answer(c);
                }
                if (!batch.isEmpty()) {
                    quietSince[0] = System.nanoTime();
                }
                return (matched[0] || !expectsOne)
                        && System.nanoTime() - quietSince[0] > Duration.ofSeconds(1).toNanos();
            });
        }

        void answer(List<Integer> readyHistory) {
            for (ScalingGroupCommand c : poll()) {
                answer(c);
                readyHistory.add(sim.ready());
            }
        }

        private void answer(ScalingGroupCommand command) {
            commands.add(command);
            sim.handle(command);
            publishObserved();
        }

        private List<ScalingGroupCommand> poll() {
            List<ScalingGroupCommand> mine = new ArrayList<>();
            synchronized (ReconcilerIT.this) {
                for (ConsumerRecord<String, ScalingGroupCommand> record : ReconcilerIT.this.commands.poll(
                        Duration.ofMillis(100))) {
                    if (record.key().equals(key)) {
                        mine.add(record.value());
                    } else {
                        others.add(record);
                    }
                }
                var iterator = others.iterator();
                while (iterator.hasNext()) {
                    var record = iterator.next();
                    if (record.key().equals(key)) {
                        mine.add(record.value());
                        iterator.remove();
                    }
                }
            }
            return mine;
        }

        private void publish(Topics.TopicSpec topic, Keyed value) {
            producer.send(new ProducerRecord<>(topic.name(), value.key(), serializer.serialize(topic.name(), value)));
            producer.flush();
        }
    }

    private final List<ConsumerRecord<String, ScalingGroupCommand>> others = new ArrayList<>();
}
