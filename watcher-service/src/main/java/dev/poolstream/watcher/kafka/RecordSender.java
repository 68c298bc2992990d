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
        Keyed value = change instanceof Change.Upsert<V> upsert ? upsert.value() : null;
        String kind = value == null ? "tombstone" : "value";
        template.send(new ProducerRecord<>(topic.name(), change.key(), value)).whenComplete((result, error) -> {
            if (error == null) {
                counter("poolstream.watcher.records.published", topic, kind).increment();
            } else {
                counter("poolstream.watcher.publish.errors", topic, kind).increment();
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

    private Counter counter(String name, Topics.TopicSpec topic, String kind) {
        return registry.counter(name, "topic", topic.name(), "kind", kind);
    }
}
