package dev.poolstream.provider.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.SecretRef;
import java.util.Optional;

/**
 * Which bootstrap data Secret a pool's command may have read: only one in the pool's own namespace, as Cluster API's
 * {@code dataSecretName} is (a name, resolved in the MachinePool's namespace). A command that names a Secret in
 * another namespace is refused before the Secret is read and before any cloud call: the provider reads Secrets with
 * its own, wider access, and must not hand one namespace's bootstrap data (a join token) to another's instances.
 * Nor a kubeconfig: Cluster API's {@code <cluster>-kubeconfig} (and CAPA's {@code <cluster>-user-kubeconfig}) keep it
 * under the same key {@code value} as bootstrap data, so a user who may edit a MachinePool but not read Secrets could
 * otherwise have the cluster's admin credentials put into instance user data, readable from the instances.
 */
public final class BootstrapSecretScope {

    /** How Cluster API names a cluster's kubeconfig Secrets ({@code ClusterApi.kubeconfigSecretName}). */
    private static final String KUBECONFIG_SUFFIX = "-kubeconfig";

    /**
     * Empty when the Secret may be read for the pool, or when the command names none yet (reading it then reports
     * that it is not set); else why not, reason {@link Reasons#BOOTSTRAP_SECRET_OUTSIDE_NAMESPACE} or
     * {@link Reasons#BOOTSTRAP_SECRET_IS_KUBECONFIG}.
     *
     * @param pool the pool key, {@code <namespace>/<name>}
     */
    public static Optional<Failure> check(String pool, SecretRef secret) {
        if (secret == null || secret.name() == null) {
            return Optional.empty();
        }
        String namespace = namespaceOf(pool);
        if (namespace != null && namespace.equals(secret.namespace())) {
            if (secret.name().endsWith(KUBECONFIG_SUFFIX)) {
                return Optional.of(new Failure(Reasons.BOOTSTRAP_SECRET_IS_KUBECONFIG, "the bootstrap data Secret "
                        + secret.namespace() + "/" + secret.name() + " is named as a cluster's kubeconfig Secret "
                        + "(*" + KUBECONFIG_SUFFIX + "); Poolstream does not put a kubeconfig into instance user data, "
                        + "and has not read it"));
            }
            return Optional.empty();
        }
        return Optional.of(new Failure(Reasons.BOOTSTRAP_SECRET_OUTSIDE_NAMESPACE, "the bootstrap data Secret "
                + secret.namespace() + "/" + secret.name() + " is not in the namespace of pool " + pool + " ("
                + namespace + "); Poolstream reads a pool's bootstrap data only from the pool's own namespace, and "
                + "has not read it"));
    }

    private static String namespaceOf(String pool) {
        int slash = pool == null ? -1 : pool.indexOf('/');
        return slash > 0 ? pool.substring(0, slash) : null;
    }

    private BootstrapSecretScope() {
    }
}
