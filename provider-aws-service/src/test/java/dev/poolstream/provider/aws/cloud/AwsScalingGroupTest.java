package dev.poolstream.provider.aws.cloud;

import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.Subnets;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.subnets.Filters;
import dev.poolstream.events.SecretRef;
import dev.poolstream.provider.aws.AwsPools;
import dev.poolstream.provider.domain.GroupShape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import ch.qos.logback.classic.Level;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.GroupUpdate;
import dev.poolstream.provider.domain.InstanceSnapshot;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.testing.CapturedLog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.Activity;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingException;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.DescribeAutoScalingGroupsRequest;
import software.amazon.awssdk.services.autoscaling.model.DescribeAutoScalingGroupsResponse;
import software.amazon.awssdk.services.autoscaling.model.DescribeScalingActivitiesRequest;
import software.amazon.awssdk.services.autoscaling.model.DescribeScalingActivitiesResponse;
import software.amazon.awssdk.services.autoscaling.model.DetachInstancesRequest;
import software.amazon.awssdk.services.autoscaling.model.DetachInstancesResponse;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.ScalingActivityStatusCode;
import software.amazon.awssdk.services.autoscaling.model.SetInstanceProtectionRequest;
import software.amazon.awssdk.services.autoscaling.model.SetInstanceProtectionResponse;
import software.amazon.awssdk.services.autoscaling.model.SuspendedProcess;
import software.amazon.awssdk.services.autoscaling.model.UpdateAutoScalingGroupRequest;
import software.amazon.awssdk.services.autoscaling.model.UpdateAutoScalingGroupResponse;
import software.amazon.awssdk.services.autoscaling.model.TerminateInstanceInAutoScalingGroupRequest;
import software.amazon.awssdk.services.autoscaling.model.TerminateInstanceInAutoScalingGroupResponse;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesRequest;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesResponse;

/**
 * How {@link AwsScalingGroup} terminates named instances, against hand-written Auto Scaling and EC2 clients that
 * record the calls (moto plays the happy path in {@code AwsProviderIT}; these are the paths moto cannot produce).
 */
class AwsScalingGroupTest {

    private static final String GROUP = "workers";
    private static final String POOL = "ns/workers";

    private final FakeAutoScaling autoScaling = new FakeAutoScaling();
    private final FakeEc2 ec2 = new FakeEc2();
    private final AwsScalingGroup adapter = new AwsScalingGroup(autoScaling, ec2, secret -> new byte[0]);
    private final List<String> calls = new ArrayList<>();

    private static List<String> ids(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> String.format("i-%04x", i)).toList();
    }

    private static String providerId(String id) {
        return "aws:///us-east-1a/" + id;
    }

    /** The group holds these instances in these states, and the adapter has described it (as the engine does). */
    private Optional<GroupSnapshot> groupWith(Map<String, String> states) {
        autoScaling.states.clear();
        autoScaling.states.putAll(states);
        Optional<GroupSnapshot> described = adapter.describe(GROUP);
        calls.clear();
        return described;
    }

    /** A group Poolstream made: every instance protected from scale-in. */
    private Optional<GroupSnapshot> poolstreamsGroupWith(List<String> ids, String state) {
        autoScaling.protectedIds.addAll(ids);
        return groupWith(ids, state);
    }

    private Optional<GroupSnapshot> groupWith(List<String> ids, String state) {
        Map<String, String> states = new LinkedHashMap<>();
        ids.forEach(id -> states.put(id, state));
        return groupWith(states);
    }

    // --- scale-in protection ---------------------------------------------------------------------------------------

    @Test
    void shouldProtectUnprotectedInServiceInstancesInBatchesOfFiftyBeforeLoweringDesiredCapacity() {
        Map<String, String> states = new LinkedHashMap<>();
        ids(0, 60).forEach(id -> states.put(id, "InService"));
        states.put("i-pend", "Pending");
        autoScaling.protectedIds.add(ids(0, 60).get(7));
        autoScaling.desired = 70;
        groupWith(states);
        List<String> unprotected = new ArrayList<>(ids(0, 60));
        unprotected.remove(7);

        adapter.update(GROUP, new GroupUpdate(61, null, null, null, null, Map.of()));

        assertThat(calls).containsExactly("SetInstanceProtection " + unprotected.subList(0, 50) + " true",
                "SetInstanceProtection " + unprotected.subList(50, 59) + " true",
                "UpdateAutoScalingGroup desired 61 protectNew true");
    }

    @Test
    void shouldProtectNothingWhenDesiredCapacityIsNotLowered() {
        autoScaling.desired = 3;
        groupWith(ids(0, 3), "InService");

        adapter.update(GROUP, new GroupUpdate(5, null, null, null, null, Map.of()));
        adapter.update(GROUP, new GroupUpdate(3, null, null, null, null, Map.of()));
        adapter.update(GROUP, new GroupUpdate(null, 1, 9, null, null, Map.of()));

        assertThat(calls).containsExactly("UpdateAutoScalingGroup desired 5 protectNew true",
                "UpdateAutoScalingGroup desired 3 protectNew true",
                "UpdateAutoScalingGroup desired null protectNew true min 1");
    }

    /** A max lowered below the desired capacity lowers it as well: Auto Scaling would end instances of its choice. */
    @Test
    void shouldProtectUnprotectedInServiceInstancesBeforeLoweringTheMaxBelowTheDesiredCapacity() {
        autoScaling.desired = 3;
        groupWith(ids(0, 3), "InService");

        adapter.update(GROUP, new GroupUpdate(null, null, 2, null, null, Map.of()));

        assertThat(calls).first().isEqualTo("SetInstanceProtection " + ids(0, 3) + " true");
        assertThat(calls).hasSize(2);
    }

    /**
     * A group taken over from CAPA, its instances unprotected: taking some out leaves its zones uneven, and Auto
     * Scaling's zone rebalancing then ends instances of its own choosing in the others, undrained.
     */
    @Test
    void shouldProtectTheOtherUnprotectedInstancesBeforeTakingSomeOut() {
        autoScaling.protectedIds.add("i-0004");
        groupWith(ids(0, 6), "InService");

        adapter.terminate(GROUP, ids(0, 2));

        assertThat(calls).containsExactly("SetInstanceProtection [i-0002, i-0003, i-0005] true",
                "DetachInstances " + ids(0, 2) + " decrement", "TerminateInstances " + ids(0, 2));
    }

    @Test
    void shouldProtectTheUnprotectedInstancesBeforeChangingTheGroupsZones() {
        autoScaling.desired = 3;
        groupWith(ids(0, 3), "InService");

        adapter.update(GROUP, new GroupUpdate(null, null, null, null, List.of("us-east-1a", "us-east-1b"), Map.of()));

        assertThat(calls).first().isEqualTo("SetInstanceProtection " + ids(0, 3) + " true");
        assertThat(calls).hasSize(2);
    }

    /**
     * Subnets given by filters cannot be read: the shape says so instead of being refused, so that a RollOut of a
     * taken-over group still gets the pool's tags and suspended processes; an EnsureGroup is refused by the engine.
     */
    @Test
    void shouldShapeATemplateWhosePlacementCannotBeReadWithItsTagsAndProcessesAndWhy() {
        AWSMachinePoolSpec spec = AwsPools.spec("ami-1", "t3.large", null);
        Subnets byFilter = new Subnets();
        byFilter.setFilters(List.of(new Filters()));
        spec.setSubnets(List.of(byFilter));

        GroupShape shape = adapter.shapeOf(POOL, GROUP, AwsPools.template("c1", spec, 1, new SecretRef("ns", "s")));

        assertThat(shape.unplaced().reason()).isEqualTo("SubnetFiltersUnsupported");
        assertThat(shape.placement()).isEmpty();
        assertThat(shape.suspendedProcesses()).containsExactly("AZRebalance");
        assertThat(shape.tags()).containsEntry("Name", GROUP).containsEntry("team", "platform");
        assertThat(adapter.shapeOf(POOL, GROUP, AwsPools.template("c1", AwsPools.spec("ami-1", "t3.large", null), 1,
                new SecretRef("ns", "s")))).satisfies(placed -> {
                    assertThat(placed.unplaced()).isNull();
                    assertThat(placed.placement()).containsExactly("us-east-1a", "us-east-1b");
                });
    }

    /**
     * A group placed by zones (or by subnets) is not moved to subnets (or zones) by an update: its instances would
     * launch outside the network they ran in. Said, and nothing written.
     */
    @Test
    void shouldRefuseToMoveAGroupFromZonesToSubnetsAndWriteNothing() {
        groupWith(ids(0, 3), "InService");
        calls.clear();

        assertThatThrownBy(() -> adapter.update(GROUP, new GroupUpdate(null, null, null, null,
                List.of("subnet-1"), Map.of(), List.of("AZRebalance"), List.of())))
                .isInstanceOfSatisfying(CommandRefusedException.class, e -> {
                    assertThat(e.failure().reason()).isEqualTo(AwsScalingGroup.PLACEMENT_IMMOVABLE);
                    assertThat(e.failure().message()).isEqualTo("group " + GROUP + " is placed in [us-east-1a] and "
                            + "the pool asks for [subnet-1]: an update cannot move a group between subnets and zones."
                            + " The group was not changed. Name the group's subnets in the AWSMachinePool's subnets, or "
                            + "delete the pool's group and let it be made again");
                });
        assertThat(calls).isEmpty();
        assertThat(adapter.canMovePlacement(List.of("subnet-1"), List.of("subnet-2", "subnet-3"))).isTrue();
        assertThat(adapter.canMovePlacement(List.of("subnet-1"), List.of("us-east-1a"))).isFalse();
        assertThat(adapter.canMovePlacement(List.of("us-east-1a"), List.of("us-east-1b"))).isTrue();
    }

    @Test
    void shouldProtectNothingWhenEveryInServiceInstanceIsProtectedAlready() {
        autoScaling.desired = 5;
        autoScaling.protectedIds.addAll(ids(0, 3));
        groupWith(ids(0, 3), "InService");

        adapter.update(GROUP, new GroupUpdate(3, null, null, null, null, Map.of()));

        assertThat(calls).containsExactly("UpdateAutoScalingGroup desired 3 protectNew true");
    }

    // --- launch failures ---------------------------------------------------------------------------------------

    private static Activity activity(String description, ScalingActivityStatusCode status, String message) {
        return Activity.builder().autoScalingGroupName(GROUP).description(description).statusCode(status)
                .statusMessage(message).build();
    }

    private static final String NO_AMI = "The image id '[ami-0abc]' does not exist. Launching EC2 instance failed.";

    @Test
    void shouldReportTheLatestLaunchFailureWhileTheGroupIsShort() {
        autoScaling.desired = 3;
        autoScaling.activities.add(activity("Terminating EC2 instance: i-0009", ScalingActivityStatusCode.SUCCESSFUL,
                null));
        autoScaling.activities.add(activity("Launching a new EC2 instance.  Status Reason: " + NO_AMI,
                ScalingActivityStatusCode.FAILED, NO_AMI));
        autoScaling.activities.add(activity("Launching a new EC2 instance: i-0001", ScalingActivityStatusCode.SUCCESSFUL,
                null));

        Optional<GroupSnapshot> described = groupWith(ids(0, 1), "InService");

        assertThat(described.orElseThrow().launchFailure()).isEqualTo(new Failure(Reasons.LAUNCH_FAILED,
                "Auto Scaling could not launch an instance into group " + GROUP + ": " + NO_AMI));
    }

    /** Launch suspended (the pool's suspendProcesses): no activity says why the group stays short, so this does. */
    @Test
    void shouldSayTheGroupIsShortBecauseItsLaunchProcessIsSuspended() {
        autoScaling.desired = 3;
        autoScaling.suspended.addAll(List.of("AZRebalance", "Launch"));

        Optional<GroupSnapshot> described = groupWith(ids(0, 1), "InService");

        assertThat(described.orElseThrow().launchFailure()).isEqualTo(new Failure(AwsScalingGroup.LAUNCH_SUSPENDED,
                "Auto Scaling's Launch process is suspended on group " + GROUP + " (by the AWSMachinePool's "
                        + "suspendProcesses, or outside Poolstream): no instance is started, and the group stays at 1 of "
                        + "its desired 3"));
        assertThat(described.orElseThrow().suspendedProcesses()).containsExactly("AZRebalance", "Launch");
        assertThat(calls).doesNotContain("DescribeScalingActivities " + GROUP);
        autoScaling.desired = 1;
        assertThat(adapter.describe(GROUP).orElseThrow().launchFailure()).isNull();
    }

    @Test
    void shouldReportNoLaunchFailureOnceALaterLaunchWentThrough() {
        autoScaling.desired = 3;
        autoScaling.activities.add(activity("Launching a new EC2 instance: i-0002",
                ScalingActivityStatusCode.IN_PROGRESS, null));
        autoScaling.activities.add(activity("Launching a new EC2 instance.  Status Reason: " + NO_AMI,
                ScalingActivityStatusCode.FAILED, NO_AMI));

        assertThat(groupWith(ids(0, 1), "InService").orElseThrow().launchFailure()).isNull();
    }

    @Test
    void shouldNotReadTheActivitiesOfAGroupThatIsNotShort() {
        autoScaling.desired = 3;
        autoScaling.activities.add(activity("Launching a new EC2 instance.  Status Reason: " + NO_AMI,
                ScalingActivityStatusCode.FAILED, NO_AMI));
        autoScaling.states.clear();
        ids(0, 2).forEach(id -> autoScaling.states.put(id, "InService"));
        autoScaling.states.put("i-pend", "Pending");

        Optional<GroupSnapshot> described = adapter.describe(GROUP);

        assertThat(described.orElseThrow().launchFailure()).isNull();
        assertThat(calls).containsExactly("DescribeAutoScalingGroups");
    }

    @Test
    void shouldDescribeTheGroupWithoutALaunchFailureWhenItsActivitiesCannotBeRead() {
        autoScaling.desired = 3;
        autoScaling.refuseActivities = AutoScalingException.builder().statusCode(403).awsErrorDetails(AwsErrorDetails
                .builder().errorCode("AccessDenied").errorMessage("not authorized: DescribeScalingActivities").build())
                .build();

        try (CapturedLog log = CapturedLog.of(AwsScalingGroup.class)) {
            Optional<GroupSnapshot> described = groupWith(ids(0, 1), "InService");
            adapter.describe(GROUP);

            assertThat(described).get().satisfies(g -> {
                assertThat(g.desired()).isEqualTo(3);
                assertThat(g.launchFailure()).isNull();
            });
            // Said once, not at every describe while the group stays short.
            assertThat(log.levelsOf("activities could not be read")).containsExactly(Level.WARN, Level.DEBUG);
        }
    }

    // --- terminate ----------------------------------------------------------------------------------------------

    @Test
    void shouldDetachThenTerminateInTwoWritesWhenFifteenInServiceInstancesAreNamed() {
        poolstreamsGroupWith(ids(0, 20), "InService");

        adapter.terminate(GROUP, ids(0, 15));

        assertThat(calls).containsExactly("DetachInstances " + ids(0, 15) + " decrement",
                "TerminateInstances " + ids(0, 15));
    }

    @Test
    void shouldDetachInBatchesOfTwentyAndTerminateOnceWhenManyAreNamed() {
        poolstreamsGroupWith(ids(0, 50), "InService");

        adapter.terminate(GROUP, ids(0, 45));

        assertThat(calls).containsExactly("DetachInstances " + ids(0, 20) + " decrement",
                "DetachInstances " + ids(20, 40) + " decrement", "DetachInstances " + ids(40, 45) + " decrement",
                "TerminateInstances " + ids(0, 45));
    }

    @Test
    void shouldTerminateThroughGroupOneByOneWhenInstancesAreNotInService() {
        groupWith(Map.of("i-0001", "InService", "i-0002", "Pending", "i-0003", "Standby", "i-0004", "InService"));

        adapter.terminate(GROUP, List.of("i-0001", "i-0002", "i-0003", "i-0004"));

        assertThat(calls).containsExactly("DetachInstances [i-0001, i-0004] decrement",
                "TerminateInstances [i-0001, i-0004]", "TerminateInstanceInAutoScalingGroup i-0002 decrement",
                "TerminateInstanceInAutoScalingGroup i-0003 decrement");
    }

    @Test
    void shouldTerminateThroughGroupOneByOneWhenDetachIsRefusedAsInvalid() {
        poolstreamsGroupWith(ids(0, 5), "InService");
        autoScaling.refuseDetach = "The instance i-0001 is not in InService.";

        adapter.terminate(GROUP, ids(0, 2));

        assertThat(calls).containsExactly("DetachInstances " + ids(0, 2) + " decrement",
                "TerminateInstanceInAutoScalingGroup i-0000 decrement",
                "TerminateInstanceInAutoScalingGroup i-0001 decrement");
    }

    @Test
    void shouldAskForRetryWhenInstancesInServiceAreNeitherDetachableNorInTheGroup() {
        // The detach took effect but its answer was lost; the SDK's retry of it met "not part of the group", and the
        // group has the instances no more to terminate: they may run outside it, which only a look there tells.
        poolstreamsGroupWith(ids(0, 5), "InService");
        autoScaling.detachThenLoseAnswer = true;

        assertThatThrownBy(() -> adapter.terminate(GROUP, ids(0, 2)))
                .isInstanceOf(RetryableCommandException.class).hasMessageContaining(ids(0, 2).toString())
                .hasMessageContaining("outside the group");

        assertThat(calls).containsExactly("DetachInstances " + ids(0, 2) + " decrement",
                "TerminateInstanceInAutoScalingGroup i-0000 decrement",
                "TerminateInstanceInAutoScalingGroup i-0001 decrement");
        // Until the command carried out again looks outside the group, they are listed as detached, not gone.
        autoScaling.states.keySet().removeAll(ids(0, 2));
        assertThat(adapter.describe(GROUP).orElseThrow().instances()).filteredOn(i -> ids(0, 2).contains(
                i.instanceId())).extracting(InstanceSnapshot::cloudState)
                .containsExactly(AwsScalingGroup.DETACHED_STATE, AwsScalingGroup.DETACHED_STATE);
    }

    @Test
    void shouldLowerTheMinSizeFirstWhenEndingInstancesWouldTakeTheGroupBelowIt() {
        // A pool at its minSize replacing one instance (a deleting Machine, a remediation): AWS refuses a decrement
        // below the min, and the terminate was refused for good, its Node drained.
        autoScaling.min = 3;
        poolstreamsGroupWith(ids(0, 3), "InService");

        adapter.terminate(GROUP, ids(1, 2));

        assertThat(calls).containsExactly("UpdateAutoScalingGroup desired null protectNew null min 2",
                "DetachInstances " + ids(1, 2) + " decrement", "TerminateInstances " + ids(1, 2));
    }

    @Test
    void shouldLeaveTheMinSizeAloneWhenTheGroupStaysAtOrAboveIt() {
        autoScaling.min = 2;
        poolstreamsGroupWith(ids(0, 3), "InService");

        adapter.terminate(GROUP, ids(1, 2));

        assertThat(calls).containsExactly("DetachInstances " + ids(1, 2) + " decrement",
                "TerminateInstances " + ids(1, 2));
    }

    @Test
    void shouldTerminateWhatIsDetachedBeforeRefusingWhenLaterInstancesCannotLeave() {
        poolstreamsGroupWith(ids(0, 30), "InService");
        autoScaling.refuseDetachFrom = 1;
        autoScaling.refuseDetach = "Detaching would violate the group's minimum size.";
        autoScaling.refuseTerminate = "Terminating instance without replacement will violate group's min size "
                + "constraint.";

        assertThatThrownBy(() -> adapter.terminate(GROUP, ids(0, 25)))
                .isInstanceOf(CommandRefusedException.class).hasMessageContaining("min size");

        assertThat(calls).containsExactly("DetachInstances " + ids(0, 20) + " decrement",
                "DetachInstances " + ids(20, 25) + " decrement",
                "TerminateInstanceInAutoScalingGroup i-0014 decrement", "TerminateInstances " + ids(0, 20));
    }

    @Test
    void shouldTagInstancesLaunchedBeforeTheTakeoverBeforeDetachingThem() {
        ec2.launchedByCapa.addAll(List.of("i-0001", "i-0002"));
        groupWith(ids(0, 5), "InService");

        adapter.terminate(GROUP, ids(0, 3));

        assertThat(calls).containsExactly("CreateTags [i-0001, i-0002] [Name=workers, poolstream.dev/pool=ns/workers]",
                "SetInstanceProtection " + ids(3, 5) + " true",
                "DetachInstances " + ids(0, 3) + " decrement", "TerminateInstances " + ids(0, 3));
    }

    @Test
    void shouldStillScaleDownWhenTheInstancesCannotBeTagged() {
        ec2.launchedByCapa.add("i-0001");
        ec2.refuseCreateTags = true;
        groupWith(ids(0, 5), "InService");

        adapter.terminate(GROUP, ids(0, 2));

        assertThat(calls).containsExactly("CreateTags [i-0001] [Name=workers, poolstream.dev/pool=ns/workers]",
                "SetInstanceProtection " + ids(2, 5) + " true",
                "DetachInstances " + ids(0, 2) + " decrement", "TerminateInstances " + ids(0, 2));
    }

    @Test
    void shouldEndDetachedInstancesOfATakenOverGroupWhenTheTerminateIsCarriedOutAgainAfterARestart() {
        ec2.launchedByCapa.addAll(ids(0, 3)); // CAPA launched them, before the group was tagged the pool's
        ec2.running.addAll(ids(0, 5));
        groupWith(ids(0, 5), "InService");
        ec2.refuseTerminate = true;
        assertThatThrownBy(() -> adapter.terminate(GROUP, ids(0, 2))).isInstanceOf(RetryableCommandException.class);
        ec2.refuseTerminate = false;

        // Restarted: no memory of the detach. The group no longer lists them; the command carried out again looks
        // for them by their tags.
        AwsScalingGroup restarted = new AwsScalingGroup(autoScaling, ec2, secret -> new byte[0]);
        Optional<GroupSnapshot> described = restarted.describe(GROUP);
        boolean wrote = restarted.finishTerminate(POOL, GROUP, described, ids(0, 2).stream()
                .map(AwsScalingGroupTest::providerId).toList());

        assertThat(wrote).isTrue();
        assertThat(ec2.terminated).containsExactlyElementsOf(ids(0, 2));
        assertThat(ec2.running).containsExactlyElementsOf(ids(2, 5));
    }

    @Test
    void shouldAskForRetryNamingTheInstancesWhenTerminateOfDetachedInstancesFails() {
        groupWith(ids(0, 5), "InService");
        ec2.refuseTerminate = true;

        assertThatThrownBy(() -> adapter.terminate(GROUP, ids(0, 2)))
                .isInstanceOf(RetryableCommandException.class)
                .hasMessageContaining("UnauthorizedOperation").hasMessageContaining(ids(0, 2).toString())
                .hasMessageContaining("still running");
    }

    @Test
    void shouldListInstancesDetachedAndNotYetEndedAsTerminatingUntilTheyAreEnded() {
        groupWith(ids(0, 5), "InService");
        ec2.refuseTerminate = true;
        ec2.running.addAll(ids(0, 2));
        assertThatThrownBy(() -> adapter.terminate(GROUP, ids(0, 2))).isInstanceOf(RetryableCommandException.class);

        // The group no longer lists them, but they run: a describe (the poller's) must not leave them out, or their
        // tombstones would have their Nodes deleted while they run.
        GroupSnapshot described = adapter.describe(GROUP).orElseThrow();
        assertThat(described.instances()).filteredOn(i -> ids(0, 2).contains(i.instanceId()))
                .extracting(InstanceSnapshot::instanceId, InstanceSnapshot::lifecycle, InstanceSnapshot::cloudState)
                .containsExactlyInAnyOrder(tuple("i-0000", InstanceLifecycle.TERMINATING, "Detached"),
                        tuple("i-0001", InstanceLifecycle.TERMINATING, "Detached"));
        assertThat(described.instances()).hasSize(5);

        // The command carried out again ends the one still running (the other was ended meanwhile, by hand): neither
        // is listed any more.
        ec2.refuseTerminate = false;
        ec2.running.remove("i-0001");
        assertThat(adapter.finishTerminate(POOL, GROUP, Optional.of(described),
                List.of(providerId("i-0000"), providerId("i-0001")))).isTrue();
        assertThat(adapter.describe(GROUP).orElseThrow().instances()).extracting(InstanceSnapshot::instanceId)
                .doesNotContain("i-0000", "i-0001").hasSize(3);
    }

    @Test
    void shouldTerminateOnlyNamedInstancesStillRunningOutsideGroupWhenTerminateIsCarriedOutAgain() {
        Optional<GroupSnapshot> described = groupWith(Map.of("i-0001", "InService", "i-0002", "Detaching",
                "i-0003", "Terminating"));
        ec2.running.addAll(List.of("i-0001", "i-0002", "i-0003", "i-0004", "i-0005"));
        ec2.terminated.add("i-0006");

        boolean wrote = adapter.finishTerminate(POOL, GROUP, described, List.of(providerId("i-0001"),
                providerId("i-0002"), providerId("i-0003"), providerId("i-0004"), providerId("i-0006"),
                "aws:///us-east-1a/not-an-id"));

        assertThat(wrote).isTrue();
        // i-0001 is in service (the plan terminates it), i-0003 is the group's own to end; i-0005 is not named.
        assertThat(calls).containsExactly("DescribeInstances [i-0002, i-0004, i-0006] Name=workers pool=ns/workers",
                "TerminateInstances [i-0002, i-0004]");
    }

    @Test
    void shouldMakeNoCallWhenNoNamedInstanceCanRunOutsideGroup() {
        Optional<GroupSnapshot> described = groupWith(Map.of("i-0001", "Terminating"));

        assertThat(adapter.finishTerminate(POOL, GROUP, described, List.of(providerId("i-0001")))).isFalse();

        assertThat(calls).isEmpty();
    }

    @Test
    void shouldOnlyReadWhenDetachedInstancesAreAlreadyTerminated() {
        Optional<GroupSnapshot> described = groupWith(Map.of("i-0001", "InService"));
        ec2.terminated.add("i-0002");

        assertThat(adapter.finishTerminate(POOL, GROUP, described, List.of(providerId("i-0002")))).isFalse();

        assertThat(calls).containsExactly("DescribeInstances [i-0002] Name=workers pool=ns/workers");
    }

    private static AwsServiceException validationError(String message) {
        return AutoScalingException.builder().statusCode(400).awsErrorDetails(AwsErrorDetails.builder()
                .errorCode("ValidationError").errorMessage(message).build()).build();
    }

    /** Auto Scaling with one group; detach and terminate record the call and take the instances out. */
    private final class FakeAutoScaling implements AutoScalingClient {

        final Map<String, String> states = new LinkedHashMap<>();
        final Set<String> protectedIds = new java.util.HashSet<>();
        /** The group's scaling activities, newest first, as Auto Scaling lists them. */
        final List<Activity> activities = new ArrayList<>();
        final List<String> suspended = new ArrayList<>();
        RuntimeException refuseActivities;
        Integer desired;
        /** The group's min size: a decrement below it is refused, as AWS refuses it. */
        int min;
        String refuseDetach;
        int refuseDetachFrom;
        String refuseTerminate;
        /** A detach takes effect, and the caller hears what the SDK's retry of it would: not part of the group. */
        boolean detachThenLoseAnswer;
        private int detaches;

        @Override
        public DescribeAutoScalingGroupsResponse describeAutoScalingGroups(DescribeAutoScalingGroupsRequest request) {
            calls.add("DescribeAutoScalingGroups");
            List<Instance> instances = new ArrayList<>();
            states.forEach((id, state) -> instances.add(Instance.builder().instanceId(id)
                    .availabilityZone("us-east-1a").lifecycleState(state).healthStatus("Healthy")
                    .protectedFromScaleIn(protectedIds.contains(id)).build()));
            return DescribeAutoScalingGroupsResponse.builder().autoScalingGroups(AutoScalingGroup.builder()
                    .autoScalingGroupName(GROUP).desiredCapacity(desired == null ? states.size() : desired)
                    .minSize(min).maxSize(100).tags(software.amazon.awssdk.services.autoscaling.model.TagDescription
                            .builder().key("poolstream.dev/pool").value(POOL).propagateAtLaunch(true).build())
                    .availabilityZones("us-east-1a").instances(instances).suspendedProcesses(suspended.stream()
                            .map(p -> SuspendedProcess.builder().processName(p).build()).toList()).build()).build();
        }

        int current() {
            return desired == null ? states.size() : desired;
        }

        @Override
        public DescribeScalingActivitiesResponse describeScalingActivities(DescribeScalingActivitiesRequest request) {
            calls.add("DescribeScalingActivities " + request.autoScalingGroupName());
            if (refuseActivities != null) {
                throw refuseActivities;
            }
            return DescribeScalingActivitiesResponse.builder().activities(activities.stream()
                    .limit(request.maxRecords() == null ? 100 : request.maxRecords()).toList()).build();
        }

        @Override
        public SetInstanceProtectionResponse setInstanceProtection(SetInstanceProtectionRequest request) {
            calls.add("SetInstanceProtection " + request.instanceIds() + " " + request.protectedFromScaleIn());
            protectedIds.addAll(request.instanceIds());
            return SetInstanceProtectionResponse.builder().build();
        }

        @Override
        public UpdateAutoScalingGroupResponse updateAutoScalingGroup(UpdateAutoScalingGroupRequest request) {
            calls.add("UpdateAutoScalingGroup desired " + request.desiredCapacity() + " protectNew "
                    + request.newInstancesProtectedFromScaleIn()
                    + (request.minSize() == null ? "" : " min " + request.minSize()));
            if (request.minSize() != null) {
                min = request.minSize();
            }
            return UpdateAutoScalingGroupResponse.builder().build();
        }

        @Override
        public DetachInstancesResponse detachInstances(DetachInstancesRequest request) {
            calls.add("DetachInstances " + request.instanceIds()
                    + (Boolean.TRUE.equals(request.shouldDecrementDesiredCapacity()) ? " decrement" : ""));
            if (refuseDetach != null && detaches++ >= refuseDetachFrom) {
                throw validationError(refuseDetach);
            }
            if (Boolean.TRUE.equals(request.shouldDecrementDesiredCapacity())
                    && current() - request.instanceIds().size() < min) {
                throw validationError("Detaching " + request.instanceIds().size() + " instance(s) with decrement"
                        + " will violate group's min size constraint.");
            }
            if (Boolean.TRUE.equals(request.shouldDecrementDesiredCapacity())) {
                desired = current() - request.instanceIds().size();
            }
            request.instanceIds().forEach(states::remove);
            if (detachThenLoseAnswer) {
                throw validationError("The instance " + request.instanceIds().get(0)
                        + " is not part of Auto Scaling group " + GROUP + ".");
            }
            return DetachInstancesResponse.builder().build();
        }

        @Override
        public TerminateInstanceInAutoScalingGroupResponse terminateInstanceInAutoScalingGroup(
                TerminateInstanceInAutoScalingGroupRequest request) {
            calls.add("TerminateInstanceInAutoScalingGroup " + request.instanceId()
                    + (Boolean.TRUE.equals(request.shouldDecrementDesiredCapacity()) ? " decrement" : ""));
            if (refuseTerminate != null) {
                throw validationError(refuseTerminate);
            }
            if (!states.containsKey(request.instanceId())) {
                throw validationError("Instance Id not found - No managed instance found for instance ID: "
                        + request.instanceId());
            }
            if (Boolean.TRUE.equals(request.shouldDecrementDesiredCapacity())) {
                if (current() - 1 < min) {
                    throw validationError("Terminating instance without replacement will violate group's min size "
                            + "constraint.");
                }
                desired = current() - 1;
            }
            states.put(request.instanceId(), "Terminating");
            return TerminateInstanceInAutoScalingGroupResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "autoscaling";
        }

        @Override
        public void close() {
        }
    }

    /** EC2 with instances running or terminated; launch times for any id, the filtered query for the others. */
    private final class FakeEc2 implements Ec2Client {

        final List<String> running = new ArrayList<>();
        final List<String> terminated = new ArrayList<>();
        /** Launched by CAPA before the group was the pool's: without Poolstream's Name and pool tags. */
        final Set<String> launchedByCapa = new java.util.HashSet<>();
        /** Tags written by CreateTags, by instance. */
        final Map<String, Map<String, String>> tagged = new LinkedHashMap<>();
        boolean refuseTerminate;
        boolean refuseCreateTags;

        /** The instance's tags: those of Poolstream's launch template, none of them for CAPA's, and those written. */
        Map<String, String> tags(String id) {
            Map<String, String> tags = new LinkedHashMap<>();
            if (!launchedByCapa.contains(id)) {
                tags.put("Name", GROUP);
                tags.put("poolstream.dev/pool", POOL);
            }
            tags.putAll(tagged.getOrDefault(id, Map.of()));
            return tags;
        }

        @Override
        public DescribeInstancesResponse describeInstances(DescribeInstancesRequest request) {
            if (!request.instanceIds().isEmpty()) {
                // Launch times, asked by the describe of the group.
                return DescribeInstancesResponse.builder().reservations(Reservation.builder().instances(request
                        .instanceIds().stream().map(id -> software.amazon.awssdk.services.ec2.model.Instance.builder()
                                .instanceId(id).launchTime(Instant.EPOCH).tags(tags(id).entrySet().stream()
                                        .map(t -> software.amazon.awssdk.services.ec2.model.Tag.builder()
                                                .key(t.getKey()).value(t.getValue()).build()).toList()).build())
                                .toList()).build()).build();
            }
            Map<String, List<String>> filters = new LinkedHashMap<>();
            for (Filter f : request.filters()) {
                filters.put(f.name(), f.values());
            }
            assertThat(filters.get("instance-state-name")).containsExactlyInAnyOrder("pending", "running", "stopping",
                    "stopped");
            calls.add("DescribeInstances " + filters.get("instance-id") + " Name=" + String.join(",",
                    filters.get("tag:Name")) + " pool=" + String.join(",", filters.get("tag:poolstream.dev/pool")));
            Set<String> wanted = Set.copyOf(filters.get("instance-id"));
            return DescribeInstancesResponse.builder().reservations(Reservation.builder().instances(running.stream()
                    .filter(wanted::contains)
                    .filter(id -> filters.get("tag:Name").contains(tags(id).get("Name")))
                    .filter(id -> !filters.containsKey("tag:poolstream.dev/pool")
                            || filters.get("tag:poolstream.dev/pool").contains(tags(id).get("poolstream.dev/pool")))
                    .map(id -> software.amazon.awssdk.services.ec2.model.Instance.builder()
                            .instanceId(id).build()).toList()).build()).build();
        }

        @Override
        public software.amazon.awssdk.services.ec2.model.CreateTagsResponse createTags(
                software.amazon.awssdk.services.ec2.model.CreateTagsRequest request) {
            calls.add("CreateTags " + request.resources() + " " + request.tags().stream()
                    .map(t -> t.key() + "=" + t.value()).toList());
            if (refuseCreateTags) {
                throw Ec2Exception.builder().statusCode(403).awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("UnauthorizedOperation").errorMessage("You are not authorized to perform this "
                                + "operation.").build()).build();
            }
            request.resources().forEach(id -> request.tags().forEach(t -> tagged
                    .computeIfAbsent(id, k -> new LinkedHashMap<>()).put(t.key(), t.value())));
            return software.amazon.awssdk.services.ec2.model.CreateTagsResponse.builder().build();
        }

        @Override
        public TerminateInstancesResponse terminateInstances(TerminateInstancesRequest request) {
            calls.add("TerminateInstances " + request.instanceIds());
            if (refuseTerminate) {
                throw Ec2Exception.builder().statusCode(403).awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("UnauthorizedOperation").errorMessage("You are not authorized to perform this "
                                + "operation.").build()).build();
            }
            running.removeAll(request.instanceIds());
            terminated.addAll(request.instanceIds());
            return TerminateInstancesResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "ec2";
        }

        @Override
        public void close() {
        }
    }
}
