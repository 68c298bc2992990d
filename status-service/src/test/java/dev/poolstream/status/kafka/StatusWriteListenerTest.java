package dev.poolstream.status.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.status.domain.StatusPosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.FixedBackOff;

/** The status write listener's hand-over, without a broker: the test thread plays the consumer thread. */
class StatusWriteListenerTest {

    private static final String TOPIC = "machinepool.status.v1";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void shouldForgetTheObjectsSeenOnlyAfterTheWriteInFlightOfAPartitionThatGoesIsDone() throws Exception {
        List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger attempts = new AtomicInteger();
        Lanes writer = new Lanes(timeline) {
            @Override
            public void writePool(PoolStatus status, StatusPosition computedAt) {
                if (attempts.incrementAndGet() == 1) {
                    throw new IllegalStateException("the API server answered 500");
                }
                timeline.add("write begins");
                running.countDown();
                waitFor(release);
                timeline.add("write ends"); // it kept the copies it read or wrote
            }

            @Override
            public void writeInstances(PoolStatus status, StatusPosition computedAt) {
            }

            @Override
            public void tellRetrying(String pool, String note) {
            }
        };
        StatusWriteListener listener = listener(writer);
        MockConsumer<String, Object> consumer = assigned(listener);
        listener.onStatuses(List.of(record(0, status("team-a/demo"))), consumer);
        assertThat(running.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the retry in flight").isTrue();

        Thread losing = new Thread(() -> listener.onPartitionsLost(consumer, List.of(P0)));
        losing.start();
        await().atMost(WAIT).until(() -> losing.getState() == Thread.State.TIMED_WAITING
                || losing.getState() == Thread.State.TERMINATED);
        assertThat(copy(timeline)).as("while the write runs").containsExactly("write begins");

        release.countDown();
        losing.join(WAIT.toMillis());
        assertThat(losing.isAlive()).isFalse();
        assertThat(copy(timeline)).containsExactly("write begins", "write ends", "objects forgotten");
        listener.close();
    }

    @Test
    void shouldWriteAPoolsStatusWhileAnotherPoolsInstancesAreStillWrittenAndCommitOnlyWhatBothLanesDid()
            throws Exception {
        List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch release = new CountDownLatch(1);
        Lanes writer = new Lanes(timeline) {
            @Override
            public void writeInstances(PoolStatus status, StatusPosition computedAt) {
                timeline.add("instances of " + status.pool() + " on " + Thread.currentThread().getName());
                if (status.pool().equals("team-a/one")) {
                    waitFor(release);
                }
            }
        };
        StatusWriteListener listener = listener(writer);
        MockConsumer<String, Object> consumer = assigned(listener);

        listener.onStatuses(List.of(record(0, status("team-a/one"))), consumer);
        await().atMost(WAIT).until(() -> timeline.contains("instances of team-a/one on status-writer-instances-retries"));
        listener.onStatuses(List.of(record(1, status("team-a/two"))), consumer);

        // The second pool's status was written on the consumer thread while the first pool's instances still were.
        assertThat(copy(timeline)).startsWith("pool team-a/one on " + Thread.currentThread().getName(),
                "instances of team-a/one on status-writer-instances-retries",
                "pool team-a/two on " + Thread.currentThread().getName());
        assertThat(committed(consumer)).as("the first pool's instances not written yet").isEqualTo(0);

        release.countDown();
        await().atMost(WAIT).until(() -> timeline.contains(
                "instances of team-a/two on status-writer-instances-retries"));
        awaitCommitted(listener, consumer, 2);
        listener.close();
    }

    @Test
    void shouldNeitherWriteNorLetGoOfAPartitionThatAnotherConsumerHereHasSince() {
        List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        StatusWriteListener listener = listener(new Lanes(timeline));
        // Consumer a stayed in its batch past max.poll.interval.ms: the partition went to consumer b of this pod.
        MockConsumer<String, Object> a = assigned(listener);
        MockConsumer<String, Object> b = assigned(listener);

        // a ends its old batch, then hears at its next poll that it lost the partition; b goes on with it.
        listener.onStatuses(List.of(record(4, status("team-a/old"))), a);
        listener.onPartitionsLost(a, List.of(P0));
        listener.onStatuses(List.of(record(5, status("team-a/one"))), b);

        await().atMost(WAIT).until(() -> timeline.contains("instances of team-a/one"));
        assertThat(copy(timeline)).containsExactly("pool team-a/one on " + Thread.currentThread().getName(),
                "instances of team-a/one");
        awaitCommitted(listener, b, 6);
        assertThat(committed(a)).as("nothing of b's committed by a").isEqualTo(-1);
        listener.close();
    }

    @Test
    void shouldStopABatchWhosePartitionAnotherConsumerHereWasGivenAndLetThatOneStartOnlyOnceItsWriteIsDone()
            throws Exception {
        List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch inWrite = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Lanes writer = new Lanes(timeline) {
            @Override
            public void writePool(PoolStatus status, StatusPosition computedAt) {
                super.writePool(status, computedAt);
                if (status.pool().equals("team-a/old")) {
                    inWrite.countDown();
                    waitFor(release);
                    timeline.add("old written");
                }
            }
        };
        StatusWriteListener listener = listener(writer);
        MockConsumer<String, Object> a = assigned(listener);
        // Consumer a is in its batch, writing its first status, past max.poll.interval.ms...
        Thread consumerA = new Thread(() -> listener.onStatuses(List.of(record(4, status("team-a/old")),
                record(5, status("team-b/one"))), a), "consumer-a");
        consumerA.start();
        assertThat(inWrite.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        // ...when the partition goes to consumer b of this pod.
        Thread consumerB = new Thread(() -> {
            assigned(listener);
            timeline.add("b assigned");
        }, "consumer-b");
        consumerB.start();
        await().atMost(WAIT).until(() -> consumerB.getState() == Thread.State.TIMED_WAITING);

        release.countDown();
        consumerA.join(WAIT.toMillis());
        consumerB.join(WAIT.toMillis());

        assertThat(copy(timeline)).as("a's batch stopped at the partition's hand-over")
                .doesNotContain("pool team-b/one on consumer-a");
        assertThat(copy(timeline)).as("b's assignment waited for a's write in flight")
                .containsSubsequence("pool team-a/old on consumer-a", "old written", "b assigned");
        listener.close();
    }

    @Test
    void shouldCommitNothingOfAPartitionThatAnotherConsumerHereHasWhenItHearsOfItsLoss() {
        List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch release = new CountDownLatch(1);
        Lanes writer = new Lanes(timeline) {
            @Override
            public void writeInstances(PoolStatus status, StatusPosition computedAt) {
                super.writeInstances(status, computedAt);
                if (status.pool().equals("team-a/two")) {
                    waitFor(release);
                }
            }
        };
        StatusWriteListener listener = listener(writer);
        MockConsumer<String, Object> a = assigned(listener);
        MockConsumer<String, Object> b = assigned(listener);
        listener.onStatuses(List.of(record(5, status("team-a/one")), record(6, status("team-a/two"))), b);
        // On the one instances thread, two's write began: one's is done, and b committed before it was.
        await().atMost(WAIT).until(() -> timeline.contains("instances of team-a/two"));

        // Spring Kafka tells a consumer that lost its partitions of the loss, then of a revoke, which commits first.
        listener.onPartitionsLost(a, List.of(P0));
        listener.onPartitionsRevokedBeforeCommit(a, List.of(P0));
        release.countDown();

        assertThat(committed(a)).as("a commits nothing of b's partition").isEqualTo(-1);
        awaitCommitted(listener, b, 7);
        listener.close();
    }

    @Test
    void shouldWriteAPoolsStatusThatAMalformedRecordUnderItsKeyCameAfter() {
        List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        List<Long> deadLettered = Collections.synchronizedList(new ArrayList<>());
        StatusWriteListener listener = new StatusWriteListener(new Lanes(timeline),
                (record, e) -> deadLettered.add(record.offset()), new FixedBackOff(10, 100), Clock.systemUTC(),
                new SimpleMeterRegistry(), 1);
        MockConsumer<String, Object> consumer = assigned(listener);

        listener.onStatuses(List.of(record(0, status("team-a/one")),
                new ConsumerRecord<>(TOPIC, 0, 1, "team-a/one", status("team-a/two"))), consumer);

        await().atMost(WAIT).until(() -> timeline.contains("instances of team-a/one"));
        assertThat(copy(timeline)).containsExactly("pool team-a/one on " + Thread.currentThread().getName(),
                "instances of team-a/one");
        await().atMost(WAIT).untilAsserted(() -> assertThat(deadLettered).containsExactly(1L));
        listener.close();
    }

    @Test
    void shouldRetryAPoolsInstancesAloneAndCountThePoolAsRetrying() {
        List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger attempts = new AtomicInteger();
        Lanes writer = new Lanes(timeline) {
            @Override
            public void writeInstances(PoolStatus status, StatusPosition computedAt) {
                if (attempts.incrementAndGet() <= 3) {
                    throw new IllegalStateException("workload cluster team-a/c: 503");
                }
                timeline.add("instances of " + status.pool());
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StatusWriteListener listener = new StatusWriteListener(writer, (record, e) -> { },
                new FixedBackOff(200, FixedBackOff.UNLIMITED_ATTEMPTS), Clock.systemUTC(), registry, 1);
        MockConsumer<String, Object> consumer = assigned(listener);

        listener.onStatuses(List.of(record(0, status("team-a/one"))), consumer);

        await().atMost(WAIT).until(() -> listener.retryingPools() == 1);
        assertThat(registry.get("poolstream.status.write.retrying").gauge().value()).isEqualTo(1.0);
        String consumerThread = Thread.currentThread().getName();
        // Told once the attempt is queued again (right after it counts as retrying).
        await().atMost(WAIT).untilAsserted(() -> assertThat(copy(timeline)).startsWith(
                "pool team-a/one on " + consumerThread,
                "told team-a/one: Writing the objects of the pool's instances failed and is tried again with backoff:"
                        + " workload cluster team-a/c: 503"));
        await().atMost(WAIT).until(() -> timeline.contains("instances of team-a/one"));
        assertThat(copy(timeline)).as("told once").filteredOn(t -> t.startsWith("told")).hasSize(1);
        await().atMost(WAIT).until(() -> listener.retryingPools() == 0);
        assertThat(copy(timeline)).as("the pool's status written once").filteredOn(t -> t.startsWith("pool")).hasSize(1);
        awaitCommitted(listener, consumer, 1);
        listener.close();
    }

    @Test
    void shouldTellEachLaneWhereItsStatusStandsInItsPartitionAndWhen() throws Exception {
        // The place orders a pool's statuses whichever replica computed them; the time is that replica's clock.
        List<String> told = Collections.synchronizedList(new ArrayList<>());
        Lanes writer = new Lanes(new ArrayList<>()) {
            @Override
            public void writePool(PoolStatus status, StatusPosition computedAt) {
                told.add("pool " + status.pool() + " " + computedAt);
            }

            @Override
            public void writeInstances(PoolStatus status, StatusPosition computedAt) {
                told.add("instances " + status.pool() + " " + computedAt);
            }

            @Override
            public void forgetInstances(String pool, StatusPosition at) {
                told.add("forget instances " + pool + " " + at);
            }
        };
        StatusWriteListener listener = listener(writer);
        MockConsumer<String, Object> consumer = assigned(listener);
        Instant computed = Instant.parse("2026-12-05T07:00:00.123Z");

        listener.onStatuses(List.of(timed(record(41, status("team-a/one").withLook(17)), computed),
                timed(new ConsumerRecord<>(TOPIC, 0, 42, "team-a/two", null), computed.plusMillis(5))), consumer);

        await().atMost(WAIT).until(() -> told.size() == 3);
        assertThat(copy(told)).containsExactlyInAnyOrder(
                "pool team-a/one " + new StatusPosition(computed, "machinepool.status.v1-0", 41, 17),
                "instances team-a/one " + new StatusPosition(computed, "machinepool.status.v1-0", 41, 17),
                "forget instances team-a/two "
                        + new StatusPosition(computed.plusMillis(5), "machinepool.status.v1-0", 42));
        listener.close();
    }

    @Test
    void shouldRetryAnotherPoolsStatusWhileOnePoolsRetryStillRuns() throws Exception {
        // The pool lane's retries once ran on one thread: a retry waiting on a slow API server held every other
        // pool's retry back.
        CountDownLatch slowRetryRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> written = Collections.synchronizedList(new ArrayList<>());
        java.util.Map<String, AtomicInteger> attempts = new java.util.concurrent.ConcurrentHashMap<>();
        Lanes writer = new Lanes(Collections.synchronizedList(new ArrayList<>())) {
            @Override
            public void writePool(PoolStatus status, StatusPosition computedAt) {
                if (attempts.computeIfAbsent(status.pool(), p -> new AtomicInteger()).incrementAndGet() == 1) {
                    throw new IllegalStateException("the API server answered 500");
                }
                if (status.pool().equals("team-a/slow")) {
                    slowRetryRunning.countDown();
                    waitFor(release);
                }
                written.add(status.pool());
            }
        };
        StatusWriteListener listener = new StatusWriteListener(writer, (record, e) -> { },
                new FixedBackOff(10, FixedBackOff.UNLIMITED_ATTEMPTS), Clock.systemUTC(), new SimpleMeterRegistry(), 2);
        MockConsumer<String, Object> consumer = assigned(listener);
        listener.onStatuses(List.of(record(0, status("team-a/slow"))), consumer);
        assertThat(slowRetryRunning.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("its retry runs").isTrue();

        listener.onStatuses(List.of(record(1, status("team-a/other"))), consumer);

        await().atMost(WAIT).until(() -> written.contains("team-a/other"));
        assertThat(written).as("while the slow pool's retry still runs").containsExactly("team-a/other");
        release.countDown();
        await().atMost(WAIT).until(() -> written.contains("team-a/slow"));
        awaitCommitted(listener, consumer, 2);
        listener.close();
    }

    @Test
    void shouldWaitForTheInstancesWriteInFlightOfAPartitionThatGoes() throws Exception {
        List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Lanes writer = new Lanes(timeline) {
            @Override
            public void writeInstances(PoolStatus status, StatusPosition computedAt) {
                timeline.add("instances begin");
                running.countDown();
                waitFor(release);
                timeline.add("instances end");
            }
        };
        StatusWriteListener listener = listener(writer);
        MockConsumer<String, Object> consumer = assigned(listener);
        listener.onStatuses(List.of(record(0, status("team-a/one"))), consumer);
        assertThat(running.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        Thread revoking = new Thread(() -> listener.onPartitionsRevokedBeforeCommit(consumer, List.of(P0)));
        revoking.start();
        await().atMost(WAIT).until(() -> revoking.getState() == Thread.State.TIMED_WAITING
                || revoking.getState() == Thread.State.TERMINATED);
        assertThat(copy(timeline)).as("while the instances are written").endsWith("instances begin");
        assertThat(committed(consumer)).as("committed before it went: the instances not done").isEqualTo(0);

        release.countDown();
        revoking.join(WAIT.toMillis());
        assertThat(revoking.isAlive()).isFalse();
        assertThat(copy(timeline)).endsWith("instances begin", "instances end", "objects forgotten");
        listener.close();
    }

    /** A writer that notes what it does, each lane and the thread it ran on. */
    private static class Lanes implements StatusWriteListener.Writer {
        final List<String> timeline;

        Lanes(List<String> timeline) {
            this.timeline = timeline;
        }

        @Override
        public void writePool(PoolStatus status, StatusPosition computedAt) {
            timeline.add("pool " + status.pool() + " on " + Thread.currentThread().getName());
        }

        @Override
        public void writeInstances(PoolStatus status, StatusPosition computedAt) {
            timeline.add("instances of " + status.pool());
        }

        @Override
        public void forgetPool(String pool) {
        }

        @Override
        public void forgetInstances(String pool, StatusPosition at) {
        }

        @Override
        public void tellRetrying(String pool, String note) {
            timeline.add("told " + pool + ": " + note);
        }

        @Override
        public void forgetSeenObjects() {
            timeline.add("objects forgotten");
        }
    }

    /** A listener with one thread per lane, a quick backoff and no dead letters to tell. */
    private static StatusWriteListener listener(Lanes writer) {
        return new StatusWriteListener(writer, (record, e) -> { }, new FixedBackOff(10, 100), Clock.systemUTC(),
                new SimpleMeterRegistry(), 1);
    }

    /** Until the consumer, committing when idle, has committed up to the offset. */
    private static void awaitCommitted(StatusWriteListener listener, MockConsumer<String, Object> consumer,
                                       long offset) {
        await().atMost(WAIT).untilAsserted(() -> {
            listener.onApplicationEvent(idle(consumer));
            assertThat(committed(consumer)).isEqualTo(offset);
        });
    }

    private static MockConsumer<String, Object> assigned(StatusWriteListener listener) {
        MockConsumer<String, Object> consumer = new MockConsumer<>("earliest");
        consumer.assign(List.of(P0));
        listener.onPartitionsAssigned(consumer, List.of(P0));
        return consumer;
    }

    private static PoolStatus status(String pool) {
        return new PoolStatus(pool, 1, null, null, null, null, List.of(), false, List.of(), List.of());
    }

    private static ConsumerRecord<String, Keyed> record(long offset, PoolStatus status) {
        return new ConsumerRecord<>(TOPIC, 0, offset, status.pool(), status);
    }

    /** The record as the broker gives it: with the time its producer stamped. */
    private static ConsumerRecord<String, Keyed> timed(ConsumerRecord<String, Keyed> record, Instant at) {
        return new ConsumerRecord<>(record.topic(), record.partition(), record.offset(), at.toEpochMilli(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, -1, -1, record.key(), record.value(),
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    }

    /** The offset committed of partition 0, -1 for none. */
    private static long committed(MockConsumer<String, Object> consumer) {
        var offset = consumer.committed(java.util.Set.of(P0)).get(P0);
        return offset == null ? -1 : offset.offset();
    }

    private static org.springframework.kafka.event.ListenerContainerIdleEvent idle(
            MockConsumer<String, Object> consumer) {
        return new org.springframework.kafka.event.ListenerContainerIdleEvent(new Object(), new Object(), 1000,
                StatusWriteListener.ID, List.of(P0), consumer, false);
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            assertThat(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("released").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What the list holds now: a lane thread can still add to it while an assertion iterates (a later step of a pool
     * the test does not look at), which threw ConcurrentModificationException.
     */
    private static List<String> copy(List<String> synchronizedList) {
        synchronized (synchronizedList) {
            return List.copyOf(synchronizedList);
        }
    }
}
