package dev.poolstream.provider.engine;

import static dev.poolstream.provider.testing.Commands.capacity;
import static dev.poolstream.provider.testing.Commands.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.events.Failure;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import dev.poolstream.provider.cloud.CommandFencedException;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.domain.RecentIds;
import dev.poolstream.provider.testing.InMemoryScalingGroup;
import dev.poolstream.provider.testing.RecordingPublication;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CommandExecutorTest {

    private static final String POOL = "ns/workers";

    private final InMemoryScalingGroup cloud = new InMemoryScalingGroup();
    private final RecordingPublication published = new RecordingPublication();
    private final Inventory inventory = new Inventory();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final CommandExecutor executor = new CommandExecutor(cloud, inventory, new RecentIds(100),
            new PoolLocks(), published, meters, Clock.systemUTC());

    private EnsureGroup ensure(long generation, int desired) {
        return EnsureGroup.of(POOL, generation, "workers", template("c1", 1), capacity(desired, 1, 30));
    }

    @Test
    void shouldCreateGroupAndPublishEveryInstanceWhenGroupIsNew() {
        assertThat(executor.execute(ensure(1, 5))).isEqualTo(CommandExecutor.Outcome.APPLIED);

        assertThat(published.upserts()).isEqualTo(5);
        assertThat(published.lastState().exists()).isTrue();
        assertThat(published.lastState().desired()).isEqualTo(5);
        assertThat(published.lastState().lastCommandId()).isEqualTo(ensure(1, 5).id());
        assertThat(inventory.get(POOL)).isPresent();
    }

    /**
     * The state names the template the group last carried out, so that the status can tell instances on the group's
     * template from instances on the spec's: an EnsureGroup's, then a RollOut's; a capacity command keeps it.
     */
    @Test
    void shouldPublishTheFingerprintOfTheLastTemplateCarriedOut() {
        executor.execute(ensure(1, 2));
        assertThat(published.lastState().templateFingerprint()).isEqualTo(template("c1", 1).fingerprint());

        RollOut rollOut = RollOut.of(POOL, 2, "workers", template("c1", 2, "v1.34.0"));
        executor.execute(rollOut);
        assertThat(published.lastState().templateFingerprint()).isEqualTo(rollOut.template().fingerprint())
                .isNotEqualTo(template("c1", 1).fingerprint());

        executor.execute(SetCapacity.of(POOL, 2, "workers", capacity(3, 1, 30)));
        assertThat(published.lastState().templateFingerprint()).isEqualTo(rollOut.template().fingerprint());
    }

    @Test
    void shouldMakeNoCloudCallWhenCommandIdWasSeen() {
        executor.execute(ensure(1, 5));
        int reads = cloud.reads();
        int writes = cloud.writes();

        assertThat(executor.execute(ensure(1, 5))).isEqualTo(CommandExecutor.Outcome.DUPLICATE);

        assertThat(cloud.reads()).isEqualTo(reads);
        assertThat(cloud.writes()).isEqualTo(writes);
    }

    @Test
    void shouldOnlyReadWhenCloudAlreadySatisfiesNewCommand() {
        executor.execute(ensure(1, 5));
        int writes = cloud.writes();

        assertThat(executor.execute(SetCapacity.of(POOL, 2, "workers", capacity(5, 1, 30))))
                .isEqualTo(CommandExecutor.Outcome.ALREADY_SATISFIED);

        assertThat(cloud.writes()).isEqualTo(writes);
        assertThat(published.lastState().appliedGeneration()).isEqualTo(2);
    }

    @Test
    void shouldRefuseAndReportErrorWhenReplicasAreOutOfRange() {
        executor.execute(ensure(1, 5));
        int writes = cloud.writes();

        assertThatThrownBy(() -> executor.execute(SetCapacity.of(POOL, 2, "workers", capacity(31, 1, 30))))
                .isInstanceOfSatisfying(CommandRefusedException.class,
                        e -> assertThat(e.failure().reason()).isEqualTo(Reasons.REPLICAS_OUT_OF_RANGE));

        assertThat(cloud.writes()).isEqualTo(writes);
        assertThat(published.lastState().lastError().reason()).isEqualTo(Reasons.REPLICAS_OUT_OF_RANGE);
        assertThat(published.lastState().appliedGeneration()).isEqualTo(1);
    }

    @Test
    void shouldPublishTheGroupAsTheCloudHasItWhenAWriteFailsAfterTheCloudTookIt() {
        executor.execute(ensure(1, 5));
        Failure allocation = new Failure(Reasons.CLOUD_OPERATION_FAILED, "PATCH ended FAILED: AllocationFailed");
        cloud.failAfterNextUpdate("workers", allocation);

        assertThatThrownBy(() -> executor.execute(SetCapacity.of(POOL, 2, "workers", capacity(8, 1, 30))))
                .isInstanceOfSatisfying(CommandRefusedException.class,
                        e -> assertThat(e.failure()).isEqualTo(allocation));

        // The new capacity and its instances, not the picture from before the write: the reconciler decides
        // again from what the cloud has, and the error stays the pool's.
        assertThat(published.lastState().desired()).isEqualTo(8);
        assertThat(published.lastState().lastError()).isEqualTo(allocation);
        assertThat(published.upserts()).isEqualTo(8);
    }

    @Test
    void shouldPublishNothingWhenAWriteFailsAfterItsPartitionWentToAnotherConsumer() {
        executor.execute(ensure(1, 5));
        int states = published.states.size();
        cloud.failAfterNextUpdate("workers", new Failure(Reasons.CLOUD_OPERATION_FAILED, "PATCH ended CANCELED"));
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();

        // Ours when the write is made (the first question), no longer once it has failed (a minute later, say).
        assertThatThrownBy(() -> executor.execute(POOL, SetCapacity.of(POOL, 2, "workers", capacity(8, 1, 30)),
                () -> asked.incrementAndGet() == 1)).isInstanceOf(CommandRefusedException.class);

        assertThat(published.states).hasSize(states);
        assertThat(asked.get()).isEqualTo(2);
    }

    @Test
    void shouldReportExhaustedRetriesWithTheGroupAsDescribedNow() {
        executor.execute(ensure(1, 5));
        cloud.loseInstance("workers", cloud.peek("workers").orElseThrow().instances().get(0).providerID());

        executor.reportFailure(SetCapacity.of(POOL, 2, "workers", capacity(6, 1, 30)),
                new Failure(Reasons.RETRIES_EXHAUSTED, "CloudThrottled: Rate exceeded"));

        assertThat(published.lastState().lastError()).isEqualTo(new Failure(Reasons.RETRIES_EXHAUSTED,
                "CloudThrottled: Rate exceeded"));
        assertThat(published.tombstones()).hasSize(1);
    }

    @Test
    void shouldKeepWhatWasPublishedWhenReportingAFailureWhileTheCloudCannotBeRead() {
        executor.execute(ensure(1, 5));
        cloud.whenDescribing("workers", () -> {
            throw new RetryableCommandException("CloudThrottled", "Rate exceeded", null);
        });

        executor.reportFailure(SetCapacity.of(POOL, 2, "workers", capacity(6, 1, 30)),
                new Failure(Reasons.RETRIES_EXHAUSTED, "CloudThrottled: Rate exceeded"));

        // Not "the group is gone": an unreadable cloud must not tombstone the pool's instances.
        assertThat(published.tombstones()).isEmpty();
        assertThat(published.lastState()).extracting(s -> s.exists(), s -> s.desired(), s -> s.appliedGeneration())
                .containsExactly(true, 5, 1L);
        assertThat(published.lastState().lastError().reason()).isEqualTo(Reasons.RETRIES_EXHAUSTED);
    }

    @Test
    void shouldPublishARetryingNoticeWithoutReadingTheCloud() {
        executor.execute(ensure(1, 5));
        int calls = cloud.calls().size();

        executor.reportRetrying(SetCapacity.of(POOL, 2, "workers", capacity(6, 1, 30)),
                new Failure(Reasons.RETRYING, "retrying SetCapacity (attempt 1, next in 1s): CloudThrottled"));

        assertThat(cloud.calls()).hasSize(calls);
        assertThat(published.lastState()).extracting(s -> s.exists(), s -> s.desired(), s -> s.lastCommandId())
                .containsExactly(true, 5, ensure(1, 5).id());
        assertThat(published.lastState().lastError().reason()).isEqualTo(Reasons.RETRYING);
    }

    @Test
    void shouldNotWriteTemplateWhenEnsureIsRefused() {
        assertThatThrownBy(() -> executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c1", 1),
                capacity(0, 1, 3)))).isInstanceOf(CommandRefusedException.class);

        assertThat(cloud.writes()).isZero();
    }

    @Test
    void shouldTombstoneTerminatedInstancesAndLowerDesiredWhenInstancesAreTerminated() {
        executor.execute(ensure(1, 5));
        List<String> victims = cloud.peek("workers").orElseThrow().instances().stream().limit(2)
                .map(i -> i.providerID()).toList();

        executor.execute(TerminateInstances.of(POOL, 2, "workers", victims));

        assertThat(published.tombstones()).containsExactlyInAnyOrderElementsOf(victims);
        assertThat(published.lastState().desired()).isEqualTo(3);
    }

    @Test
    void shouldAskNothingBeyondTerminateWhenGroupHoldsEveryNamedInstance() {
        executor.execute(ensure(1, 5));
        List<String> victims = cloud.peek("workers").orElseThrow().instances().stream().limit(2)
                .map(i -> i.providerID()).toList();
        int mark = cloud.calls().size();

        executor.execute(TerminateInstances.of(POOL, 2, "workers", victims));

        assertThat(cloud.calls().subList(mark, cloud.calls().size()))
                .containsExactly("describe", "terminate", "terminate", "describe");
    }

    @Test
    void shouldEndInstancesLeftRunningOutsideGroupWhenTerminateIsCarriedOutAgain() {
        executor.execute(ensure(1, 5));
        List<String> victims = cloud.peek("workers").orElseThrow().instances().stream().limit(3)
                .map(i -> i.providerID()).toList();
        // The provider stopped between its two writes for the first two victims: detached, still running.
        cloud.detach("workers", victims.get(0));
        cloud.detach("workers", victims.get(1));

        assertThat(executor.execute(TerminateInstances.of(POOL, 2, "workers", victims)))
                .isEqualTo(CommandExecutor.Outcome.APPLIED);

        assertThat(cloud.runningOutside()).isEmpty();
        assertThat(published.lastState().desired()).isEqualTo(2);
        assertThat(published.tombstones()).containsExactlyInAnyOrderElementsOf(victims);
    }

    @Test
    void shouldOnlyReadWhenTerminatedInstancesAreAlreadyGoneEverywhere() {
        executor.execute(ensure(1, 5));
        List<String> victims = cloud.peek("workers").orElseThrow().instances().stream().limit(2)
                .map(i -> i.providerID()).toList();
        executor.execute(TerminateInstances.of(POOL, 2, "workers", victims));
        int writes = cloud.writes();

        // The same victims under another id, as after a restart that lost the command ids.
        assertThat(executor.execute(TerminateInstances.of(POOL, 3, "workers", victims)))
                .isEqualTo(CommandExecutor.Outcome.ALREADY_SATISFIED);

        assertThat(cloud.writes()).isEqualTo(writes);
        assertThat(cloud.calls()).endsWith("describe", "describeOutside");
    }

    @Test
    void shouldPutNewTemplateVersionOnGroupWhenRollingOut() {
        executor.execute(ensure(1, 2));

        executor.execute(RollOut.of(POOL, 2, "workers", template("c1", 2, "v1.34.0")));

        assertThat(published.lastState().templateVersion()).isEqualTo("2");
    }

    @Test
    void shouldMoveAndTagTheGroupWhenARollOutCarriesNewFailureDomainsAndTags() {
        executor.execute(ensure(1, 2));
        GroupTemplate moved = new GroupTemplate("c1", "v1.33.0", null, 2, new SecretRef("ns", "c1-bootstrap"),
                List.of("zone-c"), Map.of("team", "b"));

        executor.execute(RollOut.of(POOL, 2, "workers", moved));

        GroupSnapshot group = cloud.peek("workers").orElseThrow();
        assertThat(group.placement()).containsExactly("zone-c");
        assertThat(group.tags()).containsEntry("team", "b");
        assertThat(group.desired()).isEqualTo(2);
    }

    /**
     * Where the cloud cannot move the group (Azure's zones), a RollOut keeps its placement, and its template and tags
     * still go: a Kubernetes upgrade is not held up by a zone the pool asks for in vain.
     */
    @Test
    void shouldRollOutTheTemplateAndTagsButKeepThePlacementTheCloudCannotMove() {
        executor.execute(ensure(1, 2));
        cloud.placementMovable(false);
        GroupTemplate moved = new GroupTemplate("c1", "v1.34.0", null, 2, new SecretRef("ns", "c1-bootstrap"),
                List.of("zone-c"), Map.of("team", "b"));

        executor.execute(RollOut.of(POOL, 2, "workers", moved));

        GroupSnapshot group = cloud.peek("workers").orElseThrow();
        assertThat(group.placement()).containsExactly("zone-a", "zone-b");
        assertThat(group.tags()).containsEntry("team", "b");
        assertThat(published.lastState().templateVersion()).isEqualTo("2");
    }

    /**
     * A template whose placement cannot be read (a taken-over group's pool, its subnets given by filters) keeps the
     * group where it is, and rolls out its template and tags all the same.
     */
    @Test
    void shouldRollOutTheTemplateAndTagsWhenThePlacementCannotBeRead() {
        executor.execute(ensure(1, 2));
        cloud.unplaceShapes(new Failure("SubnetFiltersUnsupported", "by filters"));
        GroupTemplate retagged = new GroupTemplate("c1", "v1.34.0", null, 2, new SecretRef("ns", "c1-bootstrap"),
                List.of("zone-c"), Map.of("team", "b"));

        executor.execute(RollOut.of(POOL, 2, "workers", retagged));

        assertThat(published.lastState().templateVersion()).isEqualTo("2");
        GroupSnapshot group = cloud.peek("workers").orElseThrow();
        assertThat(group.placement()).containsExactly("zone-a", "zone-b");
        assertThat(group.tags()).containsEntry("team", "b");
    }

    /** No group is made where its placement cannot be read, nor its template: refused before any write. */
    @Test
    void shouldRefuseAnEnsureGroupWhosePlacementCannotBeReadBeforeAnyWrite() {
        cloud.unplaceShapes(new Failure("SubnetFiltersUnsupported", "by filters"));

        assertThatThrownBy(() -> executor.execute(ensure(1, 2)))
                .isInstanceOfSatisfying(CommandRefusedException.class,
                        e -> assertThat(e.failure().reason()).isEqualTo("SubnetFiltersUnsupported"));
        assertThat(cloud.writes()).isZero();
        assertThat(cloud.hasTemplate("workers")).isFalse();
    }

    @Test
    void shouldRefuseRollOutWithoutWritingWhenGroupDoesNotExist() {
        assertThatThrownBy(() -> executor.execute(RollOut.of(POOL, 2, "workers", template("c1", 2))))
                .isInstanceOfSatisfying(CommandRefusedException.class,
                        e -> assertThat(e.failure().reason()).isEqualTo(Reasons.GROUP_NOT_FOUND));
        assertThat(cloud.writes()).isZero();
    }

    @Test
    void shouldTombstoneAllInstancesAndSayGoneWhenGroupIsDeleted() {
        executor.execute(ensure(1, 3));

        assertThat(executor.execute(DeleteGroup.of(POOL, 2, "workers"))).isEqualTo(CommandExecutor.Outcome.APPLIED);

        assertThat(published.tombstones()).hasSize(3);
        assertThat(published.lastState().exists()).isFalse();
        assertThat(cloud.calls()).contains("delete", "deleteTemplate");
    }

    @Test
    void shouldMakeNoWriteWhenDeletedGroupIsDeletedAgainUnderNewId() {
        executor.execute(ensure(1, 3));
        executor.execute(DeleteGroup.of(POOL, 2, "workers"));
        int writes = cloud.writes();

        assertThat(executor.execute(DeleteGroup.of(POOL, 3, "workers")))
                .isEqualTo(CommandExecutor.Outcome.ALREADY_SATISFIED);
        assertThat(cloud.writes()).isEqualTo(writes);
    }

    // --- ownership: only the pool's own groups are written or deleted ------------------------------------------

    private static final String OWNED_BY_C1 = InMemoryScalingGroup.TAG_NAMES.clusterKey("c1");
    private static final String POOL_TAG = InMemoryScalingGroup.TAG_NAMES.poolKey();

    /** Every command a pool can send for its group "workers". */
    static Stream<Arguments> everyCommand() {
        return Stream.of(
                Arguments.of(EnsureGroup.of(POOL, 2, "workers", template("c1", 1), capacity(3, 1, 30))),
                Arguments.of(SetCapacity.of(POOL, 2, "workers", capacity(5, 1, 30))),
                Arguments.of(RollOut.of(POOL, 2, "workers", template("c1", 2, "v1.34.0"))),
                Arguments.of(TerminateInstances.of(POOL, 2, "workers", List.of("aws:///zone-a/i-1"))),
                Arguments.of(DeleteGroup.of(POOL, 2, "workers")));
    }

    private void assertRefusedUntouched(ScalingGroupCommand command, String reason) {
        Optional<GroupSnapshot> before = cloud.peek("workers");
        int upserts = published.upserts();

        assertThatThrownBy(() -> executor.execute(command)).isInstanceOfSatisfying(CommandRefusedException.class,
                e -> assertThat(e.failure().reason()).isEqualTo(reason));

        assertThat(cloud.writes()).isZero();
        assertThat(cloud.peek("workers")).isEqualTo(before);
        assertThat(published.lastState().lastError().reason()).isEqualTo(reason);
        // The group is not the pool's: neither it nor its instances are published for the pool.
        assertThat(published.lastState().exists()).isFalse();
        assertThat(published.upserts()).isEqualTo(upserts);
    }

    @Test
    void shouldCreateGroupWithPoolTagAndClusterOwnedTagWhenGroupIsNew() {
        executor.execute(ensure(1, 2));

        assertThat(cloud.peek("workers").orElseThrow().tags()).containsEntry(POOL_TAG, POOL)
                .containsEntry(OWNED_BY_C1, "owned").containsEntry("team", "a");
    }

    @ParameterizedTest
    @MethodSource("everyCommand")
    void shouldRefuseAndWriteNothingWhenGroupWasMadeByCapaWithoutPoolTag(ScalingGroupCommand command) {
        cloud.plant("workers", 3, Map.of(OWNED_BY_C1, "owned", "Name", "workers"));

        assertRefusedUntouched(command, Reasons.GROUP_NOT_OWNED);
        assertThat(cloud.hasTemplate("workers")).isTrue();
    }

    @ParameterizedTest
    @MethodSource("everyCommand")
    void shouldRefuseAndWriteNothingWhenGroupIsAnotherNamespacesPool(ScalingGroupCommand command) {
        cloud.plant("workers", 3, Map.of(OWNED_BY_C1, "owned", POOL_TAG, "other-ns/workers"));

        assertRefusedUntouched(command, Reasons.GROUP_NOT_OWNED);
    }

    @ParameterizedTest
    @MethodSource("everyCommand")
    void shouldRefuseAndWriteNothingWhenGroupCarriesNoTagsAtAll(ScalingGroupCommand command) {
        cloud.plant("workers", 3, Map.of());

        assertRefusedUntouched(command, Reasons.GROUP_NOT_OWNED);
    }

    /**
     * A group another cluster's pool of the same namespace and name made (its finalizer removed by hand, the group left
     * behind): a pool of cluster c1 of that key is refused it, whatever the command, a delete above all.
     */
    @ParameterizedTest
    @MethodSource("everyCommand")
    void shouldRefuseAndWriteNothingWhenGroupIsAnotherClustersWithThisPoolKey(ScalingGroupCommand command) {
        cloud.plant("workers", 3, Map.of(InMemoryScalingGroup.TAG_NAMES.clusterKey("c2"), "owned", POOL_TAG, POOL));

        assertRefusedUntouched(command.inCluster("c1"), Reasons.GROUP_NOT_OWNED);
        assertThat(published.lastState().lastError().message()).contains("it is owned by cluster c2");
    }

    /** A command of a reconciler from before commands named their cluster: the group's one owner is taken. */
    @Test
    void shouldTakeTheGroupsOneOwnerForACommandThatNamesNoCluster() {
        cloud.plant("workers", 3, Map.of(InMemoryScalingGroup.TAG_NAMES.clusterKey("c2"), "owned", POOL_TAG, POOL));

        executor.execute(SetCapacity.of(POOL, 2, "workers", capacity(4, 1, 30)));

        assertThat(cloud.peek("workers").orElseThrow().desired()).isEqualTo(4);
    }

    @Test
    void shouldNameGroupMissingTagAndTakeOverInTheReasonWhenRefused() {
        cloud.plant("workers", 3, Map.of(OWNED_BY_C1, "owned"));

        assertThatThrownBy(() -> executor.execute(SetCapacity.of(POOL, 2, "workers", capacity(5, 1, 30))))
                .isInstanceOf(CommandRefusedException.class);

        assertThat(published.lastState().lastError().message()).contains("group workers exists")
                .contains("it has no tag " + POOL_TAG).contains("tag it " + POOL_TAG + "=" + POOL);
    }

    @Test
    void shouldCarryOutCommandsWhenForeignGroupIsTakenOverByTaggingIt() {
        cloud.plant("workers", 3, Map.of(OWNED_BY_C1, "owned", POOL_TAG, POOL));

        assertThat(executor.execute(SetCapacity.of(POOL, 2, "workers", capacity(5, 1, 30))))
                .isEqualTo(CommandExecutor.Outcome.APPLIED);

        assertThat(cloud.peek("workers").orElseThrow().desired()).isEqualTo(5);
        assertThat(published.lastState().exists()).isTrue();
        assertThat(published.upserts()).isEqualTo(5);
    }

    @Test
    void shouldRefuseEnsureAndCreateNothingWhenAForeignTemplateHasTheGroupsName() {
        cloud.plantTemplate("workers", Map.of(OWNED_BY_C1, "owned"));

        assertThatThrownBy(() -> executor.execute(ensure(1, 3))).isInstanceOfSatisfying(
                CommandRefusedException.class, e -> assertThat(e.failure().message()).startsWith("template workers"));

        assertThat(cloud.writes()).isZero();
        assertThat(cloud.peek("workers")).isEmpty();
    }

    @Test
    void shouldLeaveForeignTemplateWhenDeletingGroupThatIsGone() {
        cloud.plantTemplate("workers", Map.of(POOL_TAG, "other-ns/workers", OWNED_BY_C1, "owned"));

        assertThatThrownBy(() -> executor.execute(DeleteGroup.of(POOL, 2, "workers")))
                .isInstanceOf(CommandRefusedException.class);

        assertThat(cloud.writes()).isZero();
        assertThat(cloud.hasTemplate("workers")).isTrue();
        assertThat(published.lastState()).extracting(s -> s.exists(), s -> s.lastError().reason())
                .containsExactly(false, Reasons.GROUP_NOT_OWNED);
    }

    @Test
    void shouldDeleteOwnTemplateLeftBehindWhenGroupIsAlreadyGone() {
        executor.execute(ensure(1, 2));
        cloud.delete("workers"); // as if the provider had stopped between deleting the group and its template

        assertThat(executor.execute(DeleteGroup.of(POOL, 2, "workers"))).isEqualTo(CommandExecutor.Outcome.APPLIED);

        assertThat(cloud.hasTemplate("workers")).isFalse();
    }

    // --- the bootstrap Secret: only from the pool's namespace --------------------------------------------------

    private static GroupTemplate withSecret(GroupTemplate template, SecretRef secret) {
        return new GroupTemplate(template.clusterName(), template.version(), template.infrastructure(),
                template.infrastructureGeneration(), secret, template.failureDomains(), template.tags());
    }

    @Test
    void shouldRefuseBeforeAnyCloudCallWhenEnsureNamesSecretOfAnotherNamespace() {
        EnsureGroup ensure = EnsureGroup.of(POOL, 1, "workers", withSecret(template("c1", 1),
                new SecretRef("other-ns", "workers-bootstrap")), capacity(3, 1, 30));

        assertThatThrownBy(() -> executor.execute(ensure)).isInstanceOfSatisfying(CommandRefusedException.class,
                e -> assertThat(e.failure().reason()).isEqualTo(Reasons.BOOTSTRAP_SECRET_OUTSIDE_NAMESPACE));

        assertThat(cloud.calls()).isEmpty();
        assertThat(published.lastState().lastError().reason()).isEqualTo(Reasons.BOOTSTRAP_SECRET_OUTSIDE_NAMESPACE);
        assertThat(published.lastState().exists()).isFalse();
    }

    // --- a command whose partition moved while it ran ------------------------------------------------------------

    @Test
    void shouldWriteNothingOnceItsPartitionHasGoneToAnotherConsumer() {
        executor.execute(ensure(1, 3));
        int writes = cloud.writes();
        int states = published.states.size();
        var commands = List.<ScalingGroupCommand>of(SetCapacity.of(POOL, 2, "workers", capacity(5, 1, 30)),
                EnsureGroup.of(POOL, 3, "workers", template("c1", 3, "v1.34.0"), capacity(3, 1, 30)),
                RollOut.of(POOL, 4, "workers", template("c1", 4, "v1.35.0")),
                TerminateInstances.of(POOL, 5, "workers", List.of(cloud.peek("workers").orElseThrow().instances()
                        .get(0).providerID())),
                DeleteGroup.of(POOL, 6, "workers"));

        for (ScalingGroupCommand command : commands) {
            // Asked at each write only: the describe before it ran, and then the partition had moved.
            assertThatThrownBy(() -> executor.execute(POOL, command, () -> false)).as(command.getClass().getSimpleName())
                    .isInstanceOf(CommandFencedException.class);
        }

        assertThat(cloud.writes()).isEqualTo(writes);
        assertThat(published.states).as("nothing published: the new owner does").hasSize(states);
        assertThat(meters.counter("poolstream.provider.commands", "kind", "SetCapacity", "outcome", "fenced")
                .count()).isEqualTo(1);
        // Not remembered as done: the new owner, or this one when the partition comes back, carries it out.
        assertThat(executor.execute(POOL, commands.get(0), () -> true)).isEqualTo(CommandExecutor.Outcome.APPLIED);
    }

    @Test
    void shouldPublishNoStateForACommandOfNoPool() {
        DeleteGroup ofNoPool = DeleteGroup.of("not-a-pool-key", 1, "workers");

        assertThatThrownBy(() -> executor.execute("not-a-pool-key", ofNoPool)).isInstanceOfSatisfying(
                CommandRefusedException.class, e -> assertThat(e.failure().reason()).isEqualTo(Reasons.INVALID_COMMAND));

        // A state keyed "not-a-pool-key" would stay on the compacted state topic, and be dead-lettered by every reader.
        assertThat(published.states).isEmpty();
        assertThat(cloud.calls()).isEmpty();
    }

    @Test
    void shouldRefuseBeforeAnyCloudCallWhenEnsureNamesTheClustersKubeconfigAsBootstrapData() {
        EnsureGroup ensure = EnsureGroup.of(POOL, 1, "workers", withSecret(template("c1", 1),
                new SecretRef(POOL.substring(0, POOL.indexOf('/')), "c1-kubeconfig")), capacity(3, 1, 30));

        assertThatThrownBy(() -> executor.execute(ensure)).isInstanceOfSatisfying(CommandRefusedException.class,
                e -> assertThat(e.failure().reason()).isEqualTo(Reasons.BOOTSTRAP_SECRET_IS_KUBECONFIG));

        // The cloud adapter, which reads the Secret, was never called.
        assertThat(cloud.calls()).isEmpty();
        assertThat(published.lastState().lastError().reason()).isEqualTo(Reasons.BOOTSTRAP_SECRET_IS_KUBECONFIG);
    }

    @Test
    void shouldRefuseBeforeAnyCloudCallAndKeepGroupStateWhenRollOutNamesSecretOfAnotherNamespace() {
        executor.execute(ensure(1, 3));
        int calls = cloud.calls().size();
        RollOut rollOut = RollOut.of(POOL, 2, "workers", withSecret(template("c1", 2, "v1.34.0"),
                new SecretRef("kube-system", "bootstrap-token")));

        assertThatThrownBy(() -> executor.execute(rollOut)).isInstanceOf(CommandRefusedException.class);

        assertThat(cloud.calls()).hasSize(calls);
        assertThat(published.lastState().lastError().reason()).isEqualTo(Reasons.BOOTSTRAP_SECRET_OUTSIDE_NAMESPACE);
        assertThat(published.lastState()).extracting(s -> s.exists(), s -> s.desired(), s -> s.templateVersion(),
                s -> s.appliedGeneration()).containsExactly(true, 3, "1", 1L);
    }

    // --- every check that needs no cloud call comes before the first one --------------------------------------

    /** Malformed commands of every kind, with the reason they are refused for. */
    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(EnsureGroup.of(POOL, 1, "workers", template("c1", 1), capacity(31, 1, 30)),
                        Reasons.REPLICAS_OUT_OF_RANGE),
                Arguments.of(EnsureGroup.of(POOL, 1, "workers", template(" ", 1), capacity(3, 1, 30)),
                        Reasons.INVALID_TEMPLATE),
                Arguments.of(SetCapacity.of(POOL, 1, "workers", capacity(3, 5, 4)), Reasons.INVALID_CAPACITY),
                Arguments.of(RollOut.of(POOL, -1, "workers", template("c1", 2)), Reasons.INVALID_COMMAND),
                Arguments.of(TerminateInstances.of(POOL, 1, "workers", List.of()), Reasons.INVALID_COMMAND));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformed")
    void shouldRefuseMalformedCommandWithoutAnyCloudCallOrTrackingThePool(ScalingGroupCommand command,
                                                                         String reason) {
        assertThatThrownBy(() -> executor.execute(command)).isInstanceOfSatisfying(CommandRefusedException.class,
                e -> assertThat(e.failure().reason()).isEqualTo(reason));

        assertThat(cloud.calls()).isEmpty();
        assertThat(published.lastState().lastError().reason()).isEqualTo(reason);
        // Not tracked: the inventory poller would describe the group it names.
        assertThat(inventory.get(command.pool())).isEmpty();
    }

    @Test
    void shouldKeepTrackedGroupAndStateWhenAMalformedCommandNamesAnotherGroup() {
        executor.execute(ensure(1, 3));
        int calls = cloud.calls().size();

        assertThatThrownBy(() -> executor.execute(SetCapacity.of(POOL, 2, "elsewhere", capacity(9, 1, 5))))
                .isInstanceOf(CommandRefusedException.class);

        assertThat(cloud.calls()).hasSize(calls);
        assertThat(inventory.get(POOL).orElseThrow().group()).isEqualTo("workers");
        assertThat(published.lastState()).extracting(s -> s.group(), s -> s.exists(), s -> s.desired(),
                s -> s.lastError().reason()).containsExactly("workers", true, 3, Reasons.REPLICAS_OUT_OF_RANGE);
    }

    @Test
    void shouldKeepThePoolsGroupAndInstancesWhenACommandNamesAGroupThatIsNotThePools() {
        executor.execute(ensure(1, 3));
        cloud.plant("elsewhere", 2, Map.of(OWNED_BY_C1, "owned", POOL_TAG, "ns/other"));

        assertThatThrownBy(() -> executor.execute(SetCapacity.of(POOL, 2, "elsewhere", capacity(5, 1, 30))))
                .isInstanceOf(CommandRefusedException.class);

        // A tombstone would say the pool's instances are gone, and the status service would delete their Nodes.
        assertThat(published.tombstones()).isEmpty();
        assertThat(inventory.get(POOL).orElseThrow().group()).isEqualTo("workers");
        assertThat(published.lastState()).extracting(s -> s.group(), s -> s.exists(), s -> s.desired(),
                s -> s.lastError().reason()).containsExactly("workers", true, 3, Reasons.GROUP_NOT_OWNED);
    }

    @Test
    void shouldKeepThePoolsGroupAndInstancesWhenACommandNamesAGroupThatDoesNotExist() {
        executor.execute(ensure(1, 3));

        assertThatThrownBy(() -> executor.execute(TerminateInstances.of(POOL, 2, "nowhere", List.of("i-1"))))
                .isInstanceOf(CommandRefusedException.class);
        assertThatThrownBy(() -> executor.execute(SetCapacity.of(POOL, 2, "nowhere", capacity(5, 1, 30))))
                .isInstanceOf(CommandRefusedException.class);
        executor.reportFailure(RollOut.of(POOL, 2, "nowhere", template("c1", 2)),
                new Failure("Test", "dead-lettered"));

        assertThat(published.tombstones()).isEmpty();
        assertThat(inventory.get(POOL).orElseThrow().group()).isEqualTo("workers");
        assertThat(published.lastState()).extracting(s -> s.group(), s -> s.exists(), s -> s.desired())
                .containsExactly("workers", true, 3);
    }

    @Test
    void shouldKeepThePoolsInstancesWhenReportingADeadLetterForItsGroupThatLostItsTags() {
        executor.execute(ensure(1, 3));
        cloud.retag("workers", Map.of(OWNED_BY_C1, "owned"));

        executor.reportFailure(SetCapacity.of(POOL, 2, "workers", capacity(5, 1, 30)),
                new Failure(Reasons.RETRIES_EXHAUSTED, "dead-lettered"));

        assertThat(published.tombstones()).isEmpty();
        assertThat(published.lastState()).extracting(s -> s.exists(), s -> s.desired(), s -> s.lastError().reason())
                .containsExactly(true, 3, Reasons.RETRIES_EXHAUSTED);
    }

    @Test
    void shouldTombstoneThePoolsInstancesWhenItsOwnGroupIsGone() {
        executor.execute(ensure(1, 3));
        cloud.delete("workers");

        assertThatThrownBy(() -> executor.execute(SetCapacity.of(POOL, 2, "workers", capacity(5, 1, 30))))
                .isInstanceOf(CommandRefusedException.class);

        assertThat(published.tombstones()).hasSize(3);
        assertThat(published.lastState().exists()).isFalse();
    }

    @Test
    void shouldRefuseCommandKeyedAsAnotherPoolWithoutCloudCallAndPublishNothing() {
        assertThatThrownBy(() -> executor.execute("other-ns/workers", ensure(1, 3)))
                .isInstanceOfSatisfying(CommandRefusedException.class,
                        e -> assertThat(e.failure().reason()).isEqualTo(Reasons.KEY_MISMATCH));

        assertThat(cloud.calls()).isEmpty();
        assertThat(published.states).isEmpty();
        assertThat(inventory.get(POOL)).isEmpty();
    }

    @Test
    void shouldRefuseInstanceTheCloudsRulesSayIsNotTheGroupsBeforeAnyCloudCall() {
        executor.execute(ensure(1, 3));
        int calls = cloud.calls().size();
        cloud.rules(new dev.poolstream.provider.domain.CommandRules() {
            @Override
            public Optional<String> instanceProblem(String group, String providerID) {
                return providerID.startsWith("aws:///") ? Optional.empty() : Optional.of("not an AWS provider ID");
            }
        });

        assertThatThrownBy(() -> executor.execute(TerminateInstances.of(POOL, 2, "workers",
                List.of("azure:///subscriptions/s/x")))).isInstanceOfSatisfying(CommandRefusedException.class,
                e -> assertThat(e.failure().message()).contains("not an AWS provider ID"));

        assertThat(cloud.calls()).hasSize(calls);
        assertThat(cloud.peek("workers").orElseThrow().desired()).isEqualTo(3);
    }
}
