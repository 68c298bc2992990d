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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** A MachinePool, its infrastructure pool and its Cluster, folded into the pool's desired state. */
public final class PoolSpecs {

    /** Annotations that change what Poolstream does; the rest (kubectl's last-applied configuration...) stay out. */
    static final List<String> KEPT_ANNOTATION_PREFIXES =
            List.of(ClusterApi.CLUSTER_GROUP + "/", "poolstream.dev/");

    /**
     * @param infrastructure the object {@code infrastructureRef} names, as found in the pool's namespace, or empty
     * @param cluster        the pool's Cluster, or null when it does not exist (yet)
     */
    public static PoolSpec of(MachinePool pool, Optional<? extends HasMetadata> infrastructure, Cluster cluster) {
        return of(pool, infrastructure, cluster, List.of());
    }

    /**
     * @param naming the MachinePools that name the same infrastructure pool (this one among them or not): the one that
     *               named it first has it, the others are told so and resolve nothing, so that none of them deletes it
     *               (or, with it, the first one's cloud group) when it is deleted itself
     */
    public static PoolSpec of(MachinePool pool, Optional<? extends HasMetadata> infrastructure, Cluster cluster,
                              List<MachinePool> naming) {
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
                shared(pool, naming, resolve(meta.getNamespace(), infrastructureRef(pool), infrastructure)),
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
                KubeTime.parse(meta.getDeletionTimestamp()), spec, null,
                meta.getAnnotations() != null && meta.getAnnotations().containsKey(ClusterApi.PAUSED_ANNOTATION));
    }

    /**
     * The MachinePool that named the pool's infrastructure pool first, when it is another: made earlier (at the same
     * second, first by name). Empty when this one did, or none other names it.
     */
    static Optional<MachinePool> firstToName(MachinePool pool, List<MachinePool> naming) {
        InfrastructureRef ref = infrastructureRef(pool);
        if (ref == null || ref.getName() == null) {
            return Optional.empty();
        }
        Comparator<MachinePool> first = Comparator
                .comparing((MachinePool p) -> KubeTime.parse(p.getMetadata().getCreationTimestamp()),
                        Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(p -> p.getMetadata().getName());
        return Stream.concat(Stream.of(pool), naming.stream())
                .filter(p -> Objects.equals(p.getMetadata().getNamespace(), pool.getMetadata().getNamespace())
                        && sameReference(ref, infrastructureRef(p)))
                .min(first)
                .filter(p -> !p.getMetadata().getName().equals(pool.getMetadata().getName()));
    }

    private static boolean sameReference(InfrastructureRef a, InfrastructureRef b) {
        return b != null && Objects.equals(a.getKind(), b.getKind()) && Objects.equals(a.getName(), b.getName());
    }

    /** The infrastructure pool as resolved, or, when it exists and another MachinePool named it first, refused. */
    private static InfrastructurePool shared(MachinePool pool, List<MachinePool> naming, InfrastructurePool resolved) {
        if (!resolved.resolved()) {
            return resolved;
        }
        return firstToName(pool, naming).map(first -> shared(pool, first)).orElse(resolved);
    }

    private static InfrastructurePool shared(MachinePool pool, MachinePool first) {
        InfrastructureRef ref = infrastructureRef(pool);
        return InfrastructurePool.unresolved(ref.getApiGroup(), ref.getKind(), ref.getName(),
                new Failure(InfrastructurePool.REASON_SHARED, ref.getKind() + " " + pool.getMetadata().getNamespace()
                        + "/" + ref.getName() + " is MachinePool " + first.getMetadata().getName()
                        + "'s, which named it first: a MachinePool needs an infrastructure pool of its own"));
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
