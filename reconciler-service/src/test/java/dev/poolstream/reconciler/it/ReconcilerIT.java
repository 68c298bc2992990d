package dev.poolstream.reconciler.it;

import dev.poolstream.events.MachineRequest;
import dev.poolstream.events.PoolMember;
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
import dev.poolstream.reconciler.domain.Attempts;
import dev.poolstream.reconciler.domain.CommandFailure;
import dev.poolstream.reconciler.domain.Notices;
import dev.poolstream.testing.MockCluster;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
 * {@link PoolSimulator} that answers its commands; new instances boot for {@link #BOOT} before they are Ready.
 *
 * <p>No test waits for a quiet moment. A test awaits what it expects (a command, an object's state), and asserts
 * that something did <em>not</em> happen against an end marker: the pool's next generation. The reconciler looks
 * at a pool on one thread, always with its latest spec, and sends a pool's commands in order to one partition, each
 * carrying the generation it was decided for. So once the first command of generation n+1 has arrived, every
 * command of generation n has arrived before it: none can come later.
 */
@EmbeddedKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReconcilerIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How long a new instance boots before its Node is Ready. */
    private static final Duration BOOT = Duration.ofMillis(1500);
    /** How long the reconciler awaits a capacity command before it counts as failed and is tried again. */
    private static final Duration AWAIT_TIMEOUT = Duration.ofSeconds(6);

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
                "--poolstream.reconciler.await-timeout=" + AWAIT_TIMEOUT.toMillis() + "ms",
                "--poolstream.reconciler.retry-backoff=1s",
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

        pool.publishSpec(20, 2, "v1");
        pool.awaitCommand(c -> c instanceof SetCapacity && c.generation() == 2);
        // The end marker: generation 3 goes out only once generation 2's SetCapacity is carried out.
        pool.publishSpec(21, 3, "v1");
        ScalingGroupCommand marker = pool.awaitCommand(c -> c.generation() == 3);

        assertThat(marker).isInstanceOfSatisfying(SetCapacity.class,
                c -> assertThat(c.capacity().desired()).isEqualTo(21));
        List<ScalingGroupCommand> sent = pool.commandsOf(2);
        assertThat(sent).as(sent.toString()).singleElement().isInstanceOfSatisfying(SetCapacity.class,
                c -> assertThat(c.capacity().desired()).isEqualTo(20));
        assertThat(pool.sim.members).hasSize(21);
    }

    @Test
    void shouldCordonAndEvictFiveNamedNodesBeforeTheirTerminateCommand() {
        Pool pool = new Pool("scale-down");
        pool.create(20, 1, 50);
        List<String> oldest = pool.sim.members.subList(0, 5).stream().map(m -> m.nodeName()).toList();
        List<String> oldestIds = pool.sim.members.subList(0, 5).stream().map(m -> m.providerID()).toList();
        workload.client().resource(new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder().withNewMetadata()
                .withNamespace("kube-system").withName("agent").endMetadata().build()).create();
        workload.client().resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
                .withNamespace("kube-system").withName("daemon-on-" + oldest.get(0))
                .addNewOwnerReference().withKind("DaemonSet").withName("agent").withApiVersion("apps/v1")
                .withUid("ds").endOwnerReference().endMetadata()
                .withNewSpec().withNodeName(oldest.get(0)).endSpec().build()).create();
        // A PodDisruptionBudget refuses the first two evictions of one pod: the drain keeps trying.
        String guarded = "app-on-" + oldest.get(1);
        workload.refuseEvictions("apps", guarded, 2);
        double refusedBefore = evictions("refused");

        pool.publishSpec(15, 2, "v1");
        TerminateInstances terminate = (TerminateInstances) pool.awaitCommand(c -> c instanceof TerminateInstances,
                c -> {
                    // The moment the command arrives, its Nodes are already cordoned and empty.
                    for (String node : oldest) {
                        Node n = workload.client().nodes().withName(node).get();
                        assertThat(n.getSpec().getUnschedulable()).as(node + " cordoned").isTrue();
                        assertThat(workload.client().pods().inNamespace("apps").withName("app-on-" + node).get())
                                .as(node + " evicted").isNull();
                    }
                });

        assertThat(terminate.providerIDs()).containsExactlyInAnyOrderElementsOf(oldestIds);
        // The budget's two refusals were seen (not hidden by client retries), shown, and the eviction retried.
        assertThat(evictions("refused") - refusedBefore).as("evictions refused").isEqualTo(2.0);
        await().atMost(WAIT).untilAsserted(() -> assertThat(events("scale-down", Notices.DRAIN_BLOCKED))
                .anySatisfy(note -> assertThat(note).contains(oldest.get(1), "apps/" + guarded)));
        assertThat(workload.client().pods().inNamespace("kube-system").withName("daemon-on-" + oldest.get(0)).get())
                .as("a DaemonSet pod is left alone").isNotNull();
        assertThat(pool.sim.members).hasSize(15);
        assertThat(pool.sim.members.stream().map(m -> m.nodeName())).doesNotContainAnyElementsOf(oldest);
    }

    @Test
    void shouldRollOutFiveWithMaxSurgeOneNeverBelowFiveReadyWhileNewInstancesBoot() {
        Pool pool = new Pool("roll-out");
        pool.create(5, 1, 50);
        int from = pool.sim.readyHistory.size();

        pool.publishSpec(5, 2, "v2");
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            pool.pump();
            // Done when the new template is the group's and every instance runs it, Ready.
            return pool.sim.template.equals("v2") && pool.sim.members.size() == 5
                    && pool.sim.members.stream().allMatch(m -> m.upToDate() && m.ready());
        });

        List<Integer> readyHistory = pool.sim.readyHistory.subList(from, pool.sim.readyHistory.size());
        assertThat(readyHistory).as("Ready instances after every change").isNotEmpty().allMatch(ready -> ready >= 5);
        assertThat(pool.sim.mostBooting).as("new instances booted while old ones ran, one at a time").isEqualTo(1);
        assertThat(pool.commandsOf(2).stream().filter(TerminateInstances.class::isInstance)).hasSize(5);
        assertThat(pool.sim.template).isEqualTo("v2");
    }

    @Test
    void shouldRemoveTheFinalizerOnlyAfterTheGroupIsGone() {
        Pool pool = new Pool("deleted");
        pool.create(2, 1, 50);
        await().atMost(WAIT).until(() -> pool.infraFinalizers().contains(ClusterApi.POOLSTREAM_FINALIZER));

        pool.publishDeleting();
        DeleteGroup delete = (DeleteGroup) pool.awaitCommand(c -> c instanceof DeleteGroup, c ->
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

        // The autoscaler grows the group; the reconciler copies its size into spec.replicas.
        pool.sim.handle(SetCapacity.of(pool.key, 1, "x", new dev.poolstream.events.command.Capacity(6, 0, 50,
                true)));
        pool.publishObserved();
        await().atMost(WAIT).until(() -> {
            pool.pump();
            return Integer.valueOf(6).equals(management.client()
                    .resources(dev.poolstream.api.cluster.v1beta2.MachinePool.class).inNamespace("team-a")
                    .withName("autoscaled").get().getSpec().getReplicas());
        });
        // A spec that still says 3 (the watcher has not seen that write yet): the group's size stands.
        pool.publishSpec(3, 2, "v1");
        // The end marker: a new template in generation 3 is rolled out (a roll-out is not a capacity command). Its
        // Event is written after every Event of earlier looks (one writer, in order).
        pool.publishSpec(6, 3, "v2");
        ScalingGroupCommand marker = pool.awaitCommand(c -> c.generation() == 3);
        await().atMost(WAIT).until(() -> !events("autoscaled", Notices.ROLLING_OUT).isEmpty());

        assertThat(marker).isInstanceOf(RollOut.class);
        assertThat(pool.commands).as(pool.commands.toString())
                .noneMatch(c -> c instanceof SetCapacity || c instanceof TerminateInstances);
        assertThat(events("autoscaled", Notices.SCALING)).as("no scaling").isEmpty();
        assertThat(events("autoscaled", Notices.DRAINING)).as("no drain started").isEmpty();
    }

    @Test
    void shouldSendTheNextAttemptUnderANewIdWhenACapacityCommandIsNotCarriedOutInTime() {
        Pool pool = new Pool("unanswered");
        pool.create(2, 1, 50);
        // The cloud never carries out generation 2's first SetCapacity.
        pool.unanswered = c -> c instanceof SetCapacity && c.generation() == 2
                && pool.commandsOf(2).stream().noneMatch(SetCapacity.class::isInstance);

        pool.publishSpec(3, 2, "v1");
        SetCapacity first = (SetCapacity) pool.awaitCommand(c -> c instanceof SetCapacity);
        long sentAt = System.nanoTime();
        SetCapacity second = (SetCapacity) pool.awaitCommand(c -> c instanceof SetCapacity && c != first);
        Duration after = Duration.ofNanos(System.nanoTime() - sentAt);

        assertThat(second.id()).isEqualTo(Attempts.attemptId(first, 2)).isNotEqualTo(first.id());
        assertThat(second.capacity()).isEqualTo(first.capacity());
        assertThat(after).as("not before the await timeout").isGreaterThanOrEqualTo(AWAIT_TIMEOUT);
        await().atMost(WAIT).untilAsserted(() -> assertThat(events("unanswered", Attempts.REASON_RETRYING))
                .anySatisfy(note -> assertThat(note).contains(first.id(), CommandFailure.REASON_TIMED_OUT)));
        assertThat(pool.sim.members).as("the second attempt carried out").hasSize(3);
    }

    /**
     * Cluster API's pre-drain hook added to a deleting Machine while its Node's drain runs (a budget holds it up):
     * the drain stops, as Cluster API drains no further, and starts again once the hook's owner removes it.
     */
    @Test
    void shouldStopADrainWhenAPreDrainHookComesWhileItRunsAndDrainAgainOnceTheHookIsGone() {
        Pool pool = new Pool("hooked-late");
        double stopped = count("poolstream.reconciler.drains", "stopped");
        PoolMember victim = drainHeldUpByABudget(pool, 2);
        String guarded = guardedOn(victim);

        String hook = ClusterApi.PRE_DRAIN_HOOK_PREFIX + "/backup";
        pool.machines = List.of(machine(victim, List.of(hook)));
        pool.publishSpec(5, 3, "v1");
        await().atMost(WAIT).until(() -> {
            pool.pump();
            return count("poolstream.reconciler.drains", "stopped") >= stopped + 1;
        });
        assertThat(workload.client().pods().inNamespace("apps").withName(guarded).get()).as("not evicted").isNotNull();
        await().atMost(WAIT).untilAsserted(() -> assertThat(events("hooked-late",
                Notices.WAITING_FOR_PRE_DRAIN_HOOK)).anySatisfy(note -> assertThat(note).contains(hook)));

        workload.refuseEvictions("apps", guarded, 0);
        pool.machines = List.of(machine(victim, List.of()));
        pool.publishSpec(5, 4, "v1");
        TerminateInstances terminate = (TerminateInstances) pool.awaitCommand(c -> c instanceof TerminateInstances,
                c -> assertThat(workload.client().pods().inNamespace("apps").withName(guarded).get())
                        .as("evicted").isNull());
        assertThat(terminate.providerIDs()).containsExactly(victim.providerID());
    }

    /**
     * A pool paused (`clusterctl move`, an incident) while a Node's drain runs, held up by a budget: the drain stops
     * and nothing is evicted while it is paused; resumed, the drain goes on and the instance is terminated.
     */
    @Test
    void shouldStopADrainWhenThePoolIsPausedAndGoOnOnceItIsResumed() {
        Pool pool = new Pool("paused-mid-drain");
        double stopped = count("poolstream.reconciler.drains", "stopped");
        PoolMember victim = drainHeldUpByABudget(pool, 3);
        String guarded = guardedOn(victim);

        pool.annotations = Map.of(ClusterApi.PAUSED_ANNOTATION, "");
        pool.publishSpec(5, 3, "v1");
        await().atMost(WAIT).until(() -> {
            pool.pump();
            return count("poolstream.reconciler.drains", "stopped") >= stopped + 1;
        });
        workload.refuseEvictions("apps", guarded, 0);
        assertThat(workload.client().pods().inNamespace("apps").withName(guarded).get()).as("not evicted").isNotNull();

        pool.annotations = Map.of();
        pool.publishSpec(5, 4, "v1");
        TerminateInstances terminate = (TerminateInstances) pool.awaitCommand(c -> c instanceof TerminateInstances,
                c -> assertThat(workload.client().pods().inNamespace("apps").withName(guarded).get())
                        .as("evicted").isNull());
        assertThat(terminate.providerIDs()).containsExactly(victim.providerID());
    }

    /**
     * A pool of five whose member {@code index} has its Machine deleted (generation 2) and its Node's drain held up:
     * a PodDisruptionBudget refuses its pod's eviction, twice at least by the time this returns.
     */
    private PoolMember drainHeldUpByABudget(Pool pool, int index) {
        pool.create(5, 1, 50);
        PoolMember victim = pool.sim.members.get(index);
        workload.refuseEvictions("apps", guardedOn(victim), 1_000);
        double refused = evictions("refused");
        pool.machines = List.of(machine(victim, List.of()));
        pool.publishSpec(5, 2, "v1");
        await().atMost(WAIT).until(() -> {
            pool.pump();
            return evictions("refused") >= refused + 2;
        });
        return victim;
    }

    /** The pod on the member's Node that a budget protects. */
    private static String guardedOn(PoolMember member) {
        return "app-on-" + member.nodeName();
    }

    /** The member's Machine, deleting, with these pre-drain hooks. */
    private static MachineRequest machine(PoolMember member, List<String> preDrainHooks) {
        return new MachineRequest(member.providerID(), "machine-" + member.nodeName(), "aws-" + member.nodeName(),
                true, false, false, null, false, false, false, preDrainHooks, List.of());
    }

    /** {@code poolstream.reconciler.evictions} of the running service with this outcome. */
    private double evictions(String outcome) {
        return count("poolstream.reconciler.evictions", outcome);
    }

    private double count(String meter, String outcome) {
        Counter counter = app.getBean(MeterRegistry.class).find(meter).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    /** The notes of the Events with this reason on the MachinePool {@code name}. */
    private List<String> events(String name, String reason) {
        return management.client().events().v1().events().inNamespace("team-a").list().getItems().stream()
                .filter(e -> e.getRegarding() != null && name.equals(e.getRegarding().getName())
                        && ClusterApi.KIND_MACHINE_POOL.equals(e.getRegarding().getKind())
                        && reason.equals(e.getReason()))
                .map(e -> e.getNote()).toList();
    }

    /** One pool of the test: its objects, its simulator, and the commands it received. */
    private final class Pool {
        final String name;
        final String key;
        final PoolSimulator sim;
        final List<ScalingGroupCommand> commands = new ArrayList<>();
        Map<String, String> annotations = Map.of();
        /** What the pool's Machines ask, as the watcher would publish it. */
        List<MachineRequest> machines = List.of();
        /** Commands the cloud never carries out (nor reports). */
        Predicate<ScalingGroupCommand> unanswered = c -> false;
        int min;
        int max;

        Pool(String name) {
            this.name = name;
            this.key = "team-a/" + name;
            this.sim = new PoolSimulator(key, workload.client()).bootingFor(BOOT, Clock.systemUTC());
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
            // The first look since the reconciler started rolls the template out (the same template: no change).
            awaitCommand(c -> c instanceof RollOut && c.generation() == 1);
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
                    false).withMachines(machines, List.of());
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

        /**
         * Answers commands, and lets booted instances join, until one matching {@code expected} arrives; returns
         * it (answered).
         */
        ScalingGroupCommand awaitCommand(Predicate<ScalingGroupCommand> expected) {
            return awaitCommand(expected, c -> {
            });
        }

        /** The same, calling {@code onArrival} with the matching command before it is answered. */
        ScalingGroupCommand awaitCommand(Predicate<ScalingGroupCommand> expected,
                                         java.util.function.Consumer<ScalingGroupCommand> onArrival) {
            List<ScalingGroupCommand> seen = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                pump(c -> {
                    if (seen.isEmpty() && expected.test(c)) {
                        onArrival.accept(c);
                        seen.add(c);
                    }
                });
                return !seen.isEmpty();
            });
            return seen.get(0);
        }

        /** The commands received for this generation of the pool, in order. */
        List<ScalingGroupCommand> commandsOf(long generation) {
            return commands.stream().filter(c -> c.generation() == generation).toList();
        }

        /** One round of the cloud and status service: the commands that came answered, booted instances Ready. */
        void pump() {
            pump(c -> {
            });
        }

        private void pump(java.util.function.Consumer<ScalingGroupCommand> beforeAnswer) {
            for (ScalingGroupCommand c : poll()) {
                beforeAnswer.accept(c);
                answer(c);
            }
            if (sim.boot()) {
                publishObserved();
            }
        }

        private void answer(ScalingGroupCommand command) {
            boolean carriedOut = !unanswered.test(command);
            commands.add(command);
            if (carriedOut) {
                sim.handle(command);
                publishObserved();
            }
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
