package dev.poolstream.watcher.kafka;

import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * A consumer polled on a daemon thread of its own, started once and stopped by a wakeup: the watcher's followers of
 * its topics ({@link ClusterAssignment}, {@link WatchReports}). Its {@link #raw} consumer is also what
 * {@link TopicReader} reads a topic back with.
 */
final class ConsumerThread {

    private final String name;
    private volatile Consumer<String, byte[]> consumer;
    private volatile boolean running;
    private Thread thread;

    ConsumerThread(String name) {
        this.name = name;
    }

    /**
     * A consumer of string keys and raw values, committing nothing: a value is deserialized by its reader, so that a
     * malformed one is skipped with its reason instead of failing the poll. Made with the service's class loader as
     * the context class loader, whichever thread asks: the consumer loads its deserializers and assignor by class name
     * from it, and a thread of the common fork-join pool (where a completed future's callback may run) has the system
     * class loader there, which in a Spring Boot jar does not see Kafka's classes.
     */
    @SuppressWarnings("unchecked")
    static Consumer<String, byte[]> raw(ConsumerFactory<?, ?> consumers, String group, String clientIdPrefix,
                                        Properties settings) {
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        overrides.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        overrides.putAll(settings);
        return ServiceClasses.make(
                () -> (Consumer<String, byte[]>) consumers.createConsumer(group, clientIdPrefix, null, overrides));
    }

    /**
     * Makes the consumer and runs {@code loop} with it on a new thread, which must close it; once only. The thread has
     * the service's class loader as its context class loader, as {@link #raw} makes the consumer with: what the loop
     * makes (a workload cluster's client) finds its classes whichever thread called. A consumer that cannot be made
     * throws here, and nothing is started.
     */
    synchronized void start(Supplier<Consumer<String, byte[]>> create,
                            java.util.function.Consumer<Consumer<String, byte[]>> loop) {
        if (running) {
            return;
        }
        Consumer<String, byte[]> created = create.get();
        consumer = created;
        running = true;
        thread = new Thread(() -> loop.accept(created), name);
        thread.setContextClassLoader(ServiceClasses.LOADER);
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether the loop should go on: false once {@link #close()} was called. */
    boolean running() {
        return running;
    }

    /** The consumer, for its rebalance listener (on the loop's own thread). */
    Consumer<String, byte[]> consumer() {
        return consumer;
    }

    /** Wakes the consumer out of its poll and waits up to 30 s for the loop to end. */
    synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
