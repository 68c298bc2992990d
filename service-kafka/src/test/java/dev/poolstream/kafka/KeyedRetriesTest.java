package dev.poolstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.FixedBackOff;

class KeyedRetriesTest {

    private static final TopicPartition P0 = new TopicPartition("commands", 0);
    /** The partitions of the tests, all owned by the one consumer committing. */
    private static final List<TopicPartition> OWNED = List.of(P0, new TopicPartition("commands", 1));

    /** Keys whose work fails while they are in here. */
    private final Set<String> broken = ConcurrentHashMap.newKeySet();
    /** Keys whose next run throws an Error, once (a class missing at run time, a stack too deep). */
    private final Set<String> erring = ConcurrentHashMap.newKeySet();
    /** "key=value" of every successful run, in order. */
    private final List<String> done = Collections.synchronizedList(new ArrayList<>());
    private final List<String> heard = Collections.synchronizedList(new ArrayList<>());
    private KeyedRetries<String> retries;

    /** Runs of the work, "value on thread". */
    private final List<String> threads = Collections.synchronizedList(new ArrayList<>());
    /** Keys (or values) whose work waits on this latch before it runs. */
    private final Map<String, CountDownLatch> held = new ConcurrentHashMap<>();

    private KeyedRetries<String> retries(KeyedRetries.Order order, FixedBackOff backOff) {
        return retries(order, KeyedRetries.FirstAttempt.ON_SUBMITTER, 1, backOff);
    }

    private KeyedRetries<String> retries(KeyedRetries.Order order, KeyedRetries.FirstAttempt firstAttempt,
                                         FixedBackOff backOff) {
        return retries(order, firstAttempt, 1, backOff);
    }

    private KeyedRetries<String> retries(KeyedRetries.Order order, KeyedRetries.FirstAttempt firstAttempt,
                                         int threadCount, FixedBackOff backOff) {
        retries = new KeyedRetries<>("test", order, firstAttempt, threadCount, (key, value) -> {
            threads.add(value + " on " + Thread.currentThread().getName());
            CountDownLatch hold = held.containsKey(key) ? held.get(key) : held.get(value);
            if (hold != null) {
                assertThat(hold.await(5, TimeUnit.SECONDS)).as("released").isTrue();
            }
            if (erring.remove(key) || value.startsWith("erring")) {
                throw new NoClassDefFoundError("com/example/Missing");
            }
            if (broken.contains(key) || broken.contains(value)) {
                throw new IllegalStateException(key + " is broken");
            }
            if (value.startsWith("refused")) {
                throw new IllegalArgumentException("refused " + key);
            }
            done.add(key + "=" + value);
        }, backOff, e -> !(e instanceof IllegalArgumentException), new KeyedRetries.Outcomes<>() {
            @Override
            public void retrying(ConsumerRecord<String, ?> record, String value, int failedAttempts, Duration next,
                                 Exception e) {
                heard.add("retrying " + value + " after " + failedAttempts + ": " + e.getMessage());
            }

            @Override
            public void recovered(ConsumerRecord<String, ?> record, String value, int failedAttempts) {
                heard.add("recovered " + value + " after " + failedAttempts);
            }

            @Override
            public void gaveUp(ConsumerRecord<String, ?> record, String value, Exception e) {
                heard.add("gave up " + value + " at " + record.offset() + ": " + e.getMessage());
            }
        });
        return retries;
    }

    @AfterEach
    void close() {
        retries.close();
    }

    private static ConsumerRecord<String, String> record(long offset, String key, String value) {
        return new ConsumerRecord<>(P0.topic(), P0.partition(), offset, key, value);
    }

    private void submit(long offset, String key, String value) {
        retries.submit(record(offset, key, value), value);
    }

    @Test
    void aFailingKeyNeverDelaysTheOthersAndIsCommittedOnlyOnceDone() {
        retries(KeyedRetries.Order.IN_ORDER, new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        broken.add("a");

        submit(0, "a", "a1");
        submit(1, "b", "b1");
        submit(2, "c", "c1");

        // b and c ran at once, on the caller's thread, while a waits for its retry.
        assertThat(done).containsExactly("b=b1", "c=c1");
        assertThat(retries.isWaiting("a")).isTrue();
        assertThat(retries.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(0)));

        broken.remove("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> !retries.isWaiting("a"));
        assertThat(done).containsExactly("b=b1", "c=c1", "a=a1");
        assertThat(heard).contains("recovered a1 after " + heard.stream()
                .filter(h -> h.startsWith("retrying a1")).count());
        assertThat(retries.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(3)));
        assertThat(retries.committable(OWNED)).as("nothing moved since").isEmpty();
    }

    @Test
    void onItsOwnThreadEveryAttemptRunsThereAndTheRecordIsDoneOnlyOnceItRan() {
        retries(KeyedRetries.Order.LATEST_WINS, KeyedRetries.FirstAttempt.ON_OWN_THREAD,
                new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        CountDownLatch hold = new CountDownLatch(1);
        held.put("a", hold);

        submit(0, "a", "a1");
        submit(1, "b", "b1");

        // The submitter went on while a1 runs (held) on the work's thread; b1 waits for that thread.
        await().atMost(Duration.ofSeconds(5)).until(() -> threads.contains("a1 on test-retries"));
        assertThat(done).isEmpty();
        assertThat(retries.doneUpTo(OWNED)).containsExactly(Map.entry(P0, 0L));
        assertThat(retries.failingKeys()).as("queued, not failed").isEmpty();

        hold.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> done.size() == 2);
        assertThat(done).containsExactly("a=a1", "b=b1");
        assertThat(threads).containsExactly("a1 on test-retries", "b1 on test-retries");
        await().atMost(Duration.ofSeconds(5)).until(() -> retries.waitingKeys() == 0);
        assertThat(retries.doneUpTo(OWNED)).containsExactly(Map.entry(P0, 2L));
    }

    @Test
    void onItsOwnThreadANewerValueWaitsForTheOneRunningAndReplacesTheOneQueued() {
        retries(KeyedRetries.Order.LATEST_WINS, KeyedRetries.FirstAttempt.ON_OWN_THREAD,
                new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        CountDownLatch hold = new CountDownLatch(1);
        held.put("a", hold);
        submit(0, "a", "a1");
        await().atMost(Duration.ofSeconds(5)).until(() -> threads.contains("a1 on test-retries"));

        submit(1, "a", "a2");
        submit(2, "a", "a3");
        hold.countDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> retries.waitingKeys() == 0);
        assertThat(done).containsExactly("a=a1", "a=a3");
        assertThat(retries.doneUpTo(OWNED)).containsExactly(Map.entry(P0, 3L));
    }

    @Test
    void onItsOwnThreadAFailingKeyIsRetriedAndSaidToFailWhileTheOthersGoOn() {
        retries(KeyedRetries.Order.LATEST_WINS, KeyedRetries.FirstAttempt.ON_OWN_THREAD,
                new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        broken.add("a");

        submit(0, "a", "a1");
        submit(1, "b", "b1");

        await().atMost(Duration.ofSeconds(5)).until(() -> done.contains("b=b1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> retries.failingKeys().equals(Set.of("a")));
        assertThat(retries.doneUpTo(OWNED)).containsExactly(Map.entry(P0, 0L));

        broken.remove("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> retries.waitingKeys() == 0);
        assertThat(done).containsExactly("b=b1", "a=a1");
        assertThat(retries.failingKeys()).isEmpty();
        assertThat(heard).contains("recovered a1 after " + heard.stream()
                .filter(h -> h.startsWith("retrying a1")).count());
        assertThat(retries.doneUpTo(OWNED)).containsExactly(Map.entry(P0, 2L));
    }

    @Test
    void onThreadsOfItsOwnOneKeyHeldNeverHoldsAnotherAndAKeysRecordsNeverRunAtOnce() {
        retries(KeyedRetries.Order.IN_ORDER, KeyedRetries.FirstAttempt.ON_OWN_THREAD, 2,
                new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        CountDownLatch hold = new CountDownLatch(1);
        held.put("slow", hold);

        submit(0, "slow", "s1");
        submit(1, "slow", "s2");
        submit(2, "quick", "q1");

        // q1 ran on the other thread while s1 is held; s2 waits behind s1, not beside it.
        await().atMost(Duration.ofSeconds(5)).until(() -> done.contains("quick=q1"));
        assertThat(threads).containsExactlyInAnyOrder("s1 on test-retries", "q1 on test-retries");
        assertThat(retries.doneUpTo(OWNED)).containsExactly(Map.entry(P0, 0L));

        hold.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> retries.waitingKeys() == 0);
        assertThat(done).containsExactly("quick=q1", "slow=s1", "slow=s2");
        assertThat(retries.doneUpTo(OWNED)).containsExactly(Map.entry(P0, 3L));
    }

    @Test
    void aRetryDueForARevokedRecordNeverRunsTheKeysWorkBesideItsNextOwnersRun() {
        retries(KeyedRetries.Order.LATEST_WINS, KeyedRetries.FirstAttempt.ON_OWN_THREAD, 2,
                new FixedBackOff(200, FixedBackOff.UNLIMITED_ATTEMPTS));
        broken.add("a");
        submit(0, "a", "a1");
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains("retrying a1 after 1: a is broken"));

        // Its retry is due in 200 ms; the partition goes, and comes back with the key's record before then.
        retries.revoked(List.of(P0));
        broken.remove("a");
        CountDownLatch hold = new CountDownLatch(1);
        held.put("a", hold);
        submit(0, "a", "a2");
        await().atMost(Duration.ofSeconds(5)).until(() -> threads.contains("a2 on test-retries"));
        // A retry due after the revoked one's: once it ran, the revoked one's time has come and gone.
        broken.add("z");
        submit(1, "z", "z1");
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains("retrying z1 after 2: z is broken"));

        assertThat(threads).as("a2 not run a second time beside the first").filteredOn(t -> t.startsWith("a2"))
                .hasSize(1);
        hold.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> done.contains("a=a2"));
        assertThat(done).containsExactly("a=a2");
    }

    @Test
    void aRunThatEndsAfterItsPartitionCameBackLeavesTheKeysNewWorkToItsOwnRun() {
        retries(KeyedRetries.Order.LATEST_WINS, KeyedRetries.FirstAttempt.ON_OWN_THREAD, 1,
                new FixedBackOff(10_000, FixedBackOff.UNLIMITED_ATTEMPTS));
        CountDownLatch hold = new CountDownLatch(1);
        held.put("a1", hold);
        submit(0, "a", "a1");
        await().atMost(Duration.ofSeconds(5)).until(() -> threads.contains("a1 on test-retries"));

        // The partition goes and comes back while a1 runs; the key's record of the new assignment fails, and its next
        // attempt is 10 s away.
        retries.revoked(List.of(P0));
        broken.add("a2");
        submit(1, "a", "a2");
        hold.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains("retrying a2 after 1: a is broken"));
        // On the one thread, whatever a1's end scheduled runs before what is submitted now.
        submit(2, "z", "z1");
        await().atMost(Duration.ofSeconds(5)).until(() -> done.contains("z=z1"));

        assertThat(threads).as("a2 run once, not again by a1's end beside its own retry").filteredOn(
                t -> t.startsWith("a2")).hasSize(1);
        assertThat(heard).filteredOn(h -> h.startsWith("retrying a2")).hasSize(1);
    }

    @Test
    void aFirstAttemptThatThrowsAnErrorIsTriedAgainNotThrownIntoTheConsumer() {
        retries(KeyedRetries.Order.IN_ORDER, new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        erring.add("a");

        assertThatCode(() -> submit(0, "a", "a1")).doesNotThrowAnyException();
        assertThat(retries.committable(OWNED)).as("a1 not done").containsExactly(
                Map.entry(P0, new OffsetAndMetadata(0)));

        await().atMost(Duration.ofSeconds(5)).until(() -> done.contains("a=a1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> !retries.isWaiting("a"));
        assertThat(retries.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(1)));
    }

    @Test
    void aRecordIsCommittedOnlyOnceTheWorkItIsAlsoWaitedForIsDoneWithIt() {
        KeyedRetries<String> second = retries(KeyedRetries.Order.LATEST_WINS,
                KeyedRetries.FirstAttempt.ON_OWN_THREAD, new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        KeyedRetries<String> first = retries(KeyedRetries.Order.LATEST_WINS,
                new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        first.alsoWaitFor(second);
        CountDownLatch hold = new CountDownLatch(1);
        held.put("held", hold);
        try {
            for (long offset = 0; offset < 3; offset++) {
                ConsumerRecord<String, String> record = record(offset, "k" + offset, "v" + offset);
                first.submit(record, record.value());
                // Only the second's work on the record at offset 1 is held.
                second.submit(record, offset == 1 ? "held" : record.value());
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> threads.contains("held on test-retries"));

            // The first is done with all three; the second not with the one at offset 1.
            assertThat(first.doneUpTo(OWNED)).containsExactly(Map.entry(P0, 3L));
            assertThat(first.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(1)));

            hold.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> second.waitingKeys() == 0);
            assertThat(first.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(3)));
        } finally {
            second.close();
        }
    }

    @Test
    void aRetryThatThrowsAnErrorIsTriedAgainAndItsKeyGoesOn() {
        retries(KeyedRetries.Order.IN_ORDER, new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        broken.add("a");
        submit(0, "a", "a1");
        submit(1, "a", "a2");
        erring.add("a");
        broken.remove("a");

        // The retry that threw the Error once left a1 at the head for good, and a2 and the commits behind it.
        await().atMost(Duration.ofSeconds(5)).until(() -> done.size() == 2);
        assertThat(done).containsExactly("a=a1", "a=a2");
        assertThat(retries.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void inOrderLaterRecordsOfAWaitingKeyWaitBehindIt() {
        retries(KeyedRetries.Order.IN_ORDER, new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        broken.add("a");

        submit(0, "a", "a1");
        submit(1, "a", "a2");
        submit(2, "b", "b1");

        assertThat(done).containsExactly("b=b1");
        broken.remove("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> done.size() == 3);
        assertThat(done).containsExactly("b=b1", "a=a1", "a=a2");
        await().atMost(Duration.ofSeconds(5)).until(() -> !retries.isWaiting("a"));
        assertThat(retries.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(3)));
    }

    @Test
    void latestWinsANewerValueReplacesTheWaitingOne() {
        retries(KeyedRetries.Order.LATEST_WINS, new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));
        broken.add("a");

        submit(0, "a", "a1");
        submit(1, "a", "a2");
        submit(2, "a", "a3");
        // The superseded ones are done with: only a3 holds the commit back.
        assertThat(retries.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(2)));

        broken.remove("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> !retries.isWaiting("a"));
        assertThat(done).containsExactly("a=a3");
        assertThat(retries.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(3)));
    }

    @Test
    void aFailureThatIsNotRetryableIsGivenUpAtOnce() {
        retries(KeyedRetries.Order.IN_ORDER, new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS));

        submit(0, "a", "refused-1");
        submit(1, "a", "a2");

        assertThat(heard).containsExactly("gave up refused-1 at 0: refused a");
        assertThat(done).containsExactly("a=a2");
        assertThat(retries.waitingKeys()).isZero();
        assertThat(retries.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void anErrorEveryTimeIsAFailureLikeAnyOtherToldAndGivenUpWhenTheBackOffStops() {
        retries(KeyedRetries.Order.IN_ORDER, new FixedBackOff(10, 2));

        assertThatCode(() -> submit(0, "a", "erring-1")).doesNotThrowAnyException();
        submit(1, "a", "a2");

        await().atMost(Duration.ofSeconds(5)).until(() -> done.contains("a=a2"));
        assertThat(heard).containsExactly(
                "retrying erring-1 after 1: java.lang.NoClassDefFoundError: com/example/Missing",
                "retrying erring-1 after 2: java.lang.NoClassDefFoundError: com/example/Missing",
                "gave up erring-1 at 0: java.lang.NoClassDefFoundError: com/example/Missing");
        await().atMost(Duration.ofSeconds(5)).until(() -> retries.waitingKeys() == 0);
        assertThat(retries.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void whenTheBackOffRunsOutTheRecordIsGivenUpAndTheKeyGoesOn() {
        retries(KeyedRetries.Order.IN_ORDER, new FixedBackOff(10, 2));
        broken.add("a1");

        submit(0, "a", "a1");
        submit(1, "a", "a2");

        // Three failed attempts (the first and two retries), then the DLT; a2 is next.
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains("gave up a1 at 0: a is broken"));
        assertThat(heard).containsExactly("retrying a1 after 1: a is broken",
                "retrying a1 after 2: a is broken", "gave up a1 at 0: a is broken");
        await().atMost(Duration.ofSeconds(5)).until(() -> !retries.isWaiting("a"));
        assertThat(done).containsExactly("a=a2");
        assertThat(retries.committable(OWNED)).containsExactly(Map.entry(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void revokedPartitionsDropTheirWaitingWorkForTheirNewOwner() {
        retries(KeyedRetries.Order.IN_ORDER, new FixedBackOff(60_000, FixedBackOff.UNLIMITED_ATTEMPTS));
        TopicPartition p1 = new TopicPartition("commands", 1);
        broken.add("a");
        broken.add("z");
        submit(0, "a", "a1");
        retries.submit(new ConsumerRecord<>(p1.topic(), 1, 7, "z", "z1"), "z1");
        assertThat(retries.committable(OWNED)).containsOnly(Map.entry(P0, new OffsetAndMetadata(0)),
                Map.entry(p1, new OffsetAndMetadata(7)));

        retries.revoked(List.of(P0));

        assertThat(retries.isWaiting("a")).isFalse();
        assertThat(retries.isWaiting("z")).isTrue();
        submit(0, "b", "b1");
        assertThat(retries.committable(OWNED)).containsOnly(Map.entry(P0, new OffsetAndMetadata(1)));
    }

    @Test
    void consumersSharingItCommitOnlyTheirOwnPartitionsWhileAnotherRunsAFirstAttempt() throws Exception {
        TopicPartition p1 = new TopicPartition(P0.topic(), 1);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        retries = new KeyedRetries<>("test", KeyedRetries.Order.LATEST_WINS, (key, value) -> {
            if (key.equals("slow")) {
                running.countDown();
                release.await();
            }
            done.add(key + "=" + value);
        }, new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS), e -> true, (record, value, e) -> { });
        MockConsumer<String, String> first = new MockConsumer<>("earliest");
        first.assign(List.of(P0));
        // The other consumer's thread: its first attempt at p1's record runs, not yet done.
        Thread other = new Thread(() -> retries.submit(
                new ConsumerRecord<>(p1.topic(), p1.partition(), 0, "slow", "s1"), "s1"));
        other.start();
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();

        submit(0, "a", "a1");
        retries.commit(first);

        assertThat(first.committed(Set.of(P0, p1))).containsEntry(P0, new OffsetAndMetadata(1))
                .as("p1's record is still being worked on, by the other consumer").doesNotContainKey(p1);
        release.countDown();
        other.join(5_000);
        MockConsumer<String, String> second = new MockConsumer<>("earliest");
        second.assign(List.of(p1));
        retries.commit(second);
        assertThat(second.committed(Set.of(p1))).containsEntry(p1, new OffsetAndMetadata(1));
    }
}
