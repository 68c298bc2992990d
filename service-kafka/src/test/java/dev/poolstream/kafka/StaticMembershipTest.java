package dev.poolstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.listener.ContainerProperties;

class StaticMembershipTest {

    @Test
    void eachConsumerOfAnInstanceHasItsOwnGroupInstanceId() {
        StaticMembership membership = new StaticMembership(" status-7d9f-x2 ");
        Map<String, Object> streams = new HashMap<>();
        membership.applyTo(streams, "streams");
        ContainerProperties writer = new ContainerProperties("machinepool.status.v1");
        membership.applyTo(writer, "status-writer");

        assertThat(streams).containsEntry("group.instance.id", "status-7d9f-x2-streams");
        assertThat(writer.getKafkaConsumerProperties()).containsEntry("group.instance.id",
                "status-7d9f-x2-status-writer");
    }

    @Test
    void withoutAnInstanceIdMembershipStaysDynamic() {
        for (String none : new String[] {null, "", "  "}) {
            StaticMembership membership = new StaticMembership(none);
            Properties overrides = new Properties();
            membership.applyTo(overrides, "reconciler");
            ContainerProperties container = new ContainerProperties("t");
            membership.applyTo(container, "commands");

            assertThat(membership.groupInstanceId("reconciler")).isEmpty();
            assertThat(overrides).isEmpty();
            assertThat(container.getKafkaConsumerProperties()).isEmpty();
        }
    }
}
