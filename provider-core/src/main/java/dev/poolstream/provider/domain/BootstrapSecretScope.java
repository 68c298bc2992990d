package dev.poolstream.provider.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.SecretRef;
import java.util.Optional;

/**
 * Which bootstrap data Secret a pool's command may have read: only one in the pool's own namespace, as Cluster API's
 * {@code dataSecretName} is (a name, resolved in the MachinePool's namespace). A command that names a Secret in
 * another namespace is refused before the Secret is read and before any cloud call: the provider reads Secrets with
 * its own, wider access, and must not hand one namespace's bootstrap data (a join token) to another's instances.
 */
public final class BootstrapSecretScope {

    /**
     * Empty when the Secret may be read for the pool, or when the command names none yet (reading it then reports
     * that it is not set); else why not, reason {@link Reasons#BOOTSTRAP_SECRET_OUTSIDE_NAMESPACE}.
     *
     * @param pool the pool key, {@code <namespace>/<name>}
     */
    public static Optional<Failure> check(String pool, SecretRef secret) {
        if (secret == null || secret.name() == null) {
            return Optional.empty();
        }
        String namespace = namespaceOf(pool);
        if (namespace != null && namespace.equals(secret.namespace())) {
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
