package dev.poolstream.watcher.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolKey;
import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.Cloud;
import dev.poolstream.watcher.config.WatcherProperties;
import dev.poolstream.watcher.domain.PoolSpecs;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Informer caches of the management cluster: MachinePools (v1beta2), AWSMachinePools, AzureMachinePools,
 * Clusters and the Clusters' kubeconfig Secrets. Every change is reported to a {@link Listener}; the publisher then
 * reads the current state back from these caches, so what it publishes never depends on the order of events.
 */
public final class ManagementCache {

    /** What changed; each call names an object, not its content. */
    public interface Listener {
        void poolChanged(PoolKey pool);

        void infrastructureChanged(String namespace, String kind, String name);

        void clusterChanged(String namespace, String name);

        void kubeconfigChanged(String namespace, String clusterName);

        /** An informer replayed its cache with nothing new (a resync). */
        void resynced(String kind);

        /**
         * An informer lists again, after its watch expired (410 Gone) or failed: the adds, updates and deletes the
         * list finds follow, each only a look again.
         */
        void relisting(String kind);
    }

    static final String BY_INFRASTRUCTURE = "infrastructure";
    static final String BY_CLUSTER = "cluster";

    private final Informers<MachinePool> pools;
    private final Informers<AWSMachinePool> awsPools;
    private final Informers<AzureMachinePool> azurePools;
    private final Informers<Cluster> clusters;
    private final Informers<Secret> kubeconfigs;

    public ManagementCache(KubernetesClient client, WatcherProperties properties, Listener listener) {
        long resync = properties.resyncPeriod().toMillis();
        List<String> namespaces = properties.namespaces();
        this.pools = Informers.create(ClusterApi.KIND_MACHINE_POOL,
                sources(namespaces, ns -> ns == null ? client.resources(MachinePool.class).inAnyNamespace()
                        : client.resources(MachinePool.class).inNamespace(ns)),
                resync, handler(ClusterApi.KIND_MACHINE_POOL, listener, p -> listener.poolChanged(PoolKey.of(p))),
                Map.of(BY_INFRASTRUCTURE, p -> infrastructureKeys(p), BY_CLUSTER, p -> clusterKeys(p)));
        this.awsPools = Informers.create(ClusterApi.KIND_AWS_MACHINE_POOL,
                sources(namespaces, ns -> ns == null ? client.resources(AWSMachinePool.class).inAnyNamespace()
                        : client.resources(AWSMachinePool.class).inNamespace(ns)),
                resync, handler(ClusterApi.KIND_AWS_MACHINE_POOL, listener, infrastructureChanged(listener)), Map.of())
                .mayBeNotServed();
        this.azurePools = Informers.create(ClusterApi.KIND_AZURE_MACHINE_POOL,
                sources(namespaces, ns -> ns == null ? client.resources(AzureMachinePool.class).inAnyNamespace()
                        : client.resources(AzureMachinePool.class).inNamespace(ns)),
                resync, handler(ClusterApi.KIND_AZURE_MACHINE_POOL, listener, infrastructureChanged(listener)),
                Map.of()).mayBeNotServed();
        this.clusters = Informers.create("Cluster",
                sources(namespaces, ns -> ns == null ? client.resources(Cluster.class).inAnyNamespace()
                        : client.resources(Cluster.class).inNamespace(ns)),
                resync, handler("Cluster", listener, c -> listener.clusterChanged(
                        c.getMetadata().getNamespace(), c.getMetadata().getName())), Map.of());
        // Only the Secrets Cluster API labels with a cluster name: the watcher has no business with the others.
        this.kubeconfigs = Informers.create("Secret",
                sources(namespaces, ns -> ns == null
                        ? client.secrets().inAnyNamespace().withLabel(ClusterApi.CLUSTER_NAME_LABEL)
                        : client.secrets().inNamespace(ns).withLabel(ClusterApi.CLUSTER_NAME_LABEL)),
                resync, handler("Secret", listener, s -> {
                    String name = s.getMetadata().getName();
                    if (name.endsWith(ClusterApi.KUBECONFIG_SECRET_SUFFIX)) {
                        listener.kubeconfigChanged(s.getMetadata().getNamespace(),
                                name.substring(0, name.length() - ClusterApi.KUBECONFIG_SECRET_SUFFIX.length()));
                    }
                }), Map.of());
    }

    /** Completes when every cache holds its first full list. */
    public CompletableFuture<Void> start() {
        return CompletableFuture.allOf(pools.start(), awsPools.start(), azurePools.start(), clusters.start(),
                kubeconfigs.start());
    }

    public boolean synced() {
        return pools.synced() && awsPools.synced() && azurePools.synced() && clusters.synced() && kubeconfigs.synced();
    }

    /** The infrastructure kinds the management cluster does not serve (yet): no CRD, so no such pools. */
    public List<String> kindsNotServed() {
        return Stream.of(awsPools, azurePools).filter(Informers::notServed).map(Informers::kind)
                .toList();
    }

    public Optional<MachinePool> pool(PoolKey key) {
        return pools.get(key.namespace(), key.name());
    }

    public List<MachinePool> pools() {
        return pools.list();
    }

    public List<MachinePool> poolsReferencing(String namespace, String kind, String name) {
        return pools.byIndex(BY_INFRASTRUCTURE, namespace + "/" + kind + "/" + name);
    }

    public List<MachinePool> poolsOfCluster(String namespace, String clusterName) {
        return pools.byIndex(BY_CLUSTER, namespace + "/" + clusterName);
    }

    /** The infrastructure pool a MachinePool references, when it is of a kind Poolstream runs and exists. */
    public Optional<? extends HasMetadata> infrastructureOf(MachinePool pool) {
        var ref = PoolSpecs.infrastructureRef(pool);
        Optional<Cloud> cloud = PoolSpecs.supportedCloud(ref);
        if (cloud.isEmpty()) {
            return Optional.empty();
        }
        String namespace = pool.getMetadata().getNamespace();
        return switch (cloud.get()) {
            case AWS -> awsPools.get(namespace, ref.getName());
            case AZURE -> azurePools.get(namespace, ref.getName());
        };
    }

    public Optional<Cluster> cluster(String namespace, String name) {
        return name == null ? Optional.empty() : clusters.get(namespace, name);
    }

    public List<Cluster> clusters() {
        return clusters.list();
    }

    public Optional<Cluster> clusterOf(MachinePool pool) {
        return cluster(pool.getMetadata().getNamespace(), pool.getSpec() == null ? null : pool.getSpec().getClusterName());
    }

    /** The kubeconfig of a workload cluster, or empty; the content never leaves the caller. */
    public Optional<String> kubeconfig(String namespace, String clusterName) {
        return kubeconfigs.get(namespace, ClusterApi.kubeconfigSecretName(clusterName))
                .map(Secret::getData)
                .map(data -> data.get(ClusterApi.KUBECONFIG_SECRET_KEY))
                .filter(Objects::nonNull)
                .map(encoded -> new String(java.util.Base64.getDecoder().decode(encoded),
                        java.nio.charset.StandardCharsets.UTF_8));
    }

    public void stop() {
        List.of(pools, awsPools, azurePools, clusters, kubeconfigs).forEach(Informers::stop);
    }

    private static <T extends HasMetadata> List<Informable<T>> sources(List<String> namespaces,
                                                                       Function<String, Informable<T>> source) {
        return namespaces.isEmpty() ? List.of(source.apply(null)) : namespaces.stream().map(source).toList();
    }

    private static Consumer<HasMetadata> infrastructureChanged(Listener listener) {
        return o -> listener.infrastructureChanged(o.getMetadata().getNamespace(), o.getKind(),
                o.getMetadata().getName());
    }

    private static List<String> infrastructureKeys(MachinePool pool) {
        var ref = PoolSpecs.infrastructureRef(pool);
        return ref == null || ref.getName() == null ? List.of()
                : List.of(pool.getMetadata().getNamespace() + "/" + ref.getKind() + "/" + ref.getName());
    }

    private static List<String> clusterKeys(MachinePool pool) {
        return pool.getSpec() == null || pool.getSpec().getClusterName() == null ? List.of()
                : List.of(pool.getMetadata().getNamespace() + "/" + pool.getSpec().getClusterName());
    }

    /**
     * Adds, updates and deletes all mean "look again"; an update with the same resourceVersion is a resync. A list
     * after the first is a relist (its deletes are the objects that went while the watch was broken).
     */
    private static <T extends HasMetadata> ResourceEventHandler<T> handler(String kind, Listener listener,
                                                                          Consumer<? super T> changed) {
        return new ResourceEventHandler<>() {
            @Override
            public void onBeforeList(String lastSyncResourceVersion) {
                if (lastSyncResourceVersion != null) {
                    listener.relisting(kind);
                }
            }

            @Override
            public void onAdd(T object) {
                changed.accept(object);
            }

            @Override
            public void onUpdate(T before, T after) {
                if (Objects.equals(before.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion())) {
                    listener.resynced(kind);
                }
                changed.accept(after);
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                changed.accept(object);
            }
        };
    }
}
