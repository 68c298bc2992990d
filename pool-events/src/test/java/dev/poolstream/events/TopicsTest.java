package dev.poolstream.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Topics.Cleanup;
import dev.poolstream.events.Topics.TopicSpec;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void shouldNameEveryTopicOfTheDesignOnceWithItsDeadLetterTopic() {
        assertThat(Topics.all()).extracting(TopicSpec::name).doesNotHaveDuplicates().containsExactly(
                "machinepool.spec.v1", "machinepool.spec.v1.DLT",
                "node.v1", "node.v1.DLT",
                "scalinggroup.commands.aws.v1", "scalinggroup.commands.aws.v1.DLT",
                "scalinggroup.commands.azure.v1", "scalinggroup.commands.azure.v1.DLT",
                "scalinggroup.state.v1", "scalinggroup.state.v1.DLT",
                "scalinggroup.instances.v1", "scalinggroup.instances.v1.DLT",
                "machinepool.status.v1", "machinepool.status.v1.DLT",
                "machinepool.lifecycle.v1", "machinepool.lifecycle.v1.DLT",
                "workloadcluster.v1", "workloadcluster.v1.DLT",
                "workloadcluster.watch.v1", "workloadcluster.watch.v1.DLT");
    }

    @Test
    void shouldCoPartitionTheTopicsThatAreJoined() {
        // Provider-ID join without repartition.
        assertThat(Topics.NODE.partitions()).isEqualTo(Topics.SCALINGGROUP_INSTANCES.partitions());
        // Pool-key joins and per-pool ordering.
        assertThat(List.of(Topics.MACHINEPOOL_SPEC, Topics.SCALINGGROUP_STATE, Topics.MACHINEPOOL_STATUS,
                Topics.SCALINGGROUP_COMMANDS_AWS, Topics.SCALINGGROUP_COMMANDS_AZURE))
                .extracting(TopicSpec::partitions).containsOnly(Topics.MACHINEPOOL_SPEC.partitions());
    }

    @Test
    void shouldCompactStateAndExpireStreamsOfHappenings() {
        assertThat(List.of(Topics.MACHINEPOOL_SPEC, Topics.NODE, Topics.SCALINGGROUP_STATE,
                Topics.SCALINGGROUP_INSTANCES, Topics.MACHINEPOOL_STATUS, Topics.WORKLOAD_CLUSTER))
                .extracting(TopicSpec::cleanup).containsOnly(Cleanup.COMPACT);
        assertThat(List.of(Topics.SCALINGGROUP_COMMANDS_AWS, Topics.SCALINGGROUP_COMMANDS_AZURE,
                Topics.MACHINEPOOL_LIFECYCLE, Topics.NODE.deadLetter()))
                .allSatisfy(t -> {
                    assertThat(t.cleanup()).isEqualTo(Cleanup.DELETE);
                    assertThat(t.configs()).containsEntry("retention.ms", "604800000");
                });
    }

    @Test
    void shouldDescribeATopicForTheAdminClient() {
        NewTopic topic = Topics.NODE.newTopic((short) 3);

        assertThat(topic.name()).isEqualTo("node.v1");
        assertThat(topic.numPartitions()).isEqualTo(Topics.PARTITIONS);
        assertThat(topic.replicationFactor()).isEqualTo((short) 3);
        assertThat(topic.configs()).containsExactlyEntriesOf(java.util.Map.of("cleanup.policy", "compact"));
    }

    @Test
    void shouldSendEachCloudsCommandsToItsOwnTopic() {
        assertThat(Cloud.ofInfrastructureKind("AWSMachinePool")).contains(Cloud.AWS);
        assertThat(Cloud.ofInfrastructureKind("AzureMachinePool")).contains(Cloud.AZURE);
        assertThat(Cloud.ofInfrastructureKind("DockerMachinePool")).isEmpty();
        assertThat(Cloud.AWS.commandTopic()).isEqualTo(Topics.SCALINGGROUP_COMMANDS_AWS);
        assertThat(Cloud.AZURE.commandTopic()).isEqualTo(Topics.SCALINGGROUP_COMMANDS_AZURE);
    }
}
