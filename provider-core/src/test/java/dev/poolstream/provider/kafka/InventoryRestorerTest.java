package dev.poolstream.provider.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Cloud;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.RecentIds;
import dev.poolstream.provider.testing.RecordingPublication;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

class InventoryRestorerTest {

    @Test
    void shouldReadWithoutJoiningTheGroupNorTakingTheCommandConsumersStaticIdentity() {
        InventoryRestorer restorer = new InventoryRestorer(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092",
                ConsumerConfig.GROUP_ID_CONFIG, "poolstream-provider-aws",
                ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "provider-aws-7d9-commands",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true,
                "session.timeout.ms", 6000), Cloud.AWS, new Inventory(), new RecentIds(10),
                new RecordingPublication(), Duration.ofSeconds(1));

        assertThat(restorer.consumerConfig())
                .doesNotContainKeys(ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(ConsumerConfig.CLIENT_ID_CONFIG, "poolstream-provider-restore")
                .containsEntry(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
    }
}
