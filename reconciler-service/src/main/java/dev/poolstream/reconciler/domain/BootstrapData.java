package dev.poolstream.reconciler.domain;

import dev.poolstream.events.PoolSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Cluster API's bootstrap step, which Poolstream takes in owner mode (Cluster API's MachinePool controller,
 * {@code reconcileBootstrap}): a pool whose {@code spec.template.spec.bootstrap} names only a {@code configRef} (a
 * KubeadmConfig, an EKSConfig, any kind) gets its {@code dataSecretName} once the config says its data Secret is
 * created: {@code status.dataSecretName}, with {@code status.initialization.dataSecretCreated} (v1beta2 contract) or
 * {@code status.ready} (v1beta1 contract) true. A config being deleted is left alone. Nothing here reads the config:
 * the step says when to read it, and what to write once it has been read.
 */
public final class BootstrapData {

    /** What {@code spec.template.spec.bootstrap.configRef} names, in the pool's namespace. */
    public record ConfigRef(String apiGroup, String kind, String name) {

        @Override
        public String toString() {
            return kind + "." + apiGroup + " " + name;
        }
    }

    /**
     * The config as one read found it.
     *
     * @param found             false when the object, or its kind, does not exist (yet)
     * @param dataSecretCreated the config says its data Secret exists
     * @param dataSecretName    {@code status.dataSecretName}, or null
     * @param readAt            when it was read
     */
    public record Config(ConfigRef ref, boolean found, boolean deleting, boolean dataSecretCreated,
                         String dataSecretName, Instant readAt) {

        public static Config notFound(ConfigRef ref, Instant readAt) {
            return new Config(ref, false, false, false, null, readAt);
        }

        /** The data Secret exists and the config names it. */
        public boolean ready() {
            return found && !deleting && dataSecretCreated && dataSecretName != null && !dataSecretName.isEmpty();
        }
    }

    /** Read the config, not before {@code at}. */
    public record Read(ConfigRef ref, Instant at) {
    }

    /**
     * @param read  the read to make, or null
     * @param write the name to write into {@code spec.template.spec.bootstrap.dataSecretName}, or null
     */
    public record Step(Read read, String write) {

        static final Step NOTHING = new Step(null, null);
    }

    /**
     * @param last    what the last read of the pool's config found, or null (none since this process started)
     * @param recheck how long after a read that found the config not ready the next one is made
     */
    public static Step step(PoolSpec spec, Config last, Instant now, Duration recheck) {
        ConfigRef ref = configRef(spec);
        if (ref == null) {
            return Step.NOTHING;
        }
        if (last == null || !last.ref().equals(ref)) {
            return new Step(new Read(ref, now), null);
        }
        if (!last.ready()) {
            return new Step(new Read(ref, last.readAt().plus(recheck)), null);
        }
        return Objects.equals(last.dataSecretName(), dataSecretName(spec)) ? Step.NOTHING
                : new Step(null, last.dataSecretName());
    }

    /** The pool's {@code configRef}, or null when it names none (or not completely). */
    public static ConfigRef configRef(PoolSpec spec) {
        var bootstrap = spec.spec() == null || spec.spec().getTemplate() == null
                || spec.spec().getTemplate().getSpec() == null ? null
                : spec.spec().getTemplate().getSpec().getBootstrap();
        var ref = bootstrap == null ? null : bootstrap.getConfigRef();
        if (ref == null || ref.getApiGroup() == null || ref.getKind() == null || ref.getName() == null) {
            return null;
        }
        return new ConfigRef(ref.getApiGroup(), ref.getKind(), ref.getName());
    }

    private static String dataSecretName(PoolSpec spec) {
        var bootstrap = spec.spec().getTemplate().getSpec().getBootstrap();
        return bootstrap == null ? null : bootstrap.getDataSecretName();
    }

    private BootstrapData() {
    }
}
