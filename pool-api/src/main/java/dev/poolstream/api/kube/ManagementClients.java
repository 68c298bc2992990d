package dev.poolstream.api.kube;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Utils;

/**
 * The management cluster's client, configured as fabric8 does it (the pod's service account, {@code KUBECONFIG} or
 * {@code kubeconfig}, {@code kubernetes.*} properties), with one change: a configuration whose user authenticates by
 * client certificate alone is not read again.
 *
 * <p>fabric8 refreshes an auto-configured client's token at most once a minute, by reading its configuration again,
 * and counts a minute from the last refresh that found a token. With a client certificate there is none, so after
 * the first minute every request read and parsed the kubeconfig file again (measured: 7% of the allocation of the
 * bench's process while {@code node-to-status} changed Nodes, half of the status writer's, bench/README.md). A
 * certificate is read once anyway: the client's TLS is set up when it is built. With a token (a service account's,
 * an exec plugin's, a kubeconfig's) the configuration stays as fabric8 makes it, refreshed each minute, as a rotating
 * token needs.
 *
 * <p>Every client names the service that makes its requests ({@link #userAgent}): the API server's audit log shows
 * who made a request by it, and an update's field manager in {@code managedFields} is taken from it, as Kubernetes'
 * own controllers are named there.
 */
public final class ManagementClients {

    private ManagementClients() {
    }

    /** @param service the service's name, e.g. {@code status-service} ({@code spring.application.name}) */
    public static KubernetesClient create(String service) {
        return new KubernetesClientBuilder().withConfig(config(service)).build();
    }

    /**
     * The {@code User-Agent} of a service's requests, {@code poolstream-<service>/<version>}. The API server takes an
     * update's field manager from what comes before the {@code /}, so that {@code managedFields} say
     * {@code poolstream-status-service} where fabric8 would say {@code fabric8-kubernetes-client} for every client
     * built with it.
     */
    public static String userAgent(String service) {
        String version = ManagementClients.class.getPackage().getImplementationVersion();
        return "poolstream-" + service + "/" + (version == null ? "dev" : version);
    }

    /** The configuration {@link #create} builds its client with. */
    static Config config(String service) {
        Config config = Config.autoConfigure(null);
        config.setUserAgent(userAgent(service));
        if (!certificateOnly(config)) {
            return config;
        }
        // Config.refresh() returns a configuration as it is when it is not auto-configured and has no file. fabric8
        // keeps the file among the current context's additional properties: the copy's context has only its name
        // and what it names.
        ConfigBuilder copy = new ConfigBuilder(config).withAutoConfigure(false);
        NamedContext context = config.getCurrentContext();
        if (context != null) {
            copy.withCurrentContext(new NamedContext(context.getContext(), context.getName()));
        }
        return copy.build();
    }

    private static boolean certificateOnly(Config config) {
        return (Utils.isNotNullOrEmpty(config.getClientCertData()) || Utils.isNotNullOrEmpty(config.getClientCertFile()))
                && Utils.isNullOrEmpty(config.getOauthToken()) && Utils.isNullOrEmpty(config.getAutoOAuthToken())
                && config.getOauthTokenProvider() == null && config.getAuthProvider() == null
                && Utils.isNullOrEmpty(config.getUsername());
    }
}
