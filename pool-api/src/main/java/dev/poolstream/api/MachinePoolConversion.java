package dev.poolstream.api;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.Template;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.Metadata;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.Spec;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Bootstrap;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Deletion;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.InfrastructureRef;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.bootstrap.ConfigRef;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a v1beta1 MachinePool as v1beta2, for the fields the pipeline uses. An API server with Cluster API's
 * conversion webhook serves v1beta2 itself; this is for v1beta1 manifests read without one (clusterctl
 * templates, the sandbox). The rules follow Cluster API's own conversion: {@code apiVersion} references become
 * {@code apiGroup}, {@code spec.minReadySeconds} moves into the template, and the drain, volume-detach and
 * deletion timeouts become whole seconds. Status is not converted: Poolstream computes v1beta2 status itself.
 */
public final class MachinePoolConversion {

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    public static MachinePool toV1beta2(dev.poolstream.api.cluster.v1beta1.MachinePool old) {
        MachinePool pool = new MachinePool();
        pool.setMetadata(new ObjectMetaBuilder(old.getMetadata()).build());
        var oldSpec = old.getSpec();
        if (oldSpec == null) {
            return pool;
        }
        MachinePoolSpec spec = new MachinePoolSpec();
        spec.setClusterName(oldSpec.getClusterName());
        spec.setReplicas(oldSpec.getReplicas());
        spec.setFailureDomains(oldSpec.getFailureDomains());
        spec.setProviderIDList(oldSpec.getProviderIDList());
        spec.setTemplate(template(oldSpec.getTemplate(), oldSpec.getMinReadySeconds()));
        pool.setSpec(spec);
        return pool;
    }

    private static Template template(dev.poolstream.api.cluster.v1beta1.machinepoolspec.Template old,
                                     Integer minReadySeconds) {
        Template template = new Template();
        Spec spec = new Spec();
        spec.setMinReadySeconds(minReadySeconds);
        template.setSpec(spec);
        if (old == null) {
            return template;
        }
        if (old.getMetadata() != null) {
            Metadata metadata = new Metadata();
            metadata.setLabels(old.getMetadata().getLabels());
            metadata.setAnnotations(old.getMetadata().getAnnotations());
            template.setMetadata(metadata);
        }
        var oldSpec = old.getSpec();
        if (oldSpec == null) {
            return template;
        }
        spec.setClusterName(oldSpec.getClusterName());
        spec.setVersion(oldSpec.getVersion());
        spec.setFailureDomain(oldSpec.getFailureDomain());
        spec.setProviderID(oldSpec.getProviderID());
        if (oldSpec.getBootstrap() != null) {
            Bootstrap bootstrap = new Bootstrap();
            bootstrap.setDataSecretName(oldSpec.getBootstrap().getDataSecretName());
            var ref = oldSpec.getBootstrap().getConfigRef();
            if (ref != null) {
                ConfigRef configRef = new ConfigRef();
                configRef.setApiGroup(apiGroup(ref.getApiVersion()));
                configRef.setKind(ref.getKind());
                configRef.setName(ref.getName());
                bootstrap.setConfigRef(configRef);
            }
            spec.setBootstrap(bootstrap);
        }
        var ref = oldSpec.getInfrastructureRef();
        if (ref != null) {
            InfrastructureRef infrastructureRef = new InfrastructureRef();
            infrastructureRef.setApiGroup(apiGroup(ref.getApiVersion()));
            infrastructureRef.setKind(ref.getKind());
            infrastructureRef.setName(ref.getName());
            spec.setInfrastructureRef(infrastructureRef);
        }
        Deletion deletion = new Deletion();
        deletion.setNodeDrainTimeoutSeconds(durationSeconds(oldSpec.getNodeDrainTimeout()));
        deletion.setNodeVolumeDetachTimeoutSeconds(durationSeconds(oldSpec.getNodeVolumeDetachTimeout()));
        Integer deletionTimeout = durationSeconds(oldSpec.getNodeDeletionTimeout());
        if (deletionTimeout != null) {
            deletion.setNodeDeletionTimeoutSeconds(deletionTimeout);
        }
        spec.setDeletion(deletion);
        return template;
    }

    /** {@code infrastructure.cluster.x-k8s.io/v1beta1} → {@code infrastructure.cluster.x-k8s.io}; {@code v1} → core (empty). */
    static String apiGroup(String apiVersion) {
        if (apiVersion == null) {
            return null;
        }
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    /**
     * A Go duration ({@code 1h30m}, {@code 90s}, {@code 500ms}) in whole seconds, rounded down; null for null.
     * Anything else is an {@link IllegalArgumentException} that quotes the value.
     */
    static Integer durationSeconds(String duration) {
        if (duration == null) {
            return null;
        }
        String text = duration.trim();
        if (text.equals("0")) {
            return 0;
        }
        Matcher m = DURATION_PART.matcher(text);
        BigDecimal nanos = BigDecimal.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
            end = m.end();
        }
        if (end == 0 || end != text.length()) {
            throw new IllegalArgumentException("'" + duration + "' is not a duration such as 90s or 1h30m");
        }
        return nanos.divideToIntegralValue(BigDecimal.valueOf(1_000_000_000L)).intValueExact();
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
    }

    private MachinePoolConversion() {
    }
}
