package dev.poolstream.status.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.PoolStatus;
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
        StatusWriteListener.Writer writer = new StatusWriteListener.Writer() {
            @Override
            public void write(PoolStatus status, Instant computedAt) {
                if (attempts.incrementAndGet() == 1) {
                    throw new IllegalStateException("the API server answered 500");
                }
                timeline.add("write begins");
                running.countDown();
                try {
                    release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                timeline.add("write ends"); // it kept the copies it read or wrote
            }

            @Override
            public void forget(String pool, Instant at) {
            }

            @Override
            public void tellRetrying(String pool, String note) {
            }

            @Override
            public void forgetSeenObjects() {
                timeline.add("objects forgotten");
            }
        };
        StatusWriteListener listener = new StatusWriteListener(writer, (record, e) -> { }, new FixedBackOff(10, 100),
                Clock.systemUTC(), new SimpleMeterRegistry());
        MockConsumer<String, Object> consumer = new MockConsumer<>("earliest");
        consumer.assign(List.of(P0));
        listener.onPartitionsAssigned(consumer, List.of(P0));
        PoolStatus status = new PoolStatus("team-a/demo", 1, null, null, null, null, List.of(), false, List.of(),
                List.of());
        listener.onStatuses(List.of(new ConsumerRecord<String, Keyed>(TOPIC, 0, 0, status.pool(), status)), consumer);
        assertThat(running.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the retry in flight").isTrue();

        Thread losing = new Thread(() -> listener.onPartitionsLost(consumer, List.of(P0)));
        losing.start();
        await().atMost(WAIT).until(() -> losing.getState() == Thread.State.TIMED_WAITING
                || losing.getState() == Thread.State.TERMINATED);
        assertThat(timeline).as("while the write runs").containsExactly("write begins");

        release.countDown();
        losing.join(WAIT.toMillis());
        assertThat(losing.isAlive()).isFalse();
        assertThat(timeline).containsExactly("write begins", "write ends", "objects forgotten");
        listener.close();
    }
}
