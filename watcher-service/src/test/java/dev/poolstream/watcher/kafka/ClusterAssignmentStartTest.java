package dev.poolstream.watcher.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.poolstream.watcher.testing.Assignments;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import dev.poolstream.events.Topics;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;

/**
 * How the watcher joins the workload clusters' group: from a thread whose context class loader cannot see Kafka (a
 * callback on the common fork-join pool in a Spring Boot jar), with a consumer that cannot be made, and with a loop
 * that ends on an Error.
 */
class ClusterAssignmentStartTest {

    /** Sees only the JDK, as the system class loader of a Spring Boot jar sees none of its nested jars. */
    private static final ClassLoader JDK_ONLY = new URLClassLoader(new URL[0], null);

    @Test
    void shouldMakeTheConsumerWithTheServicesClassLoaderWhicheverThreadStartsIt() throws Exception {
        // Nothing listens on this port: the consumer is made (no connection yet) and closed by the loop.
        DefaultKafkaConsumerFactory<String, byte[]> consumers = new DefaultKafkaConsumerFactory<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1"));
        ConsumerThread polling = new ConsumerThread("test-polling");
        CompletableFuture<ClassLoader> loopLoader = new CompletableFuture<>();

        Thread starter = new Thread(() -> polling.start(
                () -> ConsumerThread.raw(consumers, "test-group", "test-", new java.util.Properties()),
                consumer -> {
                    loopLoader.complete(Thread.currentThread().getContextClassLoader());
                    consumer.close();
                }));
        starter.setContextClassLoader(JDK_ONLY);
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        starter.setUncaughtExceptionHandler((thread, error) -> failed.complete(error));
        starter.start();
        starter.join();

        assertThat(failed).as("the start failed").isNotDone();
        assertThat(loopLoader.get(10, TimeUnit.SECONDS)).isSameAs(ConsumerThread.class.getClassLoader());
    }

    @Test
    void shouldSayItIsOutOfTheGroupWhenItsLoopEndsWithAnError() {
        TopicPartition p0 = new TopicPartition(Topics.WORKLOAD_CLUSTER.name(), 0);
        MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(p0));
            consumer.updateBeginningOffsets(Map.of(p0, 0L));
            consumer.addRecord(new ConsumerRecord<>(p0.topic(), 0, 0, "team-a/demo", new byte[] {'{', '}'}));
        });
        ClusterAssignment assignment = Assignments.notStarted(consumer, new ClusterAssignment.Listener() {
            @Override
            public void clustersAssigned(Set<String> taken, Set<String> gone) {
                throw new NoClassDefFoundError("io/fabric8/Missing");
            }

            @Override
            public void clustersReleased(Set<String> released) {
            }
        });

        assignment.start();
        try {
            // The thread ended on the Error: health must say so (it once stayed empty, and UP).
            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> assignment.failure().isPresent());
            assertThat(assignment.failure().orElseThrow()).startsWith("stopped: ").contains("io/fabric8/Missing");
        } finally {
            assignment.close();
        }
    }

    @Test
    void shouldSayItIsOutOfTheGroupWhenItsConsumerCannotBeMade() {
        ClusterAssignment assignment = Assignments.notStarted("not a broker address");
        assertThat(assignment.failure()).isEmpty();

        assertThatThrownBy(assignment::start).isInstanceOf(RuntimeException.class);

        assertThat(assignment.failure()).hasValueSatisfying(why -> assertThat(why)
                .startsWith("could not join the group: ").contains("bootstrap"));
        assignment.close();
    }
}
