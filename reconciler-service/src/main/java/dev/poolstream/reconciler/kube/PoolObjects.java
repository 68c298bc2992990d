package dev.poolstream.reconciler.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.PoolSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The reconciler's writes to the management cluster: finalizers, and a pool's replicas when an autoscaler owns them. */
public final class PoolObjects {

    private static final Logger log = LoggerFactory.getLogger(PoolObjects.class);
    private static final Map<String, Class<? extends HasMetadata>> INFRASTRUCTURE_KINDS = Map.of(
            ClusterApi.KIND_AWS_MACHINE_POOL, AWSMachinePool.class,
            ClusterApi.KIND_AZURE_MACHINE_POOL, AzureMachinePool.class);

    private final KubernetesClient client;
    private final boolean ownerMode;

    public PoolObjects(KubernetesClient client, boolean ownerMode) {
        this.client = client;
        this.ownerMode = ownerMode;
    }

    public void addFinalizers(PoolSpec spec) {
        infrastructurePool(spec).ifPresent(r -> editFinalizers(r, f -> add(f, ClusterApi.POOLSTREAM_FINALIZER)));
        if (ownerMode) {
            editFinalizers(machinePool(spec), f -> add(f, ClusterApi.MACHINE_POOL_FINALIZER));
        }
    }

    public void removeFinalizers(PoolSpec spec) {
        infrastructurePool(spec).ifPresent(r -> editFinalizers(r, f -> remove(f, ClusterApi.POOLSTREAM_FINALIZER)));
        if (ownerMode) {
            editFinalizers(machinePool(spec), f -> remove(f, ClusterApi.MACHINE_POOL_FINALIZER));
        }
        log.info("removed the finalizers of pool {}: its cloud group is gone", spec.key());
    }

    public void setReplicas(PoolSpec spec, int replicas) {
        machinePool(spec).patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"replicas\":" + replicas + "}}");
        log.info("set spec.replicas of pool {} to {}, the size its autoscaler gave the group", spec.key(), replicas);
    }

    private java.util.Optional<Resource<GenericKubernetesResource>> infrastructurePool(PoolSpec spec) {
        if (spec.infrastructure() == null || spec.infrastructure().kind() == null) {
            return java.util.Optional.empty();
        }
        Class<? extends HasMetadata> type = INFRASTRUCTURE_KINDS.get(spec.infrastructure().kind());
        return type == null ? java.util.Optional.empty() : java.util.Optional.of(
                client.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(type))
                        .inNamespace(spec.namespace()).withName(spec.infrastructure().name()));
    }

    private Resource<GenericKubernetesResource> machinePool(PoolSpec spec) {
        return client.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(MachinePool.class))
                .inNamespace(spec.namespace()).withName(spec.name());
    }

    /** Edits only when the list changes; an object that is gone needs nothing. */
    private static void editFinalizers(Resource<GenericKubernetesResource> resource,
                                       UnaryOperator<List<String>> change) {
        GenericKubernetesResource current = resource.get();
        if (current == null) {
            return;
        }
        List<String> before = current.getMetadata().getFinalizers() == null ? List.of()
                : current.getMetadata().getFinalizers();
        List<String> after = change.apply(new ArrayList<>(before));
        if (!after.equals(before)) {
            resource.edit(o -> {
                o.getMetadata().setFinalizers(change.apply(o.getMetadata().getFinalizers() == null
                        ? new ArrayList<>() : new ArrayList<>(o.getMetadata().getFinalizers())));
                return o;
            });
        }
    }

    private static List<String> add(List<String> finalizers, String finalizer) {
        if (!finalizers.contains(finalizer)) {
            finalizers.add(finalizer);
        }
        return finalizers;
    }

    private static List<String> remove(List<String> finalizers, String finalizer) {
        finalizers.remove(finalizer);
        return finalizers;
    }
}
