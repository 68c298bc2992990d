package dev.poolstream.api.kube;

import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.api.model.Cluster;
import io.fabric8.kubernetes.api.model.NamedAuthInfo;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A workload cluster's kubeconfig, from its {@code <cluster>-kubeconfig} Secret, made into a client's configuration
 * only when it carries its credentials in itself. fabric8 runs a user's {@code exec} command as it reads the file,
 * an {@code auth-provider} can name one too, and a path ({@code tokenFile}, {@code client-key}, a CA file) is read from
 * this pod: a Secret anyone can write in a watched namespace would run commands here, or send this pod's own service
 * account token to a server of its choosing. Cluster API's kubeconfigs carry data (certificates, keys, a token) and
 * need none of it. What is refused is said by field path ({@code users[0].exec}), never by value, nor by the names the
 * file gives its entries.
 */
public final class WorkloadKubeconfig {

    /**
     * A kubeconfig this process will not use: it asks to run a command or read a file (saying which fields), or it
     * names no server. The message quotes nothing of the file, and follows "the kubeconfig in Secret ...".
     */
    public static final class Refused extends IllegalArgumentException {
        Refused(String message) {
            super(message);
        }
    }

    private static final KubernetesSerialization YAML = new KubernetesSerialization();

    /**
     * @throws Refused          when a user runs a command or names an auth provider, a user or cluster names a file,
     *                          or it has no current context with a cluster server
     * @throws RuntimeException when it is no kubeconfig at all (the parser's message can quote it: name the Secret,
     *                          not the message)
     */
    public static Config parse(String kubeconfig) {
        io.fabric8.kubernetes.api.model.Config model = YAML.unmarshal(kubeconfig,
                io.fabric8.kubernetes.api.model.Config.class);
        List<String> refused = new ArrayList<>();
        if (model != null && model.getUsers() != null) {
            for (int i = 0; i < model.getUsers().size(); i++) {
                NamedAuthInfo named = model.getUsers().get(i);
                AuthInfo user = named == null ? null : named.getUser();
                if (user == null) {
                    continue;
                }
                String who = "users[" + i + "]";
                if (user.getExec() != null) {
                    refused.add(who + " runs a command (exec)");
                }
                if (user.getAuthProvider() != null) {
                    refused.add(who + " names an auth-provider");
                }
                addIfSet(refused, who, "tokenFile", user.getTokenFile());
                addIfSet(refused, who, "client-certificate", user.getClientCertificate());
                addIfSet(refused, who, "client-key", user.getClientKey());
            }
        }
        if (model != null && model.getClusters() != null) {
            for (int i = 0; i < model.getClusters().size(); i++) {
                NamedCluster named = model.getClusters().get(i);
                Cluster cluster = named == null ? null : named.getCluster();
                if (cluster != null) {
                    addIfSet(refused, "clusters[" + i + "]", "certificate-authority",
                            cluster.getCertificateAuthority());
                }
            }
        }
        if (!refused.isEmpty()) {
            throw new Refused("is refused: " + String.join("; ", refused) + ": Poolstream runs no command and reads"
                    + " no file a kubeconfig names (put the credentials in it: *-data fields or a token)");
        }
        Config config = Config.fromKubeconfig(kubeconfig);
        if (config.getCurrentContext() == null || config.getMasterUrl() == null) {
            // Not a kubeconfig at all: the client would fall back to defaults and fail on an unknown host.
            throw new Refused("cannot be used (it has no current context with a cluster server)");
        }
        return config;
    }

    private static void addIfSet(List<String> refused, String who, String field, String path) {
        if (path != null && !path.isBlank()) {
            refused.add(who + " reads a file of this pod (" + field + ")");
        }
    }

    /**
     * The configuration of a workload cluster's client: each request bounded by {@code timeout} (to connect, and to
     * be answered) and made once, as trying again is the caller's, with its backoff; and named by the service's
     * {@code User-Agent} ({@link ManagementClients#userAgent}), as its management client's requests are.
     */
    public static Config forOneTry(Config parsed, Duration timeout, String userAgent) {
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        return new ConfigBuilder(parsed).withConnectionTimeout(millis).withRequestTimeout(millis)
                .withRequestRetryBackoffLimit(0).withUserAgent(userAgent).build();
    }

    private WorkloadKubeconfig() {
    }
}
