package dev.poolstream.provider.testing;

import java.util.ArrayList;
import java.util.List;

/** The Kafka and provider settings a provider service runs with, pointed at a test broker with short timings. */
public final class ProviderTestProperties {

    public static List<String> of(String bootstrap, String groupId) {
        List<String> p = new ArrayList<>(List.of(
                "spring.kafka.bootstrap-servers=" + bootstrap,
                "spring.kafka.consumer.group-id=" + groupId,
                "spring.kafka.consumer.auto-offset-reset=earliest",
                "spring.kafka.consumer.key-deserializer=org.apache.kafka.common.serialization.StringDeserializer",
                "spring.kafka.consumer.value-deserializer="
                        + "org.springframework.kafka.support.serializer.ErrorHandlingDeserializer",
                "spring.kafka.consumer.properties[spring.deserializer.value.delegate.class]="
                        + "dev.poolstream.events.serde.EventDeserializer",
                "spring.kafka.producer.key-serializer=org.apache.kafka.common.serialization.StringSerializer",
                "spring.kafka.producer.value-serializer=dev.poolstream.events.serde.EventSerializer",
                "spring.kafka.producer.properties[poolstream.cloudevents.source]=/poolstream/provider-test",
                "spring.kafka.producer.acks=all",
                "poolstream.provider.poll.fast=200ms",
                "poolstream.provider.poll.slow=5s",
                "poolstream.provider.poll.settle=2s",
                "poolstream.provider.poll.tick=100ms",
                "poolstream.provider.command-retry.max-retries=2",
                "poolstream.provider.command-retry.initial-interval=200ms",
                "poolstream.provider.command-retry.max-interval=1s",
                "poolstream.provider.restore-timeout=20s"));
        return p;
    }

    private ProviderTestProperties() {
    }
}
