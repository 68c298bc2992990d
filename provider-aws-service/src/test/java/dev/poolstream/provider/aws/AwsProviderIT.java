package dev.poolstream.provider.aws;

import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.SuspendProcesses;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.suspendprocesses.Processes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
import dev.poolstream.provider.aws.moto.ApiCalls;
import dev.poolstream.provider.aws.moto.MotoExtension;
import dev.poolstream.provider.kafka.Partitions;
import dev.poolstream.provider.testing.KafkaProbe;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import org.junit.jupiter.api.extension.ExtendWith;
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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.SuspendedProcess;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.ResponseLaunchTemplateData;

/**
 * The AWS provider end to end: commands on the embedded broker, AWS Auto Scaling and EC2 emulated by moto, the
 * bootstrap Secret in fabric8's mock API server. Each test has its own pool and group.
 */
@ExtendWith(MotoExtension.class)
@SpringBootTest(classes = {ProviderAwsApplication.class, AwsProviderIT.TestBeans.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=application,provider-aws-service")
@EmbeddedKafka(partitions = 1)
@DirtiesContext // close the provider before moto stops at the end of the run
class AwsProviderIT {

    private static final String COMMANDS = Topics.SCALINGGROUP_COMMANDS_AWS.name();
    private static final String STATE = Topics.SCALINGGROUP_STATE.name();
    private static final String INSTANCES = Topics.SCALINGGROUP_INSTANCES.name();
    private static final Pattern AWS_PROVIDER_ID = Pattern.compile("aws:///us-east-1[ab]/i-[0-9a-f]+");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CLUSTER = "prod-eu";

    private static KubernetesMockServer kubernetes;
    private static KubernetesClient kube;
    private static final ApiCalls calls = new ApiCalls();
    private static AutoScalingClient autoScaling;
    private static Ec2Client ec2;
    private static String ami;
    private static String securityGroup;

    @Autowired
    private EmbeddedKafkaBroker broker;
    @LocalServerPort
    private int port;
    private static KafkaProbe probe;

    @TestConfiguration
    static class TestBeans {
        @Bean
        @Primary
        KubernetesClient mockKubernetesClient() {
            return kube;
        }

        @Bean
        ApiCalls apiCalls() {
            return calls;
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", () -> "${spring.embedded.kafka.brokers}");
        registry.add("spring.kafka.consumer.group-id", () -> "provider-aws-it");
        registry.add("server.address", () -> "127.0.0.1");
        registry.add("poolstream.provider.aws.region", () -> "us-east-1");
        registry.add("poolstream.provider.aws.endpoint", () -> MotoExtension.server().proxy().endpoint().toString());
        registry.add("poolstream.provider.aws.credentials.access-key-id", () -> "testing");
        registry.add("poolstream.provider.aws.credentials.secret-access-key", () -> "testing");
        registry.add("poolstream.provider.aws.api-call-attempt-timeout", () -> "10s");
        registry.add("poolstream.provider.retry.max-attempts", () -> "3");
        registry.add("poolstream.provider.retry.base-delay", () -> "50ms");
        registry.add("poolstream.provider.retry.max-delay", () -> "400ms");
        registry.add("poolstream.provider.command-retry.max-retries", () -> "2");
        registry.add("poolstream.provider.command-retry.initial-interval", () -> "300ms");
        registry.add("poolstream.provider.command-retry.max-interval", () -> "1s");
        registry.add("poolstream.provider.poll.fast", () -> "500ms");
        registry.add("poolstream.provider.poll.slow", () -> "10s");
        registry.add("poolstream.provider.poll.settle", () -> "2s");
        registry.add("poolstream.provider.poll.tick", () -> "100ms");
        registry.add("poolstream.provider.rate-limit.requests-per-second", () -> "100");
        registry.add("poolstream.provider.rate-limit.burst", () -> "100");
    }

    @BeforeAll
    static void startFakes() throws Exception {
        kubernetes = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        kubernetes.init(InetAddress.getByName("127.0.0.1"), 0);
        kube = kubernetes.createClient();
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
        var endpoint = MotoExtension.server().endpoint();
        autoScaling = AutoScalingClient.builder().region(Region.US_EAST_1).credentialsProvider(credentials)
                .endpointOverride(endpoint).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        ec2 = Ec2Client.builder().region(Region.US_EAST_1).credentialsProvider(credentials)
                .endpointOverride(endpoint).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        ami = ec2.describeImages(b -> b.owners("amazon")).images().get(0).imageId();
        securityGroup = ec2.createSecurityGroup(b -> b.groupName("nodes-" + System.nanoTime())
                .description("poolstream test nodes")).groupId();
        ec2.createKeyPair(b -> b.keyName("poolstream"));
    }

    @AfterAll
    static void stopFakes() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
        if (autoScaling != null) {
            autoScaling.close();
            ec2.close();
        }
        if (kube != null) {
            kube.close();
            kubernetes.destroy();
        }
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

    private static GroupTemplate template(String group, String instanceType, long generation) {
        return AwsPools.template(CLUSTER, AwsPools.spec(ami, instanceType, securityGroup), generation,
                new SecretRef("clusters", group + "-bootstrap"));
    }

    private void send(ScalingGroupCommand command) {
        probe().send(COMMANDS, command);
    }

    /** Waits until the provider published the state that says it carried the command out. */
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

    private void awaitInstances(String pool, int count) {
        await(count + " instances of " + pool).atMost(WAIT).until(() -> instancesOf(pool).size() == count);
    }

    private static AutoScalingGroup asg(String group) {
        return autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames(group)).autoScalingGroups().get(0);
    }

    private static ResponseLaunchTemplateData templateData(String group, String version) {
        return ec2.describeLaunchTemplateVersions(b -> b.launchTemplateName(group).versions(version))
                .launchTemplateVersions().get(0).launchTemplateData();
    }

    private EnsureGroup createGroup(String name, int desired) {
        bootstrapSecret(name + "-bootstrap", "#cloud-config for " + name);
        EnsureGroup ensure = EnsureGroup.of("clusters/" + name, 1, name, template(name, "t3.large", 1),
                new Capacity(desired, 1, 30, false));
        send(ensure);
        awaitDone(ensure);
        awaitInstances(ensure.pool(), desired);
        return ensure;
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldPublishFiveInstancesWithAwsProviderIdsWhenGroupIsCreated() {
        String secretData = "#cloud-config secret-token-5f2a";
        bootstrapSecret("five-bootstrap", secretData);
        AWSMachinePoolSpec imdsV2 = AwsPools.spec(ami, "t3.large", securityGroup);
        imdsV2.getAwsLaunchTemplate().setInstanceMetadataOptions(AwsPools.imdsV2(2));
        EnsureGroup ensure = EnsureGroup.of("clusters/five", 1, "five", AwsPools.template(CLUSTER, imdsV2, 1,
                new SecretRef("clusters", "five-bootstrap")),
                new Capacity(5, 1, 10, false));

        send(ensure);

        ScalingGroupState state = awaitDone(ensure);
        awaitInstances("clusters/five", 5);
        assertThat(state).extracting(ScalingGroupState::exists, ScalingGroupState::desired, ScalingGroupState::min,
                ScalingGroupState::max, ScalingGroupState::templateVersion).containsExactly(true, 5, 1, 10, "1");
        assertThat(instancesOf("clusters/five").values()).allSatisfy(i -> {
            assertThat(i.providerID()).matches(AWS_PROVIDER_ID).isEqualTo("aws:///" + i.zone() + "/" + i.instanceId());
            assertThat(i.lifecycle()).isEqualTo(InstanceLifecycle.RUNNING);
            assertThat(i.cloudState()).isEqualTo("InService");
            assertThat(i.templateVersion()).isEqualTo("1");
            assertThat(i.latestModel()).isTrue();
            assertThat(i.launchTime()).isNotNull();
        });

        AutoScalingGroup group = asg("five");
        assertThat(group.desiredCapacity()).isEqualTo(5);
        assertThat(group.newInstancesProtectedFromScaleIn()).isTrue();
        assertThat(group.instances()).allSatisfy(i -> assertThat(i.protectedFromScaleIn()).isTrue());
        assertThat(group.availabilityZones()).containsExactlyInAnyOrder("us-east-1a", "us-east-1b");
        assertThat(group.launchTemplate().version()).isEqualTo("1");
        // Zone rebalancing would end instances undrained: suspended from the start.
        assertThat(group.suspendedProcesses()).extracting(SuspendedProcess::processName).containsExactly("AZRebalance");
        Map<String, String> tags = new HashMap<>();
        group.tags().forEach(t -> tags.put(t.key(), t.value()));
        assertThat(tags).containsEntry("kubernetes.io/cluster/" + CLUSTER, "owned")
                .containsEntry("sigs.k8s.io/cluster-api-provider-aws/cluster/" + CLUSTER, "owned")
                .containsEntry("sigs.k8s.io/cluster-api-provider-aws/role", "node")
                .containsEntry("Name", "five").containsEntry("team", "platform").containsEntry("environment", "test");

        ResponseLaunchTemplateData data = templateData("five", "1");
        assertThat(data.imageId()).isEqualTo(ami);
        assertThat(data.instanceTypeAsString()).isEqualTo("t3.large");
        assertThat(data.keyName()).isEqualTo("poolstream");
        assertThat(data.iamInstanceProfile().name()).isEqualTo("nodes.cluster-api-provider-aws.sigs.k8s.io");
        assertThat(data.securityGroupIds()).containsExactly(securityGroup);
        assertThat(data.blockDeviceMappings().get(0).ebs().volumeSize()).isEqualTo(50);
        // IMDSv2 as the pool asks, not the account's default (under which pods read the node role and user data).
        assertThat(data.metadataOptions()).isNotNull();
        assertThat(data.metadataOptions().httpTokensAsString()).isEqualTo("required");
        assertThat(data.metadataOptions().httpPutResponseHopLimit()).isEqualTo(2);
        assertThat(data.metadataOptions().httpEndpointAsString()).isEqualTo("enabled");
        assertThat(new String(Base64.getDecoder().decode(data.userData()), StandardCharsets.UTF_8))
                .isEqualTo(secretData);
        // The bootstrap data reached the launch template and nothing else.
        for (String topic : List.of(STATE, INSTANCES, COMMANDS)) {
            assertThat(probe().records(topic)).noneMatch(r -> r.value() != null
                    && new String(r.value(), StandardCharsets.UTF_8).contains("secret-token-5f2a"));
        }
    }

    @Test
    void shouldFollowCapacityUpFromFiveToTwentyAndRefuseToLowerItBelowItsInstances() {
        EnsureGroup ensure = createGroup("scaled", 5);
        int mark = calls.mark();

        SetCapacity up = SetCapacity.of(ensure.pool(), 2, "scaled", new Capacity(20, 1, 30, false));
        send(up);
        awaitDone(up);
        awaitInstances(ensure.pool(), 20);

        List<ApiCalls.Call> all = calls.callsSince(mark);
        List<ApiCalls.Call> command = all.stream().filter(c -> c.thread().startsWith("scalinggroup-commands")).toList();
        List<ApiCalls.Call> poller = all.stream().filter(c -> c.thread().startsWith("inventory-poller")).toList();
        System.out.printf("AWS API calls for a 5 -> 20 scale-up: command path %d reads + %d writes %s; "
                        + "poller meanwhile %d reads + %d writes %s%n", ApiCalls.reads(command),
                ApiCalls.writes(command), command.stream().map(ApiCalls.Call::operation).toList(),
                ApiCalls.reads(poller), ApiCalls.writes(poller), poller.stream().map(ApiCalls.Call::operation).toList());
        assertThat(command).extracting(ApiCalls.Call::operation).filteredOn(op -> !op.startsWith("Describe"))
                .containsExactly("UpdateAutoScalingGroup");
        assertThat(ApiCalls.reads(command)).isLessThanOrEqualTo(3);
        assertThat(ApiCalls.writes(poller)).isZero();
        assertThat(asg("scaled").desiredCapacity()).isEqualTo(20);

        // Lowered below its 20 instances, the group would end 5 of its own choice, undrained: refused, nothing
        // written. A scale-down names its drained instances (the TerminateInstances tests below).
        int beforeDown = calls.mark();
        SetCapacity down = SetCapacity.of(ensure.pool(), 3, "scaled", new Capacity(15, 1, 30, false));
        send(down);
        await().atMost(WAIT).until(() -> deadLetterIds(ensure.pool(), "ScaleDownNeedsNamedInstances")
                .contains(down.id()));
        assertThat(awaitLastError(ensure.pool(), "ScaleDownNeedsNamedInstances").lastError().message())
                .contains("20 instances").contains("TerminateInstances");
        assertThat(ApiCalls.writes(calls.callsSince(beforeDown))).isZero();
        assertThat(asg("scaled").desiredCapacity()).isEqualTo(20);
        assertThat(asg("scaled").instances()).hasSize(20);
        assertThat(instancesOf(ensure.pool())).hasSize(20);
    }

    @Test
    void shouldLetNoLowerDesiredCapacityEndAnInstanceOfAutoScalingsChoice() {
        EnsureGroup ensure = createGroup("raced", 3);
        List<String> before = asg("raced").instances().stream().map(i -> i.instanceId()).sorted().toList();

        // What the provider's own lowering would do had an instance launched between its describe and its update:
        // desired capacity below the instances. Auto Scaling may end none of them: they are protected from scale-in.
        autoScaling.setDesiredCapacity(b -> b.autoScalingGroupName("raced").desiredCapacity(1));

        assertThat(asg("raced").instances()).extracting(i -> i.instanceId()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(asg("raced").instances()).allSatisfy(i -> assertThat(i.lifecycleStateAsString())
                .isEqualTo("InService"));
        // Named instances still leave: protection does not stop DetachInstances or TerminateInstances.
        String victim = instancesOf(ensure.pool()).keySet().stream().sorted().findFirst().orElseThrow();
        TerminateInstances named = TerminateInstances.of(ensure.pool(), 2, "raced", List.of(victim));
        send(named);
        awaitDone(named);
        assertThat(asg("raced").instances()).extracting(i -> i.instanceId()).hasSize(2)
                .doesNotContain(instanceIds(List.of(victim)).get(0));
    }

    @Test
    void shouldTombstoneTerminatedInstancesAndLowerDesiredWhenTwoNamedInstancesAreTerminated() {
        EnsureGroup ensure = createGroup("victims", 20);
        List<String> victims = instancesOf(ensure.pool()).keySet().stream().sorted().limit(2).toList();

        TerminateInstances terminate = TerminateInstances.of(ensure.pool(), 2, "victims", victims);
        send(terminate);

        assertThat(awaitDone(terminate).desired()).isEqualTo(18);
        awaitInstances(ensure.pool(), 18);
        assertThat(probe().tombstones(INSTANCES)).containsAll(victims);
        assertThat(instancesOf(ensure.pool())).doesNotContainKeys(victims.toArray(String[]::new));
        AutoScalingGroup group = asg("victims");
        assertThat(group.desiredCapacity()).isEqualTo(18);
        assertThat(group.instances()).extracting(i -> "aws:///" + i.availabilityZone() + "/" + i.instanceId())
                .doesNotContainAnyElementsOf(victims);
    }

    @Test
    void shouldDetachThenTerminateInTwoWritesWhenScaledFromTwentyToFive() {
        EnsureGroup ensure = createGroup("shrunk", 20);
        List<String> victims = instancesOf(ensure.pool()).keySet().stream().sorted().limit(15).toList();
        int mark = calls.mark();

        // The reconciler's scale-down: fifteen drained, named instances.
        TerminateInstances down = TerminateInstances.of(ensure.pool(), 2, "shrunk", victims);
        send(down);

        assertThat(awaitDone(down).desired()).isEqualTo(5);
        awaitInstances(ensure.pool(), 5);
        List<ApiCalls.Call> command = calls.callsSince(mark).stream()
                .filter(c -> c.thread().startsWith("scalinggroup-commands")).toList();
        System.out.printf("AWS API calls for a 20 -> 5 scale-down (15 named instances): command path %d reads + %d "
                + "writes %s%n", ApiCalls.reads(command), ApiCalls.writes(command),
                command.stream().map(ApiCalls.Call::operation).toList());
        assertThat(command).extracting(ApiCalls.Call::operation).filteredOn(op -> !op.startsWith("Describe"))
                .containsExactly("DetachInstances", "TerminateInstances");
        assertThat(ApiCalls.reads(command)).isLessThanOrEqualTo(2);
        AutoScalingGroup group = asg("shrunk");
        assertThat(group.desiredCapacity()).isEqualTo(5);
        assertThat(group.instances()).hasSize(5).allSatisfy(i -> assertThat(i.lifecycleStateAsString())
                .isEqualTo("InService"));
        assertThat(ec2States(victims)).containsOnlyKeys(instanceIds(victims)).containsValues("terminated")
                .doesNotContainValue("running");
        assertThat(probe().tombstones(INSTANCES)).containsAll(victims);
    }

    @Test
    void shouldTerminateDetachedInstancesWhenTerminateIsCarriedOutAgainAfterStoppingBetweenItsWrites() {
        EnsureGroup ensure = createGroup("resumed", 8);
        List<String> victims = instancesOf(ensure.pool()).keySet().stream().sorted().limit(3).toList();
        // As if the provider had stopped right after its DetachInstances: the victims are out of the group, desired
        // is lowered, and they still run. The command, not committed, comes again.
        autoScaling.detachInstances(b -> b.autoScalingGroupName("resumed").instanceIds(instanceIds(victims))
                .shouldDecrementDesiredCapacity(true));
        assertThat(ec2States(victims)).containsOnlyKeys(instanceIds(victims)).containsValues("running");
        int mark = calls.mark();

        TerminateInstances again = TerminateInstances.of(ensure.pool(), 2, "resumed", victims);
        send(again);

        assertThat(awaitDone(again).desired()).isEqualTo(5);
        List<ApiCalls.Call> command = calls.callsSince(mark).stream()
                .filter(c -> c.thread().startsWith("scalinggroup-commands")).toList();
        assertThat(command).extracting(ApiCalls.Call::operation).filteredOn(op -> !op.startsWith("Describe"))
                .containsExactly("TerminateInstances");
        assertThat(ec2States(victims)).containsOnlyKeys(instanceIds(victims)).doesNotContainValue("running");
        assertThat(asg("resumed").instances()).hasSize(5);
        awaitInstances(ensure.pool(), 5);
    }

    private static List<String> instanceIds(List<String> providerIds) {
        return providerIds.stream().map(p -> p.substring(p.lastIndexOf('/') + 1)).toList();
    }

    /** EC2's state of each of the instances, by instance id. */
    private static Map<String, String> ec2States(List<String> providerIds) {
        Map<String, String> states = new HashMap<>();
        ec2.describeInstancesPaginator(b -> b.instanceIds(instanceIds(providerIds))).reservations()
                .forEach(r -> r.instances().forEach(i -> states.put(i.instanceId(), i.state().nameAsString())));
        return states;
    }

    @Test
    void shouldPutNewLaunchTemplateVersionOnGroupWhenTemplateChanges() {
        EnsureGroup ensure = createGroup("rolled", 2);

        RollOut rollOut = RollOut.of(ensure.pool(), 2, "rolled", template("rolled", "t3.xlarge", 2));
        send(rollOut);

        assertThat(awaitDone(rollOut).templateVersion()).isEqualTo("2");
        assertThat(asg("rolled").launchTemplate().version()).isEqualTo("2");
        assertThat(templateData("rolled", "2").instanceTypeAsString()).isEqualTo("t3.xlarge");
        assertThat(templateData("rolled", "1").instanceTypeAsString()).isEqualTo("t3.large");
        await().atMost(WAIT).until(() -> instancesOf(ensure.pool()).values().stream().noneMatch(
                InstanceState::latestModel));

        // A rotated bootstrap token alone makes a new version too (MACHINEPOOL-SEMANTICS.md §5).
        bootstrapSecret("rolled-bootstrap", "#cloud-config rotated token");
        EnsureGroup rotated = EnsureGroup.of(ensure.pool(), 3, "rolled", template("rolled", "t3.xlarge", 2),
                new Capacity(2, 1, 30, false));
        send(rotated);

        assertThat(awaitDone(rotated).templateVersion()).isEqualTo("3");
        assertThat(new String(Base64.getDecoder().decode(templateData("rolled", "3").userData()),
                StandardCharsets.UTF_8)).isEqualTo("#cloud-config rotated token");
        assertThat(templateData("rolled", "3").instanceTypeAsString()).isEqualTo("t3.xlarge");
    }

    @Test
    void shouldMoveAndSuspendAnExistingGroupWithoutANewVersionWhenOnlyItsShapeChanges() {
        EnsureGroup ensure = createGroup("reshaped", 2);
        AWSMachinePoolSpec spec = AwsPools.spec(ami, "t3.large", securityGroup);
        spec.setAvailabilityZones(List.of("us-east-1c"));
        Processes healthCheck = new Processes();
        healthCheck.setHealthCheck(true);
        SuspendProcesses suspend = new SuspendProcesses();
        suspend.setProcesses(healthCheck);
        spec.setSuspendProcesses(suspend);

        assertThat(rollOut(ensure, spec, 2).templateVersion()).isEqualTo("1");
        AutoScalingGroup group = asg("reshaped");
        assertThat(group.availabilityZones()).containsExactly("us-east-1c");
        assertThat(group.suspendedProcesses()).extracting(SuspendedProcess::processName)
                .containsExactlyInAnyOrder("AZRebalance", "HealthCheck");
        assertThat(group.launchTemplate().version()).isEqualTo("1");
        assertThat(group.desiredCapacity()).isEqualTo(2);

        // Tags are instance tags too: a new version, as CAPA makes one (its instances are then replaced through
        // drains). Zone rebalancing set false runs again; health checks, no longer named, too.
        spec.setAdditionalTags(Map.of("team", "payments"));
        Processes rebalance = new Processes();
        rebalance.setAzRebalance(false);
        suspend.setProcesses(rebalance);
        assertThat(rollOut(ensure, spec, 3).templateVersion()).isEqualTo("2");
        group = asg("reshaped");
        assertThat(group.tags()).anySatisfy(t -> assertThat(t.key() + "=" + t.value()).isEqualTo("team=payments"));
        assertThat(group.suspendedProcesses()).isEmpty();
        assertThat(group.availabilityZones()).containsExactly("us-east-1c");
    }

    /** Rolls the group {@code ensure} made out to {@code spec} at {@code generation}; the state once carried out. */
    private ScalingGroupState rollOut(EnsureGroup ensure, AWSMachinePoolSpec spec, long generation) {
        RollOut rollOut = RollOut.of(ensure.pool(), generation, ensure.group(), AwsPools.template(CLUSTER, spec,
                generation, ensure.template().bootstrapDataSecret()));
        send(rollOut);
        return awaitDone(rollOut);
    }

    @Test
    void shouldRemoveGroupAndTemplateAndTombstoneEveryInstanceWhenGroupIsDeleted() {
        EnsureGroup ensure = createGroup("doomed", 3);
        List<String> instances = List.copyOf(instancesOf(ensure.pool()).keySet());

        DeleteGroup delete = DeleteGroup.of(ensure.pool(), 2, "doomed");
        send(delete);

        assertThat(awaitDone(delete).exists()).isFalse();
        awaitInstances(ensure.pool(), 0);
        assertThat(probe().tombstones(INSTANCES)).containsAll(instances);
        assertThat(autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames("doomed"))
                .autoScalingGroups()).isEmpty();
        // ForceDelete ends every instance, protected from scale-in or not, as AWS documents it.
        assertThat(ec2States(instances).values()).hasSize(3).allSatisfy(state -> assertThat(state)
                .isIn("shutting-down", "terminated"));
        assertThatThrownBy(() -> ec2.describeLaunchTemplates(b -> b.launchTemplateNames("doomed")))
                .isInstanceOfSatisfying(Ec2Exception.class, e -> assertThat(e.awsErrorDetails().errorCode())
                        .isEqualTo("InvalidLaunchTemplateName.NotFoundException"));
    }

    @Test
    void shouldMakeNoSecondWriteWhenSameCommandArrivesTwice() {
        EnsureGroup ensure = createGroup("twice", 2);
        int mark = calls.mark();

        send(ensure);
        SetCapacity satisfied = SetCapacity.of(ensure.pool(), 2, "twice", new Capacity(2, 1, 30, false));
        send(satisfied);
        awaitDone(satisfied);

        List<ApiCalls.Call> command = calls.callsSince(mark).stream()
                .filter(c -> c.thread().startsWith("scalinggroup-commands")).toList();
        // The repeated EnsureGroup made no call at all (its id is known); the satisfied SetCapacity only read.
        assertThat(command).extracting(ApiCalls.Call::operation).containsExactly("DescribeAutoScalingGroups");
        assertThat(ApiCalls.writes(calls.callsSince(mark))).isZero();
    }

    @Test
    void shouldBackOffAndSucceedWhenAwsThrottles() {
        EnsureGroup ensure = createGroup("throttled", 2);
        var proxy = MotoExtension.server().proxy();
        int throttledBefore = proxy.throttled();
        int mark = calls.mark();
        // More throttling than one command's SDK attempts (3): the SDK backs off and gives up, the consumer backs
        // off and carries the command out again, which then gets through.
        proxy.throttleNext("UpdateAutoScalingGroup", 4);

        SetCapacity up = SetCapacity.of(ensure.pool(), 2, "throttled", new Capacity(4, 1, 30, false));
        send(up);

        ScalingGroupState state = awaitDone(up);
        assertThat(state.desired()).isEqualTo(4);
        assertThat(state.lastError()).isNull();
        awaitInstances(ensure.pool(), 4);
        assertThat(proxy.throttled() - throttledBefore).isEqualTo(4);
        assertThat(calls.attemptsSince(mark)).filteredOn(c -> c.operation().equals("UpdateAutoScalingGroup"))
                .hasSize(5);
        assertThat(probe().records(COMMANDS + Topics.DLT_SUFFIX)).noneMatch(r -> ensure.pool().equals(r.key()));
    }

    /** Group names whose pools' commands share one partition of the command topic. */
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

    private List<ConsumerRecord<String, byte[]>> stateRecords(String pool) {
        return probe().records(STATE).stream().filter(r -> pool.equals(r.key()) && r.value() != null).toList();
    }

    @Test
    void shouldCarryOutAnotherPoolsCommandWhileOnePoolsThrottledCommandIsRetriedThenDeadLetterItOnce() {
        List<String> names = namesOfOnePartition("iso", 2);
        EnsureGroup stuckPool = createGroup(names.get(0), 2);
        EnsureGroup otherPool = createGroup(names.get(1), 2);
        var proxy = MotoExtension.server().proxy();
        // Every UpdateAutoScalingGroup of the first group is throttled: through the SDK's attempts and the command's.
        proxy.throttleNext("UpdateAutoScalingGroup", 1_000, "AutoScalingGroupName=" + names.get(0) + "&");
        SetCapacity stuck = SetCapacity.of(stuckPool.pool(), 2, names.get(0), new Capacity(4, 1, 30, false));
        SetCapacity other = SetCapacity.of(otherPool.pool(), 2, names.get(1), new Capacity(3, 1, 30, false));
        try {
            send(stuck);
            send(other);

            assertThat(awaitDone(other).desired()).isEqualTo(3);
            await("the throttled command given up").atMost(WAIT)
                    .until(() -> !deadLetterIds(stuckPool.pool(), "RetriesExhausted").isEmpty());
        } finally {
            proxy.throttleNext("UpdateAutoScalingGroup", 0);
        }
        // The other pool, in the same partition, did not wait for the throttled one's retries: its state came
        // before the throttled command was given up (which takes the two backoffs of 300 and 600 ms at least).
        ConsumerRecord<String, byte[]> otherDone = stateRecords(otherPool.pool()).stream()
                .filter(r -> new EventDeserializer<>(ScalingGroupState.class)
                        .deserialize(r).lastCommandId().equals(other.id())).findFirst().orElseThrow();
        ConsumerRecord<String, byte[]> dead = probe().records(COMMANDS + Topics.DLT_SUFFIX).stream()
                .filter(r -> KafkaProbe.header(r, "ce_id").orElse("").equals(stuck.id())).findFirst().orElseThrow();
        assertThat(otherDone.timestamp()).isLessThan(dead.timestamp());
        // While it was retried, the pool's condition said so, with AWS's error.
        List<ScalingGroupState> states = stateRecords(stuckPool.pool()).stream()
                .map(r -> new EventDeserializer<>(ScalingGroupState.class).deserialize(r))
                .toList();
        assertThat(states).anySatisfy(s -> assertThat(s.lastError()).isNotNull().extracting(e -> e.message())
                .asString().matches(
                "retrying SetCapacity \\(attempt 1, next in 300ms\\): CloudThrottled: UpdateAutoScalingGroup "
                        + names.get(0) + ": Throttling: Rate exceeded"));
        assertThat(awaitLastError(stuckPool.pool(), "RetriesExhausted").lastError().message())
                .startsWith("CloudThrottled: UpdateAutoScalingGroup " + names.get(0));
        assertThat(asg(names.get(0)).desiredCapacity()).isEqualTo(2);

        // The pool goes on with its next command; the given-up one was dead-lettered once.
        SetCapacity next = SetCapacity.of(stuckPool.pool(), 3, names.get(0), new Capacity(3, 1, 30, false));
        send(next);
        assertThat(awaitDone(next).lastError()).isNull();
        assertThat(asg(names.get(0)).desiredCapacity()).isEqualTo(3);
        assertThat(deadLetterIds(stuckPool.pool(), "RetriesExhausted")).containsExactly(stuck.id());
    }

    @Test
    void shouldDeadLetterCommandWithReasonWhenReplicasAreOutsideBounds() {
        EnsureGroup ensure = createGroup("bounded", 2);

        SetCapacity tooMany = SetCapacity.of(ensure.pool(), 2, "bounded", new Capacity(31, 1, 30, false));
        send(tooMany);

        await().atMost(WAIT).until(() -> probe().records(COMMANDS + Topics.DLT_SUFFIX).stream()
                .anyMatch(r -> ensure.pool().equals(r.key())
                        && KafkaProbe.header(r, "poolstream-dlt-reason").orElse("").equals("ReplicasOutOfRange")));
        await().atMost(WAIT).until(() -> {
            ScalingGroupState s = probe().latest(STATE, ScalingGroupState.class).get(ensure.pool());
            return s.lastError() != null && s.lastError().reason().equals("ReplicasOutOfRange");
        });
        assertThat(asg("bounded").desiredCapacity()).isEqualTo(2);
    }

    // --- only our own groups ------------------------------------------------------------------------------------

    private static final String CAPA_OWNED = "sigs.k8s.io/cluster-api-provider-aws/cluster/" + CLUSTER;
    private static final String POOL_TAG = "poolstream.dev/pool";
    private static final List<String> kubeLog = new ArrayList<>();

    /**
     * An Auto Scaling Group of {@code desired} instances with a launch template of the same name, made behind the
     * provider's back (as CAPA, another tool or a person would), tagged with {@code tags} only.
     */
    private static void plantGroup(String name, int desired, Map<String, String> tags) {
        plantTemplate(name, tags);
        autoScaling.createAutoScalingGroup(b -> b.autoScalingGroupName(name)
                .launchTemplate(l -> l.launchTemplateName(name).version("1"))
                .minSize(0).maxSize(10).desiredCapacity(desired).availabilityZones("us-east-1a")
                .tags(tags.entrySet().stream().map(e -> software.amazon.awssdk.services.autoscaling.model.Tag.builder()
                        .resourceId(name).resourceType("auto-scaling-group").key(e.getKey()).value(e.getValue())
                        .propagateAtLaunch(true).build()).toList()));
    }

    private static void plantTemplate(String name, Map<String, String> tags) {
        ec2.createLaunchTemplate(b -> {
            b.launchTemplateName(name).launchTemplateData(d -> d.imageId(ami).instanceType("t3.small"));
            if (!tags.isEmpty()) {
                b.tagSpecifications(t -> t.resourceType(ResourceType.LAUNCH_TEMPLATE).tags(tags.entrySet().stream()
                        .map(e -> software.amazon.awssdk.services.ec2.model.Tag.builder().key(e.getKey())
                                .value(e.getValue()).build()).toList()));
            }
        });
    }

    /** What the group is on AWS: size, template version, tags, instances, and how many template versions exist. */
    private static List<Object> cloudView(String group) {
        AutoScalingGroup g = asg(group);
        Map<String, String> tags = new HashMap<>();
        g.tags().forEach(t -> tags.put(t.key(), t.value()));
        return List.of(g.desiredCapacity(), g.minSize(), g.maxSize(), g.launchTemplate().version(), tags,
                g.instances().stream().map(i -> i.instanceId()).sorted().toList(), templateVersions(group));
    }

    private static int templateVersions(String name) {
        return ec2.describeLaunchTemplateVersions(b -> b.launchTemplateName(name)).launchTemplateVersions().size();
    }

    /** The dead letters of a pool whose reason is {@code reason}, by command id. */
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

    @Test
    void shouldNeitherWriteNorDeleteWhenGroupWasMadeByCapaWithoutPoolTag() {
        plantGroup("capa-made", 3, Map.of(CAPA_OWNED, "owned", "Name", "capa-made"));
        await().atMost(WAIT).until(() -> asg("capa-made").instances().size() == 3);
        List<Object> before = cloudView("capa-made");
        String pool = "clusters/capa-made";
        String victim = "aws:///us-east-1a/" + asg("capa-made").instances().get(0).instanceId();
        int mark = calls.mark();

        List<ScalingGroupCommand> commands = List.of(
                SetCapacity.of(pool, 2, "capa-made", new Capacity(5, 1, 10, false)),
                TerminateInstances.of(pool, 2, "capa-made", List.of(victim)),
                RollOut.of(pool, 2, "capa-made", template("capa-made", "t3.xlarge", 2)),
                EnsureGroup.of(pool, 2, "capa-made", template("capa-made", "t3.large", 1),
                        new Capacity(3, 1, 10, false)),
                DeleteGroup.of(pool, 3, "capa-made"));
        commands.forEach(this::send);

        await("every command dead-lettered as GroupNotOwned").atMost(WAIT).until(() ->
                deadLetterIds(pool, "GroupNotOwned").containsAll(commands.stream().map(c -> c.id()).toList()));
        ScalingGroupState state = awaitLastError(pool, "GroupNotOwned");
        assertThat(state.exists()).isFalse();
        assertThat(state.lastError().message()).contains("Auto Scaling Group capa-made exists but is not pool "
                + pool + "'s own", "it has no tag " + POOL_TAG, "tag it " + POOL_TAG + "=" + pool);
        assertThat(ApiCalls.writes(calls.callsSince(mark))).isZero();
        assertThat(cloudView("capa-made")).isEqualTo(before);
        assertThat(instancesOf(pool)).isEmpty();
    }

    @Test
    void shouldCarryOutCommandWhenCapaGroupIsTakenOverByTaggingIt() {
        plantGroup("taken-over", 2, Map.of(CAPA_OWNED, "owned", "Name", "taken-over"));
        await().atMost(WAIT).until(() -> asg("taken-over").instances().size() == 2);
        List<String> launchedByCapa = asg("taken-over").instances().stream()
                .map(i -> "aws:///" + i.availabilityZone() + "/" + i.instanceId()).sorted().toList();
        String pool = "clusters/taken-over";
        SetCapacity refused = SetCapacity.of(pool, 2, "taken-over", new Capacity(4, 1, 10, false));
        send(refused);
        await().atMost(WAIT).until(() -> deadLetterIds(pool, "GroupNotOwned").contains(refused.id()));

        // The takeover the READMEs describe: tag the group with the pool tag (it has CAPA's cluster tag already).
        autoScaling.createOrUpdateTags(b -> b.tags(software.amazon.awssdk.services.autoscaling.model.Tag.builder()
                .resourceId("taken-over").resourceType("auto-scaling-group").key(POOL_TAG).value(pool)
                .propagateAtLaunch(true).build()));
        SetCapacity again = SetCapacity.of(pool, 3, "taken-over", new Capacity(4, 1, 10, false));
        send(again);

        ScalingGroupState state = awaitDone(again);
        assertThat(state.exists()).isTrue();
        assertThat(state.lastError()).isNull();
        assertThat(asg("taken-over").desiredCapacity()).isEqualTo(4);
        awaitInstances(pool, 4);

        // CAPA's instances lack the pool tag a detached instance is found again by, after a restart: they get it
        // (and the group's Name) before they are detached. The two launched since the takeover carry it already.
        int mark = calls.mark();
        TerminateInstances down = TerminateInstances.of(pool, 4, "taken-over", launchedByCapa);
        send(down);
        assertThat(awaitDone(down).desired()).isEqualTo(2);
        assertThat(calls.callsSince(mark).stream().filter(c -> c.thread().startsWith("scalinggroup-commands"))
                .map(ApiCalls.Call::operation).filter(op -> !op.startsWith("Describe")))
                .containsExactly("CreateTags", "DetachInstances", "TerminateInstances");
        ec2.describeInstancesPaginator(b -> b.instanceIds(instanceIds(launchedByCapa))).reservations().stream()
                .flatMap(r -> r.instances().stream()).forEach(i -> assertThat(i.tags())
                        .extracting(t -> t.key() + "=" + t.value())
                        .contains("Name=taken-over", POOL_TAG + "=" + pool));
        assertThat(ec2States(launchedByCapa)).doesNotContainValue("running");
    }

    @Test
    void shouldNeitherDeleteNorVersionLaunchTemplateWhenOnlyAForeignTemplateHasTheGroupsName() {
        plantTemplate("lone-template", Map.of(POOL_TAG, "other-team/lone-template", CAPA_OWNED, "owned"));
        bootstrapSecret("lone-template-bootstrap", "#cloud-config lone");
        String pool = "clusters/lone-template";
        int mark = calls.mark();

        DeleteGroup delete = DeleteGroup.of(pool, 2, "lone-template");
        EnsureGroup ensure = EnsureGroup.of(pool, 3, "lone-template", template("lone-template", "t3.large", 1),
                new Capacity(2, 1, 10, false));
        send(delete);
        send(ensure);

        await().atMost(WAIT).until(() -> deadLetterIds(pool, "GroupNotOwned").containsAll(List.of(delete.id(),
                ensure.id())));
        assertThat(awaitLastError(pool, "GroupNotOwned").lastError().message())
                .contains("launch template lone-template exists", "is 'other-team/lone-template'");
        assertThat(ApiCalls.writes(calls.callsSince(mark))).isZero();
        assertThat(templateVersions("lone-template")).isEqualTo(1);
        assertThat(autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames("lone-template"))
                .autoScalingGroups()).isEmpty();
    }

    @Test
    void shouldNeverReadSecretWhenCommandNamesOneOutsideThePoolsNamespace() throws Exception {
        EnsureGroup control = createGroup("secret-control", 1); // reads clusters/secret-control-bootstrap
        kube.secrets().inNamespace("other-team").resource(new SecretBuilder().withNewMetadata()
                .withName("stolen-bootstrap").withNamespace("other-team").endMetadata()
                .addToData("value", Base64.getEncoder().encodeToString("#cloud-config other team's join token"
                        .getBytes(StandardCharsets.UTF_8))).build()).create();
        SecretRef stolen = new SecretRef("other-team", "stolen-bootstrap");
        List<String> kubeBefore = kubeRequests();
        List<Object> controlBefore = cloudView("secret-control");
        int mark = calls.mark();

        EnsureGroup ensure = EnsureGroup.of("clusters/thief", 1, "thief", AwsPools.template(CLUSTER,
                AwsPools.spec(ami, "t3.large", securityGroup), 1, stolen), new Capacity(1, 1, 10, false));
        RollOut rollOut = RollOut.of(control.pool(), 2, "secret-control", AwsPools.template(CLUSTER,
                AwsPools.spec(ami, "t3.xlarge", securityGroup), 2, stolen));
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
        // Nor AWS, for either command: no call at all on the command path.
        assertThat(calls.callsSince(mark)).noneMatch(c -> c.thread().startsWith("scalinggroup-commands"));
        assertThat(autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames("thief")).autoScalingGroups())
                .isEmpty();
        assertThat(cloudView("secret-control")).isEqualTo(controlBefore);
    }

    @Test
    void shouldDeadLetterMalformedAndMisroutedCommandsWithTheirReasonWithoutAnyRequestToAws() {
        bootstrapSecret("bad-ensure-bootstrap", "#cloud-config for bad-ensure");
        int motoMark = MotoExtension.server().proxy().requestCount();
        int mark = calls.mark();
        GroupTemplate azureTemplate = new GroupTemplate(CLUSTER, "v1.33.0", new InfraSpec.Azure(
                new dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec()), 1,
                new SecretRef("clusters", "bad-ensure-bootstrap"), List.of(), Map.of());
        // Keyed as another pool than the one it names: nothing is published for either.
        EnsureGroup misrouted = EnsureGroup.of("clusters/bad-misrouted", 1, "bad-misrouted",
                template("bad-misrouted", "t3.large", 1), new Capacity(1, 1, 3, false));
        Map<ScalingGroupCommand, String> bad = new java.util.LinkedHashMap<>();
        bad.put(SetCapacity.of("clusters/bad-bounds", 1, "bad-bounds", new Capacity(2, 5, 3, false)),
                "InvalidCapacity");
        bad.put(SetCapacity.of("clusters/bad-range", 1, "bad-range", new Capacity(9, 1, 3, false)),
                "ReplicasOutOfRange");
        bad.put(TerminateInstances.of("clusters/bad-victims", 1, "bad-victims", List.of(
                "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/"
                        + "bad-victims/virtualMachines/0")), "InvalidCommand");
        bad.put(DeleteGroup.of("clusters/bad-name", 1, "bad name!"), "InvalidCommand");
        bad.put(EnsureGroup.of("clusters/bad-ensure", 1, "bad-ensure", azureTemplate, new Capacity(1, 1, 3, false)),
                "WrongCloud");

        probe().send(COMMANDS, "clusters/intruder", misrouted);
        bad.keySet().forEach(this::send);

        await("every bad command dead-lettered").atMost(WAIT).until(() ->
                deadLetterIds("clusters/intruder", "KeyMismatch").contains(misrouted.id())
                        && bad.entrySet().stream().allMatch(e -> deadLetterIds(e.getKey().pool(), e.getValue())
                        .contains(e.getKey().id())));
        // The reason is in the headers, the message in spring-kafka's exception header, naming what is wrong.
        assertThat(probe().records(COMMANDS + Topics.DLT_SUFFIX)).filteredOn(r -> "clusters/bad-victims"
                .equals(r.key())).singleElement().satisfies(r -> assertThat(KafkaProbe.header(r,
                "kafka_dlt-exception-message").orElse("")).contains("cannot be one of group 'bad-victims'",
                "not an EC2 instance's provider ID"));
        assertThat(awaitLastError("clusters/bad-bounds", "InvalidCapacity").lastError().message())
                .contains("minSize 5 is greater than maxSize 3");
        assertThat(awaitLastError("clusters/bad-ensure", "WrongCloud").exists()).isFalse();
        assertThat(probe().latest(STATE, ScalingGroupState.class)).doesNotContainKeys("clusters/bad-misrouted",
                "clusters/intruder");
        // Neither moto nor the SDK saw anything of them: no request names their groups, no call on the command path.
        assertThat(MotoExtension.server().proxy().requestsSince(motoMark)).noneMatch(r -> r.contains("bad-")
                || r.contains("bad name!"));
        assertThat(calls.callsSince(mark)).noneMatch(c -> c.thread().startsWith("scalinggroup-commands"));
    }

    @Test
    void shouldExposeHealthAndCommandMetricsWhenScraped() throws Exception {
        createGroup("scraped", 1);
        var http = java.net.http.HttpClient.newHttpClient();
        var base = java.net.URI.create("http://127.0.0.1:" + port);

        var health = http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/actuator/health/readiness")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
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
        assertThat(metrics.body()).contains("poolstream_provider_commands_total{kind=\"EnsureGroup\",outcome=\"applied\"}");
    }
}
