package dev.poolstream.provider.aws.domain;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.ScalingGroupNames;
import dev.poolstream.provider.domain.CommandRules;
import java.util.Map;
import java.util.Optional;

/**
 * What AWS accepts in a command, checked before any AWS call: a group name that can name both the Auto Scaling Group
 * and its launch template, provider IDs of EC2 instances as the Node carries them, a template with the
 * AWSMachinePool's spec. An AWS provider ID does not name its group: whether the group holds the instance is decided
 * on the describe (an instance it does not hold is not terminated through it).
 */
public final class AwsCommandRules implements CommandRules {

    @Override
    public Optional<String> groupNameProblem(String group) {
        return ScalingGroupNames.problem(Cloud.AWS, Map.of(ScalingGroupNames.ANNOTATION, group))
                .map(f -> "cannot name an Auto Scaling Group and its launch template (3-128 of A-Z a-z 0-9 ( ) . - / _)");
    }

    @Override
    public Optional<String> instanceProblem(String group, String providerID) {
        return AwsInstances.instanceId(providerID).isPresent() ? Optional.empty()
                : Optional.of("it is not an EC2 instance's provider ID (aws:///<zone>/i-<hex>)");
    }

    @Override
    public boolean requiresInfrastructure() {
        return true;
    }
}
