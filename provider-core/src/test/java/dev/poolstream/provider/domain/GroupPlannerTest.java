package dev.poolstream.provider.domain;

import static dev.poolstream.provider.domain.Snapshots.deleting;
import static dev.poolstream.provider.domain.Snapshots.group;
import static dev.poolstream.provider.domain.Snapshots.instance;
import static dev.poolstream.provider.domain.Snapshots.with;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.command.Capacity;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GroupPlannerTest {

    private static final GroupShape SHAPE = new GroupShape(List.of("us-east-1b", "us-east-1a"), Map.of("Name", "g"));

    @Test
    void shouldCreateWhenGroupDoesNotExist() {
        Plan plan = GroupPlanner.ensure(Optional.empty(), SHAPE, "1", new Capacity(5, 1, 10, false));

        assertThat(plan).isEqualTo(new Plan.Create(SHAPE, "1", new Capacity(5, 1, 10, false)));
        assertThat(plan.writes()).isTrue();
    }

    @Test
    void shouldCreateAgainWhenGroupIsBeingDeleted() {
        Plan plan = GroupPlanner.ensure(Optional.of(deleting(group(5, 1, 10, "1", 5))), SHAPE, "1",
                new Capacity(5, 1, 10, false));

        assertThat(plan).isInstanceOf(Plan.Create.class);
    }

    @Test
    void shouldMakeNoWriteWhenGroupAlreadyMatchesEnsure() {
        Plan plan = GroupPlanner.ensure(Optional.of(group(5, 1, 10, "1", 5)), SHAPE, "1",
                new Capacity(5, 1, 10, false));

        assertThat(plan).isInstanceOf(Plan.NoChange.class);
        assertThat(plan.writes()).isFalse();
    }

    @Test
    void shouldChangeOnlyWhatDiffersWhenEnsureChangesVersionAndMax() {
        Plan plan = GroupPlanner.ensure(Optional.of(group(5, 1, 10, "1", 5)), SHAPE, "2",
                new Capacity(5, 1, 30, false));

        assertThat(plan).isEqualTo(new Plan.Update(new GroupUpdate(null, null, 30, "2", null, Map.of())));
    }

    @Test
    void shouldMovePlacementWhenFailureDomainsChange() {
        GroupShape moved = new GroupShape(List.of("us-east-1c"), Map.of("Name", "g"));

        Plan plan = GroupPlanner.ensure(Optional.of(group(5, 1, 10, "1", 5)), moved, "1",
                new Capacity(5, 1, 10, false));

        assertThat(plan).isEqualTo(new Plan.Update(new GroupUpdate(null, null, null, null, List.of("us-east-1c"),
                Map.of())));
    }

    @Test
    void shouldAddOnlyMissingOrChangedTagsWhenGroupCarriesOthers() {
        GroupShape tagged = new GroupShape(SHAPE.placement(), Map.of("Name", "g", "team", "a"));

        Plan plan = GroupPlanner.ensure(Optional.of(group(5, 1, 10, "1", 5)), tagged, "1",
                new Capacity(5, 1, 10, false));

        assertThat(plan).isEqualTo(new Plan.Update(new GroupUpdate(null, null, null, null, null,
                Map.of("team", "a"))));
    }

    @Test
    void shouldRefuseWhenReplicasAreOutsideBounds() {
        Capacity outside = new Capacity(11, 1, 10, false);

        for (Plan plan : List.of(GroupPlanner.ensure(Optional.empty(), SHAPE, "1", outside),
                GroupPlanner.capacity(Optional.of(group(5, 1, 10, "1", 5)), outside))) {
            assertThat(plan).isInstanceOfSatisfying(Plan.Refuse.class, r -> {
                assertThat(r.failure().reason()).isEqualTo(Reasons.REPLICAS_OUT_OF_RANGE);
                assertThat(r.failure().message()).contains("replicas 11", "minSize 1", "maxSize 10");
            });
        }
    }

    @Test
    void shouldNeverPushDesiredWhenReplicasAreManagedExternally() {
        Plan plan = GroupPlanner.capacity(Optional.of(group(7, 1, 10, "1", 7)), new Capacity(3, 2, 20, true));

        assertThat(plan).isEqualTo(new Plan.Update(new GroupUpdate(null, 2, 20, null, null, Map.of())));
    }

    @Test
    void shouldAcceptReplicasOutsideBoundsWhenManagedExternally() {
        Plan plan = GroupPlanner.capacity(Optional.of(group(7, 1, 10, "1", 7)), new Capacity(50, 1, 10, true));

        assertThat(plan).isInstanceOf(Plan.NoChange.class);
    }

    @Test
    void shouldSetDesiredWhenCapacityChanges() {
        Plan plan = GroupPlanner.capacity(Optional.of(group(5, 1, 30, "1", 5)), new Capacity(20, 1, 30, false));

        assertThat(plan).isEqualTo(new Plan.Update(new GroupUpdate(20, null, null, null, null, Map.of())));
    }

    @Test
    void shouldRefuseToLowerDesiredBelowTheInstancesTheGroupHolds() {
        // 10 asked for, 5 listed so far, 5 more started since: lowered to 6, the cloud would pick 4 of its own.
        GroupSnapshot group = group(10, 1, 30, "1", 10);

        Plan capacity = GroupPlanner.capacity(Optional.of(group), new Capacity(6, 1, 30, false));
        Plan ensure = GroupPlanner.ensure(Optional.of(group), SHAPE, "1", new Capacity(6, 1, 30, false));

        assertThat(List.of(capacity, ensure)).allSatisfy(plan -> assertThat(plan).isInstanceOfSatisfying(
                Plan.Refuse.class, refuse -> {
                    assertThat(refuse.failure().reason()).isEqualTo(Reasons.SCALE_DOWN_NEEDS_NAMED_INSTANCES);
                    assertThat(refuse.failure().message()).contains("10 instances").contains("to 6")
                            .contains("TerminateInstances with the 4 drained instances");
                }));
    }

    @Test
    void shouldRefuseToLowerTheMaxOfAnAutoscaledGroupBelowTheInstancesItHolds() {
        // The autoscaler raised the group to 8 since the reconciler last saw it; a max of 5 would have AWS set the
        // desired size to 5 and end 3 instances of its choice.
        GroupSnapshot group = group(8, 0, 10, "1", 8);

        Plan plan = GroupPlanner.capacity(Optional.of(group), new Capacity(8, 0, 5, true));

        assertThat(plan).isInstanceOfSatisfying(Plan.Refuse.class, refuse -> {
            assertThat(refuse.failure().reason()).isEqualTo(Reasons.SCALE_DOWN_NEEDS_NAMED_INSTANCES);
            assertThat(refuse.failure().message()).contains("holds 8 instances; lowering its max size to 5")
                    .contains("TerminateInstances with the 3 drained instances");
        });
        // A max still at or above the group's desired size, or one the instances do not fill, is written.
        assertThat(GroupPlanner.capacity(Optional.of(group), new Capacity(8, 0, 9, true)))
                .isEqualTo(new Plan.Update(new GroupUpdate(null, null, 9, null, null, Map.of())));
        assertThat(GroupPlanner.capacity(Optional.of(group(8, 0, 10, "1", 4)), new Capacity(8, 0, 5, true)))
                .isEqualTo(new Plan.Update(new GroupUpdate(null, null, 5, null, null, Map.of())));
        // A max equal to the group's desired size changes no desired size, whatever the group holds beyond it.
        assertThat(GroupPlanner.capacity(Optional.of(group(8, 0, 10, "1", 9)), new Capacity(8, 0, 8, true)))
                .isEqualTo(new Plan.Update(new GroupUpdate(null, null, 8, null, null, Map.of())));
    }

    @Test
    void shouldLowerDesiredThatNoInstanceFillsYet() {
        // 10 asked for, 5 started: lowering to 6 only starts one fewer.
        Plan plan = GroupPlanner.capacity(Optional.of(group(10, 1, 30, "1", 5)), new Capacity(6, 1, 30, false));

        assertThat(plan).isEqualTo(new Plan.Update(new GroupUpdate(6, null, null, null, null, Map.of())));
    }

    @Test
    void shouldNotCountInstancesAlreadyTerminatingWhenLoweringDesired() {
        GroupSnapshot group = with(group(4, 1, 30, "1", 0), List.of(
                instance("i-1", InstanceLifecycle.RUNNING, "1"), instance("i-2", InstanceLifecycle.PENDING, "1"),
                instance("i-3", InstanceLifecycle.TERMINATING, "1"),
                instance("i-4", InstanceLifecycle.TERMINATING, "1")));

        assertThat(GroupPlanner.capacity(Optional.of(group), new Capacity(2, 1, 30, false)))
                .isInstanceOf(Plan.Update.class);
        assertThat(GroupPlanner.capacity(Optional.of(group), new Capacity(1, 1, 30, false)))
                .isInstanceOf(Plan.Refuse.class);
    }

    @Test
    void shouldMakeNoWriteWhenCapacityIsAlreadySet() {
        Plan plan = GroupPlanner.capacity(Optional.of(group(20, 1, 30, "1", 3)), new Capacity(20, 1, 30, false));

        assertThat(plan).isInstanceOf(Plan.NoChange.class);
    }

    @Test
    void shouldRefuseCapacityWhenGroupDoesNotExist() {
        Plan plan = GroupPlanner.capacity(Optional.empty(), new Capacity(2, 1, 3, false));

        assertThat(plan).isInstanceOfSatisfying(Plan.Refuse.class,
                r -> assertThat(r.failure().reason()).isEqualTo(Reasons.GROUP_NOT_FOUND));
    }

    static List<Arguments> commandsThatNeedALiveGroup() {
        Function<Optional<GroupSnapshot>, Plan> capacity = g -> GroupPlanner.capacity(g, new Capacity(2, 1, 3, false));
        Function<Optional<GroupSnapshot>, Plan> rollOut = g -> GroupPlanner.rollOut(g, SHAPE, "2");
        Optional<GroupSnapshot> gone = Optional.empty();
        Optional<GroupSnapshot> beingDeleted = Optional.of(deleting(group(2, 1, 3, "1", 2)));
        return List.of(
                Arguments.of("SetCapacity", capacity, gone, "the group does not exist"),
                Arguments.of("SetCapacity", capacity, beingDeleted, "the group is being deleted"),
                Arguments.of("RollOut", rollOut, gone, "the group does not exist"),
                Arguments.of("RollOut", rollOut, beingDeleted, "the group is being deleted"));
    }

    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("commandsThatNeedALiveGroup")
    void shouldRefuseSayingWhyWhenTheGroupIsGoneOrBeingDeleted(String command,
                                                               Function<Optional<GroupSnapshot>, Plan> plan,
                                                               Optional<GroupSnapshot> current, String why) {
        assertThat(plan.apply(current)).isInstanceOfSatisfying(Plan.Refuse.class, r -> {
            assertThat(r.failure().reason()).isEqualTo(Reasons.GROUP_NOT_FOUND);
            assertThat(r.failure().message()).isEqualTo(why + "; an EnsureGroup must create it first");
        });
    }

    @Test
    void shouldRefuseRollOutWhenGroupDoesNotExist() {
        assertThat(GroupPlanner.rollOut(Optional.empty(), SHAPE, "2")).isInstanceOf(Plan.Refuse.class);
    }

    @Test
    void shouldPutNewVersionOnGroupWhenRollingOut() {
        Plan plan = GroupPlanner.rollOut(Optional.of(group(5, 1, 10, "1", 5)), SHAPE, "2");

        assertThat(plan).isEqualTo(new Plan.Update(new GroupUpdate(null, null, null, "2", null, Map.of())));
    }

    @Test
    void shouldMakeNoWriteWhenGroupAlreadyRunsVersion() {
        assertThat(GroupPlanner.rollOut(Optional.of(group(5, 1, 10, "2", 5)), SHAPE, "2"))
                .isInstanceOf(Plan.NoChange.class);
    }

    @Test
    void shouldMoveTagAndSuspendWithoutResizingWhenRollOutCarriesANewShape() {
        GroupShape changed = new GroupShape(List.of("us-east-1c"), Map.of("Name", "g", "team", "a"),
                List.of("AZRebalance"));

        Plan plan = GroupPlanner.rollOut(Optional.of(group(9, 1, 10, "2", 5)), changed, "2");

        assertThat(plan).isEqualTo(new Plan.Update(new GroupUpdate(null, null, null, null, List.of("us-east-1c"),
                Map.of("team", "a"), List.of("AZRebalance"), List.of())));
    }

    @Test
    void shouldSuspendWhatTheShapeNamesAndResumeWhatItDoesNot() {
        GroupSnapshot suspended = group(5, 1, 10, "1", 5).withSuspendedProcesses(List.of("Launch", "AZRebalance"));
        GroupShape shape = new GroupShape(SHAPE.placement(), SHAPE.tags(), List.of("AZRebalance", "HealthCheck"));

        Plan plan = GroupPlanner.ensure(Optional.of(suspended), shape, "1", new Capacity(5, 1, 10, false));

        assertThat(plan).isEqualTo(new Plan.Update(new GroupUpdate(null, null, null, null, null, Map.of(),
                List.of("HealthCheck"), List.of("Launch"))));
        assertThat(((Plan.Update) plan).update().changesGroup()).isFalse();
    }

    @Test
    void shouldRefuseToCreateOrEnsureAGroupWhosePlacementCannotBeRead() {
        Failure filters = new Failure("SubnetFiltersUnsupported", "by filters");
        GroupShape unplaced = GroupShape.unplaced(filters, SHAPE.tags(), List.of("AZRebalance"));

        assertThat(GroupPlanner.ensure(Optional.empty(), unplaced, "1", new Capacity(5, 1, 10, false)))
                .isEqualTo(new Plan.Refuse(filters));
        assertThat(GroupPlanner.ensure(Optional.of(group(5, 1, 10, "1", 5)), unplaced, "1",
                new Capacity(5, 1, 10, false))).isEqualTo(new Plan.Refuse(filters));
        assertThat(unplaced.at(List.of("zone-a")).unplaced()).isNull();
    }

    @Test
    void shouldMakeNoWriteWhenTheSameProcessesAreSuspended() {
        GroupSnapshot suspended = group(5, 1, 10, "1", 5).withSuspendedProcesses(List.of("AZRebalance"));
        GroupShape shape = new GroupShape(SHAPE.placement(), SHAPE.tags(), List.of("AZRebalance"));

        assertThat(GroupPlanner.rollOut(Optional.of(suspended), shape, "1")).isInstanceOf(Plan.NoChange.class);
        assertThat(GroupPlanner.ensure(Optional.of(suspended), shape, "1", new Capacity(5, 1, 10, false)))
                .isInstanceOf(Plan.NoChange.class);
    }

    @Test
    void shouldTerminateOnlyInstancesStillRunningWhenSomeAreGoneOrTerminating() {
        GroupSnapshot g = with(group(3, 0, 10, "1", 0), List.of(instance("i-1", InstanceLifecycle.RUNNING, "1"),
                instance("i-2", InstanceLifecycle.TERMINATING, "1"), instance("i-3", InstanceLifecycle.PENDING, "1")));

        Plan plan = GroupPlanner.terminate(Optional.of(g), List.of("aws:///us-east-1a/i-1",
                "aws:///us-east-1a/i-2", "aws:///us-east-1a/i-3", "aws:///us-east-1a/i-9", "aws:///us-east-1a/i-1"));

        assertThat(plan).as("each instance once, however often it is named")
                .isEqualTo(new Plan.Terminate(List.of("i-1", "i-3")));
    }

    @Test
    void shouldLeaveOutNamedInstancesGroupNoLongerRunsWhenTerminating() {
        GroupSnapshot g = with(group(3, 0, 10, "1", 0), List.of(instance("i-1", InstanceLifecycle.RUNNING, "1"),
                instance("i-2", InstanceLifecycle.TERMINATING, "1"), instance("i-3", InstanceLifecycle.FAILED, "1")));
        List<String> named = List.of("aws:///us-east-1a/i-1", "aws:///us-east-1a/i-2", "aws:///us-east-1a/i-3",
                "aws:///us-east-1a/i-9", "aws:///us-east-1a/i-9");

        assertThat(GroupPlanner.leftOut(Optional.of(g), named))
                .containsExactly("aws:///us-east-1a/i-2", "aws:///us-east-1a/i-9");
        assertThat(GroupPlanner.leftOut(Optional.empty(), named))
                .containsExactly("aws:///us-east-1a/i-1", "aws:///us-east-1a/i-2", "aws:///us-east-1a/i-3",
                        "aws:///us-east-1a/i-9");
    }

    @Test
    void shouldMatchProviderIdsExactlyWhenTerminating() {
        GroupSnapshot g = group(1, 0, 10, "1", 1);

        Plan plan = GroupPlanner.terminate(Optional.of(g), List.of("aws:///us-east-1b/i-0"));

        assertThat(plan).isInstanceOf(Plan.NoChange.class);
    }

    @Test
    void shouldMakeNoWriteWhenTerminatedInstancesAreAlreadyGone() {
        assertThat(GroupPlanner.terminate(Optional.of(group(2, 0, 10, "1", 2)), List.of("aws:///us-east-1a/i-7")))
                .isInstanceOf(Plan.NoChange.class);
        assertThat(GroupPlanner.terminate(Optional.empty(), List.of("aws:///us-east-1a/i-7")))
                .isInstanceOf(Plan.NoChange.class);
    }

    @Test
    void shouldDeleteWhenGroupExists() {
        assertThat(GroupPlanner.delete(Optional.of(group(2, 0, 10, "1", 2)))).isInstanceOf(Plan.Delete.class);
    }

    @Test
    void shouldMakeNoWriteWhenGroupIsGoneOrAlreadyDeleting() {
        assertThat(GroupPlanner.delete(Optional.empty())).isInstanceOf(Plan.NoChange.class);
        assertThat(GroupPlanner.delete(Optional.of(deleting(group(2, 0, 10, "1", 2)))))
                .isInstanceOf(Plan.NoChange.class);
    }
}
