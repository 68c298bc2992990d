package dev.poolstream.events.command;

import dev.poolstream.events.Copies;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.SecretRef;
import java.util.List;
import java.util.Map;

/**
 * What every instance of a group is built from: the infrastructure pool's spec, the bootstrap data (by Secret
 * reference only: the provider reads it when it applies the command), the Kubernetes version, and where to place
 * instances.
 *
 * @param infrastructureGeneration the infrastructure pool's generation this template was taken from
 * @param tags                     tags every cloud resource of the group carries, beside the ones the provider adds
 */
public record GroupTemplate(
        String clusterName,
        String version,
        InfraSpec infrastructure,
        long infrastructureGeneration,
        SecretRef bootstrapDataSecret,
        List<String> failureDomains,
        Map<String, String> tags) {

    public GroupTemplate {
        failureDomains = Copies.list(failureDomains);
        tags = Copies.map(tags);
    }
}
