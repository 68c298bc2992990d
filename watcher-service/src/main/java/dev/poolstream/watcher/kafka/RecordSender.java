package dev.poolstream.watcher.kafka;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.Topics;
import dev.poolstream.watcher.domain.Change;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;

/** Sends changes as records keyed by the value's own key, and counts what it sends, skips and fails to send. */
public final class RecordSender {

    private final KafkaTemplate<String, Keyed> template;
    private final MeterRegistry registry;

    public RecordSender(KafkaTemplate<String, Keyed> template, MeterRegistry registry) {
        this.template = template;
        this.registry = registry;
    }

    /** Sends asynchronously; {@code onFailure} runs when the producer gives up on the record. */
    public <V extends Keyed> void send(Topics.TopicSpec topic, Change<V> change, Consumer<Throwable> onFailure) {
        ProducerRecord<String, Keyed> record = new ProducerRecord<>(topic.name(), change.key(), change.recordValue());
        template.send(record).whenComplete((result, error) -> {
            if (error == null) {
                counter(registry, "poolstream.watcher.records.published", topic, change).increment();
            } else {
                counter(registry, "poolstream.watcher.publish.errors", topic, change).increment();
                onFailure.accept(error);
            }
        });
    }

    /** Blocks until every record sent so far is written, or has failed. */
    public void flush() {
        template.flush();
    }

    /** A look at an object that found nothing new to publish: a resync, a relist, a heartbeat. */
    public void unchanged(Topics.TopicSpec topic) {
        registry.counter("poolstream.watcher.records.unchanged", "topic", topic.name()).increment();
    }

    /** A counter of records by topic and kind (a value, or a tombstone): the leader's sender counts alike. */
    static Counter counter(MeterRegistry registry, String name, Topics.TopicSpec topic, Change<?> change) {
        String kind = change.recordValue() == null ? "tombstone" : "value";
        return registry.counter(name, "topic", topic.name(), "kind", kind);
    }
}
