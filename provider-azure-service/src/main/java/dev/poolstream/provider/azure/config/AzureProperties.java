package dev.poolstream.provider.azure.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code poolstream.provider.azure.*}: the subscription and resource group this provider serves.
 *
 * @param subscriptionId   the subscription of the scale sets
 * @param resourceGroup    the resource group of the scale sets
 * @param location         the location of a pool that names none
 * @param tenantId         the Entra tenant; unset = {@code AZURE_TENANT_ID} (DefaultAzureCredential)
 * @param endpoint         a Resource Manager endpoint override (an ARM fake in tests, a sovereign cloud); https only,
 *                         as token credentials refuse plain http. Unset = Azure public cloud.
 * @param pollInterval     the SDK's poll interval for long-running operations when ARM sends no Retry-After (the
 *                         SDK's own default is 30 s)
 * @param operationWait    how long a command follows a long-running operation before it leaves the rest to the
 *                         inventory poller
 * @param connectTimeout   TCP connect timeout of one request
 * @param responseTimeout  time to the response headers of one request
 * @param network          where the pools' instances join the network (CAPZ takes this from the AzureCluster)
 * @param credentials      where the ARM token comes from: the pod's workload identity (default), or
 *                         DefaultAzureCredential
 */
@Validated
@ConfigurationProperties("poolstream.provider.azure")
public record AzureProperties(
        @NotBlank String subscriptionId,
        @NotBlank String resourceGroup,
        String location,
        String tenantId,
        URI endpoint,
        @NotNull @DefaultValue("5s") @DurationMin(nanos = 1) Duration pollInterval,
        @NotNull @DefaultValue("60s") @DurationMin(nanos = 1) Duration operationWait,
        @NotNull @DefaultValue("10s") @DurationMin(nanos = 1) Duration connectTimeout,
        @NotNull @DefaultValue("60s") @DurationMin(nanos = 1) Duration responseTimeout,
        @Valid @NotNull @DefaultValue Network network,
        @Valid @NotNull @DefaultValue Credentials credentials) {

    /** Where the ARM token comes from. */
    public enum Source {
        /**
         * The pod's workload identity only (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE); without it
         * every token request fails naming what is missing, never reaching for the node's managed identity.
         */
        WORKLOAD_IDENTITY,
        /** azure-identity's DefaultAzureCredential: environment, workload identity, managed identity, ... */
        DEFAULT_CHAIN
    }

    /** @param source unset = {@link Source#WORKLOAD_IDENTITY} */
    public record Credentials(@NotNull @DefaultValue("workload-identity") Source source) {
    }

    @AssertTrue(message = "endpoint must be an https URL (Azure token credentials refuse plain http)")
    public boolean isEndpointHttps() {
        return endpoint == null || "https".equalsIgnoreCase(endpoint.getScheme());
    }

    /**
     * @param virtualNetwork              the virtual network's name, {@code {cluster}} standing for the cluster's name
     * @param virtualNetworkResourceGroup the virtual network's resource group; unset = {@code resource-group}
     * @param subnet                      the subnet of a pool that names none in {@code template.subnetName}
     * @param adminUsername               the Linux admin user of the instances
     */
    public record Network(@NotBlank @DefaultValue("{cluster}-vnet") String virtualNetwork,
                          String virtualNetworkResourceGroup,
                          @NotBlank @DefaultValue("node-subnet") String subnet,
                          @NotBlank @DefaultValue("capi") String adminUsername) {
    }
}
