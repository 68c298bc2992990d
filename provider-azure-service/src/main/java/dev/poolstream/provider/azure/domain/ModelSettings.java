package dev.poolstream.provider.azure.domain;

import java.util.Objects;

/**
 * What the model needs that an AzureMachinePool does not say, because CAPZ takes it from the AzureCluster (which is
 * not on the contract): where the network is.
 *
 * @param subscriptionId          the subscription of the scale sets and the network
 * @param resourceGroup           the resource group of the scale sets
 * @param defaultLocation         the location when the pool names none
 * @param virtualNetwork          the virtual network's name; {@code {cluster}} stands for the cluster's name
 *                                (CAPZ's default is {@code {cluster}-vnet})
 * @param virtualNetworkResourceGroup the virtual network's resource group
 * @param defaultSubnet           the subnet when the pool names none (CAPZ's default node subnet is {@code node-subnet})
 * @param adminUsername           the Linux admin user (CAPZ: {@code capi})
 */
public record ModelSettings(String subscriptionId, String resourceGroup, String defaultLocation,
                            String virtualNetwork, String virtualNetworkResourceGroup, String defaultSubnet,
                            String adminUsername) {

    public ModelSettings {
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(resourceGroup, "resourceGroup");
    }

    public String subnetId(String cluster, String subnet) {
        String vnet = virtualNetwork.replace("{cluster}", cluster == null ? "" : cluster);
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + virtualNetworkResourceGroup
                + "/providers/Microsoft.Network/virtualNetworks/" + vnet + "/subnets/" + subnet;
    }
}
