package dev.poolstream.provider.azure.domain;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.ScalingGroupNames;
import dev.poolstream.provider.domain.CommandRules;
import java.util.Map;
import java.util.Optional;

/**
 * What Azure accepts in a command, checked before any ARM call: a scale set name, provider IDs of this provider's
 * subscription and resource group and, for a Uniform scale set VM, of the command's scale set (a Flexible VM's ID
 * does not name its scale set: whether the scale set holds it is decided on the describe), a template with the
 * AzureMachinePool's spec. Names compare without case, as ARM's do.
 */
public final class AzureCommandRules implements CommandRules {

    private final String subscription;
    private final String resourceGroup;

    public AzureCommandRules(String subscription, String resourceGroup) {
        this.subscription = subscription;
        this.resourceGroup = resourceGroup;
    }

    @Override
    public Optional<String> groupNameProblem(String group) {
        return ScalingGroupNames.problem(Cloud.AZURE, Map.of(ScalingGroupNames.ANNOTATION, group))
                .map(f -> "cannot name a VM Scale Set (1-64 letters, digits, '.', '_' or '-', starting with a letter or "
                        + "digit and ending with a letter, digit or '_')");
    }

    @Override
    public Optional<String> instanceProblem(String group, String providerID) {
        Optional<ProviderIds.Parts> parsed = ProviderIds.parse(providerID);
        if (parsed.isEmpty()) {
            return Optional.of("it is not an Azure VM's provider ID (azure:///subscriptions/<sub>/resourceGroups/<rg>/"
                    + "providers/Microsoft.Compute/...)");
        }
        ProviderIds.Parts parts = parsed.get();
        if (!parts.subscription().equalsIgnoreCase(subscription)) {
            return Optional.of("it is in another subscription than this provider's");
        }
        if (!parts.resourceGroup().equalsIgnoreCase(resourceGroup)) {
            return Optional.of("it is in another resource group than this provider's");
        }
        if (parts.scaleSet() != null && !parts.scaleSet().equalsIgnoreCase(group)) {
            return Optional.of("it is a VM of another scale set");
        }
        return Optional.empty();
    }

    @Override
    public boolean requiresInfrastructure() {
        return true;
    }
}
