package dev.poolstream.provider.config;

import dev.poolstream.provider.domain.CommandConsumerHealth;
import dev.poolstream.provider.kafka.CommandListener;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * The command consumer's health, where the service has an actuator: {@code commands} for the readiness group (ready
 * once partitions are assigned and their pools restored) and {@code commandConsumer} for liveness (down when the
 * consumer died). The verdicts are {@link CommandConsumerHealth}'s.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(HealthIndicator.class)
class ProviderHealthConfiguration {

    @Bean
    HealthIndicator commandsHealthIndicator(CommandListener listener, KafkaListenerEndpointRegistry registry) {
        return () -> {
            CommandConsumerHealth.Observation o = observe(listener, registry);
            CommandConsumerHealth.Verdict verdict = CommandConsumerHealth.readiness(o);
            return (verdict.ok() ? Health.up() : Health.outOfService()).withDetails(details(o, verdict, listener))
                    .build();
        };
    }

    @Bean
    HealthIndicator commandConsumerHealthIndicator(CommandListener listener, KafkaListenerEndpointRegistry registry) {
        return () -> {
            CommandConsumerHealth.Observation o = observe(listener, registry);
            CommandConsumerHealth.Verdict verdict = CommandConsumerHealth.liveness(o);
            return (verdict.ok() ? Health.up() : Health.down()).withDetails(details(o, verdict, listener)).build();
        };
    }

    private static CommandConsumerHealth.Observation observe(CommandListener listener,
                                                             KafkaListenerEndpointRegistry registry) {
        MessageListenerContainer container = registry.getListenerContainer(CommandListener.ID);
        // No container yet: the context is still starting, which is not a death.
        return new CommandConsumerHealth.Observation(container != null && container.isRunning(),
                container == null || container.isInExpectedState(), listener.ownedPartitions(),
                listener.restoring(), listener.restoreFailure());
    }

    private static Map<String, Object> details(CommandConsumerHealth.Observation o,
                                               CommandConsumerHealth.Verdict verdict, CommandListener listener) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("why", verdict.why());
        details.put("partitions", o.partitions());
        details.put("retryingPools", listener.retryingPools());
        return details;
    }
}
