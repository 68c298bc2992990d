package dev.poolstream.watcher.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.KubeTime;
import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.InfrastructureRef;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.PoolSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** A MachinePool, its infrastructure pool and its Cluster, folded into the pool's desired state. */
public final class PoolSpecs {

    /** Annotations that change what Poolstream does; the rest (kubectl's last-applied configuration...) stay out. */
    static final java.util.List<String> KEPT_ANNOTATION_PREFIXES =
            java.util.List.of(ClusterApi.CLUSTER_GROUP + "/", "poolstream.dev/");

    /**
     * @param infrastructure the object {@code infrastructureRef} names, as found in the pool's namespace, or empty
     * @param cluster        the pool's Cluster, or null when it does not exist (yet)
     */
    public static PoolSpec of(MachinePool pool, Optional<? extends HasMetadata> infrastructure, Cluster cluster) {
        ObjectMeta meta = pool.getMetadata();
        return new PoolSpec(
                meta.getNamespace(),
                meta.getName(),
                meta.getUid(),
                meta.getGeneration() == null ? 0 : meta.getGeneration(),
                meta.getLabels(),
                keptAnnotations(meta.getAnnotations()),
                meta.getFinalizers(),
                KubeTime.parse(meta.getDeletionTimestamp()),
                pool.getSpec(),
                resolve(meta.getNamespace(), infrastructureRef(pool), infrastructure),
                cluster != null && cluster.getSpec() != null && Boolean.TRUE.equals(cluster.getSpec().getPaused()));
    }

    /** The reference, or null when the pool has none. */
    public static InfrastructureRef infrastructureRef(MachinePool pool) {
        var spec = pool.getSpec();
        if (spec == null || spec.getTemplate() == null || spec.getTemplate().getSpec() == null) {
            return null;
        }
        return spec.getTemplate().getSpec().getInfrastructureRef();
    }

    /** Whether the watcher can look the reference up: a kind Poolstream runs, in the infrastructure group. */
    public static Optional<Cloud> supportedCloud(InfrastructureRef ref) {
        if (ref == null || !ClusterApi.INFRASTRUCTURE_GROUP.equals(ref.getApiGroup())) {
            return Optional.empty();
        }
        return Cloud.ofInfrastructureKind(ref.getKind());
    }

    static InfrastructurePool resolve(String namespace, InfrastructureRef ref,
                                      Optional<? extends HasMetadata> found) {
        if (ref == null || ref.getName() == null || ref.getKind() == null) {
            return InfrastructurePool.unresolved(null, null, null, new Failure(InfrastructurePool.REASON_REF_MISSING,
                    "spec.template.spec.infrastructureRef is not set"));
        }
        if (supportedCloud(ref).isEmpty()) {
            return InfrastructurePool.unresolved(ref.getApiGroup(), ref.getKind(), ref.getName(),
                    new Failure(InfrastructurePool.REASON_KIND_UNSUPPORTED, ref.getKind() + "."
                            + ref.getApiGroup() + " is not a kind Poolstream runs: it runs "
                            + ClusterApi.KIND_AWS_MACHINE_POOL + " and " + ClusterApi.KIND_AZURE_MACHINE_POOL
                            + " of " + ClusterApi.INFRASTRUCTURE_GROUP));
        }
        if (found.isEmpty()) {
            return InfrastructurePool.unresolved(ref.getApiGroup(), ref.getKind(), ref.getName(),
                    new Failure(InfrastructurePool.REASON_NOT_FOUND,
                            ref.getKind() + " " + namespace + "/" + ref.getName() + " does not exist"));
        }
        HasMetadata object = found.get();
        InfraSpec spec;
        if (object instanceof AWSMachinePool aws) {
            spec = new InfraSpec.Aws(aws.getSpec());
        } else if (object instanceof AzureMachinePool azure) {
            spec = new InfraSpec.Azure(azure.getSpec());
        } else {
            throw new IllegalArgumentException("found " + object.getKind() + " for a " + ref.getKind() + " reference");
        }
        ObjectMeta meta = object.getMetadata();
        return new InfrastructurePool(ref.getApiGroup(), ref.getKind(), ref.getName(), meta.getUid(),
                meta.getGeneration() == null ? 0 : meta.getGeneration(), meta.getFinalizers(),
                KubeTime.parse(meta.getDeletionTimestamp()), spec, null);
    }

    static Map<String, String> keptAnnotations(Map<String, String> annotations) {
        if (annotations == null) {
            return Map.of();
        }
        return annotations.entrySet().stream()
                .filter(e -> e.getValue() != null && KEPT_ANNOTATION_PREFIXES.stream().anyMatch(e.getKey()::startsWith))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }


    private PoolSpecs() {
    }
}
