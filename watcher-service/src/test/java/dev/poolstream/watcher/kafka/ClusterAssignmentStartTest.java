package dev.poolstream.watcher.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.watcher.testing.Assignments;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;

/**
 * How the watcher joins the workload clusters' group: from a thread whose context class loader cannot see Kafka (a
 * callback on the common fork-join pool in a Spring Boot jar), and with a consumer that cannot be made.
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
    void shouldSayItIsOutOfTheGroupWhenItsConsumerCannotBeMade() {
        ClusterAssignment assignment = Assignments.notStarted("not a broker address");
        assertThat(assignment.failure()).isEmpty();

        assertThatThrownBy(assignment::start).isInstanceOf(RuntimeException.class);

        assertThat(assignment.failure()).hasValueSatisfying(why -> assertThat(why)
                .startsWith("could not join the group: ").contains("bootstrap"));
        assignment.close();
    }
}
