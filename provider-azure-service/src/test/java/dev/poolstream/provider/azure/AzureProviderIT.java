package dev.poolstream.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import dev.poolstream.events.serde.EventDeserializer;
import dev.poolstream.provider.azure.arm.ArmCalls;
import dev.poolstream.provider.azure.arm.ArmFake;
import dev.poolstream.provider.azure.arm.TestCertificate;
import dev.poolstream.provider.azure.cloud.AzureScalingGroup;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.kafka.Partitions;
import dev.poolstream.provider.testing.CapturedLog;
import dev.poolstream.provider.testing.KafkaProbe;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Mono;

/**
 * The Azure provider end to end: commands on the embedded broker, Azure Resource Manager played by {@link ArmFake}
 * over https and driven through the real compute SDK (custom AzureEnvironment, fixed test credential), the bootstrap
 * Secret in fabric8's mock API server. Each test has its own pool and scale set.
 */
@SpringBootTest(classes = {ProviderAzureApplication.class, AzureProviderIT.TestBeans.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=application,provider-azure-service")
@EmbeddedKafka(partitions = 1)
@DirtiesContext
class AzureProviderIT {

    private static final String COMMANDS = Topics.SCALINGGROUP_COMMANDS_AZURE.name();
    private static final String STATE = Topics.SCALINGGROUP_STATE.name();
    private static final String INSTANCES = Topics.SCALINGGROUP_INSTANCES.name();
    private static final String SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-111122223333";
    /** Mixed case on purpose: provider IDs carry it lower-cased. */
    private static final String RESOURCE_GROUP = "Pool-RG";
    private static final Pattern UNIFORM_ID = Pattern.compile("azure:///subscriptions/" + SUBSCRIPTION
            + "/resourceGroups/pool-rg/providers/Microsoft\\.Compute/virtualMachineScaleSets/[a-z]+/virtualMachines/\\d+");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CLUSTER = "prod-eu";

    private static final ArmFake arm = ArmFake.start();
    private static final ArmCalls calls = new ArmCalls();
    private static KubernetesMockServer kubernetes;
    private static KubernetesClient kube;
    private static KafkaProbe probe;

    @Autowired
    private EmbeddedKafkaBroker broker;
    @Autowired
    private MeterRegistry meters;
    @LocalServerPort
    private int port;

    @TestConfiguration
    static class TestBeans {
        @Bean
        @Primary
        KubernetesClient mockKubernetesClient() {
            return kube;
        }

        /** A fixed bearer token: the fake checks that one is sent, not what it says. */
        @Bean
        @Primary
        TokenCredential fixedCredential() {
            return request -> Mono.just(new AccessToken("test-token", OffsetDateTime.now().plusHours(1)));
        }

        /** The JDK client trusting the fake's self-signed certificate. */
        @Bean
        @Primary
        HttpClient trustingHttpClient() {
            return new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder()
                    .sslContext(TestCertificate.get().clientContext())
                    .version(java.net.http.HttpClient.Version.HTTP_1_1))
                    .build();
        }

        @Bean
        ArmCalls armCalls() {
            return calls;
        }

        @Bean
        ArmCalls.CallerThread armCallerThread() {
            return new ArmCalls.CallerThread();
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", () -> "${spring.embedded.kafka.brokers}");
        registry.add("spring.kafka.consumer.group-id", () -> "provider-azure-it");
        registry.add("server.address", () -> "127.0.0.1");
        registry.add("poolstream.provider.azure.subscription-id", () -> SUBSCRIPTION);
        registry.add("poolstream.provider.azure.resource-group", () -> RESOURCE_GROUP);
        registry.add("poolstream.provider.azure.location", () -> "westeurope");
        registry.add("poolstream.provider.azure.tenant-id", () -> "");
        registry.add("poolstream.provider.azure.endpoint", () -> arm.endpoint().toString());
        registry.add("poolstream.provider.azure.poll-interval", () -> "50ms");
        registry.add("poolstream.provider.azure.operation-wait", () -> "10s");
        registry.add("poolstream.provider.retry.max-attempts", () -> "4");
        registry.add("poolstream.provider.retry.base-delay", () -> "50ms");
        registry.add("poolstream.provider.retry.max-delay", () -> "2s");
        registry.add("poolstream.provider.command-retry.max-retries", () -> "2");
        registry.add("poolstream.provider.command-retry.initial-interval", () -> "300ms");
        registry.add("poolstream.provider.command-retry.max-interval", () -> "1s");
        registry.add("poolstream.provider.poll.fast", () -> "300ms");
        registry.add("poolstream.provider.poll.slow", () -> "10s");
        registry.add("poolstream.provider.poll.settle", () -> "2s");
        registry.add("poolstream.provider.poll.tick", () -> "100ms");
        registry.add("poolstream.provider.rate-limit.requests-per-second", () -> "200");
        registry.add("poolstream.provider.rate-limit.burst", () -> "200");
    }

    @BeforeAll
    static void startKubernetes() throws Exception {
        kubernetes = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        kubernetes.init(InetAddress.getByName("127.0.0.1"), 0);
        kube = kubernetes.createClient();
    }

    @AfterAll
    static void stopFakes() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
        if (kube != null) {
            kube.close();
            kubernetes.destroy();
        }
        arm.close();
    }

    private KafkaProbe probe() {
        if (probe == null) {
            probe = new KafkaProbe(broker.getBrokersAsString());
        }
        return probe;
    }

    // ---------------------------------------------------------------------------------------------------------

    private static SecretRef bootstrapSecret(String name, String data) {
        kube.secrets().inNamespace("clusters").resource(new SecretBuilder().withNewMetadata().withName(name)
                .withNamespace("clusters").endMetadata()
                .addToData("value", Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8)))
                .build()).createOr(r -> r.update());
        return new SecretRef("clusters", name);
    }

    private static dev.poolstream.events.command.GroupTemplate template(String group, String vmSize,
                                                                        String imageVersion, long generation) {
        return AzurePools.template(CLUSTER, AzurePools.spec(vmSize, imageVersion), generation,
                new SecretRef("clusters", group + "-bootstrap"));
    }

    private void send(ScalingGroupCommand command) {
        probe().send(COMMANDS, command);
    }

    private ScalingGroupState awaitDone(ScalingGroupCommand command) {
        await("state after " + command.getClass().getSimpleName()).atMost(WAIT).until(() -> {
            ScalingGroupState state = probe().latest(STATE, ScalingGroupState.class).get(command.pool());
            return state != null && command.id().equals(state.lastCommandId());
        });
        return probe().latest(STATE, ScalingGroupState.class).get(command.pool());
    }

    private Map<String, InstanceState> instancesOf(String pool) {
        Map<String, InstanceState> all = probe().latest(INSTANCES, InstanceState.class);
        all.values().removeIf(i -> !i.pool().equals(pool));
        return all;
    }

    /** Waits until the pool has {@code count} instances published, all running. */
    private Map<String, InstanceState> awaitRunning(String pool, int count) {
        await(count + " running instances of " + pool).atMost(WAIT).until(() -> {
            Map<String, InstanceState> instances = instancesOf(pool);
            return instances.size() == count && instances.values().stream()
                    .allMatch(i -> i.lifecycle() == InstanceLifecycle.RUNNING);
        });
        return instancesOf(pool);
    }

    private static ArmFake.ScaleSetView scaleSet(String name) {
        return arm.scaleSet(RESOURCE_GROUP, name).orElseThrow();
    }

    private EnsureGroup createGroup(String name, int desired) {
        bootstrapSecret(name + "-bootstrap", "#cloud-config for " + name);
        EnsureGroup ensure = EnsureGroup.of("clusters/" + name, 1, name, template(name, "Standard_D2s_v3",
                "133.0.20250101", 1), new Capacity(desired, 1, 30, false));
        send(ensure);
        awaitDone(ensure);
        awaitRunning(ensure.pool(), desired);
        return ensure;
    }

    /** A Flexible scale set of this capacity, its EnsureGroup carried out (its VMs may still be provisioning). */
    private EnsureGroup createFlexibleGroup(String name, int desired) {
        bootstrapSecret(name + "-bootstrap", "#cloud-config " + name);
        EnsureGroup ensure = EnsureGroup.of("clusters/" + name, 1, name, AzurePools.template(CLUSTER,
                AzurePools.flexible(AzurePools.spec("Standard_D2s_v3", "133.0.20250101")), 1,
                new SecretRef("clusters", name + "-bootstrap")), new Capacity(desired, 1, 10, false));
        send(ensure);
        awaitDone(ensure);
        return ensure;
    }

    /** Commands of this kind carried out with this outcome so far (the provider's own counter). */
    private double commands(String kind, String outcome) {
        var counter = meters.find("poolstream.provider.commands").tags("kind", kind, "outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private List<ArmCalls.Call> commandCalls(int mark) {
        return ArmCalls.onThread(calls.since(mark), "scalinggroup-commands");
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldCreateUniformScaleSetAndPublishFiveInstancesWithCapzProviderIdsWhenGroupIsEnsured() {
        String secretData = "#cloud-config secret-token-9c1e";
        bootstrapSecret("five-bootstrap", secretData);
        EnsureGroup ensure = EnsureGroup.of("clusters/five", 1, "five", template("five", "Standard_D2s_v3",
                "133.0.20250101", 1), new Capacity(5, 1, 10, false));

        send(ensure);

        ScalingGroupState state = awaitDone(ensure);
        Map<String, InstanceState> instances = awaitRunning("clusters/five", 5);
        assertThat(state).extracting(ScalingGroupState::exists, ScalingGroupState::desired, ScalingGroupState::min,
                ScalingGroupState::max).containsExactly(true, 5, 1, 10);
        assertThat(state.templateVersion()).hasSize(16);
        assertThat(instances.values()).allSatisfy(i -> {
            assertThat(i.providerID()).matches(UNIFORM_ID).isEqualTo("azure:///subscriptions/" + SUBSCRIPTION
                    + "/resourceGroups/pool-rg/providers/Microsoft.Compute/virtualMachineScaleSets/five/virtualMachines/"
                    + i.instanceId());
            assertThat(i.cloudState()).isEqualTo("Succeeded");
            assertThat(i.latestModel()).isTrue();
            assertThat(i.templateVersion()).isEqualTo(state.templateVersion());
            assertThat(i.zone()).isIn("1", "2", "3");
            assertThat(i.launchTime()).isNotNull();
        });
        assertThat(instances.values()).extracting(InstanceState::instanceId)
                .containsExactlyInAnyOrder("0", "1", "2", "3", "4");

        ArmFake.ScaleSetView vmss = scaleSet("five");
        assertThat(vmss.orchestrationMode()).isEqualTo("Uniform");
        assertThat(vmss.upgradeMode()).isEqualTo("Manual");
        assertThat(vmss.overprovision().asBoolean()).isFalse();
        assertThat(vmss.vmSize()).isEqualTo("Standard_D2s_v3");
        assertThat(vmss.capacity()).isEqualTo(5);
        assertThat(vmss.zones()).containsExactly("1", "2", "3");
        assertThat(vmss.customData()).isEqualTo(secretData);
        assertThat(vmss.tags()).containsEntry("sigs.k8s.io_cluster-api-provider-azure_cluster_" + CLUSTER, "owned")
                .containsEntry("sigs.k8s.io_cluster-api-provider-azure_role", "node").containsEntry("Name", "five")
                .containsEntry("team", "platform").containsEntry("environment", "test")
                .containsEntry("poolstream.dev_min-size", "1").containsEntry("poolstream.dev_max-size", "10")
                .containsEntry("poolstream.dev_model", state.templateVersion());
        var profile = vmss.virtualMachineProfile();
        assertThat(profile.at("/storageProfile/imageReference/offer").asText()).isEqualTo("capi");
        assertThat(profile.at("/storageProfile/imageReference/version").asText()).isEqualTo("133.0.20250101");
        assertThat(profile.at("/storageProfile/osDisk/diskSizeGB").asInt()).isEqualTo(64);
        assertThat(profile.at("/storageProfile/osDisk/managedDisk/storageAccountType").asText()).isEqualTo("Premium_LRS");
        assertThat(profile.at("/osProfile/adminUsername").asText()).isEqualTo("capi");
        assertThat(profile.at("/osProfile/linuxConfiguration/ssh/publicKeys/0/keyData").asText())
                .isEqualTo(AzurePools.SSH_KEY);
        assertThat(profile.at("/networkProfile/networkInterfaceConfigurations/0/properties/ipConfigurations/0"
                + "/properties/subnet/id").asText()).isEqualTo("/subscriptions/" + SUBSCRIPTION + "/resourceGroups/"
                + RESOURCE_GROUP + "/providers/Microsoft.Network/virtualNetworks/prod-eu-vnet/subnets/node-subnet");
        // The bootstrap data reached the scale set's custom data and nothing else.
        for (String topic : List.of(STATE, INSTANCES, COMMANDS)) {
            assertThat(probe().records(topic)).noneMatch(r -> r.value() != null
                    && new String(r.value(), StandardCharsets.UTF_8).contains("secret-token-9c1e"));
        }
    }

    @Test
    void shouldScaleFromFiveToTwentyWithOnePatchWhenCapacityRises() {
        EnsureGroup ensure = createGroup("scaled", 5);
        int mark = calls.mark();
        int fakeMark = arm.requests().size();

        SetCapacity up = SetCapacity.of(ensure.pool(), 2, "scaled", new Capacity(20, 1, 30, false));
        send(up);
        awaitDone(up);
        Map<String, InstanceState> instances = awaitRunning(ensure.pool(), 20);

        List<ArmCalls.Call> all = calls.since(mark);
        List<ArmCalls.Call> command = commandCalls(mark);
        List<ArmCalls.Call> poller = ArmCalls.onThread(all, "inventory-poller");
        // The SDK's poller polls on reactor threads; only a command's long-running operation is ever polled.
        long polls = ArmCalls.count(all, ArmCalls.Kind.POLL);
        System.out.printf("ARM calls for a 5 -> 20 scale-up: command %d reads + %d writes + %d LRO polls %s; "
                        + "inventory poller meanwhile %d reads + %d writes; all threads %d requests, fake saw %d%n",
                ArmCalls.count(command, ArmCalls.Kind.READ), ArmCalls.count(command, ArmCalls.Kind.WRITE), polls,
                command.stream().map(c -> c.method() + " " + c.path().replaceAll(".*/providers/", "")).toList(),
                ArmCalls.count(poller, ArmCalls.Kind.READ), ArmCalls.count(poller, ArmCalls.Kind.WRITE), all.size(),
                arm.requests().size() - fakeMark);
        // The SDK sends a long-running operation's first request from the calling thread, or at times from one of its
        // reactor threads: the writes are counted on every thread (the poller's own make none, below).
        assertThat(all).filteredOn(c -> c.kind() == ArmCalls.Kind.WRITE).extracting(ArmCalls.Call::method)
                .containsExactly("PATCH");
        assertThat(polls).isEqualTo(2);
        assertThat(ArmCalls.count(command, ArmCalls.Kind.READ)).isEqualTo(4); // describe before and after: 2 x (GET + list)
        assertThat(ArmCalls.count(poller, ArmCalls.Kind.WRITE)).isZero();
        assertThat(scaleSet("scaled").capacity()).isEqualTo(20);
        assertThat(scaleSet("scaled").vms()).hasSize(20);
        assertThat(instances.values()).allSatisfy(i -> assertThat(i.latestModel()).isTrue());
    }

    @Test
    void shouldDeleteFifteenNamedInstancesWithOnePostWhenScaledFromTwentyToFive() {
        EnsureGroup ensure = createGroup("shrunk", 20);
        List<String> victims = instancesOf(ensure.pool()).keySet().stream().sorted().limit(15).toList();
        int mark = calls.mark();

        TerminateInstances down = TerminateInstances.of(ensure.pool(), 2, "shrunk", victims);
        send(down);

        assertThat(awaitDone(down).desired()).isEqualTo(5);
        awaitRunning(ensure.pool(), 5);
        List<ArmCalls.Call> command = commandCalls(mark);
        long polls = ArmCalls.count(calls.since(mark), ArmCalls.Kind.POLL);
        System.out.printf("ARM calls for a 20 -> 5 scale-down (15 named instances): command %d reads + %d writes + "
                        + "%d LRO polls %s%n", ArmCalls.count(command, ArmCalls.Kind.READ),
                ArmCalls.count(command, ArmCalls.Kind.WRITE), polls,
                command.stream().map(c -> c.method() + " " + c.path().replaceAll(".*/providers/", "")).toList());
        // On every thread: the SDK may send the operation's first request from one of its reactor threads.
        assertThat(calls.since(mark)).filteredOn(c -> c.kind() == ArmCalls.Kind.WRITE)
                .extracting(ArmCalls.Call::method, c -> c.path().replaceAll(".*/virtualMachineScaleSets/", ""))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("POST", "shrunk/delete"));
        assertThat(ArmCalls.count(command, ArmCalls.Kind.READ)).isEqualTo(4);
        assertThat(polls).isEqualTo(2);
        assertThat(scaleSet("shrunk").capacity()).isEqualTo(5);
        assertThat(probe().tombstones(INSTANCES)).containsAll(victims);
    }

    @Test
    void shouldDeleteExactlyTheNamedInstancesWhenTwoAreTerminated() {
        EnsureGroup ensure = createGroup("victims", 6);
        List<String> victims = instancesOf(ensure.pool()).values().stream()
                .filter(i -> i.instanceId().equals("1") || i.instanceId().equals("4"))
                .map(InstanceState::providerID).toList();
        assertThat(victims).hasSize(2);
        int fakeMark = arm.requests().size();

        TerminateInstances terminate = TerminateInstances.of(ensure.pool(), 2, "victims", victims);
        send(terminate);

        assertThat(awaitDone(terminate).desired()).isEqualTo(4);
        awaitRunning(ensure.pool(), 4);
        assertThat(probe().tombstones(INSTANCES)).containsAll(victims);
        assertThat(scaleSet("victims").vms()).extracting(ArmFake.VmView::instanceId)
                .containsExactlyInAnyOrder("0", "2", "3", "5");
        assertThat(scaleSet("victims").capacity()).isEqualTo(4);
        assertThat(armRequestsSince(fakeMark))
                .filteredOn(r -> !r.method().equals("GET")).extracting(ArmFake.Request::method, r -> r.path()
                        .replaceAll(".*/virtualMachineScaleSets/", ""))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("POST", "victims/delete"));
    }

    @Test
    void shouldDeleteTheOthersWhenOneNamedInstanceWasDeletedBetweenTheDescribeAndThePost() {
        // Someone deletes VM 1 in the portal after the command's describe; ARM then refuses the whole batch.
        terminateOneAndTwoWhileOneIsMeddledWith("gone-one", () -> arm.deleteVm(RESOURCE_GROUP, "gone-one", "1"));

        assertThat(scaleSet("gone-one").vms()).extracting(ArmFake.VmView::instanceId)
                .containsExactlyInAnyOrder("0", "3");
    }

    @Test
    void shouldDeleteTheOthersWhenOneNamedInstanceStartedDeletingBetweenTheDescribeAndThePost() {
        // VM 1 starts deleting (the portal, an automatic repair) after the command's describe: ARM refuses the whole
        // batch, and VM 1 is still listed, Deleting. Counted as present, it held drained VM 2 back for good (DLT).
        terminateOneAndTwoWhileOneIsMeddledWith("going-one",
                () -> arm.startDeletingVm(RESOURCE_GROUP, "going-one", "1"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(scaleSet("going-one").vms())
                .extracting(ArmFake.VmView::instanceId).doesNotContain("2"));
    }

    /**
     * A pool of 4 whose VMs 1 and 2 are terminated, with {@code meddling} done to VM 1 just before the delete is
     * posted: the terminate is done, without an error, in a second POST after ARM refused the first, not dead-lettered.
     */
    private void terminateOneAndTwoWhileOneIsMeddledWith(String group, Runnable meddling) {
        EnsureGroup ensure = createGroup(group, 4);
        List<String> victims = instancesOf(ensure.pool()).values().stream()
                .filter(i -> i.instanceId().equals("1") || i.instanceId().equals("2"))
                .map(InstanceState::providerID).toList();
        arm.beforeNext("POST", "/virtualMachineScaleSets/" + group + "/delete", meddling);

        TerminateInstances terminate = TerminateInstances.of(ensure.pool(), 2, group, victims);
        send(terminate);

        assertThat(awaitDone(terminate).lastError()).isNull();
        assertThat(arm.requests()).filteredOn(r -> r.method().equals("POST") && r.path().endsWith(group + "/delete"))
                .extracting(ArmFake.Request::status).containsExactly(400, 202);
        assertThat(deadLetterIds(ensure.pool(), "CloudRejected")).doesNotContain(terminate.id());
    }

    @Test
    void shouldRefuseAndWriteNothingWhenCapacityIsLoweredWithoutNamedInstances() {
        EnsureGroup ensure = createGroup("blind", 4);
        int mark = calls.mark();

        SetCapacity down = SetCapacity.of(ensure.pool(), 2, "blind", new Capacity(2, 1, 30, false));
        send(down);

        await().atMost(WAIT).until(() -> probe().records(COMMANDS + Topics.DLT_SUFFIX).stream()
                .anyMatch(r -> ensure.pool().equals(r.key()) && KafkaProbe.header(r, "poolstream-dlt-reason")
                        .orElse("").equals("ScaleDownNeedsNamedInstances")));
        await().atMost(WAIT).until(() -> {
            ScalingGroupState s = probe().latest(STATE, ScalingGroupState.class).get(ensure.pool());
            return s.lastError() != null && s.lastError().reason().equals("ScaleDownNeedsNamedInstances")
                    && s.lastError().message().contains("TerminateInstances");
        });
        assertThat(ArmCalls.count(calls.since(mark), ArmCalls.Kind.WRITE)).isZero();
        assertThat(scaleSet("blind").capacity()).isEqualTo(4);
        assertThat(scaleSet("blind").vms()).hasSize(4);
    }

    @Test
    void shouldFlagExistingInstancesOutOfDateWhenModelIsRolledOut() {
        EnsureGroup ensure = createGroup("rolled", 3);
        String before = probe().latest(STATE, ScalingGroupState.class).get(ensure.pool()).templateVersion();

        RollOut rollOut = RollOut.of(ensure.pool(), 2, "rolled", template("rolled", "Standard_D4s_v3",
                "133.0.20250301", 2));
        send(rollOut);

        String after = awaitDone(rollOut).templateVersion();
        assertThat(after).isNotEqualTo(before);
        await().atMost(WAIT).until(() -> instancesOf(ensure.pool()).values().stream()
                .noneMatch(InstanceState::latestModel));
        assertThat(instancesOf(ensure.pool()).values()).allSatisfy(i -> assertThat(i.templateVersion()).isNull());
        ArmFake.ScaleSetView vmss = scaleSet("rolled");
        assertThat(vmss.vmSize()).isEqualTo("Standard_D4s_v3");
        assertThat(vmss.virtualMachineProfile().at("/storageProfile/imageReference/version").asText())
                .isEqualTo("133.0.20250301");
        assertThat(vmss.capacity()).isEqualTo(3);
        assertThat(vmss.tags()).containsEntry("poolstream.dev_model", after);

        // A new instance is built from the new model.
        SetCapacity one = SetCapacity.of(ensure.pool(), 3, "rolled", new Capacity(4, 1, 30, false));
        send(one);
        awaitDone(one);
        await().atMost(WAIT).until(() -> instancesOf(ensure.pool()).values().stream()
                .filter(InstanceState::latestModel).map(InstanceState::instanceId).toList().equals(List.of("3")));
    }

    @Test
    void shouldDeleteScaleSetAndTombstoneEveryInstanceWhenGroupIsDeleted() {
        EnsureGroup ensure = createGroup("doomed", 3);
        List<String> instances = List.copyOf(instancesOf(ensure.pool()).keySet());

        DeleteGroup delete = DeleteGroup.of(ensure.pool(), 2, "doomed");
        send(delete);

        awaitDone(delete);
        await().atMost(WAIT).until(() -> !probe().latest(STATE, ScalingGroupState.class).get(ensure.pool()).exists()
                && instancesOf(ensure.pool()).isEmpty());
        assertThat(probe().tombstones(INSTANCES)).containsAll(instances);
        assertThat(arm.scaleSet(RESOURCE_GROUP, "doomed")).isEmpty();
    }

    @Test
    void shouldMakeNoSecondWriteWhenSameCommandArrivesTwice() {
        EnsureGroup ensure = createGroup("twice", 2);
        int mark = calls.mark();
        int fakeMark = arm.requests().size();
        double duplicates = commands("EnsureGroup", "duplicate");
        double satisfiedBefore = commands("SetCapacity", "already_satisfied");

        send(ensure);
        SetCapacity satisfied = SetCapacity.of(ensure.pool(), 2, "twice", new Capacity(2, 1, 30, false));
        send(satisfied);
        awaitDone(satisfied);

        // The repeated EnsureGroup was known by its id, which the executor checks before any call to the cloud; the
        // satisfied SetCapacity only read. (Reads are not counted by thread here: the SDK sends some of a command's
        // from its reactor threads, and the inventory poller describes the pool after each command.)
        assertThat(commands("EnsureGroup", "duplicate")).isEqualTo(duplicates + 1);
        assertThat(commands("SetCapacity", "already_satisfied")).isEqualTo(satisfiedBefore + 1);
        assertThat(armRequestsSince(fakeMark))
                .allSatisfy(r -> assertThat(r.method()).isEqualTo("GET"));

        // The same content under a new generation (a new id) writes nothing either: the model fingerprint matches.
        EnsureGroup again = EnsureGroup.of(ensure.pool(), 5, "twice", template("twice", "Standard_D2s_v3",
                "133.0.20250101", 1), new Capacity(2, 1, 30, false));
        send(again);
        awaitDone(again);
        assertThat(ArmCalls.count(calls.since(mark), ArmCalls.Kind.WRITE)).isZero();
    }

    @Test
    void shouldWaitForRetryAfterAndSucceedWhenArmThrottles() {
        EnsureGroup ensure = createGroup("throttled", 2);
        int fakeMark = arm.requests().size();
        arm.throttleNext("PATCH", "/virtualMachineScaleSets/throttled", 2);

        SetCapacity up = SetCapacity.of(ensure.pool(), 2, "throttled", new Capacity(4, 1, 30, false));
        send(up);

        ScalingGroupState state = awaitDone(up);
        assertThat(state.desired()).isEqualTo(4);
        assertThat(state.lastError()).isNull();
        awaitRunning(ensure.pool(), 4);
        List<ArmFake.Request> patches = armRequestsSince(fakeMark).stream()
                .filter(r -> r.method().equals("PATCH")).toList();
        assertThat(patches).extracting(ArmFake.Request::status).containsExactly(429, 429, 200);
        // Retry-After: 1 was honoured before each retry (the SDK's own backoff here is 50 ms).
        assertThat(Duration.ofNanos(patches.get(1).nanos() - patches.get(0).nanos())).isGreaterThanOrEqualTo(
                Duration.ofMillis(950));
        assertThat(Duration.ofNanos(patches.get(2).nanos() - patches.get(1).nanos())).isGreaterThanOrEqualTo(
                Duration.ofMillis(950));
        assertThat(probe().records(COMMANDS + Topics.DLT_SUFFIX)).noneMatch(r -> ensure.pool().equals(r.key()));
    }

    @Test
    void shouldNotPatchOverAChangeMadeSinceItsDescribeAndCarryTheCommandOutFromAFreshOne() {
        EnsureGroup ensure = createGroup("overtaken", 2);
        int fakeMark = arm.requests().size();
        // Between the command's describe and its PATCH, another write of the scale set (a previous owner's late
        // one, say): a VM deleted, the capacity 1.
        arm.beforeNext("PATCH", "/virtualMachineScaleSets/overtaken",
                () -> arm.deleteVm(RESOURCE_GROUP, "overtaken", "0"));

        SetCapacity up = SetCapacity.of(ensure.pool(), 2, "overtaken", new Capacity(4, 1, 30, false));
        send(up);

        assertThat(awaitDone(up).desired()).isEqualTo(4);
        // Refused for its If-Match (the etag of the describe it was planned from), then made from a fresh describe.
        assertThat(armRequestsSince(fakeMark)).filteredOn(r -> r.method().equals("PATCH"))
                .extracting(ArmFake.Request::status).containsExactly(412, 200);
        assertThat(scaleSet("overtaken").capacity()).isEqualTo(4);
        awaitRunning(ensure.pool(), 4);
    }

    @Test
    void shouldKeepTheAllocationFailureOnThePoolWhenTheScaleUpsOperationFailsAfterArmTookTheCapacity() {
        EnsureGroup ensure = createGroup("unplaced", 2);
        int fakeMark = arm.requests().size();
        arm.failNextOperation("PATCH", "/virtualMachineScaleSets/unplaced", "AllocationFailed",
                "Allocation failed. We do not have sufficient capacity for the requested VM size in this region.");

        SetCapacity up = SetCapacity.of(ensure.pool(), 2, "unplaced", new Capacity(4, 1, 30, false));
        send(up);

        // Dead-lettered at once with ARM's error, never tried again: a retry would find the capacity set, report
        // success and clear the error from the pool.
        await("the failed operation dead-lettered").atMost(WAIT)
                .until(() -> deadLetterIds(ensure.pool(), Reasons.CLOUD_OPERATION_FAILED).contains(up.id()));
        ScalingGroupState state = awaitLastError(ensure.pool(), Reasons.CLOUD_OPERATION_FAILED);
        assertThat(state.lastError().message()).isEqualTo("PATCH scale set unplaced ended FAILED: AllocationFailed: "
                + "Allocation failed. We do not have sufficient capacity for the requested VM size in this region.");
        // Published as ARM has it after the failure: the new capacity, and the two VMs it could not place.
        assertThat(state.desired()).isEqualTo(4);
        await("the unplaced VMs published Failed").atMost(WAIT).until(() -> instancesOf(ensure.pool()).values()
                .stream().filter(i -> i.lifecycle() == InstanceLifecycle.FAILED).count() == 2);
        // Short of its capacity with two VMs failed: the state names them as its launch failure, beside the command's
        // error, which stays the one the pool shows.
        await("the failed VMs named as the launch failure").atMost(WAIT).until(() -> {
            ScalingGroupState s = probe().latest(STATE, ScalingGroupState.class).get(ensure.pool());
            return s != null && s.launchFailure() != null;
        });
        ScalingGroupState failing = probe().latest(STATE, ScalingGroupState.class).get(ensure.pool());
        assertThat(failing.launchFailure().reason()).isEqualTo(Reasons.LAUNCH_FAILED);
        // Why, from the instance view of the first of them: ARM's error, which the listing does not carry.
        assertThat(failing.launchFailure().message()).matches("scale set unplaced: 2 VMs failed to provision "
                + "\\[\\d+, \\d+]; VM \\d+: AllocationFailed: Allocation failed\\. We do not have sufficient "
                + "capacity for the requested VM size in this region\\.");
        assertThat(failing.lastError().reason()).isEqualTo(Reasons.CLOUD_OPERATION_FAILED);
        assertThat(armRequestsSince(fakeMark)).filteredOn(r -> !r.method().equals("GET"))
                .extracting(ArmFake.Request::method).containsExactly("PATCH");
        assertThat(deadLetterIds(ensure.pool(), Reasons.CLOUD_OPERATION_FAILED)).containsExactly(up.id());
    }

    /** Flexible: the failed VM's instance view is the VM's own, as a Flexible scale set has no scale set VM API. */
    @Test
    void shouldSayWhyAFlexibleScaleSetsVmFailedToProvisionFromItsInstanceView() {
        EnsureGroup ensure = createFlexibleGroup("flex-unplaced", 1);
        awaitRunning(ensure.pool(), 1);
        arm.failNextOperation("PATCH", "/virtualMachineScaleSets/flex-unplaced", "SkuNotAvailable",
                "The requested VM size Standard_D2s_v3 is currently not available in location 'westeurope'.");

        send(SetCapacity.of(ensure.pool(), 2, "flex-unplaced", new Capacity(2, 1, 10, false)));

        await("the failed VM named as the launch failure").atMost(WAIT).until(() -> {
            ScalingGroupState s = probe().latest(STATE, ScalingGroupState.class).get(ensure.pool());
            return s != null && s.launchFailure() != null;
        });
        assertThat(probe().latest(STATE, ScalingGroupState.class).get(ensure.pool()).launchFailure().message())
                .matches("scale set flex-unplaced: 1 VM failed to provision \\[(flex-unplaced_[0-9a-f]{8})]; VM \\1: "
                        + "SkuNotAvailable: The requested VM size Standard_D2s_v3 is currently not available in "
                        + "location 'westeurope'\\.");
    }

    /** A scale set whose own operation failed with no VM failed: an extension, after the provider stopped waiting. */
    @Test
    void shouldSayWhyAScaleSetIsFailedFromItsInstanceViewUntilAnOperationSucceeds() {
        EnsureGroup ensure = createGroup("ext-failed", 1);
        awaitRunning(ensure.pool(), 1);

        arm.failScaleSet(RESOURCE_GROUP, "ext-failed", "VMExtensionProvisioningError",
                "VM has reported a failure when processing extension 'CustomScript'.");

        await("the scale set's failure published").atMost(WAIT).until(() -> {
            ScalingGroupState s = probe().latest(STATE, ScalingGroupState.class).get(ensure.pool());
            return s != null && s.launchFailure() != null;
        });
        Failure failure = probe().latest(STATE, ScalingGroupState.class).get(ensure.pool()).launchFailure();
        assertThat(failure.reason()).isEqualTo(Reasons.SCALE_SET_FAILED);
        assertThat(failure.message()).isEqualTo("scale set ext-failed is in provisioning state Failed: "
                + "VMExtensionProvisioningError: VM has reported a failure when processing extension 'CustomScript'.");

        send(SetCapacity.of(ensure.pool(), 2, "ext-failed", new Capacity(2, 1, 10, false)));

        await("the failure cleared by an operation that succeeded").atMost(WAIT).until(() -> {
            ScalingGroupState s = probe().latest(STATE, ScalingGroupState.class).get(ensure.pool());
            return s.desired() == 2 && s.launchFailure() == null;
        });
    }

    /**
     * An identity without the instance view's action: the failure is still shown and says where to look, and the WARN
     * that the view could not be read comes once, not at every describe while the scale set stays Failed.
     */
    @Test
    void shouldShowAFailedScaleSetWhoseInstanceViewIsForbiddenAndWarnOfItOnce() {
        EnsureGroup ensure = createGroup("view-forbidden", 1);
        awaitRunning(ensure.pool(), 1);
        try (CapturedLog log = CapturedLog.of(AzureScalingGroup.class)) {
            arm.forbid("GET", "/virtualMachineScaleSets/view-forbidden/instanceView");
            arm.failScaleSet(RESOURCE_GROUP, "view-forbidden", "VMExtensionProvisioningError", "extension failed");

            await("the scale set's failure published").atMost(WAIT).until(() -> {
                ScalingGroupState s = probe().latest(STATE, ScalingGroupState.class).get(ensure.pool());
                return s != null && s.launchFailure() != null;
            });
            assertThat(probe().latest(STATE, ScalingGroupState.class).get(ensure.pool()).launchFailure().message())
                    .isEqualTo("scale set view-forbidden is in provisioning state Failed; its instance view says why");
            String unreadable = "scale set view-forbidden: the instance view of the scale set could not be read";
            await("a second describe in that state").atMost(Duration.ofSeconds(60))
                    .until(() -> log.levelsOf(unreadable).size() >= 2);
            List<Level> levels = log.levelsOf(unreadable);
            assertThat(levels.get(0)).isEqualTo(Level.WARN);
            assertThat(levels.subList(1, levels.size())).containsOnly(Level.DEBUG);
        }
    }

    /** Scale set names whose pools' commands share one partition of the command topic. */
    private static List<String> namesOfOnePartition(String prefix, int count) {
        List<String> names = new ArrayList<>();
        int partition = Partitions.of("clusters/" + prefix + "-0", Topics.PARTITIONS);
        for (int i = 0; names.size() < count; i++) {
            if (Partitions.of("clusters/" + prefix + "-" + i, Topics.PARTITIONS) == partition) {
                names.add(prefix + "-" + i);
            }
        }
        return names;
    }

    @Test
    void shouldCarryOutAnotherPoolsCommandWhileOnePoolsThrottledCommandIsRetriedThenDeadLetterItOnce() {
        List<String> names = namesOfOnePartition("iso", 2);
        EnsureGroup stuckPool = createGroup(names.get(0), 2);
        EnsureGroup otherPool = createGroup(names.get(1), 2);
        // Every PATCH of the first scale set is throttled: through the SDK's attempts and the command's.
        arm.throttleNext("PATCH", "/virtualMachineScaleSets/" + names.get(0), 1_000);
        SetCapacity stuck = SetCapacity.of(stuckPool.pool(), 2, names.get(0), new Capacity(4, 1, 30, false));
        SetCapacity other = SetCapacity.of(otherPool.pool(), 2, names.get(1), new Capacity(3, 1, 30, false));
        try {
            send(stuck);
            send(other);

            assertThat(awaitDone(other).desired()).isEqualTo(3);
            await("the throttled command given up").atMost(Duration.ofSeconds(60))
                    .until(() -> !deadLetterIds(stuckPool.pool(), "RetriesExhausted").isEmpty());
        } finally {
            arm.clearThrottles();
        }
        EventDeserializer<ScalingGroupState> states = new EventDeserializer<>(ScalingGroupState.class);
        // The other pool, in the same partition, did not wait for the throttled one's retries.
        ConsumerRecord<String, byte[]> otherDone = probe().records(STATE).stream()
                .filter(r -> otherPool.pool().equals(r.key()) && r.value() != null
                        && other.id().equals(states.deserialize(r).lastCommandId())).findFirst().orElseThrow();
        ConsumerRecord<String, byte[]> dead = probe().records(COMMANDS + Topics.DLT_SUFFIX).stream()
                .filter(r -> KafkaProbe.header(r, "ce_id").orElse("").equals(stuck.id())).findFirst().orElseThrow();
        assertThat(otherDone.timestamp()).isLessThan(dead.timestamp());
        // While it was retried, the pool's condition said so, with ARM's error.
        assertThat(probe().records(STATE).stream().filter(r -> stuckPool.pool().equals(r.key()) && r.value() != null)
                .map(states::deserialize)).anySatisfy(s -> assertThat(s.lastError()).isNotNull()
                .extracting(e -> e.message()).asString()
                .startsWith("retrying SetCapacity (attempt 1, next in 300ms): CloudThrottled: "));
        assertThat(awaitLastError(stuckPool.pool(), "RetriesExhausted").lastError().message())
                .startsWith("CloudThrottled: ");
        assertThat(scaleSet(names.get(0)).capacity()).isEqualTo(2);

        SetCapacity next = SetCapacity.of(stuckPool.pool(), 3, names.get(0), new Capacity(3, 1, 30, false));
        send(next);
        assertThat(awaitDone(next).lastError()).isNull();
        assertThat(deadLetterIds(stuckPool.pool(), "RetriesExhausted")).containsExactly(stuck.id());
    }

    @Test
    void shouldPublishVmProviderIdsWhenPoolAsksForFlexibleOrchestration() {
        EnsureGroup ensure = createFlexibleGroup("flex", 3);

        Map<String, InstanceState> instances = awaitRunning(ensure.pool(), 3);
        assertThat(instances.values()).allSatisfy(i -> {
            assertThat(i.providerID()).isEqualTo("azure:///subscriptions/" + SUBSCRIPTION
                    + "/resourceGroups/pool-rg/providers/Microsoft.Compute/virtualMachines/" + i.instanceId());
            assertThat(i.instanceId()).startsWith("flex_");
            assertThat(i.latestModel()).isTrue();
        });
        assertThat(scaleSet("flex").orchestrationMode()).isEqualTo("Flexible");

        String victim = instances.keySet().iterator().next();
        TerminateInstances terminate = TerminateInstances.of(ensure.pool(), 2, "flex", List.of(victim));
        send(terminate);
        assertThat(awaitDone(terminate).desired()).isEqualTo(2);
        awaitRunning(ensure.pool(), 2);
        assertThat(instancesOf(ensure.pool())).doesNotContainKey(victim);
    }

    // --- only our own scale sets --------------------------------------------------------------------------------

    private static final String CAPZ_OWNED = "sigs.k8s.io_cluster-api-provider-azure_cluster_" + CLUSTER;
    private static final String POOL_TAG = "poolstream.dev_pool";
    private static final List<String> kubeLog = new ArrayList<>();

    private static SecretRef secret(String namespace, String name, String data) {
        kube.secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata().withName(name)
                .withNamespace(namespace).endMetadata()
                .addToData("value", Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8)))
                .build()).createOr(r -> r.update());
        return new SecretRef(namespace, name);
    }

    private List<String> deadLetterIds(String pool, String reason) {
        return probe().records(COMMANDS + Topics.DLT_SUFFIX).stream().filter(r -> pool.equals(r.key())
                        && KafkaProbe.header(r, "poolstream-dlt-reason").orElse("").equals(reason))
                .map(r -> KafkaProbe.header(r, "ce_id").orElse("")).toList();
    }

    private ScalingGroupState awaitLastError(String pool, String reason) {
        await("last error " + reason + " of " + pool).atMost(WAIT).until(() -> {
            ScalingGroupState s = probe().latest(STATE, ScalingGroupState.class).get(pool);
            return s != null && s.lastError() != null && s.lastError().reason().equals(reason);
        });
        return probe().latest(STATE, ScalingGroupState.class).get(pool);
    }

    /** Whether the provider is done with the command: carried out, or dead-lettered. */
    private boolean handled(ScalingGroupCommand command) {
        ScalingGroupState state = probe().latest(STATE, ScalingGroupState.class).get(command.pool());
        return state != null && command.id().equals(state.lastCommandId())
                || probe().records(COMMANDS + Topics.DLT_SUFFIX).stream().anyMatch(r -> command.pool().equals(r.key())
                && KafkaProbe.header(r, "ce_id").orElse("").equals(command.id()));
    }

    /** Every request the mock API server has had, as {@code METHOD path}, in order. */
    private static synchronized List<String> kubeRequests() throws InterruptedException {
        for (var r = kubernetes.takeRequest(1, TimeUnit.MILLISECONDS); r != null;
             r = kubernetes.takeRequest(1, TimeUnit.MILLISECONDS)) {
            kubeLog.add(r.getMethod() + " " + r.getPath());
        }
        return List.copyOf(kubeLog);
    }

    /** The requests the fake has seen since {@code mark} that were not reads. */
    private static List<ArmFake.Request> writesSince(int mark) {
        List<ArmFake.Request> all = arm.requests();
        return all.subList(mark, all.size()).stream().filter(r -> !r.method().equals("GET")).toList();
    }

    /**
     * A scale set taken over whose upgrade policy is Automatic: a new model would be applied by Azure to every VM at
     * once, none drained. The model write is refused, said, and nothing is written; its size is still changed (a
     * capacity write leaves the VMs' model alone).
     */
    @Test
    void shouldRefuseANewModelOnAScaleSetWhoseUpgradePolicyIsNotManualAndWriteNothing() {
        String pool = "clusters/auto-upgrade";
        arm.seedScaleSet(SUBSCRIPTION, RESOURCE_GROUP, "auto-upgrade", 2, Map.of(CAPZ_OWNED, "owned",
                POOL_TAG, pool), "Automatic");
        bootstrapSecret("auto-upgrade-bootstrap", "#cloud-config auto-upgrade");
        ArmFake.ScaleSetView before = scaleSet("auto-upgrade");
        int fakeMark = arm.requests().size();

        RollOut rollOut = RollOut.of(pool, 2, "auto-upgrade", template("auto-upgrade", "Standard_D4s_v3",
                "133.0.20250301", 2));
        send(rollOut);

        await("the RollOut dead-lettered").atMost(WAIT).until(() ->
                deadLetterIds(pool, "UpgradePolicyNotManual").contains(rollOut.id()));
        assertThat(awaitLastError(pool, "UpgradePolicyNotManual").lastError().message()).isEqualTo("scale set"
                + " auto-upgrade has upgrade policy Automatic: a new model would be applied by Azure to its VMs,"
                + " undrained. Nothing was written. Set its upgradePolicy.mode to Manual (az vmss update --set"
                + " upgradePolicy.mode=Manual) and Poolstream rolls the model out through drains");
        assertThat(writesSince(fakeMark)).isEmpty();
        assertThat(scaleSet("auto-upgrade")).isEqualTo(before);

        SetCapacity up = SetCapacity.of(pool, 2, "auto-upgrade", new Capacity(3, 1, 10, false));
        send(up);
        awaitDone(up);
        assertThat(scaleSet("auto-upgrade").capacity()).isEqualTo(3);
        assertThat(scaleSet("auto-upgrade").virtualMachineProfile()).isEqualTo(before.virtualMachineProfile());
    }

    @Test
    void shouldNeitherWriteNorDeleteWhenScaleSetWasMadeByCapzWithoutPoolTag() {
        arm.seedScaleSet(SUBSCRIPTION, RESOURCE_GROUP, "capz-made", 3, Map.of(CAPZ_OWNED, "owned",
                "sigs.k8s.io_cluster-api-provider-azure_role", "node", "Name", "capz-made"));
        ArmFake.ScaleSetView before = scaleSet("capz-made");
        String pool = "clusters/capz-made";
        String victim = "azure:///subscriptions/" + SUBSCRIPTION + "/resourceGroups/pool-rg/providers/"
                + "Microsoft.Compute/virtualMachineScaleSets/capz-made/virtualMachines/0";
        int fakeMark = arm.requests().size();

        List<ScalingGroupCommand> commands = List.of(
                SetCapacity.of(pool, 2, "capz-made", new Capacity(5, 1, 10, false)),
                TerminateInstances.of(pool, 2, "capz-made", List.of(victim)),
                RollOut.of(pool, 2, "capz-made", template("capz-made", "Standard_D4s_v3", "133.0.20250301", 2)),
                EnsureGroup.of(pool, 2, "capz-made", template("capz-made", "Standard_D2s_v3", "133.0.20250101", 1),
                        new Capacity(3, 1, 10, false)),
                DeleteGroup.of(pool, 3, "capz-made"));
        commands.forEach(this::send);

        await("every command dead-lettered as GroupNotOwned").atMost(WAIT).until(() ->
                deadLetterIds(pool, "GroupNotOwned").containsAll(commands.stream().map(c -> c.id()).toList()));
        ScalingGroupState state = awaitLastError(pool, "GroupNotOwned");
        assertThat(state.exists()).isFalse();
        assertThat(state.lastError().message()).contains("VM Scale Set capz-made exists but is not pool " + pool
                + "'s own", "it has no tag " + POOL_TAG, "tag it " + POOL_TAG + "=" + pool + " and " + CAPZ_OWNED);
        assertThat(writesSince(fakeMark)).isEmpty();
        assertThat(scaleSet("capz-made")).isEqualTo(before);
        assertThat(instancesOf(pool)).isEmpty();
    }

    @Test
    void shouldNotReplaceAScaleSetAnotherPoolMadeBetweenTheDescribeAndTheCreate() {
        // team-c's first create is throttled once (the SDK retries it after Retry-After); meanwhile team-d's pool,
        // addressing the same name, makes its scale set. The retried PUT once replaced it: tags, model, capacity.
        arm.throttleNext("PUT", "/virtualMachineScaleSets/raced", 1);
        EnsureGroup teamC = EnsureGroup.of("team-c/raced", 1, "raced", AzurePools.template(CLUSTER,
                AzurePools.spec("Standard_D2s_v3", "133.0.20250101"), 1, secret("team-c", "raced-bootstrap",
                        "#cloud-config team-c")), new Capacity(2, 1, 10, false));
        send(teamC);
        await("the throttled create").atMost(WAIT).until(() -> arm.requests().stream().anyMatch(r ->
                r.method().equals("PUT") && r.path().endsWith("/virtualMachineScaleSets/raced") && r.status() == 429));
        arm.seedScaleSet(SUBSCRIPTION, RESOURCE_GROUP, "raced", 3, Map.of(CAPZ_OWNED, "owned",
                POOL_TAG, "team-d/raced"));
        ArmFake.ScaleSetView teamD = scaleSet("raced");

        // Refused (412), then the next attempt finds the scale set, and it is not team-c's.
        await().atMost(WAIT).until(() -> deadLetterIds("team-c/raced", "GroupNotOwned").contains(teamC.id()));
        assertThat(arm.requests()).filteredOn(r -> r.method().equals("PUT")
                && r.path().endsWith("/virtualMachineScaleSets/raced")).extracting(ArmFake.Request::status)
                .containsExactly(429, 412);
        assertThat(scaleSet("raced")).isEqualTo(teamD);
        assertThat(scaleSet("raced").tags()).containsEntry(POOL_TAG, "team-d/raced");
    }

    @Test
    void shouldLeaveOtherNamespacesScaleSetAloneWhenAPoolOfTheSameNameAddressesIt() {
        // team-a's pool "np" made its scale set, addressed (as before derived names) by the pool's name alone.
        EnsureGroup teamA = EnsureGroup.of("team-a/np", 1, "np", AzurePools.template(CLUSTER,
                AzurePools.spec("Standard_D2s_v3", "133.0.20250101"), 1, secret("team-a", "np-bootstrap",
                        "#cloud-config team-a")), new Capacity(2, 1, 10, false));
        send(teamA);
        awaitDone(teamA);
        awaitRunning("team-a/np", 2);
        ArmFake.ScaleSetView before = scaleSet("np");
        int fakeMark = arm.requests().size();

        // team-b's pool of the same name, in the same cluster and resource group.
        String teamB = "team-b/np";
        List<ScalingGroupCommand> commands = List.of(
                EnsureGroup.of(teamB, 1, "np", AzurePools.template(CLUSTER, AzurePools.spec("Standard_D4s_v3",
                        "133.0.20250101"), 1, secret("team-b", "np-bootstrap", "#cloud-config team-b")),
                        new Capacity(4, 1, 10, false)),
                SetCapacity.of(teamB, 2, "np", new Capacity(6, 1, 10, false)),
                DeleteGroup.of(teamB, 3, "np"));
        commands.forEach(this::send);

        await().atMost(WAIT).until(() -> deadLetterIds(teamB, "GroupNotOwned")
                .containsAll(commands.stream().map(c -> c.id()).toList()));
        assertThat(awaitLastError(teamB, "GroupNotOwned").lastError().message())
                .contains("its tag " + POOL_TAG + " is 'team-a/np', not 'team-b/np'");
        assertThat(writesSince(fakeMark)).isEmpty();
        assertThat(scaleSet("np")).isEqualTo(before);
        assertThat(scaleSet("np").tags()).containsEntry(POOL_TAG, "team-a/np").containsEntry(CAPZ_OWNED, "owned");
        assertThat(instancesOf("team-a/np")).hasSize(2);
        assertThat(instancesOf(teamB)).isEmpty();
    }

    @Test
    void shouldNeverReadSecretWhenCommandNamesOneOutsideThePoolsNamespace() throws Exception {
        EnsureGroup control = createGroup("secret-control", 1); // reads clusters/secret-control-bootstrap
        SecretRef stolen = secret("other-team", "stolen-bootstrap", "#cloud-config other team's join token");
        List<String> kubeBefore = kubeRequests();
        ArmFake.ScaleSetView controlBefore = scaleSet("secret-control");
        int mark = calls.mark();

        EnsureGroup ensure = EnsureGroup.of("clusters/thief", 1, "thief", AzurePools.template(CLUSTER,
                AzurePools.spec("Standard_D2s_v3", "133.0.20250101"), 1, stolen), new Capacity(1, 1, 10, false));
        RollOut rollOut = RollOut.of(control.pool(), 2, "secret-control", AzurePools.template(CLUSTER,
                AzurePools.spec("Standard_D4s_v3", "133.0.20250301"), 2, stolen));
        send(ensure);
        send(rollOut);

        await("both commands handled").atMost(WAIT).until(() -> handled(ensure) && handled(rollOut));
        // The API server was never asked for the other namespace's Secret; it was asked for the pool's own before.
        assertThat(kubeBefore).contains("GET /api/v1/namespaces/clusters/secrets/secret-control-bootstrap");
        List<String> kubeAfter = kubeRequests();
        assertThat(kubeAfter.subList(kubeBefore.size(), kubeAfter.size()))
                .noneMatch(r -> r.contains("/namespaces/other-team/"));
        assertThat(deadLetterIds("clusters/thief", "BootstrapSecretOutsideNamespace")).contains(ensure.id());
        assertThat(deadLetterIds(control.pool(), "BootstrapSecretOutsideNamespace")).contains(rollOut.id());
        assertThat(awaitLastError("clusters/thief", "BootstrapSecretOutsideNamespace").lastError().message())
                .contains("other-team/stolen-bootstrap", "has not read it");
        ScalingGroupState controlState = awaitLastError(control.pool(), "BootstrapSecretOutsideNamespace");
        assertThat(controlState.exists()).isTrue();
        assertThat(controlState.appliedGeneration()).isEqualTo(1);
        // Nor ARM, for either command: no request at all on the command path.
        assertThat(commandCalls(mark)).isEmpty();
        assertThat(arm.scaleSet(RESOURCE_GROUP, "thief")).isEmpty();
        assertThat(scaleSet("secret-control")).isEqualTo(controlBefore);
    }

    @Test
    void shouldDeadLetterMalformedAndMisroutedCommandsWithTheirReasonWithoutAnyRequestToArm() {
        EnsureGroup owner = createGroup("bad-owner", 2);
        awaitRunning(owner.pool(), 2);
        ArmFake.ScaleSetView ownerBefore = scaleSet("bad-owner");
        int armMark = arm.requests().size();
        int mark = calls.mark();
        // Keyed as another pool than the one it names: nothing is published for either.
        EnsureGroup misrouted = EnsureGroup.of("clusters/bad-misrouted", 1, "bad-misrouted",
                template("bad-misrouted", "Standard_D2s_v3", "133.0.20250101", 1), new Capacity(1, 1, 3, false));
        GroupTemplate awsTemplate = new GroupTemplate(CLUSTER, "v1.33.0", new InfraSpec.Aws(
                new dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec()), 1,
                new SecretRef("clusters", "bad-wrong-bootstrap"), List.of(), Map.of());
        // A VM of another scale set in the same resource group, named in a TerminateInstances of the pool's own.
        String othersVm = "azure:///subscriptions/" + SUBSCRIPTION + "/resourceGroups/pool-rg/providers/"
                + "Microsoft.Compute/virtualMachineScaleSets/someone-elses/virtualMachines/0";
        Map<ScalingGroupCommand, String> bad = new java.util.LinkedHashMap<>();
        bad.put(TerminateInstances.of(owner.pool(), 2, "bad-owner", List.of(othersVm)), "InvalidCommand");
        bad.put(SetCapacity.of("clusters/bad-bounds", 1, "bad-bounds", new Capacity(2, 5, 3, false)),
                "InvalidCapacity");
        bad.put(EnsureGroup.of("clusters/bad-wrong", 1, "bad-wrong", awsTemplate, new Capacity(1, 1, 3, false)),
                "WrongCloud");
        bad.put(DeleteGroup.of("clusters/bad-name", 1, "-bad-name"), "InvalidCommand");

        probe().send(COMMANDS, "clusters/intruder", misrouted);
        bad.keySet().forEach(this::send);

        await("every bad command dead-lettered").atMost(WAIT).until(() ->
                deadLetterIds("clusters/intruder", "KeyMismatch").contains(misrouted.id())
                        && bad.entrySet().stream().allMatch(e -> deadLetterIds(e.getKey().pool(), e.getValue())
                        .contains(e.getKey().id())));
        // The reason is in the headers, the message in spring-kafka's exception header, naming what is wrong.
        assertThat(probe().records(COMMANDS + Topics.DLT_SUFFIX)).filteredOn(r -> owner.pool().equals(r.key()))
                .singleElement().satisfies(r -> assertThat(KafkaProbe.header(r, "kafka_dlt-exception-message")
                        .orElse("")).contains("cannot be one of group 'bad-owner'", "it is a VM of another scale set"));
        ScalingGroupState ownerState = awaitLastError(owner.pool(), "InvalidCommand");
        assertThat(ownerState.exists()).isTrue();
        assertThat(ownerState.desired()).isEqualTo(2);
        assertThat(probe().latest(STATE, ScalingGroupState.class)).doesNotContainKeys("clusters/bad-misrouted",
                "clusters/intruder");
        // The fake saw nothing of them: no write at all, no request naming the new groups, none on the command path.
        List<ArmFake.Request> requests = arm.requests();
        assertThat(requests.subList(armMark, requests.size())).allMatch(r -> r.method().equals("GET"))
                .noneMatch(r -> r.path().contains("bad-misrouted") || r.path().contains("bad-bounds")
                        || r.path().contains("bad-wrong") || r.path().contains("-bad-name"));
        assertThat(commandCalls(mark)).isEmpty();
        assertThat(scaleSet("bad-owner")).isEqualTo(ownerBefore);
    }

    @Test
    void shouldExposeHealthAndCommandMetricsWhenScraped() throws Exception {
        createGroup("scraped", 1);
        var http = java.net.http.HttpClient.newHttpClient();
        var base = java.net.URI.create("http://127.0.0.1:" + port);

        var health = http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/actuator/health/readiness"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        var metrics = http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/actuator/prometheus")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("UP");
        // Each probe includes the command consumer's indicator, with its details (as shipped: an operator reads why).
        var readiness = new com.fasterxml.jackson.databind.ObjectMapper().readTree(health.body());
        assertThat(readiness.at("/components/commands/status").asText()).isEqualTo("UP");
        assertThat(readiness.at("/components/commands/details/why").asText()).contains("partition");
        var liveness = http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/actuator/health/liveness"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(liveness.statusCode()).isEqualTo(200);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(liveness.body())
                .at("/components/commandConsumer/status").asText()).isEqualTo("UP");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("poolstream_provider_commands_retrying ");
        assertThat(metrics.body())
                .contains("poolstream_provider_commands_total{kind=\"EnsureGroup\",outcome=\"applied\"}");
    }

    /** The ARM requests after the first {@code mark}, from one copy (the poller may add some while it is read). */
    private List<ArmFake.Request> armRequestsSince(int mark) {
        List<ArmFake.Request> requests = arm.requests();
        return requests.subList(mark, requests.size());
    }
}
