package dev.poolstream.provider.engine;

import static dev.poolstream.provider.testing.Commands.capacity;
import static dev.poolstream.provider.testing.Commands.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.domain.Backoff;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.PollSchedule;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.domain.RecentIds;
import dev.poolstream.provider.testing.InMemoryScalingGroup;
import dev.poolstream.provider.testing.RecordingPublication;
import dev.poolstream.testing.MovableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InventoryPollerTest {

    private static final String POOL = "ns/workers";

    private final MovableClock clock = MovableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    private final Inventory inventory = new Inventory();
    private final PoolLocks locks = new PoolLocks();
    private final RecordingPublication published = new RecordingPublication();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final PollSchedule schedule = new PollSchedule(Duration.ofSeconds(2), Duration.ofSeconds(60),
            Duration.ofSeconds(10));

    /** A cloud whose describe can be made to fail. */
    private static final class FlakyCloud extends InMemoryScalingGroup {
        boolean failing;
        /** A class the SDK loads lazily is missing: an Error, not an exception. */
        final java.util.concurrent.atomic.AtomicBoolean linkageErrorOnce = new java.util.concurrent.atomic.AtomicBoolean();

        @Override
        public synchronized Optional<GroupSnapshot> describe(String group) {
            if (linkageErrorOnce.getAndSet(false)) {
                throw new NoClassDefFoundError("software/amazon/awssdk/Missing");
            }
            if (failing) {
                throw new IllegalStateException("cloud down");
            }
            return super.describe(group);
        }
    }

    private final FlakyCloud cloud = new FlakyCloud();
    private final CommandExecutor executor = new CommandExecutor(cloud, inventory, new RecentIds(10), locks, published,
            meters, clock);
    private final InventoryPoller poller = new InventoryPoller(cloud, inventory, locks, published, schedule,
            new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)), Duration.ofMillis(100), meters, clock);

    @Test
    void shouldTombstoneInstanceThatVanishedWhenPolled() {
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        String lost = cloud.peek("workers").orElseThrow().instances().get(1).providerID();
        cloud.loseInstance("workers", lost);

        poller.pollDue();

        assertThat(published.tombstones()).containsExactly(lost);
    }

    @Test
    void shouldPublishNothingOfAPoolLetGoWhileItWasDescribed() {
        // The pool's partition went to another consumer during a slow describe (SDK retries take up to a minute):
        // that one has read the topics back already, and what this one saw is no longer its to publish.
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        cloud.loseInstance("workers", cloud.peek("workers").orElseThrow().instances().get(1).providerID());
        int publications = published.diffs.size();
        cloud.whenDescribing("workers", () -> inventory.forget(POOL));

        poller.pollDue();

        assertThat(published.diffs).hasSize(publications);
        assertThat(published.tombstones()).isEmpty();
    }

    @Test
    void shouldNeitherDescribeNorPublishAPoolWhosePartitionsLeaseLapsedUntilItIsHeldAgain() {
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
        InventoryPoller leased = new InventoryPoller(cloud, inventory, locks, published, schedule,
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)), Duration.ofMillis(100), meters, clock,
                pool -> held.get());
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        String lost = cloud.peek("workers").orElseThrow().instances().get(1).providerID();
        cloud.loseInstance("workers", lost);
        int describes = cloud.reads();
        held.set(false); // the consumer of the pool's partition has not polled in time: it may be another's now

        leased.pollDue();

        assertThat(cloud.reads()).isEqualTo(describes);
        assertThat(published.tombstones()).isEmpty();
        assertThat(inventory.get(POOL).orElseThrow().nextPollAt()).isEqualTo(clock.instant().plusMillis(100));
        assertThat(meters.counter("poolstream.provider.polls", "outcome", "lease_lapsed").count()).isEqualTo(1);

        // Lapsed during the describe: what it saw is dropped.
        held.set(true);
        clock.advance(Duration.ofMillis(100));
        cloud.whenDescribing("workers", () -> held.set(false));
        leased.pollDue();
        assertThat(cloud.reads()).isGreaterThan(describes);
        assertThat(published.tombstones()).isEmpty();

        // Held again (the consumer polled and kept it): published as usual.
        cloud.describeNormally("workers");
        held.set(true);
        clock.advance(Duration.ofMillis(100));
        leased.pollDue();
        assertThat(published.tombstones()).containsExactly(lost);
    }

    @Test
    void shouldPublishNothingWhenNothingChanged() {
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        int publications = published.diffs.size();

        poller.pollDue();

        assertThat(published.diffs).hasSize(publications);
    }

    @Test
    void shouldPollFastAfterCommandThenSlowAtRest() {
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        poller.pollDue();
        assertThat(inventory.get(POOL).orElseThrow().nextPollAt()).isEqualTo(clock.instant().plusSeconds(2));

        clock.advance(Duration.ofSeconds(11));
        poller.pollDue();

        assertThat(inventory.get(POOL).orElseThrow().nextPollAt()).isEqualTo(clock.instant().plusSeconds(60));
        int describes = cloud.reads();
        clock.advance(Duration.ofSeconds(30));
        poller.pollDue();
        assertThat(cloud.reads()).isEqualTo(describes);
    }

    @Test
    void shouldBackOffWhenDescribeFails() {
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        cloud.failing = true;

        poller.pollDue();
        Instant first = inventory.get(POOL).orElseThrow().nextPollAt();
        clock.advance(Duration.ofSeconds(1));
        poller.pollDue();
        clock.advance(Duration.ofSeconds(2));
        poller.pollDue();

        assertThat(inventory.get(POOL).orElseThrow().pollFailures()).isGreaterThanOrEqualTo(2);
        assertThat(first).isBetween(clock.instant().minusSeconds(3).plusMillis(500), clock.instant().minusSeconds(2));
        assertThat(meters.counter("poolstream.provider.polls", "outcome", "failed").count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldSayTheGroupCannotBeDescribedAfterThreeFailuresInARowAndClearItOnceItCan() {
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        int publications = published.states.size();
        cloud.failing = true;

        for (int i = 1; i < InventoryPoller.FAILURES_SHOWN_AFTER; i++) {
            clock.advance(Duration.ofMinutes(1));
            poller.pollDue();
        }
        assertThat(published.states).as("a blip says nothing").hasSize(publications);
        clock.advance(Duration.ofMinutes(1));
        poller.pollDue();

        // Once, with the instances kept: the pool's InfrastructureReady goes False with this reason.
        assertThat(published.states).hasSize(publications + 1);
        assertThat(published.lastState().lastError().reason()).isEqualTo(Reasons.DESCRIBE_FAILED);
        assertThat(published.lastState().lastError().message()).contains("group workers").contains("cloud down");
        assertThat(published.tombstones()).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        poller.pollDue();
        assertThat(published.states).hasSize(publications + 1);

        cloud.failing = false;
        clock.advance(Duration.ofMinutes(1));
        poller.pollDue();

        assertThat(published.lastState().lastError()).isNull();
        assertThat(published.lastState().exists()).isTrue();
    }

    @Test
    void shouldKeepACommandsErrorRatherThanSayTheGroupCannotBeDescribed() {
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        var refused = new dev.poolstream.events.Failure(Reasons.CLOUD_REJECTED, "AccessDenied");
        executor.reportFailure(EnsureGroup.of(POOL, 2, "workers", template("c", 2), capacity(3, 1, 5)), refused);
        cloud.failing = true;

        for (int i = 0; i < InventoryPoller.FAILURES_SHOWN_AFTER + 1; i++) {
            clock.advance(Duration.ofMinutes(1));
            poller.pollDue();
        }

        assertThat(published.lastState().lastError()).isEqualTo(refused);
    }

    @Test
    void shouldGoOnPollingAfterARoundThatThrewAnError() {
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        int reads = cloud.reads();
        cloud.linkageErrorOnce.set(true);

        poller.start();
        try {
            // One describe failed with the Error; the rounds after it go on (they once all stopped, silently).
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> !cloud.linkageErrorOnce.get() && cloud.reads() > reads);
        } finally {
            poller.stop();
        }
    }

    @Test
    void shouldForgetPoolWhenGroupIsGoneAndSettled() {
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(1, 1, 5)));
        executor.execute(DeleteGroup.of(POOL, 2, "workers"));
        poller.pollDue();
        assertThat(inventory.get(POOL)).isPresent();

        clock.advance(Duration.ofSeconds(11));
        poller.pollDue();

        assertThat(inventory.get(POOL)).isEmpty();
    }

    @Test
    void shouldPublishNoInstanceWhenPolledGroupIsNotThePools() {
        cloud.plant("workers", 3, java.util.Map.of(InMemoryScalingGroup.TAG_NAMES.clusterKey("c"), "owned"));
        inventory.track(POOL, "workers");

        poller.pollDue();

        assertThat(published.upserts()).isZero();
        assertThat(published.states).allSatisfy(s -> assertThat(s.exists()).isFalse());
    }

    @Test
    void shouldKeepInstancesAndSayWhyWhenOwnGroupLosesItsPoolTag() {
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        assertThat(published.upserts()).isEqualTo(3);
        // Someone retags the group for another pool: it is no longer this pool's, but its instances still run. A
        // tombstone would say they are gone, and the status service would then delete their Nodes, undrained.
        cloud.retag("workers", java.util.Map.of(InMemoryScalingGroup.TAG_NAMES.clusterKey("c"), "owned",
                InMemoryScalingGroup.TAG_NAMES.poolKey(), "ns/someone-else"));
        clock.advance(Duration.ofMinutes(2));

        poller.pollDue();
        poller.pollDue();
        clock.advance(Duration.ofMinutes(2));
        poller.pollDue();

        assertThat(published.tombstones()).isEmpty();
        assertThat(published.upserts()).isEqualTo(3);
        assertThat(published.lastState().exists()).isTrue();
        assertThat(published.lastState().lastError().reason()).isEqualTo(Reasons.GROUP_NOT_OWNED);
        assertThat(published.lastState().lastError().message()).contains("ns/someone-else");
        // Said once, not at every poll.
        assertThat(published.states.stream().filter(s -> s.lastError() != null)).hasSize(1);
        assertThat(inventory.get(POOL)).isPresent();
    }

    @Test
    void shouldKeepACommandsRefusalForAForeignTemplateWhenItsGroupIsPolledAbsent() {
        cloud.plantTemplate("workers", java.util.Map.of(InMemoryScalingGroup.TAG_NAMES.poolKey(), "ns/other"));
        assertThatThrownBy(() -> executor.execute(DeleteGroup.of(POOL, 2, "workers")))
                .as("the template is another pool's").isInstanceOf(CommandRefusedException.class);
        clock.advance(Duration.ofMinutes(2));

        poller.pollDue();

        assertThat(published.lastState().lastError().reason()).isEqualTo(Reasons.GROUP_NOT_OWNED);
    }

    @Test
    void shouldPublishItsInstancesAgainWhenTheGroupIsTaggedBackAsThePools() {
        executor.execute(EnsureGroup.of(POOL, 1, "workers", template("c", 1), capacity(3, 1, 5)));
        java.util.Map<String, String> own = cloud.peek("workers").orElseThrow().tags();
        cloud.retag("workers", java.util.Map.of());
        clock.advance(Duration.ofMinutes(2));
        poller.pollDue();
        cloud.retag("workers", own);
        clock.advance(Duration.ofMinutes(2));

        poller.pollDue();

        assertThat(published.tombstones()).isEmpty();
        assertThat(published.lastState().exists()).isTrue();
        assertThat(published.lastState().lastError()).isNull();
    }
}
