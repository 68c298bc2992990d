package dev.poolstream.provider.engine;

import static dev.poolstream.provider.testing.Commands.capacity;
import static dev.poolstream.provider.testing.Commands.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.domain.RecentIds;
import dev.poolstream.provider.testing.InMemoryScalingGroup;
import dev.poolstream.provider.testing.RecordingPublication;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandExecutorTest {

    private static final String POOL = "ns/workers";

    private final InMemoryScalingGroup cloud = new InMemoryScalingGroup();
    private final RecordingPublication published = new RecordingPublication();
    private final Inventory inventory = new Inventory();
    private final CommandExecutor executor = new CommandExecutor(cloud, inventory, new RecentIds(100),
            new PoolLocks(), published, new SimpleMeterRegistry(), Clock.systemUTC());

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
}
