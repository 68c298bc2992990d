package dev.poolstream.bench;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Configuration;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.implementation.ComputeManagementClientBuilder;
import com.azure.resourcemanager.resources.fluentcore.utils.HttpPipelineProvider;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import dev.poolstream.provider.aws.AwsPools;
import dev.poolstream.provider.aws.cloud.AwsScalingGroup;
import dev.poolstream.provider.aws.moto.ApiCalls;
import dev.poolstream.provider.aws.moto.MotoServer;
import dev.poolstream.provider.azure.AzurePools;
import dev.poolstream.provider.azure.arm.ArmCalls;
import dev.poolstream.provider.azure.arm.ArmFake;
import dev.poolstream.provider.azure.arm.TestCertificate;
import dev.poolstream.provider.azure.cloud.AzureScalingGroup;
import dev.poolstream.provider.azure.domain.ModelSettings;
import dev.poolstream.provider.cloud.BootstrapData;
import dev.poolstream.provider.cloud.ScalingGroup;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.InstanceSnapshot;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.RecentIds;
import dev.poolstream.provider.engine.CommandExecutor;
import dev.poolstream.provider.engine.PoolLocks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Benchmark 6 of issue 9: the cloud API calls one scale operation costs, on each provider, through the real adapters
 * and SDKs and provider-core's command engine (describe, plan, write, describe), against moto (AWS) and the ARM wire
 * fake (Azure) from the providers' test-jars. A scale-up is a {@code SetCapacity} of 5 → 20; a scale-down is what
 * the reconciler sends after draining, a {@code TerminateInstances} of 15 named instances (20 → 5). Calls are counted
 * by the same SDK interceptor ({@link ApiCalls}) and pipeline policy ({@link ArmCalls}) as the providers' integration
 * tests: reads, writes and (Azure) long-running-operation polls. Needs moto ({@code pip install "moto[server]"}).
 */
final class CloudCalls {

    static final String TARGET = "<= 2 writes per scale operation";
    private static final String CLUSTER = "bench";
    private static final BootstrapData BOOTSTRAP = secret -> ("#cloud-config for " + secret.name())
            .getBytes(StandardCharsets.UTF_8);

    /** One scale operation as counted. */
    record Operation(String cloud, String change, String command, long reads, long writes, long polls,
                     List<String> calls) {
        boolean targetMet() {
            return writes <= 2;
        }

        String counts() {
            return String.format(Locale.ROOT, "%d reads + %d write%s%s", reads, writes, writes == 1 ? "" : "s",
                    polls == 0 ? "" : String.format(Locale.ROOT, " + %d operation polls", polls));
        }
    }

    static Map<String, Object> run(List<String> args) throws Exception {
        Map<String, Object> result = Bench.header("cloud-calls");

        // The JDK HTTP client of the Azure SDK warns on every write that it sets Content-Length itself.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("com.azure.core.http.jdk.httpclient"))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
        Optional<String> noMoto = MotoServer.unavailable();
        if (noMoto.isPresent()) {
            throw new IllegalStateException("cloud-calls needs moto, the AWS emulator: " + noMoto.get()
                    + "; install it with: " + MotoServer.python() + " -m pip install \"moto[server]\"");
        }
        String motoVersion = motoVersion();
        List<Operation> operations = new ArrayList<>();
        operations.addAll(aws());
        operations.addAll(azure());

        boolean met = operations.stream().allMatch(Operation::targetMet);
        result.put("emulators", Map.of("aws", "moto " + motoVersion, "azure", "ArmFake (ARM wire protocol, https)"));
        result.put("operations", operations.stream().map(o -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cloud", o.cloud());
            m.put("change", o.change());
            m.put("command", o.command());
            m.put("reads", o.reads());
            m.put("writes", o.writes());
            m.put("polls", o.polls());
            m.put("calls", o.calls());
            m.put("targetMet", o.targetMet());
            return m;
        }).toList());
        result.put("target", TARGET);
        result.put("targetMet", met);

        Bench.OUT.println("cloud API calls per scale operation (moto " + motoVersion + ", ARM fake)");
        for (Operation o : operations) {
            Bench.OUT.printf("  %-44s %s%n", o.cloud() + " " + o.change() + " (" + o.command() + ")", o.counts());
            Bench.OUT.printf("  %-44s %s%n", "", o.calls());
        }
        long maxAws = operations.stream().filter(o -> o.cloud().equals("AWS")).mapToLong(Operation::writes).max()
                .orElse(0);
        long maxAzure = operations.stream().filter(o -> o.cloud().equals("Azure")).mapToLong(Operation::writes)
                .max().orElse(0);
        Bench.OUT.printf("  %-44s %s%n", "target", TARGET + ": " + (met ? "met" : "missed")
                + " (most writes: AWS " + maxAws + ", Azure " + maxAzure + ")");
        return result;
    }

    // ---------------------------------------------------------------------------------------------------------

    private static List<Operation> aws() throws Exception {
        ApiCalls calls = new ApiCalls();
        try (MotoServer moto = MotoServer.start()) {
            var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
            try (AutoScalingClient autoScaling = AutoScalingClient.builder().region(Region.US_EAST_1)
                    .credentialsProvider(credentials).endpointOverride(moto.endpoint())
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .overrideConfiguration(c -> c.addExecutionInterceptor(calls)).build();
                 Ec2Client ec2 = Ec2Client.builder().region(Region.US_EAST_1).credentialsProvider(credentials)
                         .endpointOverride(moto.endpoint()).httpClientBuilder(UrlConnectionHttpClient.builder())
                         .overrideConfiguration(c -> c.addExecutionInterceptor(calls)).build()) {
                String ami = ec2.describeImages(b -> b.owners("amazon")).images().get(0).imageId();
                String securityGroup = ec2.createSecurityGroup(b -> b.groupName("bench-nodes")
                        .description("poolstream bench nodes")).groupId();
                ec2.createKeyPair(b -> b.keyName("poolstream"));
                GroupTemplate template = AwsPools.template(CLUSTER, AwsPools.spec(ami, "t3.large", securityGroup), 1,
                        new SecretRef("clusters", "workers-bootstrap"));
                AwsScalingGroup cloud = new AwsScalingGroup(autoScaling, ec2, BOOTSTRAP);
                return scale("AWS", cloud, template, calls::mark, mark -> {
                    List<ApiCalls.Call> made = calls.callsSince(mark);
                    return new long[] {ApiCalls.reads(made), ApiCalls.writes(made), 0};
                }, mark -> calls.callsSince(mark).stream().map(ApiCalls.Call::operation).toList());
            }
        }
    }

    private static List<Operation> azure() throws Exception {
        String subscription = "0b1f6471-1bf0-4dda-aec3-111122223333";
        String resourceGroup = "pool-rg";
        ArmCalls calls = new ArmCalls();
        try (ArmFake arm = ArmFake.start()) {
            ScalingGroup cloud = new AzureScalingGroup(computeClient(arm, subscription, calls),
                    new ModelSettings(subscription, resourceGroup, "westeurope", "{cluster}-vnet", resourceGroup,
                            "node-subnet", "capi"), BOOTSTRAP, Duration.ofSeconds(30));
            GroupTemplate template = AzurePools.template(CLUSTER, AzurePools.spec("Standard_D2s_v3",
                    "133.0.20250101"), 1, new SecretRef("clusters", "workers-bootstrap"));
            return scale("Azure", cloud, template, calls::mark, mark -> {
                List<ArmCalls.Call> made = calls.since(mark);
                return new long[] {ArmCalls.count(made, ArmCalls.Kind.READ), ArmCalls.count(made, ArmCalls.Kind.WRITE),
                        ArmCalls.count(made, ArmCalls.Kind.POLL)};
            }, mark -> calls.since(mark).stream().map(c -> c.kind() == ArmCalls.Kind.POLL ? "poll"
                    : c.method() + " " + c.path().replaceAll(".*/providers/Microsoft\\.Compute/", "")
                    .replaceAll("virtualMachineScaleSets/[^/]+", "vmss")).toList());
        }
    }

    /** The SDK client as the provider builds it (AzureConfiguration), on the fake, with a fixed token. */
    private static ComputeManagementClient computeClient(ArmFake arm, String subscription, ArmCalls calls) {
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", arm.endpoint().toString());
        AzureEnvironment environment = new AzureEnvironment(endpoints);
        TokenCredential token = request -> Mono.just(new AccessToken("bench-token", OffsetDateTime.now()
                .plusHours(1)));
        HttpClient http = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder()
                .sslContext(TestCertificate.get().clientContext())
                .version(java.net.http.HttpClient.Version.HTTP_1_1)).build();
        HttpPipeline pipeline = HttpPipelineProvider.buildHttpPipeline(token, new AzureProfile(null, subscription,
                environment), null, new HttpLogOptions(), Configuration.getGlobalConfiguration(), new RetryPolicy(),
                List.of(calls), http);
        return new ComputeManagementClientBuilder().pipeline(pipeline)
                .endpoint(environment.getResourceManagerEndpoint()).environment(environment)
                .subscriptionId(subscription).defaultPollInterval(Duration.ofMillis(50)).buildClient();
    }

    /**
     * Creates a group of 5, then counts the calls of 5 → 20 ({@code SetCapacity}) and of 20 → 5 (a
     * {@code TerminateInstances} of 15 named instances), each carried out by provider-core's command engine.
     */
    private static List<Operation> scale(String name, ScalingGroup cloud, GroupTemplate template,
                                         Supplier<Integer> mark, Function<Integer, long[]> count,
                                         Function<Integer, List<String>> list) {
        String pool = "clusters/workers";
        String group = "workers";
        CommandExecutor executor = new CommandExecutor(cloud, new Inventory(), new RecentIds(100), new PoolLocks(),
                (instances, state) -> { }, new SimpleMeterRegistry(), Clock.systemUTC());
        carryOut(executor, EnsureGroup.of(pool, 1, group, template, new Capacity(5, 1, 30, false)));
        awaitRunning(cloud, group, 5);

        List<Operation> operations = new ArrayList<>();
        int before = mark.get();
        carryOut(executor, SetCapacity.of(pool, 2, group, new Capacity(20, 1, 30, false)));
        long[] up = count.apply(before);
        operations.add(new Operation(name, "5 -> 20", "SetCapacity", up[0], up[1], up[2], list.apply(before)));

        List<String> victims = awaitRunning(cloud, group, 20).stream().map(InstanceSnapshot::providerID).sorted()
                .limit(15).toList();
        before = mark.get();
        carryOut(executor, TerminateInstances.of(pool, 3, group, victims));
        long[] down = count.apply(before);
        operations.add(new Operation(name, "20 -> 5", "TerminateInstances of 15", down[0], down[1], down[2],
                list.apply(before)));
        GroupSnapshot after = cloud.describe(group).orElseThrow();
        if (after.desired() != 5) {
            throw new IllegalStateException(name + ": desired capacity " + after.desired() + " after 20 -> 5");
        }
        return operations;
    }

    private static void carryOut(CommandExecutor executor, ScalingGroupCommand command) {
        CommandExecutor.Outcome outcome = executor.execute(command);
        if (outcome != CommandExecutor.Outcome.APPLIED) {
            throw new IllegalStateException(command.getClass().getSimpleName() + " was not applied: " + outcome);
        }
    }

    /** The group's instances once {@code count} of them run (outside the counted calls). */
    private static List<InstanceSnapshot> awaitRunning(ScalingGroup cloud, String group, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            List<InstanceSnapshot> instances = cloud.describe(group).map(GroupSnapshot::instances).orElse(List.of());
            if (instances.size() == count && instances.stream()
                    .allMatch(i -> i.lifecycle() == InstanceLifecycle.RUNNING)) {
                return instances;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("group " + group + " did not reach " + count
                        + " running instances within 60 s: " + instances.size());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    private static String motoVersion() throws Exception {
        Process probe = new ProcessBuilder(MotoServer.python(), "-c", "import moto; print(moto.__version__)")
                .redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return probe.waitFor() == 0 ? out : "(unknown version)";
    }

    /** Runs the benchmark alone: {@code java -cp bench-exec.jar ... dev.poolstream.bench.CloudCalls}. */
    public static void main(String[] args) throws Exception {
        run(List.of(args));
    }

    private CloudCalls() {
    }
}
