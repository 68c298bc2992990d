package dev.poolstream.status.stream;

import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * One processor's task on Kafka Streams' mock context, with real (in-memory) stores that outlive the processor: a
 * "crash" is a new context and a new processor on the stores as they were (Kafka Streams restores them from their
 * changelogs, which can be ahead of what was sent).
 */
final class MockedTask<K, V> {

    private final Properties config = new Properties();
    private final List<KeyValueStore<String, ?>> stores;
    private MockProcessorContext<K, V> context;

    MockedTask(List<KeyValueStore<String, ?>> stores) {
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "mocked-task");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        this.stores = stores;
        context = new MockProcessorContext<>(config);
        stores.forEach(store -> store.init(context.getStateStoreContext(), store));
        stores.forEach(context::addStateStore);
    }

    static <T> KeyValueStore<String, T> store(String name, Class<T> type) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), InternalSerde.of(type))
                .withLoggingDisabled().build();
    }

    MockProcessorContext<K, V> context() {
        return context;
    }

    /** The processor crashed: a new context on the same stores, without the old processor's punctuations. */
    MockProcessorContext<K, V> restart() {
        context = new MockProcessorContext<>(config);
        stores.forEach(context::addStateStore);
        return context;
    }

    void at(Instant now) {
        context.setCurrentSystemTimeMs(now.toEpochMilli());
    }

    /** Wall-clock time is {@code now}: every punctuation runs. */
    void punctuate(Instant now) {
        at(now);
        context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(now.toEpochMilli()));
    }
}
