package dev.poolstream.events;

import dev.poolstream.api.ClusterApi;
import java.util.Arrays;
import java.util.Optional;

/** A cloud that backs pools, with the infrastructure kind that selects it and the topic of its commands. */
public enum Cloud {
    AWS(ClusterApi.KIND_AWS_MACHINE_POOL, Topics.SCALINGGROUP_COMMANDS_AWS),
    AZURE(ClusterApi.KIND_AZURE_MACHINE_POOL, Topics.SCALINGGROUP_COMMANDS_AZURE);

    private final String infrastructureKind;
    private final Topics.TopicSpec commandTopic;

    Cloud(String infrastructureKind, Topics.TopicSpec commandTopic) {
        this.infrastructureKind = infrastructureKind;
        this.commandTopic = commandTopic;
    }

    public String infrastructureKind() {
        return infrastructureKind;
    }

    public Topics.TopicSpec commandTopic() {
        return commandTopic;
    }

    /** The cloud of an infrastructure pool kind; empty for a kind Poolstream does not run. */
    public static Optional<Cloud> ofInfrastructureKind(String kind) {
        return Arrays.stream(values()).filter(c -> c.infrastructureKind.equals(kind)).findFirst();
    }
}
