package dev.poolstream.provider.azure.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Whether the pod runs with an Azure workload identity, from the settings AKS's workload identity webhook injects:
 * a client (the managed identity or app registration), its tenant, and the projected ServiceAccount token file it is
 * federated with. Without them the provider has no identity, and says so: it never falls back to the node's managed
 * identity (IMDS), the rights of every pod on the node. Pure: the settings and whether a file can be read are given.
 */
public final class AzureWorkloadIdentity {

    public static final String CLIENT_ID = "AZURE_CLIENT_ID";
    public static final String TENANT_ID = "AZURE_TENANT_ID";
    public static final String TOKEN_FILE = "AZURE_FEDERATED_TOKEN_FILE";

    /** The identity, or why there is none. */
    public sealed interface Choice {
    }

    public record Federated(String clientId, String tenantId, String tokenFile) implements Choice {
    }

    /** {@code message} names what is missing and how to give it. */
    public record Missing(String message) implements Choice {
    }

    /**
     * @param settings     a setting's value by its environment variable's name, or null when unset
     * @param readableFile whether a path names a file this process can read
     */
    public static Choice choose(Function<String, String> settings, Predicate<String> readableFile) {
        String clientId = value(settings, CLIENT_ID);
        String tenantId = value(settings, TENANT_ID);
        String tokenFile = value(settings, TOKEN_FILE);
        List<String> unset = new ArrayList<>();
        if (clientId == null) {
            unset.add(CLIENT_ID);
        }
        if (tenantId == null) {
            unset.add(TENANT_ID);
        }
        if (tokenFile == null) {
            unset.add(TOKEN_FILE);
        }
        if (!unset.isEmpty()) {
            return missing(String.join(", ", unset) + (unset.size() == 1 ? " is" : " are") + " not set (the "
                    + "workload identity webhook injects all three for a pod labelled azure.workload.identity/use="
                    + "\"true\" whose ServiceAccount is annotated azure.workload.identity/client-id; the tenant may "
                    + "also come from poolstream.provider.azure.tenant-id)");
        }
        if (!readableFile.test(tokenFile)) {
            return missing("the federated token file " + tokenFile + " (" + TOKEN_FILE + ") cannot be read");
        }
        return new Federated(clientId, tenantId, tokenFile);
    }

    private static Missing missing(String what) {
        return new Missing("no Azure workload identity: " + what + ". The provider does not fall back to the node's "
                + "managed identity; set poolstream.provider.azure.credentials.source=default-chain to use "
                + "DefaultAzureCredential (environment, managed identity, ...).");
    }

    private static String value(Function<String, String> settings, String name) {
        String v = settings.apply(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private AzureWorkloadIdentity() {
    }
}
