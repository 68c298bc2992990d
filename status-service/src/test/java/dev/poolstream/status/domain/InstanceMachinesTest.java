package dev.poolstream.status.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolDeparture;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.status.domain.InstanceMachines.Create;
import dev.poolstream.status.domain.InstanceMachines.Desired;
import dev.poolstream.status.domain.InstanceMachines.Existing;
import dev.poolstream.status.domain.InstanceMachines.Members;
import dev.poolstream.status.domain.InstanceMachines.Owners;
import dev.poolstream.status.domain.InstanceMachines.Ref;
import dev.poolstream.status.domain.InstanceMachines.Release;
import dev.poolstream.status.domain.InstanceMachines.SetVersion;
import dev.poolstream.status.domain.InstanceMachines.Step;
import dev.poolstream.status.domain.InstanceMachines.WriteStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InstanceMachinesTest {

    private static final Instant T0 = Instant.parse("2026-11-21T06:00:00Z");
    private static final String AWS_1 = "aws:///us-east-1a/i-0aaa";
    private static final String AWS_2 = "aws:///us-east-1a/i-0bbb";
    private static final String AWS_4 = "aws:///us-east-1a/i-0ccc";
    private static final String AZURE_3 = "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/"
            + "virtualMachineScaleSets/workers/virtualMachines/3";
    private static final Ref AWS_POOL = new Ref("infrastructure.cluster.x-k8s.io/v1beta2", "AWSMachinePool",
            "workers-infra", "infra-uid");
    private static final Ref AZURE_POOL = new Ref("infrastructure.cluster.x-k8s.io/v1beta1", "AzureMachinePool",
            "workers-infra", "infra-uid");
    private static final Ref MACHINE_POOL = new Ref("cluster.x-k8s.io/v1beta2", "MachinePool", "workers", "mp-uid");

    private static Owners owners(Ref infra, Ref machinePool) {
        return new Owners("team-a", "demo", "workers", infra, machinePool, "m5.large", "ami-123",
                Map.of("team", "a", ClusterApi.POOL_NAME_LABEL, "not-this"), Map.of("note", "from the template"));
    }

    private static PoolMember member(String providerId, InstanceLifecycle lifecycle, String node, ConditionStatus ready,
                                     boolean upToDate) {
        return new PoolMember(providerId, node, node == null ? null : "uid-" + node, lifecycle, T0,
                ready == ConditionStatus.TRUE, false, upToDate, false, node != null, node == null ? null : ready,
                node == null ? null : T0.plusSeconds(30), node == null ? null : "v1.33.1");
    }

    private static PoolStatus status(String infraKind, PoolMember... members) {
        return new PoolStatus("team-a/workers", 1, "team-a/demo", infraKind, "workers-infra",
                new MachinePoolStatus(), List.of(), true, List.of(members), List.of());
    }

    private static Desired only(List<Desired> desired, String kind) {
        return desired.stream().filter(d -> d.kind().equals(kind)).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    // ---- desired objects ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "created {0}, status at {1}: surely after {2}")
    @CsvSource(nullValues = "null", value = {
            "2026-01-01T00:00:12Z, 2026-01-01T00:00:10.500Z, true",  // its second began 1.5 s after the status
            "2026-01-01T00:00:11Z, 2026-01-01T00:00:10Z, false",     // within the API server's clock of it
            "2026-01-01T00:00:11Z, 2026-01-01T00:00:09.999Z, true",
            "2026-01-01T00:00:10Z, 2026-01-01T00:00:10.500Z, false", // made in the status's second, either side
            "2026-01-01T00:00:05Z, 2026-01-01T00:00:10Z, false",
            "null, 2026-01-01T00:00:10Z, false",
            "2026-01-01T00:00:15Z, null, false"})
    void anObjectIsSurelyNewerThanAStatusOnlyBeyondTheApiServersClock(Instant created, Instant statusAt,
                                                                     boolean newer) {
        assertThat(InstanceMachines.surelyCreatedAfter(created, statusAt)).isEqualTo(newer);
    }

    @ParameterizedTest(name = "created {0}, status at {1}: {2}")
    @CsvSource(nullValues = "null", value = {
            "2026-01-01T00:00:07Z, 2026-01-01T00:00:10Z, true",   // made 3 s before: surely
            "2026-01-01T00:00:08Z, 2026-01-01T00:00:10Z, true",   // made 2 s before: the uncertainty, just
            "2026-01-01T00:00:09Z, 2026-01-01T00:00:10.500Z, false", // whole seconds: it may be 09.999
            "2026-01-01T00:00:11Z, 2026-01-01T00:00:10Z, false",  // made after: another object of that name
            "null, 2026-01-01T00:00:10Z, true",
            "2026-01-01T00:00:11Z, null, true"})
    void anObjectIsSurelyOlderThanAStatusOnlyBeyondTheUncertaintyOfItsCreationTime(Instant created, Instant statusAt,
                                                                               boolean older) {
        assertThat(InstanceMachines.surelyCreatedBefore(created, statusAt)).isEqualTo(older);
    }

    @Test
    void shouldDescribeAnAwsMachineOwnedButNotControlledByTheInfrastructurePoolWithTheLaunchTemplatesTypeAndAmi() {
        List<Desired> desired = InstanceMachines.desired(status(ClusterApi.KIND_AWS_MACHINE_POOL,
                member(AWS_1, InstanceLifecycle.RUNNING, null, null, true)), owners(AWS_POOL, null));

        assertThat(desired).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(ClusterApi.KIND_AWS_MACHINE);
            assertThat(d.name()).isEqualTo("workers-infra-i-0aaa");
            assertThat(d.create()).isTrue();
            assertThat(d.object()).containsEntry("apiVersion", "infrastructure.cluster.x-k8s.io/v1beta2")
                    .containsEntry("kind", "AWSMachine");
            Map<String, Object> metadata = map(d.object().get("metadata"));
            assertThat(metadata).containsEntry("name", "workers-infra-i-0aaa").containsEntry("namespace", "team-a")
                    .containsEntry("labels", Map.of(ClusterApi.CLUSTER_NAME_LABEL, "demo",
                            ClusterApi.POOL_NAME_LABEL, "workers"))
                    .containsEntry("finalizers", List.of(ClusterApi.INSTANCE_FINALIZER))
                    .doesNotContainKey("annotations");
            assertThat(metadata.get("ownerReferences")).isEqualTo(List.of(Map.of(
                    "apiVersion", AWS_POOL.apiVersion(), "kind", "AWSMachinePool", "name", "workers-infra",
                    "uid", "infra-uid", "blockOwnerDeletion", true)));
            assertThat(map(d.object().get("spec"))).isEqualTo(Map.of("providerID", AWS_1, "instanceID", "i-0aaa",
                    "instanceType", "m5.large", "ami", Map.of("id", "ami-123")));
            assertThat(d.status()).isEqualTo(Map.of("ready", true, "instanceState", "running"));
        });
    }

    @ParameterizedTest(name = "{0} -> ready {1}, {2}; Azure {3}")
    @CsvSource(textBlock = """
            PENDING,     false, pending,       Creating
            RUNNING,     true,  running,       Succeeded
            TERMINATING, false, shutting-down, Deleting
            FAILED,      false, stopped,       Failed
            """)
    void shouldSayTheInstancesStateAsTheProviderWould(InstanceLifecycle lifecycle, boolean awsReady, String ec2,
                                                       String azure) {
        Desired aws = InstanceMachines.desired(status(ClusterApi.KIND_AWS_MACHINE_POOL,
                member(AWS_1, lifecycle, null, null, true)), owners(AWS_POOL, null)).get(0);
        Desired ampm = InstanceMachines.desired(status(ClusterApi.KIND_AZURE_MACHINE_POOL,
                member(AZURE_3, lifecycle, null, null, true)), owners(AZURE_POOL, null)).get(0);

        assertThat(aws.status()).containsEntry("ready", awsReady).containsEntry("instanceState", ec2);
        assertThat(ampm.status()).containsEntry("provisioningState", azure);
        assertThat(aws.create()).isEqualTo(lifecycle != InstanceLifecycle.TERMINATING);
    }

    @Test
    void shouldDescribeAnAzureMachinePoolMachineReadyWithItsNodeAndItsModelAndKubelet() {
        Desired without = InstanceMachines.desired(status(ClusterApi.KIND_AZURE_MACHINE_POOL,
                member(AZURE_3, InstanceLifecycle.RUNNING, null, null, false)), owners(AZURE_POOL, null)).get(0);
        Desired with = InstanceMachines.desired(status(ClusterApi.KIND_AZURE_MACHINE_POOL,
                member(AZURE_3, InstanceLifecycle.RUNNING, "node-3", ConditionStatus.TRUE, true)),
                owners(AZURE_POOL, null)).get(0);

        assertThat(without.kind()).isEqualTo(ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE);
        assertThat(without.object()).containsEntry("apiVersion", "infrastructure.cluster.x-k8s.io/v1beta1");
        assertThat(map(without.object().get("spec"))).isEqualTo(Map.of("providerID", AZURE_3, "instanceID", "3"));
        // As CAPZ: ready is the Node Ready, not the VM running.
        assertThat(without.status()).isEqualTo(Map.of("ready", false, "provisioningState", "Succeeded",
                "latestModelApplied", false));
        assertThat(with.status()).isEqualTo(Map.of("ready", true, "provisioningState", "Succeeded",
                "latestModelApplied", true, "version", "v1.33.1",
                "nodeRef", Map.of("apiVersion", "v1", "kind", "Node", "name", "node-3", "uid", "uid-node-3")));
    }

    @Test
    void shouldDescribeAMachineAsCreateOrUpdateMachinesDoesWhenOwner() {
        List<Desired> desired = InstanceMachines.desired(status(ClusterApi.KIND_AWS_MACHINE_POOL,
                member(AWS_1, InstanceLifecycle.RUNNING, null, null, true)), owners(AWS_POOL, MACHINE_POOL));

        Desired machine = only(desired, ClusterApi.KIND_MACHINE);
        assertThat(machine.name()).isEqualTo(only(desired, ClusterApi.KIND_AWS_MACHINE).name());
        assertThat(machine.object()).containsEntry("apiVersion", "cluster.x-k8s.io/v1beta2");
        Map<String, Object> metadata = map(machine.object().get("metadata"));
        // The template's labels, with the two that find the pool's Machines forced.
        assertThat(metadata).containsEntry("labels", Map.of("team", "a", ClusterApi.CLUSTER_NAME_LABEL, "demo",
                        ClusterApi.POOL_NAME_LABEL, "workers"))
                .containsEntry("annotations", Map.of("note", "from the template"))
                .containsEntry("finalizers", List.of(ClusterApi.MACHINE_FINALIZER));
        assertThat(metadata.get("ownerReferences")).isEqualTo(List.of(Map.of("apiVersion", MACHINE_POOL.apiVersion(),
                "kind", "MachinePool", "name", "workers", "uid", "mp-uid", "controller", true,
                "blockOwnerDeletion", true)));
        // No version while there is no Node: the CRD asks for at least one character.
        assertThat(map(machine.object().get("spec"))).isEqualTo(Map.of("clusterName", "demo",
                "bootstrap", Map.of("dataSecretName", ""),
                "infrastructureRef", Map.of("apiGroup", "infrastructure.cluster.x-k8s.io", "kind", "AWSMachine",
                        "name", "workers-infra-i-0aaa"),
                "providerID", AWS_1));
        assertThat(machine.version()).isNull();
        assertThat(machine.status()).containsEntry("phase", "Provisioning").doesNotContainKey("nodeRef");
        assertThat((List<?>) machine.status().get("conditions")).singleElement().isEqualTo(Map.of("type", "Ready",
                "status", "False", "reason", "NodeDoesNotExist",
                "message", "Waiting for a Node with provider ID " + AWS_1));
    }

    @Test
    void shouldGiveTheMachineItsNodesNameReadyAndKubeletVersionOnceTheNodeExists() {
        Desired machine = only(InstanceMachines.desired(status(ClusterApi.KIND_AWS_MACHINE_POOL,
                member(AWS_1, InstanceLifecycle.RUNNING, "node-1", ConditionStatus.TRUE, true)),
                owners(AWS_POOL, MACHINE_POOL)), ClusterApi.KIND_MACHINE);

        assertThat(map(machine.object().get("spec"))).containsEntry("version", "v1.33.1");
        assertThat(machine.version()).isEqualTo("v1.33.1");
        assertThat(machine.status()).containsEntry("phase", "Running")
                .containsEntry("nodeRef", Map.of("name", "node-1"));
        assertThat((List<?>) machine.status().get("conditions")).singleElement().isEqualTo(Map.of("type", "Ready",
                "status", "True", "reason", "Ready", "message", "", "lastTransitionTime", "2026-11-21T06:00:30Z"));
    }

    @Test
    void shouldDescribeNoMachineInInfrastructureProviderModeAndNothingForAnUnknownKindOrAnUnreadPool() {
        PoolMember one = member(AWS_1, InstanceLifecycle.RUNNING, null, null, true);

        assertThat(InstanceMachines.desired(status(ClusterApi.KIND_AWS_MACHINE_POOL, one), owners(AWS_POOL, null)))
                .extracting(Desired::kind).containsExactly(ClusterApi.KIND_AWS_MACHINE);
        assertThat(InstanceMachines.desired(status("GCPMachinePool", one), owners(AWS_POOL, MACHINE_POOL))).isEmpty();
        assertThat(InstanceMachines.desired(status(ClusterApi.KIND_AWS_MACHINE_POOL, one), owners(null, null)))
                .isEmpty();
    }

    // ---- steps ----------------------------------------------------------------------------------------------------

    private static List<Desired> desired(Ref machinePool, PoolMember... members) {
        return InstanceMachines.desired(status(ClusterApi.KIND_AWS_MACHINE_POOL, members),
                owners(AWS_POOL, machinePool));
    }

    /** An object as the desired one was created, with a status already written. */
    private static Existing existing(Desired d, Map<String, Object> status, boolean deleting) {
        String version = (String) map(d.object().get("spec")).get("version");
        Map<String, Object> infraRef = ClusterApi.KIND_MACHINE.equals(d.kind())
                ? map(map(d.object().get("spec")).get("infrastructureRef")) : Map.of();
        return new Existing(d.kind(), d.name(), d.providerID(), (String) infraRef.get("name"),
                List.of(ClusterApi.KIND_MACHINE.equals(d.kind()) ? ClusterApi.MACHINE_FINALIZER
                        : ClusterApi.INSTANCE_FINALIZER), deleting, version, status);
    }

    private static Existing written(Desired d) {
        Existing fresh = existing(d, Map.of(), false);
        Map<String, Object> status = InstanceMachines.statusToWrite(d, fresh, T0).orElseThrow();
        return existing(d, status, false);
    }

    /** Long after every object of these tests was made. */
    private static final Instant LEFT_LATER = T0.plus(Duration.ofHours(1));

    /** {@code ids} are the members; every other instance of these tests surely left, after their objects were made. */
    private static Members members(String... ids) {
        Map<String, PoolDeparture> departed = new HashMap<>();
        Stream.of(AWS_1, AWS_2, AZURE_3, AWS_4).forEach(id -> departed.put(id, new PoolDeparture(id, LEFT_LATER, 0)));
        Set.of(ids).forEach(departed::remove);
        return new Members(Set.of(ids), departed);
    }

    @Test
    void shouldKeepTheObjectsOfAnInstanceThatIsOnlyMissingFromTheStatus() {
        // A status computed again after a crash that lost the member's join: missing, but not said to have left. Its
        // Machine's delete would have the reconciler drain and replace a running instance.
        List<Existing> madeFor10 = madeFor(new StatusPosition(T0.plusMillis(700), PARTITION, 10));
        Members missing = new Members(Set.of(AWS_1), Map.of());

        assertThat(InstanceMachines.steps(List.of(), madeFor10, missing, true, T0,
                new StatusPosition(T0.plusSeconds(30), PARTITION, 11))).isEmpty();
        assertThat(InstanceMachines.steps(List.of(), madeFor10, new Members(Set.of(AWS_1),
                Map.of(AWS_1, new PoolDeparture(AWS_1, LEFT_LATER, 0))), true, T0,
                new StatusPosition(T0.plusSeconds(30), PARTITION, 11)))
                .as("another instance's departure").isEmpty();
    }

    @Test
    void shouldLetGoOnlyTheObjectsMadeBeforeTheirInstanceLeft() {
        // A scale set's instance ID that left and came back: its departure is older than the objects made since.
        List<Existing> madeFor10 = madeFor(new StatusPosition(T0.plusMillis(700), PARTITION, 10));
        StatusPosition next = new StatusPosition(T0.plusSeconds(30), PARTITION, 11);

        assertThat(InstanceMachines.steps(List.of(), madeFor10, leftAt(T0), true, T0, next))
                .as("left before the status its objects were made for").isEmpty();
        assertThat(InstanceMachines.steps(List.of(), madeFor10, leftAt(T0.plusMillis(1700)), true, T0, next))
                .as("within the second two clocks can differ by").isEmpty();
        assertThat(InstanceMachines.steps(List.of(), madeFor10, leftAt(T0.plusMillis(1701)), true, T0, next))
                .hasSize(2).allMatch(step -> step instanceof Release);
        List<Existing> capiMachine = List.of(new Existing(ClusterApi.KIND_MACHINE, "workers-infra-i-0bbb", AWS_2,
                null, List.of(), false, null, Map.of(), T0));
        assertThat(InstanceMachines.steps(List.of(), capiMachine, leftAt(T0.plusMillis(1999)), false, T0, next))
                .as("another's object: created in that whole second, by the API server's clock").isEmpty();
        assertThat(InstanceMachines.steps(List.of(), capiMachine, leftAt(T0.plusSeconds(2)), false, T0, next))
                .hasSize(1);
        List<Existing> unreadableTime = madeFor(new StatusPosition(null, PARTITION, 10));
        assertThat(InstanceMachines.steps(List.of(), unreadableTime, leftAt(T0.plusMillis(1999)), true, T0, next))
                .as("the time it was made for unreadable: its creationTimestamp tells").isEmpty();
        assertThat(InstanceMachines.steps(List.of(), unreadableTime, leftAt(T0.plusSeconds(2)), true, T0, next))
                .hasSize(2);
    }

    @Test
    void shouldLetGoEveryObjectMadeBeforeTheStatusTombstoneOfAPoolThatIsGone() {
        // The tombstone is the evidence: the pool's instances left with it, whether a status said so or not.
        List<Existing> madeFor10 = madeFor(new StatusPosition(T0.plusMillis(700), PARTITION, 10));

        assertThat(InstanceMachines.steps(List.of(), madeFor10, Members.poolIsGone(), true, T0,
                new StatusPosition(T0.plusMillis(701), PARTITION, 11))).hasSize(2).allMatch(s -> s instanceof Release);
        assertThat(InstanceMachines.steps(List.of(), madeFor10, Members.poolIsGone(), true, T0,
                new StatusPosition(T0.plusMillis(600), PARTITION, 9))).as("a tombstone before them").isEmpty();
    }

    @Test
    void shouldLetTheTimesDecideWhereTheyDisagreeWithTheNumbersByMoreThanAMinute() {
        // Made for status 4,800 at T0. A reset of the topology's state numbers the pool's statuses from 1 again: a
        // departure after status 37 a minute later left after the object was made.
        List<Existing> madeFor4800 = madeFor(new StatusPosition(T0, PARTITION, 10, 4_800));
        StatusPosition next = new StatusPosition(T0.plusSeconds(90), PARTITION, 11, 38);

        assertThat(InstanceMachines.steps(List.of(), madeFor4800, leftAfter(T0.plusSeconds(60), 37), true, T0, next))
                .as("a minute: no clock here is off by that much, but no more").isEmpty();
        assertThat(InstanceMachines.steps(List.of(), madeFor4800, leftAfter(T0.plusSeconds(60).plusMillis(1), 37),
                true, T0, next)).as("the numbers began again").hasSize(2);
        // A pool made again under its name: an old departure after its status 480, and the new objects of the same
        // Azure instance ID made for the new pool's status 3.
        List<Existing> madeFor3 = madeFor(new StatusPosition(T0, PARTITION, 10, 3));
        StatusPosition after = new StatusPosition(T0.plusSeconds(90), PARTITION, 11, 4);
        assertThat(InstanceMachines.steps(List.of(), madeFor3, leftAfter(T0.minusSeconds(60), 480), true, T0, after))
                .hasSize(2);
        assertThat(InstanceMachines.steps(List.of(), madeFor3, leftAfter(T0.minusSeconds(60).minusMillis(1), 480),
                true, T0, after)).as("another incarnation's departure").isEmpty();
        assertThat(InstanceMachines.steps(List.of(), madeFor(new StatusPosition(null, PARTITION, 10, 3)),
                leftAfter(T0.minusSeconds(600), 480), true, T0, after)).as("its time unknown: the numbers alone")
                .hasSize(2);
        assertThat(InstanceMachines.steps(List.of(), madeFor(new StatusPosition(null, PARTITION, 10, 3)),
                leftAfter(T0.plusSeconds(600), 2), true, T0, after)).as("its time unknown: the numbers alone")
                .isEmpty();
    }

    @Test
    void shouldNeverLetGoTheObjectsOfAMemberWhateverTheStatusSaysOfItsDeparture() {
        List<Existing> madeFor5 = madeFor(new StatusPosition(T0.plusMillis(700), PARTITION, 10, 5));

        assertThat(InstanceMachines.steps(List.of(), madeFor5, new Members(Set.of(AWS_2),
                Map.of(AWS_2, new PoolDeparture(AWS_2, LEFT_LATER, 9))), true, T0,
                new StatusPosition(T0.plusSeconds(30), PARTITION, 11, 9))).isEmpty();
    }

    private static Members leftAt(Instant at) {
        return leftAfter(at, 0);
    }

    private static Members leftAfter(Instant at, long look) {
        return new Members(Set.of(AWS_1), Map.of(AWS_2, new PoolDeparture(AWS_2, at, look)));
    }

    @Test
    void shouldLetGoTheObjectsOfAnInstanceThatLeftAfterTheStatusTheyWereMadeForByTheStatusesNumbersAlone() {
        // Made for the pool's status number 5. Numbers need no clock: a leave processed within a second of that status
        // (a backlog worked off after an outage) lets them go, and a departure from before (the instance ID left and
        // came back) does not, whatever the clocks say.
        List<Existing> madeFor5 = madeFor(new StatusPosition(T0.plusMillis(700), PARTITION, 10, 5));
        StatusPosition next = new StatusPosition(T0.plusSeconds(30), PARTITION, 11, 6);

        assertThat(InstanceMachines.steps(List.of(), madeFor5, leftAfter(T0.plusMillis(701), 5), true, T0, next))
                .as("left after status 5, a millisecond later").hasSize(2).allMatch(step -> step instanceof Release);
        assertThat(InstanceMachines.steps(List.of(), madeFor5, leftAfter(T0.plusSeconds(20), 4), true, T0, next))
                .as("left after status 4, by a clock 20 s ahead").isEmpty();
        assertThat(InstanceMachines.steps(List.of(), madeFor5, leftAfter(T0.plusMillis(701), 0), true, T0, next))
                .as("the departure's number unknown: the times, within the clocks' skew").isEmpty();
        assertThat(InstanceMachines.steps(List.of(), madeFor5, leftAfter(T0.plusSeconds(5), 0), true, T0, next))
                .as("the departure's number unknown: the times, seconds apart").hasSize(2);
        assertThat(InstanceMachines.steps(List.of(), madeFor(new StatusPosition(T0.plusMillis(700), PARTITION, 10)),
                leftAfter(T0.plusMillis(701), 5), true, T0, next))
                .as("the object's number unknown: the times, within the clocks' skew").isEmpty();
    }

    @Test
    void shouldTakeTheMembersTheTerminatingAndTheDeparturesFromTheStatus() {
        PoolStatus status = new PoolStatus("team-a/workers", 1, "team-a/demo", "AWSMachinePool", "workers-infra",
                null, List.of(AWS_1), true, List.of(member(AWS_1, InstanceLifecycle.RUNNING, null, null, true)),
                List.of(), List.of(AZURE_3), null, null, List.of(new PoolDeparture(AWS_2, T0, 3),
                new PoolDeparture(AWS_2, T0.plusSeconds(9), 4), new PoolDeparture(AWS_1, T0, 3),
                new PoolDeparture(AWS_4, T0.plusSeconds(9), 4), new PoolDeparture(AWS_4, T0, 3)), 5L);

        Members members = Members.of(status);

        assertThat(members.current()).containsExactlyInAnyOrder(AWS_1, AZURE_3);
        assertThat(members.departed()).as("the later of two, in either order")
                .containsEntry(AWS_2, new PoolDeparture(AWS_2, T0.plusSeconds(9), 4))
                .containsEntry(AWS_4, new PoolDeparture(AWS_4, T0.plusSeconds(9), 4));
        assertThat(members.poolGone()).isFalse();
        assertThat(Members.poolIsGone().poolGone()).isTrue();
    }

    @Test
    void shouldCreateWhatIsMissingAndNothingForATerminatingInstance() {
        List<Desired> desired = desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.PENDING, null, null, true),
                member(AWS_2, InstanceLifecycle.TERMINATING, null, null, true));

        List<Step> steps = InstanceMachines.steps(desired, List.of(), members(AWS_1, AWS_2), true, T0);

        assertThat(steps).allMatch(s -> s instanceof Create).extracting(Step::kind, Step::name).containsExactly(
                org.assertj.core.groups.Tuple.tuple("AWSMachine", "workers-infra-i-0aaa"),
                org.assertj.core.groups.Tuple.tuple("Machine", "workers-infra-i-0aaa"));
    }

    @Test
    void shouldDoNothingWhenTheObjectsSayWhatTheStatusSays() {
        List<Desired> desired = desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.RUNNING, "node-1",
                ConditionStatus.TRUE, true));

        List<Step> steps = InstanceMachines.steps(desired, desired.stream().map(InstanceMachinesTest::written)
                .toList(), members(AWS_1), true, T0.plusSeconds(600));

        assertThat(steps).isEmpty();
    }

    @Test
    void shouldWriteAStatusThatChangedKeepingWhatOthersWroteInIt() {
        Desired pending = desired(null, member(AWS_1, InstanceLifecycle.PENDING, null, null, true)).get(0);
        Map<String, Object> onObject = new LinkedHashMap<>(written(pending).status());
        onObject.put("interruptible", false); // CAPA's
        Existing have = existing(pending, onObject, false);
        Desired running = desired(null, member(AWS_1, InstanceLifecycle.RUNNING, null, null, true)).get(0);

        List<Step> steps = InstanceMachines.steps(List.of(running), List.of(have), members(AWS_1), false, T0);

        assertThat(steps).singleElement().isEqualTo(new WriteStatus("AWSMachine", "workers-infra-i-0aaa",
                Map.of("ready", true, "instanceState", "running", "interruptible", false)));
    }

    @Test
    void shouldKeepTheHealthCheckConditionsOfAMachineAndTheReadyTimeWhileItsStatusHolds() {
        Desired notReady = only(desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.RUNNING, "node-1",
                ConditionStatus.FALSE, true)), ClusterApi.KIND_MACHINE);
        Map<String, Object> status = new LinkedHashMap<>(written(notReady).status());
        Map<String, Object> healthCheck = Map.of("type", ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED,
                "status", "False", "reason", "UnhealthyNode", "message", "", "lastTransitionTime", "2026-11-21T05:00:00Z");
        Map<String, Object> remediated = Map.of("type", ClusterApi.CONDITION_OWNER_REMEDIATED, "status", "False",
                "reason", ClusterApi.REASON_WAITING_FOR_REMEDIATION, "message", "",
                "lastTransitionTime", "2026-11-21T05:00:00Z");
        List<Object> conditions = new java.util.ArrayList<>((List<?>) status.get("conditions"));
        conditions.add(0, healthCheck);
        conditions.add(remediated);
        status.put("conditions", conditions);
        Existing have = existing(notReady, status, false);
        // The Node turns Ready: the transition time is the Node's, and the health check's conditions stay.
        Desired ready = only(desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.RUNNING, "node-1",
                ConditionStatus.TRUE, true)), ClusterApi.KIND_MACHINE);

        Map<String, Object> next = InstanceMachines.statusToWrite(ready, have, T0.plusSeconds(90)).orElseThrow();
        @SuppressWarnings("unchecked")
        List<Object> nextConditions = (List<Object>) next.get("conditions");

        assertThat(nextConditions).containsExactly(healthCheck, Map.of("type", "Ready",
                "status", "True", "reason", "Ready", "message", "", "lastTransitionTime", "2026-11-21T06:00:30Z"),
                remediated);
        assertThat(InstanceMachines.statusToWrite(notReady, have, T0.plusSeconds(90))).isEmpty();
    }

    @Test
    void shouldKeepTheTimeOfAConditionWithoutOneOfItsOwnWhileItsStatusHoldsAndMoveItWhenItChanges() {
        // Waiting for its Node: a Ready condition the Node gives no time to, so it is stamped when first written.
        Desired waiting = only(desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.RUNNING, null, null, true)),
                ClusterApi.KIND_MACHINE);
        Existing written = written(waiting);
        assertThat((List<?>) written.status().get("conditions")).singleElement()
                .satisfies(c -> assertThat(map(c)).containsEntry("lastTransitionTime", "2026-11-21T06:00:00Z"));

        // A minute later, still waiting: nothing to write (no new time on every look).
        assertThat(InstanceMachines.statusToWrite(waiting, written, T0.plusSeconds(60))).isEmpty();

        // After a True written by hand, the wait is a transition again, stamped with its own moment.
        Map<String, Object> wasTrue = new LinkedHashMap<>(written.status());
        wasTrue.put("conditions", List.of(Map.of("type", "Ready", "status", "True", "reason", "Ready",
                "message", "", "lastTransitionTime", "2026-11-21T05:00:00Z")));
        Map<String, Object> next = InstanceMachines.statusToWrite(waiting, existing(waiting, wasTrue, false),
                T0.plusSeconds(60)).orElseThrow();
        assertThat((List<?>) next.get("conditions")).singleElement()
                .satisfies(c -> assertThat(map(c)).containsEntry("lastTransitionTime", "2026-11-21T06:01:00Z"));
    }

    /**
     * A member whose Node was deleted (by hand, a cloud controller) while the instance runs: as Cluster API's Machine
     * controller, the Machine keeps its nodeRef and phase Running, and Ready says the Node was deleted; it did say
     * Provisioning beside the gone Node's name.
     */
    @Test
    void shouldSayTheNodeWasDeletedAndStayRunningWhenAMembersNodeIsGone() {
        Desired withNode = only(desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.RUNNING, "node-1",
                ConditionStatus.TRUE, true)), ClusterApi.KIND_MACHINE);
        Existing running = written(withNode);
        Desired nodeGone = only(desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.RUNNING, null, null, true)),
                ClusterApi.KIND_MACHINE);

        Map<String, Object> next = InstanceMachines.statusToWrite(nodeGone, running, T0.plusSeconds(60))
                .orElseThrow();

        assertThat(next).containsEntry("phase", "Running").containsEntry("nodeRef", Map.of("name", "node-1"));
        assertThat((List<?>) next.get("conditions")).singleElement().satisfies(c -> assertThat(map(c))
                .containsEntry("status", "False").containsEntry("reason", "NodeDeleted")
                .containsEntry("message", "Node node-1 has been deleted while the Machine still exists"));
        // A Machine that never had a Node still waits for one.
        assertThat(InstanceMachines.statusToWrite(nodeGone, written(nodeGone), T0.plusSeconds(60))).isEmpty();
        assertThat(written(nodeGone).status()).containsEntry("phase", "Provisioning");
    }

    /**
     * Owner mode, an instance gone on its own whose Machine carries a deletion hook: the Machine is deleted and marked,
     * its finalizer kept; marked and deleting, nothing more until the hooks are removed; then it goes.
     */
    @Test
    void shouldHoldAGoneInstancesMachineWhileItCarriesDeletionHooks() {
        Desired machine = only(desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.RUNNING, "node-1",
                ConditionStatus.TRUE, true)), ClusterApi.KIND_MACHINE);
        Existing plain = written(machine);
        List<String> hooks = List.of(ClusterApi.PRE_TERMINATE_HOOK_PREFIX + "/backup");
        Existing hooked = new Existing(plain.kind(), plain.name(), plain.providerID(), plain.infrastructureRef(),
                plain.finalizers(), false, plain.version(), plain.status(), null, null, hooks, false);
        Existing marked = new Existing(plain.kind(), plain.name(), plain.providerID(), plain.infrastructureRef(),
                plain.finalizers(), true, plain.version(), plain.status(), null, null, hooks, true);
        Existing hooksRemoved = new Existing(plain.kind(), plain.name(), plain.providerID(),
                plain.infrastructureRef(), plain.finalizers(), true, plain.version(), plain.status(), null, null,
                List.of(), true);

        assertThat(InstanceMachines.steps(List.of(), List.of(hooked), members(), true, T0))
                .containsExactly(new Release(ClusterApi.KIND_MACHINE, plain.name(), null, true, hooks));
        assertThat(InstanceMachines.steps(List.of(), List.of(marked), members(), true, T0)).isEmpty();
        assertThat(InstanceMachines.hooksDone(marked, ClusterApi.MACHINE_FINALIZER)).isFalse();
        assertThat(InstanceMachines.hooksDone(hooksRemoved, ClusterApi.MACHINE_FINALIZER)).isTrue();
        assertThat(InstanceMachines.steps(List.of(), List.of(hooksRemoved), members(), true, T0))
                .containsExactly(new Release(ClusterApi.KIND_MACHINE, plain.name(), ClusterApi.MACHINE_FINALIZER,
                        false));
        // Infrastructure-provider mode: the finalizer and the hooks are Cluster API's Machine controller's.
        assertThat(InstanceMachines.steps(List.of(), List.of(hooked), members(), false, T0))
                .containsExactly(new Release(ClusterApi.KIND_MACHINE, plain.name(), null, true));
        // Not marked (deleted by a user before its instance left): it is marked, not deleted again.
        Existing deletedByAUser = new Existing(plain.kind(), plain.name(), plain.providerID(),
                plain.infrastructureRef(), plain.finalizers(), true, plain.version(), plain.status(), null, null,
                hooks, false);
        assertThat(InstanceMachines.steps(List.of(), List.of(deletedByAUser), members(), true, T0))
                .containsExactly(new Release(ClusterApi.KIND_MACHINE, plain.name(), null, false, hooks));
    }

    @Test
    void shouldSayDeletingOnAMachineWhoseDeletionWasAskedWhileItsInstanceIsStillAMember() {
        Desired machine = only(desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.RUNNING, "node-1",
                ConditionStatus.TRUE, true)), ClusterApi.KIND_MACHINE);
        Existing deleting = existing(machine, written(machine).status(), true);

        List<Step> steps = InstanceMachines.steps(List.of(machine), List.of(deleting), members(AWS_1), true, T0);

        assertThat(steps).singleElement().isInstanceOfSatisfying(WriteStatus.class,
                w -> assertThat(w.status()).containsEntry("phase", "Deleting"));
    }

    @Test
    void shouldSetTheMachinesVersionOnceTheKubeletSaysIt() {
        Desired before = only(desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.RUNNING, null, null, true)),
                ClusterApi.KIND_MACHINE);
        Desired after = only(desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.RUNNING, "node-1",
                ConditionStatus.TRUE, true)), ClusterApi.KIND_MACHINE);

        List<Step> steps = InstanceMachines.steps(List.of(after), List.of(written(before)), members(AWS_1), true, T0);

        assertThat(steps).first().isEqualTo(new SetVersion("Machine", "workers-infra-i-0aaa", "v1.33.1"));
        assertThat(steps).hasSize(2).last().isInstanceOf(WriteStatus.class);
    }

    @Test
    void shouldLetTheObjectsOfAnInstanceThatLeftGoFinalizerFirstThenTheDelete() {
        List<Desired> gone = desired(MACHINE_POOL, member(AWS_2, InstanceLifecycle.RUNNING, null, null, true));
        List<Existing> existing = gone.stream().map(InstanceMachinesTest::written).toList();

        List<Step> steps = InstanceMachines.steps(List.of(), existing, members(AWS_1), true, T0);

        assertThat(steps).containsExactly(
                new Release("AWSMachine", "workers-infra-i-0bbb", ClusterApi.INSTANCE_FINALIZER, true),
                new Release("Machine", "workers-infra-i-0bbb", ClusterApi.MACHINE_FINALIZER, true));
    }

    @Test
    void shouldLetGoOnlyTheObjectsMadeBeforeTheStatusThatSaysTheirInstanceLeft() {
        // A status read again from an older offset does not know the instances that joined since: their objects,
        // made after it, stay; those made before it go.
        List<Desired> gone = desired(MACHINE_POOL, member(AWS_2, InstanceLifecycle.RUNNING, null, null, true));
        List<Existing> before = gone.stream().map(d -> made(written(d), T0.minusSeconds(2))).toList();
        List<Existing> after = gone.stream().map(d -> made(written(d), T0.plusSeconds(1))).toList();
        List<Existing> atOnce = gone.stream().map(d -> made(written(d), T0)).toList();

        assertThat(InstanceMachines.steps(List.of(), before, members(AWS_1), true, T0, at(T0))).hasSize(2)
                .allMatch(s -> s instanceof Release);
        assertThat(InstanceMachines.steps(List.of(), after, members(AWS_1), true, T0, at(T0))).isEmpty();
        assertThat(InstanceMachines.steps(List.of(), atOnce, members(AWS_1), true, T0, at(T0))).isEmpty();
        assertThat(InstanceMachines.steps(List.of(), after, members(AWS_1), true, T0, null))
                .as("the status's time unknown").hasSize(2);
    }

    @Test
    void shouldKeepTheObjectsMadeInTheSecondOfTheStatusOrWithinTheClocksDifference() {
        // Made at 06:00:00.700 for an instance that joined after a status computed at 06:00:00.400: the API server
        // says 06:00:00, which is before the status, but the object is not that status's business.
        List<Desired> gone = desired(MACHINE_POOL, member(AWS_2, InstanceLifecycle.RUNNING, null, null, true));
        List<Existing> sameSecond = gone.stream().map(d -> made(written(d), T0)).toList();
        List<Existing> secondBefore = gone.stream().map(d -> made(written(d), T0.minusSeconds(1))).toList();

        assertThat(InstanceMachines.steps(List.of(), sameSecond, members(AWS_1), true, T0, at(T0.plusMillis(400))))
                .isEmpty();
        assertThat(InstanceMachines.steps(List.of(), sameSecond, members(AWS_1), true, T0, at(T0.plusMillis(1999))))
                .as("the API server's clock up to a second behind this one's").isEmpty();
        assertThat(InstanceMachines.steps(List.of(), secondBefore, members(AWS_1), true, T0,
                at(T0.plusMillis(400)))).isEmpty();
        assertThat(InstanceMachines.steps(List.of(), sameSecond, members(AWS_1), true, T0, at(T0.plusSeconds(2))))
                .as("two seconds after its creationTimestamp: surely older").hasSize(2);
    }

    @Test
    void shouldLetGoTheObjectsOfAnInstanceOnlyWhenTheStatusThatSaysItLeftIsAfterTheirsByOffsetAndByTime() {
        // Made for the status at offset 10, computed at 06:00:00.700 by one replica's clock (StatusPositionTest has
        // the whole rule).
        List<Existing> madeFor10 = madeFor(new StatusPosition(T0.plusMillis(700), PARTITION, 10));

        assertThat(steps(madeFor10, new StatusPosition(T0.plusMillis(400), PARTITION, 9)))
                .as("a status before the one it was made for").isEmpty();
        assertThat(steps(madeFor10, new StatusPosition(T0.plusMillis(700), PARTITION, 10)))
                .as("the status it was made for").isEmpty();
        assertThat(steps(madeFor10, new StatusPosition(T0.plusSeconds(5), PARTITION, 9)))
                .as("a status before it, read again, stamped by a replica whose clock runs 4.3 s ahead").isEmpty();
        assertThat(steps(madeFor10, new StatusPosition(T0.minusSeconds(6), PARTITION, 11)))
                .as("a status after it on the topic, computed before it: a replica that lost the pool's task")
                .isEmpty();
        assertThat(steps(madeFor10, new StatusPosition(T0.plusMillis(701), PARTITION, 11)))
                .as("the next status").hasSize(2).allMatch(step -> step instanceof Release);
    }

    @Test
    void shouldCompareTheStatusesTimesOnlyBeyondTheClocksSkewWhereTheirOffsetsCannotBeCompared() {
        List<Existing> timeOnly = madeFor(StatusPosition.at(T0.plusMillis(700))); // made before places were kept
        List<Existing> otherPartition = madeFor(new StatusPosition(T0.plusMillis(700), PARTITION, 10));

        assertThat(steps(timeOnly, new StatusPosition(T0.plusMillis(1700), PARTITION, 3)))
                .as("a second later: maybe another clock's earlier status").isEmpty();
        assertThat(steps(timeOnly, new StatusPosition(T0.plusMillis(1701), PARTITION, 3))).hasSize(2);
        assertThat(steps(otherPartition, new StatusPosition(T0.plusMillis(1700), "machinepool.status.v1-4", 99)))
                .as("the topic's partitions changed: offsets of two partitions say nothing").isEmpty();
        assertThat(steps(otherPartition, new StatusPosition(T0.plusMillis(1701), "machinepool.status.v1-4", 2)))
                .hasSize(2);
        assertThat(steps(otherPartition, new StatusPosition(T0.plusSeconds(62), PARTITION, 2)))
                .as("an offset before, a minute later: the partition's offsets began again").hasSize(2);
    }

    private static final String PARTITION = "machinepool.status.v1-3";

    /** The pool's Machine and AWSMachine of an instance that left, made for the status at {@code madeFor}. */
    private static List<Existing> madeFor(StatusPosition madeFor) {
        return desired(MACHINE_POOL, member(AWS_2, InstanceLifecycle.RUNNING, null, null, true)).stream().map(d -> {
            Existing e = written(d);
            return new Existing(e.kind(), e.name(), e.providerID(), e.infrastructureRef(), e.finalizers(),
                    e.deleting(), e.version(), e.status(), T0, madeFor);
        }).toList();
    }

    /** The steps of a status at {@code status} in which the instance of {@code existing} is no member. */
    private static List<Step> steps(List<Existing> existing, StatusPosition status) {
        return InstanceMachines.steps(List.of(), existing, members(AWS_1), true, T0, status);
    }

    private static StatusPosition at(Instant time) {
        return StatusPosition.at(time);
    }

    private static Existing made(Existing e, java.time.Instant created) {
        return new Existing(e.kind(), e.name(), e.providerID(), e.infrastructureRef(), e.finalizers(), e.deleting(),
                e.version(), e.status(), created);
    }

    @Test
    void shouldOnlyRemoveTheFinalizerWhenTheDeletionWasAskedAlreadyAndNothingOnceItIsOff() {
        Desired gone = desired(null, member(AWS_2, InstanceLifecycle.RUNNING, null, null, true)).get(0);
        Existing deleting = existing(gone, Map.of(), true);
        Existing released = new Existing(gone.kind(), gone.name(), AWS_2, null, List.of("other.example/hold"), true,
                null, Map.of());

        assertThat(InstanceMachines.steps(List.of(), List.of(deleting), members(), false, T0)).containsExactly(
                new Release("AWSMachine", "workers-infra-i-0bbb", ClusterApi.INSTANCE_FINALIZER, false));
        assertThat(InstanceMachines.steps(List.of(), List.of(released), members(), false, T0)).isEmpty();
    }

    @Test
    void shouldNeverLetAMembersObjectsGoNotEvenWhenTheirDeletionIsAskedOrTheInstanceIsTerminating() {
        // The reconciler drains and terminates first; the finalizers go with the instance's tombstone.
        List<Desired> desired = desired(MACHINE_POOL, member(AWS_1, InstanceLifecycle.TERMINATING, "node-1",
                ConditionStatus.TRUE, true));
        List<Existing> deleting = desired.stream().map(d -> existing(d, written(d).status(), true)).toList();

        List<Step> steps = InstanceMachines.steps(desired, deleting, members(AWS_1), true, T0);

        assertThat(steps).noneMatch(s -> s instanceof Release);
        // Nor when the status lists no object for it (the infrastructure pool could not be read).
        assertThat(InstanceMachines.steps(List.of(), deleting, members(AWS_1), true, T0)).isEmpty();
    }

    /**
     * A gone pool's objects are let go only if they are this service's: a pool of the same name another provider ran
     * (CAPA) has objects of the same label, whose deletion would have that provider end their instances.
     */
    @Test
    void shouldTakeForAGonePoolOnlyTheObjectsThisServiceMadeOrHoldsAndTheirMachines() {
        Desired gone = desired(MACHINE_POOL, member(AWS_2, InstanceLifecycle.RUNNING, null, null, true)).get(0);
        Existing held = written(gone);
        Existing made = new Existing(ClusterApi.KIND_AWS_MACHINE, "made", AWS_1, null, List.of(), true, null,
                Map.of(), T0, at(T0));
        Existing capiMachine = new Existing(ClusterApi.KIND_MACHINE, "workers-infra-i-0bbb", AWS_2,
                "workers-infra-i-0bbb", List.of(ClusterApi.MACHINE_FINALIZER), false, null, Map.of());
        Existing ownerMachine = new Existing(ClusterApi.KIND_MACHINE, "owner-made", null, "elsewhere", List.of(),
                false, null, Map.of(), T0, at(T0));
        Existing capas = new Existing(ClusterApi.KIND_AWS_MACHINE, "workers-x7k2p", "aws:///us-east-1a/i-0ccc", null,
                List.of("awsmachine.infrastructure.cluster.x-k8s.io"), false, null, Map.of(), T0);
        Existing capasMachine = new Existing(ClusterApi.KIND_MACHINE, "workers-x7k2p", "aws:///us-east-1a/i-0ccc",
                "workers-x7k2p", List.of(ClusterApi.MACHINE_FINALIZER), false, null, Map.of(), T0);

        assertThat(InstanceMachines.ours(List.of(capas, held, capasMachine, made, capiMachine, ownerMachine)))
                .containsExactly(held, made, capiMachine, ownerMachine);
    }

    @Test
    void shouldOnlyDeleteClusterApisMachineInInfrastructureProviderModeEvenBeforeItHasAProviderId() {
        Desired gone = desired(MACHINE_POOL, member(AWS_2, InstanceLifecycle.RUNNING, null, null, true)).get(0);
        Existing infra = written(gone);
        Existing capiMachine = new Existing(ClusterApi.KIND_MACHINE, "workers-infra-i-0bbb", null,
                "workers-infra-i-0bbb", List.of(ClusterApi.MACHINE_FINALIZER), false, null, Map.of());
        Existing otherMachine = new Existing(ClusterApi.KIND_MACHINE, "someone-elses", null, "someone-elses",
                List.of(ClusterApi.MACHINE_FINALIZER), false, null, Map.of());

        List<Step> steps = InstanceMachines.steps(List.of(), List.of(infra, capiMachine, otherMachine), members(),
                false, T0);

        assertThat(steps).containsExactly(
                new Release("AWSMachine", "workers-infra-i-0bbb", ClusterApi.INSTANCE_FINALIZER, true),
                new Release("Machine", "workers-infra-i-0bbb", null, true));
    }
}
