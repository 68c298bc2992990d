package dev.poolstream.reconciler.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Bootstrap;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.bootstrap.ConfigRef;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.AwsLaunchTemplate;
import dev.poolstream.api.kube.KubeEvents;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolSpecChecks;
import dev.poolstream.events.ScalingGroupNames;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.kafka.DeadLetters;
import dev.poolstream.reconciler.Reconciler;
import dev.poolstream.reconciler.ReconcilerApplication;
import dev.poolstream.testing.AuditedRequest;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.MachinePoolSpecs;
import dev.poolstream.testing.MovableClock;
import dev.poolstream.testing.ServiceAccountProperties;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * The reconciler on the real tier: a real kube-apiserver and etcd ({@link KubeApiServer}) as management and
 * workload cluster, and a real broker. The watcher is played by a {@link SpecFeed} that publishes what the server
 * holds; each pool's cloud and status service by a {@link PoolSimulator}; the kubelet by an informer that removes
 * a terminating pod. There is no controller-manager: no garbage collector, no disruption controller.
 */
@EmbeddedKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReconcilerRealApiIT {

    private static final String NS = "reconciler-real";
    private static final String CLUSTER = "demo";
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** A look scheduled this soon is one a settled pool waits for (retries and rechecks here take 100–200 ms). */
    private static final Duration SOON = Duration.ofSeconds(2);
    /** The reconciler's consumer group (reconciler-service.yaml). */
    private static final String RECONCILER_GROUP = "poolstream-reconciler";
    /** Another controller's finalizer: it keeps a deleted object until that controller is done. */
    private static final String AUDIT_FINALIZER = "example.com/audit";
    /** Cluster API's bootstrap group: CABPK's KubeadmConfig and CAPA's EKSConfig, the kinds k8s/ lets it read. */
    private static final String BOOTSTRAP_GROUP = "bootstrap.cluster.x-k8s.io";
    /** The reconciler's ServiceAccount (namespace poolstream), as which its management client runs here. */
    static final String SERVICE_ACCOUNT = "reconciler-service";
    /** Its ServiceAccount and RBAC as {@code k8s/} ships them: the base and the owner-mode component. */
    static final Path[] K8S_RBAC = {Path.of("..", "k8s", "base", "reconciler-service.yaml"),
            Path.of("..", "k8s", "components", "owner-mode", "rbac.yaml")};

    private KubeApiServer server;
    private KubernetesClient kube;
    private Path kubeconfig;
    /** The reconciler's own client acts as its ServiceAccount, with the RBAC of k8s/. */
    private ServiceAccountProperties asTheReconciler;
    private String brokers;
    private ConfigurableApplicationContext app;
    private MeterRegistry meters;
    private KafkaProducer<String, byte[]> producer;
    /** Reads the offsets the reconciler's group committed: how far it has taken in what the test published. */
    private Admin admin;
    /** Partition → the offset past the last record the test published to it. */
    private final Map<TopicPartition, Long> published = new ConcurrentHashMap<>();
    /** Pool key → how many records the test (its feed, its simulated clouds) published for it. */
    private final Map<String, Long> publishedFor = new ConcurrentHashMap<>();
    /** Commands dead-lettered since the reconciler started, which it takes in from the DLT (committing nothing). */
    private int deadLettered;
    private KafkaConsumer<String, ScalingGroupCommand> commands;
    private final List<ConsumerRecord<String, ScalingGroupCommand>> others = new ArrayList<>();
    private SpecFeed feed;
    private SharedIndexInformer<Pod> kubelet;
    private final EventSerializer<Keyed> serializer = new EventSerializer<>(URI.create("/test"), Clock.systemUTC());
    /** The reconciler's clock (its decisions, drains and Events): now, moved forward by a test. */
    private final MovableClock clock = MovableClock.system();

    @BeforeAll
    void start(EmbeddedKafkaBroker broker) throws IOException {
        server = KubeApiServer.shared().namespace(NS).applyRbac(K8S_RBAC);
        kube = server.client();
        kube.resource(new SecretBuilder().withNewMetadata().withNamespace(NS)
                .withName(ClusterApi.kubeconfigSecretName(CLUSTER))
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, CLUSTER).endMetadata()
                .addToData(ClusterApi.KUBECONFIG_SECRET_KEY, Base64.getEncoder().encodeToString(
                        server.kubeconfig().getBytes(StandardCharsets.UTF_8))).build())
                .createOr(existing -> existing.update());
        // The reconciler's management client reads the same kubeconfig, from a file as kubectl does, and acts as
        // the reconciler's ServiceAccount (the kubeconfig's admin impersonates it): every call it makes on the
        // management cluster is authorized by the RBAC of k8s/. The workload cluster's client, from the kubeconfig
        // Secret, stays the admin's, as Cluster API's kubeconfig is.
        kubeconfig = Files.createTempFile("reconciler-real-api", ".kubeconfig");
        asTheReconciler = server.serviceAccountProperties(SERVICE_ACCOUNT, kubeconfig);
        brokers = broker.getBrokersAsString();
        startReconciler();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        commands = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-cloud",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new EventDeserializer<>(ScalingGroupCommand.class));
        commands.subscribe(List.of(Topics.SCALINGGROUP_COMMANDS_AWS.name()));
        feed = new SpecFeed(kube, NS, this::publishSpec);
        kubelet = kube.pods().inNamespace(NS).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                removeWhenTerminating(pod);
            }

            @Override
            public void onUpdate(Pod before, Pod pod) {
                removeWhenTerminating(pod);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
            }
        });
    }

    /** The reconciler, started with what it had before, deciding: caught up with its topics. */
    private void startReconciler() {
        app = ReconcilerApplication.builder()
                .initializers(context -> ((GenericApplicationContext) context)
                        .registerBean(Clock.class, () -> clock))
                .run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=" + brokers,
                "--poolstream.kafka.create-topics=true",
                "--poolstream.reconciler.mode=owner",
                "--poolstream.reconciler.drain-retry=100ms",
                "--poolstream.reconciler.recheck=200ms",
                "--poolstream.reconciler.retry-backoff=200ms",
                "--logging.structured.format.console=");
        meters = app.getBean(MeterRegistry.class);
        deadLettered = 0;
        // Deciding from here on: a record published now is acted on as it arrives, not folded into a read-back.
        Reconciler reconciler = app.getBean(Reconciler.class);
        await().atMost(WAIT).until(reconciler::caughtUpNow);
    }

    /** What a kubelet does once a pod's containers have stopped: the pod goes for good. */
    private void removeWhenTerminating(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            kube.pods().inNamespace(NS).withName(pod.getMetadata().getName()).withGracePeriod(0).delete();
        }
    }

    @AfterAll
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {kubelet, feed, commands, producer, admin, app}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // Close the rest.
            }
        }
        if (kubeconfig != null) {
            kubeconfig.toFile().delete();
        }
        if (asTheReconciler != null) {
            asTheReconciler.close();
        }
    }

    @Test
    void shouldKeepTheDeletedPoolUntilItsGroupIsGoneThenRemoveOnlyItsOwnFinalizers() {
        Pool pool = new Pool("doomed");
        pool.create(2, Map.of(), List.of(AUDIT_FINALIZER));
        pool.settle(EnsureGroup.class::isInstance);
        await().atMost(WAIT).until(() -> pool.machinePool().getMetadata().getFinalizers()
                .contains(ClusterApi.MACHINE_POOL_FINALIZER)
                && pool.infrastructure().getMetadata().getFinalizers().contains(ClusterApi.POOLSTREAM_FINALIZER));
        // The reconciler's requests name it, and so do the field managers of what it wrote.
        assertThat(pool.machinePool().getMetadata().getManagedFields())
                .anySatisfy(f -> assertThat(f.getManager()).isEqualTo("poolstream-reconciler-service"));
        assertThat(server.requests()).filteredOn(r -> r.namespace().equals(NS)
                        && r.user().endsWith(":" + SERVICE_ACCOUNT))
                .isNotEmpty().allSatisfy(r -> assertThat(r.userAgent()).as(r.verb() + " " + r.resource())
                        .startsWith("poolstream-reconciler-service/"));

        // As `kubectl delete`: both objects hold finalizers, so the server only marks them.
        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).delete();
        kube.resources(AWSMachinePool.class).inNamespace(NS).withName(pool.infraName()).delete();
        assertThat(pool.machinePool().getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(pool.infrastructure().getMetadata().getDeletionTimestamp()).isNotNull();

        ScalingGroupCommand first = pool.next(DeleteGroup.class::isInstance);
        EnsureGroup created = (EnsureGroup) pool.commands.stream().filter(EnsureGroup.class::isInstance).findFirst()
                .orElseThrow();
        assertThat(((DeleteGroup) first).group()).as("the group it created").isEqualTo(created.group())
                .isEqualTo(ScalingGroupNames.derive(Cloud.AWS, CLUSTER, NS, pool.infraName()));
        // The spec of a pool being deleted can still change (its generation too): another look, another DeleteGroup.
        // Once it arrives, the look that sent the first one is over: whatever it wrote, it has written.
        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).edit(p -> {
            p.getSpec().setReplicas(1);
            return p;
        });
        ScalingGroupCommand second = pool.next(c -> c instanceof DeleteGroup && !c.id().equals(first.id()));
        // The group still exists: both objects are still there, with their finalizers.
        assertThat(pool.machinePool().getMetadata().getFinalizers())
                .contains(ClusterApi.MACHINE_POOL_FINALIZER, AUDIT_FINALIZER);
        assertThat(pool.infrastructure().getMetadata().getFinalizers()).contains(ClusterApi.POOLSTREAM_FINALIZER);
        pool.answer(first);
        pool.answer(second);

        // The group is gone: Poolstream lets go of both objects, and of nothing else.
        await().atMost(WAIT).until(() -> pool.infrastructure() == null);
        await().atMost(WAIT).until(() -> pool.machinePool().getMetadata().getFinalizers()
                .equals(List.of(AUDIT_FINALIZER)));
        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).edit(p -> {
            p.getMetadata().setFinalizers(List.of());
            return p;
        });
        await().atMost(WAIT).until(() -> pool.machinePool() == null);
        assertThat(pool.commands).filteredOn(EnsureGroup.class::isInstance).hasSize(1);
    }

    /**
     * Owner mode: deleting the MachinePool alone deletes its AWSMachinePool too, as Cluster API's MachinePool
     * controller does; Poolstream's finalizer holds it until the group is gone, then both go.
     */
    @Test
    void shouldDeleteTheInfrastructurePoolWithItsMachinePoolAndLetItGoOnceTheGroupIsGone() {
        Pool pool = new Pool("with-infra");
        pool.create(1, Map.of(), List.of());
        pool.settle(EnsureGroup.class::isInstance);
        await().atMost(WAIT).until(() -> pool.machinePool().getMetadata().getFinalizers()
                .contains(ClusterApi.MACHINE_POOL_FINALIZER)
                && pool.infrastructure().getMetadata().getFinalizers().contains(ClusterApi.POOLSTREAM_FINALIZER));

        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).delete();

        ScalingGroupCommand delete = pool.next(DeleteGroup.class::isInstance);
        await().atMost(WAIT).until(() -> pool.infrastructure().getMetadata().getDeletionTimestamp() != null);
        assertThat(server.requests()).filteredOn(r -> r.verb().equals("delete")
                && r.resource().equals("awsmachinepools")
                && r.name().equals(pool.infraName()) && r.code() < 300).singleElement()
                .satisfies(r -> assertThat(r.user()).endsWith(":" + SERVICE_ACCOUNT));
        assertThat(pool.infrastructure().getMetadata().getFinalizers()).as("held while the group exists")
                .contains(ClusterApi.POOLSTREAM_FINALIZER);
        pool.answer(delete);

        await().atMost(WAIT).until(() -> pool.infrastructure() == null && pool.machinePool() == null);
    }

    @Test
    void shouldNotEnsureAGroupWhenAStaleRecordShowsAPoolTheServerIsAlreadyDeleting() {
        Pool pool = new Pool("stale");
        AWSMachinePool infra = pool.createInfrastructure();
        MachinePool created = pool.createMachinePool(2, Map.of(), List.of(AUDIT_FINALIZER));
        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).delete();
        kube.resources(AWSMachinePool.class).inNamespace(NS).withName(pool.infraName()).delete();
        await().atMost(WAIT).until(() -> pool.infrastructure() == null);

        // The watcher had not seen the deletion yet: the record of the pool as created, then the one of now.
        publishSpec(pool.key, SpecFeed.spec(created, infra));
        publishSpec(pool.key, SpecFeed.spec(pool.machinePool(), null));
        // A pool whose records share the partition, so the reconciler reads them after those: once it has
        // its group, the stale record has been acted on, and any command it caused has been sent before.
        Pool marker = new Pool(nameInPartitionOf("stale-marker", pool.key));
        marker.create(1, Map.of(), List.of());
        marker.settle(EnsureGroup.class::isInstance);

        assertThat(pool.poll()).as("no command for a pool the server is deleting").isEmpty();
        assertThat(pool.machinePool().getMetadata().getFinalizers()).containsExactly(AUDIT_FINALIZER);
        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).edit(p -> {
            p.getMetadata().setFinalizers(List.of());
            return p;
        });
        await().atMost(WAIT).until(() -> pool.machinePool() == null);
        publishSpec(pool.key, null);
    }

    @Test
    void shouldSendTheCapacityCommandWhenKubectlScalesThePoolThroughItsScaleSubresource() throws Exception {
        Pool pool = new Pool("scaled");
        pool.create(2, Map.of(), List.of());
        pool.settle(EnsureGroup.class::isInstance);
        int before = pool.commands.size();

        Process kubectl = new ProcessBuilder(KubeApiServer.binaryDirectory().resolve("kubectl").toString(),
                "--kubeconfig", kubeconfig.toString(), "--namespace", NS, "scale", "machinepool/" + pool.name,
                "--replicas=5").redirectErrorStream(true).start();
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.exitValue()).as(output).isZero();
        assertThat(output).contains("scaled");

        pool.settle(SetCapacity.class::isInstance);
        List<ScalingGroupCommand> sent = pool.commands.subList(before, pool.commands.size());
        assertThat(sent).as(sent.toString()).singleElement().isInstanceOfSatisfying(SetCapacity.class,
                c -> assertThat(c.capacity().desired()).isEqualTo(5));
        assertThat(pool.machinePool().getSpec().getReplicas()).isEqualTo(5);
        assertThat(pool.sim.members).hasSize(5);
    }

    @Test
    void shouldCopyTheGroupsSizeIntoSpecReplicasAndSendNoCapacityCommandWhenAnAutoscalerOwnsIt() {
        Pool pool = new Pool("autoscaled");
        pool.create(3, Map.of(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "cluster-autoscaler"), List.of());
        pool.settle(EnsureGroup.class::isInstance);
        int before = pool.commands.size();

        // The autoscaler sets the group's desired capacity in the cloud, past Poolstream.
        pool.sim.handle(SetCapacity.of(pool.key, 1, pool.infraName(), new Capacity(6, 0, 10, true)));
        pool.publishObserved();

        await().atMost(WAIT).until(() -> Integer.valueOf(6).equals(pool.machinePool().getSpec().getReplicas()));
        pool.settle(null);
        assertThat(pool.commands.subList(before, pool.commands.size()))
                .noneMatch(c -> c instanceof SetCapacity || c instanceof TerminateInstances
                        || c instanceof EnsureGroup);
        assertThat(pool.sim.members).hasSize(6);
    }

    @Test
    void shouldDrainThroughTheEvictionApiOnlyWhenThePodDisruptionBudgetAllowsItThenTerminate() {
        Pool pool = new Pool("drained");
        double drained = count("poolstream.reconciler.drains", "drained");
        // The budget allows no disruption: the API server refuses the eviction (429), and the drainer sees each
        // refusal and tries again round after round (drain-retry 100 ms here).
        PoolMember held = drainHeldUpByABudget(pool, "guarded", 3);
        String victim = held.nodeName();
        String victimId = held.providerID();
        assertThat(kube.nodes().withName(victim).get().getSpec().getUnschedulable()).as("cordoned first").isTrue();
        Pod stillThere = kube.pods().inNamespace(NS).withName("guarded").get();
        assertThat(stillThere).isNotNull();
        assertThat(stillThere.getMetadata().getDeletionTimestamp()).isNull();
        assertThat(count("poolstream.reconciler.drains", "drained")).as("the drain has not finished")
                .isEqualTo(drained);
        assertThat(pool.commands).noneMatch(TerminateInstances.class::isInstance);

        // Refused round after round: one DrainBlocked Event, its repeats counted on its series (written at most
        // once per series interval, which the reconciler's clock passes here).
        String uid = pool.machinePool().getMetadata().getUid();
        await().atMost(WAIT).until(() -> events(uid).stream().anyMatch(e -> e.getReason().equals("DrainBlocked")));
        clock.advance(KubeEvents.SERIES_INTERVAL);
        await().atMost(WAIT).untilAsserted(() -> assertThat(events(uid))
                .filteredOn(e -> e.getReason().equals("DrainBlocked")).singleElement()
                .satisfies(e -> assertThat(e.getSeries()).isNotNull()
                        .satisfies(series -> assertThat(series.getCount()).isGreaterThan(1))));

        budget("guarded", 1);
        TerminateInstances terminate = (TerminateInstances) pool.settleUntil(TerminateInstances.class::isInstance,
                c -> {
                    assertThat(kube.nodes().withName(victim).get().getSpec().getUnschedulable()).isTrue();
                    assertThat(kube.pods().inNamespace(NS).withName("guarded").get()).as("evicted").isNull();
                });
        assertThat(terminate.providerIDs()).containsExactly(victimId);
        assertThat(kube.policy().v1().podDisruptionBudget().inNamespace(NS).withName("guarded").get().getStatus()
                .getDisruptionsAllowed()).as("the eviction used the budget's one disruption").isZero();
        assertThat(pool.sim.members).hasSize(1);
    }

    /**
     * A pool paused (`clusterctl move`, an incident) while a drain a PodDisruptionBudget holds up runs: the drain
     * stops. The budget then allows the eviction, but the server sees none before the pool is resumed; resumed, the
     * drain goes on (the Node's drain-started annotation brings it back), evicts and terminates the instance.
     */
    @Test
    void shouldStopADrainWhenThePoolIsPausedAndEvictOnlyAfterItIsResumed() {
        Pool pool = new Pool("paused-drain");
        double stopped = count("poolstream.reconciler.drains", "stopped");
        String victimId = drainHeldUpByABudget(pool, "paused-guarded", 2).providerID();

        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).edit(p -> {
            p.getMetadata().setAnnotations(new HashMap<>(p.getMetadata().getAnnotations() == null ? Map.of()
                    : p.getMetadata().getAnnotations()));
            p.getMetadata().getAnnotations().put(ClusterApi.PAUSED_ANNOTATION, "");
            return p;
        });
        await().atMost(WAIT).until(() -> {
            pool.answerAll();
            return count("poolstream.reconciler.drains", "stopped") >= stopped + 1;
        });
        budget("paused-guarded", 1);
        assertThat(kube.pods().inNamespace(NS).withName("paused-guarded").get().getMetadata()
                .getDeletionTimestamp()).as("not evicted while paused").isNull();
        assertThat(pool.commands).noneMatch(TerminateInstances.class::isInstance);

        int beforeResume = server.requests().size();
        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).edit(p -> {
            p.getMetadata().getAnnotations().remove(ClusterApi.PAUSED_ANNOTATION);
            return p;
        });
        TerminateInstances terminate = (TerminateInstances) pool.settleUntil(TerminateInstances.class::isInstance,
                c -> assertThat(kube.pods().inNamespace(NS).withName("paused-guarded").get()).as("evicted").isNull());
        assertThat(terminate.providerIDs()).containsExactly(victimId);
        // In the server's own order: the pod's eviction went through only after the write that resumed the pool.
        assertThat(server.requests().subList(0, beforeResume)).as("no eviction before the resume")
                .noneMatch(r -> isEvictionOf("paused-guarded", r));
        assertThat(server.requests()).as("evicted").anyMatch(r -> isEvictionOf("paused-guarded", r));
    }

    /**
     * A drain a PodDisruptionBudget holds up, the pool scaled back up, then the reconciler restarted: the restarted
     * one takes the drain up from the Node's {@code poolstream.dev/drain-started} (which the status service carries
     * as the member's {@code drainStarted}, simulated here), counts {@code nodeDrainTimeoutSeconds} from then, not
     * from its own start, and terminates the instance, whose drain ran out while it was down. The Node is never left
     * cordoned for good.
     */
    @Test
    void shouldTakeUpADrainStartedBeforeARestartAndTimeItOutFromItsStart() {
        Pool pool = new Pool("restarted");
        pool.nodeDrainTimeoutSeconds = 60;
        PoolMember held = settledPoolOfTwoWithAGuardedPod(pool, "held");
        String victim = held.nodeName();
        String victimId = held.providerID();

        scale(pool, 1);
        await().atMost(WAIT).until(() -> {
            pool.answerAll();
            Node node = kube.nodes().withName(victim).get();
            return Boolean.TRUE.equals(node.getSpec().getUnschedulable()) && node.getMetadata().getAnnotations()
                    .containsKey(ClusterApi.DRAIN_STARTED_ANNOTATION);
        });
        Instant started = Instant.parse(kube.nodes().withName(victim).get().getMetadata().getAnnotations()
                .get(ClusterApi.DRAIN_STARTED_ANNOTATION));
        // Back to two before the drain ends; the status service then reports the member's drain from its Node.
        scale(pool, 2);
        PoolMember m = pool.sim.members.get(0);
        pool.sim.members.set(0, new PoolMember(m.providerID(), m.nodeName(), m.nodeUid(), m.lifecycle(),
                m.launchTime(), m.ready(), m.available(), m.upToDate(), m.deleteRequested(), m.nodeAdopted(),
                m.nodeReady(), m.nodeReadySince(), m.kubeletVersion(), started));
        pool.publishObserved();

        // Down for half an hour: the drain's minute ran out meanwhile. Counted from the restart, it would have a
        // minute left, longer than this test waits.
        app.close();
        clock.advance(Duration.ofMinutes(30));
        startReconciler();

        TerminateInstances terminate = (TerminateInstances) pool.settleUntil(TerminateInstances.class::isInstance,
                c -> assertThat(kube.pods().inNamespace(NS).withName("held").get()).as("never evicted").isNotNull());
        assertThat(terminate.providerIDs()).containsExactly(victimId);
        String uid = pool.machinePool().getMetadata().getUid();
        await().atMost(WAIT).until(() -> events(uid).stream().anyMatch(e -> e.getReason().equals("DrainTimedOut")));
    }

    private void scale(Pool pool, int replicas) {
        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).edit(p -> {
            p.getSpec().setReplicas(replicas);
            return p;
        });
    }

    /**
     * A Node that joined while its workload cluster could not be watched: no record names it, but it is there, with
     * a pod. The scale-down finds it by its instance's provider ID and drains it before the instance is terminated
     * (it used to be taken for an instance that never joined, and terminated at once).
     */
    @Test
    void shouldDrainANodeNoRecordNamedFoundByItsProviderIdBeforeTerminatingItsInstance() {
        Pool pool = new Pool("unseen");
        pool.create(2, Map.of(), List.of());
        pool.settle(EnsureGroup.class::isInstance);
        PoolMember joined = pool.sim.members.get(0);
        String node = joined.nodeName();
        pool.sim.members.set(0, new PoolMember(joined.providerID(), "", "", joined.lifecycle(), joined.launchTime(),
                false, false, true, false, false));
        pool.publishObserved();

        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).edit(p -> {
            p.getSpec().setReplicas(1);
            return p;
        });

        TerminateInstances terminate = (TerminateInstances) pool.settleUntil(TerminateInstances.class::isInstance,
                c -> {
                    assertThat(kube.nodes().withName(node).get().getSpec().getUnschedulable()).as("cordoned")
                            .isTrue();
                    assertThat(kube.pods().inNamespace(NS).withName("app-on-" + node).get()).as("evicted").isNull();
                });
        assertThat(terminate.providerIDs()).containsExactly(joined.providerID());
    }

    /** CABPK's KubeadmConfig and CAPA's EKSConfig: the reconciler finds either through discovery. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"KubeadmConfig, kubeadmconfigs, kubeadm", "EKSConfig, eksconfigs, eks"})
    void shouldCopyTheBootstrapDataSecretNameFromTheConfigOnceItIsReadyThenEnsureTheGroupAndDeleteTheConfigWithThePool(
            String kind, String plural, String name) {
        ResourceDefinitionContext configsKind = installBootstrapConfigKind(kind, plural);
        Pool pool = new Pool(name);
        var configs = kube.genericKubernetesResources(configsKind).inNamespace(NS);
        GenericKubernetesResource notReady = new GenericKubernetesResourceBuilder()
                .withApiVersion(BOOTSTRAP_GROUP + "/v1beta2").withKind(kind)
                .withNewMetadata().withNamespace(NS).withName(name + "-config").endMetadata()
                .addToAdditionalProperties("spec", Map.of()).build();
        configs.resource(notReady).create();
        ConfigRef ref = new ConfigRef();
        ref.setApiGroup(BOOTSTRAP_GROUP);
        ref.setKind(kind);
        ref.setName(name + "-config");
        pool.bootstrap = ref;
        pool.create(2, Map.of(), List.of());

        // Not ready yet: the pool waits; a pool created after it is not held up.
        assertWaitsForItsBootstrapConfig(pool, name + "-neighbour");

        // The bootstrap provider writes the data Secret and says so.
        GenericKubernetesResource config = configs.withName(name + "-config").get();
        config.setAdditionalProperty("status", Map.of("dataSecretName", name + "-config-data",
                "initialization", Map.of("dataSecretCreated", true)));
        configs.resource(config).updateStatus();

        EnsureGroup ensure = (EnsureGroup) pool.settleUntil(EnsureGroup.class::isInstance, c -> { });
        assertThat(ensure.template().bootstrapDataSecret().name()).isEqualTo(name + "-config-data");
        var bootstrap = pool.machinePool().getSpec().getTemplate().getSpec().getBootstrap();
        assertThat(bootstrap.getDataSecretName()).isEqualTo(name + "-config-data");
        assertThat(bootstrap.getConfigRef()).isEqualTo(ref);

        // Deleted with the pool once its group is gone, as Cluster API's MachinePool controller deletes it.
        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).delete();
        pool.answer(pool.next(DeleteGroup.class::isInstance));
        await().atMost(WAIT).until(() -> pool.machinePool() == null);
        assertThat(configs.withName(name + "-config").get()).as("the bootstrap config").isNull();
        // Deleted once (a look made before the pool's last record came may ask again, and find it gone: 404).
        assertThat(server.requests()).filteredOn(r -> r.verb().equals("delete") && r.resource().equals(plural)
                && r.name().equals(name + "-config") && r.code() == 200).singleElement()
                .satisfies(r -> assertThat(r.user()).endsWith(":" + SERVICE_ACCOUNT));

        // Made again under the same name, its new config not ready yet: what was read of the old one does not count
        // (it once gave the new pool the old data Secret's name at once).
        configs.resource(notReady).create();
        Pool again = new Pool(name);
        again.bootstrap = ref;
        again.create(2, Map.of(), List.of());
        assertWaitsForItsBootstrapConfig(again, name + "-later");
    }

    /**
     * A MachinePool may name any bootstrap config of its namespace: one another MachinePool owns (Cluster API's owner
     * reference) stays when this pool is deleted.
     */
    @Test
    void shouldNotDeleteABootstrapConfigAnotherMachinePoolOwnsWithThePoolThatNamedIt() {
        ResourceDefinitionContext configsKind = installBootstrapConfigKind("KubeadmConfig", "kubeadmconfigs");
        Pool pool = new Pool("borrower");
        var configs = kube.genericKubernetesResources(configsKind).inNamespace(NS);
        GenericKubernetesResource owned = new GenericKubernetesResourceBuilder()
                .withApiVersion(BOOTSTRAP_GROUP + "/v1beta2").withKind("KubeadmConfig")
                .withNewMetadata().withNamespace(NS).withName("lender-config")
                .addNewOwnerReference().withApiVersion(ClusterApi.CLUSTER_GROUP + "/v1beta2")
                .withKind(ClusterApi.KIND_MACHINE_POOL).withName("lender").withUid("uid-of-the-lender").endOwnerReference()
                .endMetadata().addToAdditionalProperties("spec", Map.of()).build();
        configs.resource(owned).create();
        GenericKubernetesResource config = configs.withName("lender-config").get();
        config.setAdditionalProperty("status", Map.of("dataSecretName", "lender-config-data",
                "initialization", Map.of("dataSecretCreated", true)));
        configs.resource(config).updateStatus();
        ConfigRef ref = new ConfigRef();
        ref.setApiGroup(BOOTSTRAP_GROUP);
        ref.setKind("KubeadmConfig");
        ref.setName("lender-config");
        pool.bootstrap = ref;
        pool.create(2, Map.of(), List.of());
        pool.settleUntil(EnsureGroup.class::isInstance, c -> { });

        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).delete();
        pool.answer(pool.next(DeleteGroup.class::isInstance));
        await().atMost(WAIT).until(() -> pool.machinePool() == null);

        assertThat(configs.withName("lender-config").get()).as("the lender's bootstrap config").isNotNull();
        assertThat(server.requests()).noneMatch(r -> r.verb().equals("delete") && r.resource().equals("kubeadmconfigs")
                && r.name().equals("lender-config"));
    }

    /** Once a pool created after it ({@code later}) is settled, the pool has had no command and no data Secret. */
    private void assertWaitsForItsBootstrapConfig(Pool pool, String later) {
        Pool after = new Pool(later);
        after.create(1, Map.of(), List.of());
        after.settle(EnsureGroup.class::isInstance);
        assertThat(pool.poll()).isEmpty();
        assertThat(pool.machinePool().getSpec().getTemplate().getSpec().getBootstrap().getDataSecretName()).isNull();
    }

    @Test
    void shouldShowTheScaleDownsDrainAndTerminationAsEventsOnTheMachinePoolAndItsInfrastructurePool()
            throws Exception {
        Pool pool = new Pool("described");
        pool.create(2, Map.of(), List.of());
        pool.settle(EnsureGroup.class::isInstance);
        String victim = pool.sim.members.get(0).nodeName();

        kube.resources(MachinePool.class).inNamespace(NS).withName(pool.name).edit(p -> {
            p.getSpec().setReplicas(1);
            return p;
        });
        pool.settle(TerminateInstances.class::isInstance);

        // As `kubectl describe` finds them: Events whose regarding.uid is the object's.
        String uid = pool.machinePool().getMetadata().getUid();
        await().atMost(WAIT).untilAsserted(() -> assertThat(events(uid)).extracting(Event::getReason)
                .contains("Scaling", "DrainingNode", "NodeDrained", "TerminatingInstances"));
        List<Event> onPool = events(uid);
        assertThat(onPool).filteredOn(e -> e.getReason().equals("NodeDrained")).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Normal");
            assertThat(e.getNote()).contains(victim);
            assertThat(e.getReportingController()).isEqualTo("poolstream.dev/reconciler");
            assertThat(e.getRegarding().getKind()).isEqualTo("MachinePool");
        });
        assertThat(onPool).filteredOn(e -> e.getReason().equals("Scaling")).extracting(Event::getNote)
                .anyMatch(note -> note.startsWith("Scaling from 0 to 2"));
        assertThat(onPool).filteredOn(e -> e.getReason().equals("TerminatingInstances")).extracting(Event::getNote)
                .singleElement().asString().contains(victim, "scaling from 2 to 1");
        String infraUid = pool.infrastructure().getMetadata().getUid();
        await().atMost(WAIT).untilAsserted(() -> assertThat(events(infraUid)).extracting(Event::getReason)
                .contains("NodeDrained", "TerminatingInstances"));

        String described = kubectl("describe", "machinepool/" + pool.name);
        assertThat(described).contains("DrainingNode", "NodeDrained", "TerminatingInstances", victim);
    }

    @Test
    void shouldShowARefusedSpecAsAWarningEventAndSendNoCommand() {
        Pool pool = new Pool("too-big");
        pool.create(11, Map.of(), List.of());
        String uid = pool.machinePool().getMetadata().getUid();

        await().atMost(WAIT).untilAsserted(() -> assertThat(events(uid)).filteredOn(e -> e.getReason()
                .equals(PoolSpecChecks.REASON_REPLICAS_OUT_OF_RANGE)).singleElement().satisfies(e -> {
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getNote()).contains("replicas 11", "[0, 10]");
                }));
        // A pool whose records share the partition, created after: once it has its group, the refused pool's
        // records have been looked at, and any command it caused has been sent before.
        Pool marker = new Pool(nameInPartitionOf("too-big-marker", pool.key));
        marker.create(1, Map.of(), List.of());
        marker.settle(EnsureGroup.class::isInstance);
        assertThat(pool.poll()).as("no command for a refused spec").isEmpty();
    }

    @Test
    void shouldRetryADeadLetteredCommandUnderANewIdAndShowThatItIsRetrying() {
        Pool pool = new Pool("retried");
        pool.create(2, Map.of(), List.of());
        EnsureGroup first = (EnsureGroup) pool.next(EnsureGroup.class::isInstance);

        // The provider gives up on it: the command goes to its topic's dead-letter topic with the reason.
        deadLetter(first, "RetriesExhausted", "Rate exceeded");

        EnsureGroup retry = (EnsureGroup) pool.next(c -> c instanceof EnsureGroup && !c.id().equals(first.id()));
        assertThat(retry.group()).isEqualTo(first.group());
        assertThat(retry.capacity()).isEqualTo(first.capacity());
        assertThat(retry.template()).isEqualTo(first.template());
        String uid = pool.machinePool().getMetadata().getUid();
        await().atMost(WAIT).untilAsserted(() -> assertThat(events(uid)).filteredOn(e -> e.getReason()
                .equals("RetryingCommand")).singleElement().satisfies(e -> {
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getNote()).contains("EnsureGroup", "RetriesExhausted", "Rate exceeded");
                }));
        assertThat(count("poolstream.reconciler.command.retries")).isPositive();

        pool.answer(retry);
        pool.settle(null);
        assertThat(pool.commands).filteredOn(EnsureGroup.class::isInstance).hasSize(1);
        assertThat(pool.sim.members).hasSize(2);
    }

    @Test
    void shouldPutBothFinalizersOnAPoolOfAnAzureMachinePoolAndDeleteItWithItsMachinePool() {
        String name = "azure";
        String key = NS + "/" + name;
        String infraName = "workers-" + name;
        kube.resource("""
                apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
                kind: AzureMachinePool
                metadata:
                  name: %s
                  namespace: %s
                  labels:
                    cluster.x-k8s.io/cluster-name: %s
                spec:
                  location: westeurope
                  template:
                    vmSize: Standard_D2s_v3
                    osDisk:
                      diskSizeGB: 30
                """.formatted(infraName, NS, CLUSTER)).create();
        AzureMachinePool infra = kube.resources(AzureMachinePool.class).inNamespace(NS).withName(infraName).get();
        MachinePool pool = new MachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(name)
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, CLUSTER).build());
        pool.setSpec(MachinePoolSpecs.of(CLUSTER, 1, "v1.34.4", name + "-bootstrap",
                ClusterApi.KIND_AZURE_MACHINE_POOL, infraName, 0));
        pool = kube.resource(pool).create();
        try {
            // As the watcher folds them (SpecFeed plays it for AWSMachinePools only).
            var meta = pool.getMetadata();
            publishSpec(key, new PoolSpec(NS, name, meta.getUid(), meta.getGeneration(), meta.getLabels(), Map.of(),
                    List.of(), null, pool.getSpec(), new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP,
                    ClusterApi.KIND_AZURE_MACHINE_POOL, infraName, infra.getMetadata().getUid(),
                    infra.getMetadata().getGeneration(), List.of(), null, new InfraSpec.Azure(infra.getSpec()),
                    null), false));

            // The finalizers first, as Cluster API's controllers do: Poolstream's on the AzureMachinePool, Cluster
            // API's on the MachinePool (owner mode).
            await().atMost(WAIT).until(() -> {
                AzureMachinePool now = kube.resources(AzureMachinePool.class).inNamespace(NS).withName(infraName)
                        .get();
                return now.getMetadata().getFinalizers().contains(ClusterApi.POOLSTREAM_FINALIZER);
            });
            await().atMost(WAIT).until(() -> kube.resources(MachinePool.class).inNamespace(NS).withName(name).get()
                    .getMetadata().getFinalizers().contains(ClusterApi.MACHINE_POOL_FINALIZER));

            // The MachinePool is deleted: its AzureMachinePool goes with it, held by Poolstream's finalizer.
            kube.resources(MachinePool.class).inNamespace(NS).withName(name).delete();
            MachinePool deleting = kube.resources(MachinePool.class).inNamespace(NS).withName(name).get();
            var deletingMeta = deleting.getMetadata();
            publishSpec(key, new PoolSpec(NS, name, deletingMeta.getUid(), deletingMeta.getGeneration(),
                    deletingMeta.getLabels(), Map.of(), deletingMeta.getFinalizers(),
                    java.time.Instant.parse(deletingMeta.getDeletionTimestamp()), deleting.getSpec(),
                    new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AZURE_MACHINE_POOL,
                            infraName, infra.getMetadata().getUid(), infra.getMetadata().getGeneration(),
                            List.of(ClusterApi.POOLSTREAM_FINALIZER), null, new InfraSpec.Azure(infra.getSpec()),
                            null), false));
            await().atMost(WAIT).until(() -> kube.resources(AzureMachinePool.class).inNamespace(NS)
                    .withName(infraName).get().getMetadata().getDeletionTimestamp() != null);
        } finally {
            // Forgotten by the reconciler, then gone from the server.
            publishSpec(key, null);
            kube.resources(AzureMachinePool.class).inNamespace(NS).withName(infraName).edit(p -> {
                p.getMetadata().setFinalizers(List.of());
                return p;
            });
            kube.resources(MachinePool.class).inNamespace(NS).withName(name).edit(p -> {
                p.getMetadata().setFinalizers(List.of());
                return p;
            });
            kube.resources(AzureMachinePool.class).inNamespace(NS).withName(infraName).delete();
            kube.resources(MachinePool.class).inNamespace(NS).withName(name).delete();
        }
    }

    /** As the provider's dead-letter recoverer writes it: the command, with the reason and message headers. */
    private void deadLetter(ScalingGroupCommand command, String reason, String message) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                Topics.SCALINGGROUP_COMMANDS_AWS.deadLetter().name(), command.key(),
                serializer.serialize(Topics.SCALINGGROUP_COMMANDS_AWS.name(), command));
        record.headers().add(DeadLetters.REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        record.headers().add(KafkaHeaders.DLT_EXCEPTION_MESSAGE, message.getBytes(StandardCharsets.UTF_8));
        send(record);
        deadLettered++;
    }

    /** The Events about an object, as {@code kubectl describe} lists them: by {@code regarding.uid}. */
    private List<Event> events(String uid) {
        return kube.events().v1().events().inNamespace(NS).withField("regarding.uid", uid).list().getItems();
    }

    private String kubectl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(KubeApiServer.binaryDirectory().resolve("kubectl")
                .toString(), "--kubeconfig", kubeconfig.toString(), "--namespace", NS));
        command.addAll(List.of(args));
        Process kubectl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as(output).isZero();
        return output;
    }

    private double count(String meter) {
        return meters.find(meter).counters().stream().mapToDouble(Counter::count).sum();
    }

    /**
     * A stand-in for the bootstrap provider's CRD (CABPK's or CAPA's): its group, kind, plural and version, with a
     * status subresource, and spec and status kept as written (the reconciler reads only the status).
     */
    private ResourceDefinitionContext installBootstrapConfigKind(String kind, String plural) {
        CustomResourceDefinition crd = new CustomResourceDefinitionBuilder().withNewMetadata()
                .withName(plural + "." + BOOTSTRAP_GROUP).endMetadata()
                .withNewSpec().withGroup(BOOTSTRAP_GROUP).withScope("Namespaced")
                .withNewNames().withKind(kind).withPlural(plural)
                .withSingular(kind.toLowerCase()).withListKind(kind + "List").endNames()
                .addNewVersion().withName("v1beta2").withServed(true).withStorage(true)
                .withNewSubresources().withNewStatus().endStatus().endSubresources()
                .withNewSchema().withNewOpenAPIV3Schema().withType("object")
                .addToProperties("spec", new JSONSchemaPropsBuilder()
                        .withType("object").withXKubernetesPreserveUnknownFields(true).build())
                .addToProperties("status", new JSONSchemaPropsBuilder()
                        .withType("object").withXKubernetesPreserveUnknownFields(true).build())
                .endOpenAPIV3Schema().endSchema().endVersion().endSpec().build();
        kube.resource(crd).createOr(existing -> existing.update());
        kube.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                        && c.getStatus().getConditions().stream().anyMatch(
                        k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())), 60, TimeUnit.SECONDS);
        return new ResourceDefinitionContext.Builder().withGroup(BOOTSTRAP_GROUP).withVersion("v1beta2")
                .withKind(kind).withPlural(plural).withNamespaced(true).build();
    }

    /**
     * A PodDisruptionBudget for one pod, with the status the disruption controller would write (there is none
     * here): without an observed generation the API server would treat the budget as not yet processed.
     */
    private void budget(String app, int disruptionsAllowed) {
        var budgets = kube.policy().v1().podDisruptionBudget().inNamespace(NS);
        PodDisruptionBudget pdb = budgets.withName(app).get();
        if (pdb == null) {
            pdb = budgets.resource(new PodDisruptionBudgetBuilder().withNewMetadata().withNamespace(NS)
                    .withName(app).endMetadata().withNewSpec().withMinAvailable(new IntOrString(1))
                    .withNewSelector().addToMatchLabels("app", app).endSelector().endSpec().build()).create();
        }
        pdb.setStatus(new PodDisruptionBudgetStatusBuilder().withDisruptionsAllowed(disruptionsAllowed)
                .withCurrentHealthy(1 + disruptionsAllowed).withDesiredHealthy(1).withExpectedPods(1)
                .withObservedGeneration(pdb.getMetadata().getGeneration()).build());
        budgets.resource(pdb).updateStatus();
    }

    /** A pod {@code app} on the Node, labelled so, that a PodDisruptionBudget allowing no disruption protects. */
    /**
     * {@link #settledPoolOfTwoWithAGuardedPod}, then scaled to one: the first member's drain is under way, its pod's
     * eviction refused {@code refusals} times at least by the time this returns. Returns that member.
     */
    private PoolMember drainHeldUpByABudget(Pool pool, String app, int refusals) {
        double refused = count("poolstream.reconciler.evictions", "refused");
        PoolMember held = settledPoolOfTwoWithAGuardedPod(pool, app);
        scale(pool, 1);
        await().atMost(WAIT).until(() -> {
            pool.answerAll();
            return count("poolstream.reconciler.evictions", "refused") >= refused + refusals;
        });
        return held;
    }

    /**
     * The pool created with two members and settled; its first member's Node runs pod {@code app}, which a budget
     * allowing no disruption protects. Returns that member.
     */
    private PoolMember settledPoolOfTwoWithAGuardedPod(Pool pool, String app) {
        pool.create(2, Map.of(), List.of());
        pool.settle(EnsureGroup.class::isInstance);
        PoolMember first = pool.sim.members.get(0);
        podItsBudgetProtects(app, first.nodeName());
        return first;
    }

    private void podItsBudgetProtects(String app, String node) {
        Pod pod = kube.resource(pod(app, node, Map.of("app", app))).create();
        // Running and Ready, as its kubelet would report it: a pending pod is evicted without asking the budget.
        pod.setStatus(new PodStatusBuilder().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition().build());
        kube.resource(pod).updateStatus();
        budget(app, 0);
    }

    private static Pod pod(String name, String node, Map<String, String> labels) {
        return new PodBuilder().withNewMetadata().withNamespace(NS).withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("app")
                .withImage("registry.k8s.io/pause:3.10").endContainer().endSpec().build();
    }

    /** An eviction of the pod the server accepted. */
    private static boolean isEvictionOf(String pod, AuditedRequest r) {
        return r.resource().equals("pods") && r.subresource().equals("eviction") && r.namespace().equals(NS)
                && r.name().equals(pod) && r.code() == 201;
    }

    private double count(String meter, String outcome) {
        Counter counter = meters.find(meter).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    /** A pool name whose key lands in the same partition as {@code key}: its records are read after key's. */
    private static String nameInPartitionOf(String prefix, String key) {
        for (int i = 0; ; i++) {
            String name = prefix + "-" + i;
            if (partition(NS + "/" + name) == partition(key)) {
                return name;
            }
        }
    }

    private static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % Topics.PARTITIONS;
    }

    private void publishSpec(String key, PoolSpec spec) {
        publish(Topics.MACHINEPOOL_SPEC, key, spec);
    }

    private void publish(Topics.TopicSpec topic, String key, Keyed value) {
        send(new ProducerRecord<>(topic.name(), key, value == null ? null : serializer.serialize(topic.name(),
                value)));
        publishedFor.merge(key, 1L, Long::sum);
    }

    /** Sends and waits for the broker's ack; remembers the offset past it. */
    private void send(ProducerRecord<String, byte[]> record) {
        try {
            RecordMetadata sent = producer.send(record).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            published.merge(new TopicPartition(sent.topic(), sent.partition()), sent.offset() + 1, Math::max);
        } catch (Exception e) {
            throw new IllegalStateException("publishing to " + record.topic() + " failed", e);
        }
    }

    /**
     * Whether the reconciler has been handed every record the test published: its group committed past each one of
     * the pool topics (it commits what it has delivered to the reconcile loop), and it counted every dead letter.
     */
    private boolean reconcilerTookInAllPublished() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(RECONCILER_GROUP)
                .partitionsToOffsetAndMetadata().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return count("poolstream.reconciler.commands.failed") >= deadLettered && published.entrySet().stream()
                .filter(e -> !e.getKey().topic().equals(Topics.SCALINGGROUP_COMMANDS_AWS.deadLetter().name()))
                .allMatch(e -> committed.get(e.getKey()) != null
                        && committed.get(e.getKey()).offset() >= e.getValue());
    }

    /** Flushes the reconciler's producers: every command it has sent is on its topic. */
    private void flushReconcilersCommands() {
        app.getBeansOfType(KafkaTemplate.class).values().forEach(KafkaTemplate::flush);
    }

    /** One pool of the test: its objects on the server, its simulated cloud, and the commands it received. */
    private final class Pool {
        final String name;
        final String key;
        final PoolSimulator sim;
        final List<ScalingGroupCommand> commands = new ArrayList<>();
        ConfigRef bootstrap;
        Integer nodeDrainTimeoutSeconds;

        Pool(String name) {
            this.name = name;
            this.key = NS + "/" + name;
            this.sim = new PoolSimulator(key, NS + "/" + CLUSTER, kube,
                    node -> pod("app-on-" + node, node, Map.of("app", name)));
        }

        String infraName() {
            return "workers-" + name;
        }

        /** The MachinePool and its AWSMachinePool, followed by the feed. */
        void create(int replicas, Map<String, String> annotations, List<String> finalizers) {
            feed.follow(name);
            createInfrastructure();
            createMachinePool(replicas, annotations, finalizers);
        }

        AWSMachinePool createInfrastructure() {
            AWSMachinePool infra = new AWSMachinePool();
            infra.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(infraName())
                    .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, CLUSTER).build());
            AWSMachinePoolSpec spec = new AWSMachinePoolSpec();
            spec.setMinSize(0);
            spec.setMaxSize(10);
            AwsLaunchTemplate template = new AwsLaunchTemplate();
            template.setInstanceType("m7i.large");
            spec.setAwsLaunchTemplate(template);
            infra.setSpec(spec);
            return kube.resource(infra).create();
        }

        MachinePool createMachinePool(int replicas, Map<String, String> annotations, List<String> finalizers) {
            MachinePool pool = new MachinePool();
            pool.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(name)
                    .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, CLUSTER).withAnnotations(annotations)
                    .withFinalizers(finalizers).build());
            pool.setSpec(MachinePoolSpecs.of(CLUSTER, replicas, "v1.34.4", bootstrap == null ? name + "-bootstrap"
                    : null, ClusterApi.KIND_AWS_MACHINE_POOL, infraName(), 0));
            if (nodeDrainTimeoutSeconds != null) {
                var deletion = new dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Deletion();
                deletion.setNodeDrainTimeoutSeconds(nodeDrainTimeoutSeconds);
                pool.getSpec().getTemplate().getSpec().setDeletion(deletion);
            }
            if (bootstrap != null) {
                Bootstrap onlyARef = new Bootstrap();
                onlyARef.setConfigRef(bootstrap);
                pool.getSpec().getTemplate().getSpec().setBootstrap(onlyARef);
            }
            return kube.resource(pool).create();
        }

        MachinePool machinePool() {
            return kube.resources(MachinePool.class).inNamespace(NS).withName(name).get();
        }

        AWSMachinePool infrastructure() {
            return kube.resources(AWSMachinePool.class).inNamespace(NS).withName(infraName()).get();
        }

        void publishObserved() {
            publish(Topics.SCALINGGROUP_STATE, key, sim.state());
            publish(Topics.MACHINEPOOL_STATUS, key, sim.status());
        }

        /** Answers commands until {@code last} arrives (checking it on arrival, before it is answered). */
        ScalingGroupCommand settleUntil(Predicate<ScalingGroupCommand> last,
                                        java.util.function.Consumer<ScalingGroupCommand> onArrival) {
            List<ScalingGroupCommand> seen = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                for (ScalingGroupCommand c : poll()) {
                    if (seen.isEmpty() && last.test(c)) {
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
         * Answers commands until one matching {@code expected} has been answered (if one is expected) and the
         * reconciler has nothing more to say about the pool: a round in which it took in everything published (the
         * feed's records of the objects as the server holds them, the answers), looked at it, and sent no command,
         * with nothing under way that looks at the pool again within {@link #SOON}. Looks a decision named for later
         * (an awaited command's timeout, a scale-down's settle time) are left out.
         */
        void settle(Predicate<ScalingGroupCommand> expected) {
            boolean[] matched = {expected == null};
            await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
                long before = publishedFor.getOrDefault(key, 0L);
                MachinePool current = machinePool();
                if (!feed.publishedFrom(name, current, current == null ? null : infrastructure())
                        || !reconcilerTookInAllPublished()) {
                    return false;
                }
                Reconciler reconciler = app.getBean(Reconciler.class);
                boolean busy = reconciler.looksAgainBefore(key, clock.instant().plus(SOON))
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                flushReconcilersCommands();
                List<ScalingGroupCommand> batch = pollToEnd();
                for (ScalingGroupCommand c : batch) {
                    matched[0] |= expected != null && expected.test(c);
                    answer(c);
                }
                return matched[0] && batch.isEmpty() && !busy && publishedFor.getOrDefault(key, 0L) == before;
            });
        }

        void answerAll() {
            poll().forEach(this::answer);
        }

        /** Answers commands until one matches, and returns that one unanswered. */
        ScalingGroupCommand next(Predicate<ScalingGroupCommand> match) {
            List<ScalingGroupCommand> found = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                for (ScalingGroupCommand c : poll()) {
                    if (found.isEmpty() && match.test(c)) {
                        found.add(c);
                    } else {
                        answer(c);
                    }
                }
                return !found.isEmpty();
            });
            return found.get(0);
        }

        void answer(ScalingGroupCommand command) {
            commands.add(command);
            sim.handle(command);
            publishObserved();
        }

        /** Polls until every command on the topic now has been read; returns the pool's (and those read before). */
        List<ScalingGroupCommand> pollToEnd() {
            KafkaConsumer<String, ScalingGroupCommand> consumer = ReconcilerRealApiIT.this.commands;
            synchronized (ReconcilerRealApiIT.this) {
                List<ScalingGroupCommand> mine = new ArrayList<>(poll());
                while (consumer.assignment().isEmpty()) {
                    mine.addAll(poll());
                }
                Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
                while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                    mine.addAll(poll());
                }
                return mine;
            }
        }

        List<ScalingGroupCommand> poll() {
            List<ScalingGroupCommand> mine = new ArrayList<>();
            synchronized (ReconcilerRealApiIT.this) {
                for (ConsumerRecord<String, ScalingGroupCommand> record : ReconcilerRealApiIT.this.commands.poll(
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
    }
}
