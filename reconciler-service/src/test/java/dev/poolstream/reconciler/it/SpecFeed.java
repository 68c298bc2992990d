package dev.poolstream.reconciler.it;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.KubeTime;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.PoolSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Plays the watcher on the real API server for the pools a test follows: informers on the MachinePools and
 * AWSMachinePools of one namespace, and for every change the pool's {@code machinepool.spec.v1} record as the
 * watcher folds it (the MachinePool's metadata and spec, the infrastructure pool with its finalizers and deletion
 * timestamp), or a tombstone once the MachinePool is gone. What it publishes is what the server holds, including
 * the reconciler's own writes, a moment later: the picture the reconciler really decides from.
 */
final class SpecFeed implements AutoCloseable {

    private final String namespace;
    private final BiConsumer<String, PoolSpec> publish;
    private final Set<String> followed = ConcurrentHashMap.newKeySet();
    private final Map<String, PoolSpec> last = new HashMap<>();
    /** Pool → the resource versions of its MachinePool and AWSMachinePool its last record was made from. */
    private final Map<String, List<String>> madeFrom = new HashMap<>();
    private final SharedIndexInformer<MachinePool> pools;
    private final SharedIndexInformer<AWSMachinePool> infrastructure;

    /** @param publish key and record; a null record is a tombstone */
    SpecFeed(KubernetesClient kube, String namespace, BiConsumer<String, PoolSpec> publish) {
        this.namespace = namespace;
        this.publish = publish;
        this.pools = kube.resources(MachinePool.class).inNamespace(namespace)
                .inform(handler(p -> changed(p.getMetadata().getName())));
        this.infrastructure = kube.resources(AWSMachinePool.class).inNamespace(namespace)
                .inform(handler(infra -> pools.getStore().list().stream()
                        .filter(p -> infra.getMetadata().getName().equals(infrastructureName(p)))
                        .forEach(p -> changed(p.getMetadata().getName()))));
    }

    /** Publishes the pool's records from now on; call it before the pool's objects are created. */
    void follow(String pool) {
        followed.add(pool);
        changed(pool);
    }

    private synchronized void changed(String name) {
        if (!followed.contains(name)) {
            return;
        }
        MachinePool pool = pools.getStore().getByKey(namespace + "/" + name);
        AWSMachinePool infra = pool == null ? null : infrastructure.getStore()
                .getByKey(namespace + "/" + infrastructureName(pool));
        PoolSpec spec = pool == null ? null : spec(pool, infra);
        madeFrom.put(name, resourceVersions(pool, infra));
        boolean known = last.containsKey(name);
        if (known ? Objects.equals(last.get(name), spec) : spec == null) {
            return;
        }
        last.put(name, spec);
        publish.accept(namespace + "/" + name, spec);
    }

    /**
     * Whether the pool's last record was made from these objects as the server holds them now (null for one that is
     * not there): it has been published, or needed no record.
     */
    synchronized boolean publishedFrom(String name, MachinePool pool, AWSMachinePool infra) {
        return resourceVersions(pool, infra).equals(madeFrom.get(name));
    }

    private static List<String> resourceVersions(MachinePool pool, AWSMachinePool infra) {
        return Arrays.asList(pool == null ? null : pool.getMetadata().getResourceVersion(),
                infra == null ? null : infra.getMetadata().getResourceVersion());
    }

    /** The watcher's fold of a MachinePool and its AWSMachinePool (watcher-service {@code PoolSpecs.of}). */
    static PoolSpec spec(MachinePool pool, AWSMachinePool infra) {
        var meta = pool.getMetadata();
        String infraName = infrastructureName(pool);
        InfrastructurePool infrastructure = infra == null
                ? InfrastructurePool.unresolved(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL,
                infraName, new Failure(InfrastructurePool.REASON_NOT_FOUND, "AWSMachinePool " + meta.getNamespace()
                        + "/" + infraName + " does not exist"))
                : new InfrastructurePool(ClusterApi.INFRASTRUCTURE_GROUP, ClusterApi.KIND_AWS_MACHINE_POOL, infraName,
                infra.getMetadata().getUid(), infra.getMetadata().getGeneration(),
                infra.getMetadata().getFinalizers(), KubeTime.parse(infra.getMetadata().getDeletionTimestamp()),
                new InfraSpec.Aws(infra.getSpec()), null);
        Map<String, String> annotations = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations()
                .entrySet().stream().filter(e -> e.getKey().startsWith(ClusterApi.CLUSTER_GROUP + "/")
                        || e.getKey().startsWith("poolstream.dev/"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        return new PoolSpec(meta.getNamespace(), meta.getName(), meta.getUid(), meta.getGeneration(),
                meta.getLabels(), annotations, meta.getFinalizers(), KubeTime.parse(meta.getDeletionTimestamp()),
                pool.getSpec(), infrastructure, false);
    }

    private static String infrastructureName(MachinePool pool) {
        var ref = pool.getSpec().getTemplate().getSpec().getInfrastructureRef();
        return ref == null ? null : ref.getName();
    }

    private static <T extends HasMetadata> ResourceEventHandler<T> handler(Consumer<T> changed) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                changed.accept(object);
            }

            @Override
            public void onUpdate(T before, T after) {
                changed.accept(after);
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                changed.accept(object);
            }
        };
    }

    @Override
    public void close() {
        pools.close();
        infrastructure.close();
    }
}
