package dev.poolstream.provider.kafka;

import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.provider.engine.CommandExecutor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;

/** Reads {@code scalinggroup.commands.<cloud>.v1} and carries out each command, one pool at a time per partition. */
public class CommandListener {

    private static final Logger log = LoggerFactory.getLogger(CommandListener.class);

    private final CommandExecutor executor;
    private final String topic;

    public CommandListener(CommandExecutor executor, String topic) {
        this.executor = executor;
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }

    @KafkaListener(id = "scalinggroup-commands", topics = "#{__listener.topic()}",
            containerFactory = "providerCommandContainerFactory")
    public void onCommand(ConsumerRecord<String, ScalingGroupCommand> record) {
        ScalingGroupCommand command = record.value();
        if (command == null) {
            log.debug("skipping a null record at {}-{}@{}", record.topic(), record.partition(), record.offset());
            return;
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable("pool", command.pool())) {
            if (!command.pool().equals(record.key())) {
                log.warn("command {} is keyed {} but names pool {}; carrying it out for {}", command.id(),
                        record.key(), command.pool(), command.pool());
            }
            executor.execute(command);
        }
    }
}
