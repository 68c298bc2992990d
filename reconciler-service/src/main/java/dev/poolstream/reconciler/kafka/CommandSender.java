package dev.poolstream.reconciler.kafka;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.command.ScalingGroupCommand;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Sends a pool's commands to its cloud's topic, keyed by pool. A command id already sent by this process is not
 * sent again (a look repeats its decision until the provider reports it); after a restart the provider's own
 * memory of ids takes that role. A command tried again after a failure carries a new id (the attempt's).
 */
public final class CommandSender {

    private static final Logger log = LoggerFactory.getLogger(CommandSender.class);
    private static final int REMEMBERED = 10_000;

    private final KafkaTemplate<String, Keyed> template;
    private final MeterRegistry registry;
    private final Set<String> sent = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    });

    public CommandSender(KafkaTemplate<String, Keyed> template, MeterRegistry registry) {
        this.template = template;
        this.registry = registry;
    }

    /** @return whether it was sent now: false for an id already sent by this process */
    public synchronized boolean send(Cloud cloud, ScalingGroupCommand command) {
        if (!sent.add(command.id())) {
            return false;
        }
        String kind = command.getClass().getSimpleName();
        template.send(new ProducerRecord<>(cloud.commandTopic().name(), command.key(), command))
                .whenComplete((result, error) -> {
                    if (error != null) {
                        forget(command.id());
                        registry.counter("poolstream.reconciler.command.errors", "command", kind).increment();
                        log.error("could not send {} {} for pool {}: {}", kind, command.id(), command.pool(),
                                error.getMessage());
                    }
                });
        registry.counter("poolstream.reconciler.commands", "command", kind, "cloud", cloud.name().toLowerCase())
                .increment();
        log.info("sent {} {} for pool {} (generation {})", kind, command.id(), command.pool(), command.generation());
        return true;
    }

    private synchronized void forget(String id) {
        sent.remove(id);
    }
}
