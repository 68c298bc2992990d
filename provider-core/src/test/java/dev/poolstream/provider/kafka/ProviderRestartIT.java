package dev.poolstream.provider.kafka;

import static dev.poolstream.provider.testing.Commands.capacity;
import static dev.poolstream.provider.testing.Commands.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.InstanceState;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.provider.testing.InMemoryScalingGroup;
import dev.poolstream.provider.testing.KafkaProbe;
import dev.poolstream.provider.testing.ProviderTestProperties;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** A provider restarts with nothing but Kafka: it knows its groups again and tombstones what vanished meanwhile. */
class ProviderRestartIT {

    private static final String COMMANDS = Topics.SCALINGGROUP_COMMANDS_AWS.name();
    private EmbeddedKafkaKraftBroker broker;
    private KafkaProbe probe;
    private final InMemoryScalingGroup cloud = new InMemoryScalingGroup();

    @BeforeEach
    void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
        probe = new KafkaProbe(broker.getBrokersAsString());
    }

    @AfterEach
    void stopBroker() {
        probe.close();
        broker.destroy();
    }

    private ConfigurableApplicationContext startProvider() {
        CoreTestApplication.cloud = cloud;
        return new SpringApplicationBuilder(CoreTestApplication.class).web(WebApplicationType.NONE)
                .properties(ProviderTestProperties.of(broker.getBrokersAsString(), "provider-restart-it")
                        .toArray(String[]::new))
                .properties("poolstream.provider.cloud=AWS").run();
    }

    private Map<String, InstanceState> instancesOf(String pool) {
        Map<String, InstanceState> all = probe.latest(Topics.SCALINGGROUP_INSTANCES.name(), InstanceState.class);
        all.values().removeIf(i -> !i.pool().equals(pool));
        return all;
    }

    @Test
    void shouldTombstoneInstancesThatVanishedWhileProviderWasDownAndSkipCommandsItAlreadyCarriedOut() {
        EnsureGroup ensure = EnsureGroup.of("ns/survivor", 1, "survivor", template("c1", 1), capacity(4, 1, 10));
        try (ConfigurableApplicationContext first = startProvider()) {
            probe.send(COMMANDS, ensure);
            await().atMost(Duration.ofSeconds(20)).until(() -> instancesOf("ns/survivor").size() == 4);
        }
        String lost = cloud.peek("survivor").orElseThrow().instances().get(0).providerID();
        cloud.loseInstance("survivor", lost);
        int writesWhileDown = cloud.writes();
        int callsWhileDown = cloud.calls().size();

        try (ConfigurableApplicationContext second = startProvider()) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(probe.tombstones(Topics.SCALINGGROUP_INSTANCES.name())).containsExactly(lost);
                assertThat(instancesOf("ns/survivor")).hasSize(3).doesNotContainKey(lost);
            });

            // Redelivered (a reconciler restarted and decided the same): the id is known from the state topic.
            probe.send(COMMANDS, ensure);
            SetCapacity marker = SetCapacity.of("ns/survivor", 2, "survivor", capacity(4, 1, 10));
            probe.send(COMMANDS, marker);
            await().atMost(Duration.ofSeconds(20)).until(() -> marker.id().equals(
                    probe.latest(Topics.SCALINGGROUP_STATE.name(), ScalingGroupState.class).get("ns/survivor")
                            .lastCommandId()));
            // Nothing was written since the restart, and the repeated EnsureGroup did not even look at the template:
            // it was skipped by its id. The marker (a new id, satisfied already) only read.
            assertThat(cloud.writes()).isEqualTo(writesWhileDown);
            assertThat(cloud.calls().subList(callsWhileDown, cloud.calls().size())).containsOnly("describe");
        }
    }
}
