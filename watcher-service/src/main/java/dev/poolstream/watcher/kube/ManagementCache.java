package dev.poolstream.watcher.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolKey;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachineHealthCheck;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolMachine;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachine;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.Cloud;
import dev.poolstream.watcher.config.WatcherProperties;
import dev.poolstream.watcher.domain.HealthChecks;
import dev.poolstream.watcher.domain.PoolSpecs;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Informer caches of the management cluster: MachinePools (v1beta2), AWSMachinePools, AzureMachinePools,
 * Clusters, the Clusters' kubeconfigs (the labelled Secrets as metadata, the content of {@code <cluster>-kubeconfig}
 * alone: {@link KubeconfigSecrets}), and the per-instance kinds (Machines, AWSMachines,
 * AzureMachinePoolMachines) and MachineHealthChecks of those that are served. Every change is reported to a
 * {@link Listener}; the publisher then reads the current state back from these caches, so what it publishes never
 * depends on the order of events.
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

    private static final Logger log = LoggerFactory.getLogger(ManagementCache.class);

    static final String BY_INFRASTRUCTURE = "infrastructure";
    static final String BY_CLUSTER = "cluster";
    /** Pools by the labels their Machines carry; Machines and infrastructure machines by the pool they name. */
    static final String BY_MACHINE_LABELS = "machineLabels";
    static final String BY_POOL = "pool";
    /** Machines by the infrastructure machine they reference. */
    static final String BY_INFRASTRUCTURE_MACHINE = "infrastructureMachine";
    private static final long DISCOVERY_MAX_BACKOFF_MILLIS = 32_000;

    private final Informers<MachinePool> pools;
    private final Informers<AWSMachinePool> awsPools;
    private final Informers<AzureMachinePool> azurePools;
    private final Informers<Cluster> clusters;
    /** The Secrets labelled with a cluster name, as metadata only: names, labels, resourceVersions. */
    private final Informers<PartialObjectMetadata> labelledSecrets;
    private final KubeconfigSecrets kubeconfigs;
    private final CompletableFuture<Void> kubeconfigsRead = new CompletableFuture<>();

    // The per-instance kinds are optional (a cluster with CAPZ alone has no AWSMachine CRD): discovery says at start
    // which are served; until then, and for those that are not, the cache is empty.
    private final KubernetesClient client;
    private final long resync;
    private final List<String> namespaces;
    private final Listener listener;
    private final ScheduledExecutorService discovery = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "watcher-discovery");
        thread.setDaemon(true);
        return thread;
    });
    private final CompletableFuture<Void> machineKindsStarted = new CompletableFuture<>();
    private volatile boolean discovered;
    private volatile boolean stopped;
    private volatile List<String> machineKindsNotServed = List.of();
    private volatile Informers<Machine> machines = Informers.none(ClusterApi.KIND_MACHINE);
    private volatile Informers<AWSMachine> awsMachines = Informers.none(ClusterApi.KIND_AWS_MACHINE);
    private volatile Informers<AzureMachinePoolMachine> azureMachines =
            Informers.none(ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE);
    private volatile Informers<MachineHealthCheck> healthChecks = Informers.none(ClusterApi.KIND_MACHINE_HEALTH_CHECK);

    public ManagementCache(KubernetesClient client, WatcherProperties properties, Listener listener) {
        this.client = client;
        this.resync = properties.resyncPeriod().toMillis();
        this.namespaces = properties.namespaces();
        this.listener = listener;
        this.pools = Informers.create(ClusterApi.KIND_MACHINE_POOL,
                sources(namespaces, ns -> ns == null ? client.resources(MachinePool.class).inAnyNamespace()
                        : client.resources(MachinePool.class).inNamespace(ns)),
                resync, handler(ClusterApi.KIND_MACHINE_POOL, listener, this::poolChanged),
                Map.of(BY_INFRASTRUCTURE, p -> infrastructureKeys(p), BY_CLUSTER, p -> clusterKeys(p),
                        BY_MACHINE_LABELS, p -> machineLabelKeys(p)));
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
        // Only the Secrets Cluster API labels with a cluster name, and of those only the metadata: the content of
        // the kubeconfig Secrets alone is read, by name (KubeconfigSecrets), never a CA, etcd or account key.
        this.kubeconfigs = new KubeconfigSecrets(
                (namespace, name) -> client.secrets().inNamespace(namespace).withName(name).get(),
                listener::kubeconfigChanged);
        SecretMetadata secretMetadata = new SecretMetadata(client);
        this.labelledSecrets = Informers.create("Secret", sources(namespaces, secretMetadata::labelled), resync,
                secretHandler(listener, kubeconfigs), Map.of());
    }

    /** Completes when every cache holds its first full list. */
    public CompletableFuture<Void> start() {
        discovery.execute(() -> discoverMachineKinds(1_000));
        // The kubeconfigs count as held once the Secrets of the first list are read: a Cluster seen at start is not
        // told its kubeconfig is missing only because its read had not been made yet.
        labelledSecrets.start().thenCompose(ignored -> kubeconfigs.read(labelledSecrets.list()))
                .whenComplete((ignored, error) -> {
                    if (error != null) {
                        kubeconfigsRead.completeExceptionally(error);
                    } else {
                        kubeconfigsRead.complete(null);
                    }
                });
        return CompletableFuture.allOf(pools.start(), awsPools.start(), azurePools.start(), clusters.start(),
                kubeconfigsRead, machineKindsStarted);
    }

    public boolean synced() {
        return pools.synced() && awsPools.synced() && azurePools.synced() && clusters.synced()
                && labelledSecrets.synced() && kubeconfigsRead.isDone() && discovered && machines.synced() && awsMachines.synced() && azureMachines.synced()
                && healthChecks.synced();
    }

    /**
     * The kinds the management cluster does not serve (yet): an infrastructure pool kind without its CRD (no such
     * pools), or a per-instance kind found unserved at start (not watched until the watcher restarts).
     */
    public List<String> kindsNotServed() {
        return Stream.concat(Stream.of(awsPools, azurePools).filter(Informers::notServed).map(Informers::kind),
                machineKindsNotServed.stream()).toList();
    }

    /** Machines labelled for the pool or owned by it (the domain checks which are). */
    public List<Machine> machinesOf(MachinePool pool) {
        return distinct(Stream.concat(machines.byIndex(BY_POOL, labelKey(pool)).stream(),
                machines.byIndex(BY_POOL, ownerKey(pool)).stream()));
    }

    /**
     * The pool's infrastructure machines, of the kind its infrastructure pool keeps per instance: labelled for it,
     * owned by it, or referenced by one of {@code poolMachines}.
     */
    public List<HasMetadata> infrastructureMachinesOf(MachinePool pool, List<Machine> poolMachines) {
        var ref = PoolSpecs.infrastructureRef(pool);
        String kind = ref == null ? null : PoolMachines.infrastructureMachineKind(ref.getKind());
        Informers<? extends HasMetadata> informers = ClusterApi.KIND_AWS_MACHINE.equals(kind) ? awsMachines
                : ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE.equals(kind) ? azureMachines : null;
        if (informers == null) {
            return List.of();
        }
        String namespace = pool.getMetadata().getNamespace();
        Stream<? extends HasMetadata> referenced = poolMachines.stream()
                .map(m -> m.getSpec() == null ? null : m.getSpec().getInfrastructureRef())
                .filter(r -> r != null && r.getName() != null && kind.equals(r.getKind()))
                .flatMap(r -> informers.get(namespace, r.getName()).stream());
        return distinct(Stream.concat(Stream.concat(informers.byIndex(BY_POOL, labelKey(pool)).stream(),
                informers.byIndex(BY_POOL, ownerKey(pool)).stream()), referenced));
    }

    /** The MachineHealthChecks of the pool's cluster, in its namespace (the domain checks their selectors). */
    public List<MachineHealthCheck> healthChecksOf(MachinePool pool) {
        List<String> keys = clusterKeys(pool);
        return keys.isEmpty() ? List.of() : healthChecks.byIndex(BY_CLUSTER, keys.get(0));
    }

    /** The MachinePools of the pool's cluster, in its namespace, the pool included. */
    public List<MachinePool> poolsOfClusterOf(MachinePool pool) {
        List<String> keys = clusterKeys(pool);
        return keys.isEmpty() ? List.of() : pools.byIndex(BY_CLUSTER, keys.get(0));
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

    /** The MachinePools that name the same infrastructure pool as this one, this one included. */
    public List<MachinePool> poolsNamingTheInfrastructureOf(MachinePool pool) {
        return infrastructureKeys(pool).stream().flatMap(k -> pools.byIndex(BY_INFRASTRUCTURE, k).stream()).toList();
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
        return kubeconfigs.kubeconfig(namespace, clusterName);
    }

    public void stop() {
        stopped = true;
        discovery.shutdownNow();
        List.of(pools, awsPools, azurePools, clusters, labelledSecrets, machines, awsMachines, azureMachines,
                healthChecks).forEach(Informers::stop);
        kubeconfigs.stop();
    }

    /**
     * Asks the API server once which per-instance kinds it serves (discovery, which every authenticated user may
     * read), retrying until it answers; then watches those, and only those.
     */
    private void discoverMachineKinds(long backoffMillis) {
        if (stopped) {
            return;
        }
        Map<String, Boolean> served = new LinkedHashMap<>();
        try {
            served.put(ClusterApi.KIND_MACHINE, client.supports(Machine.class));
            served.put(ClusterApi.KIND_AWS_MACHINE, client.supports(AWSMachine.class));
            served.put(ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE, client.supports(AzureMachinePoolMachine.class));
            served.put(ClusterApi.KIND_MACHINE_HEALTH_CHECK, client.supports(MachineHealthCheck.class));
        } catch (RuntimeException e) {
            log.warn("cannot ask the management cluster which kinds it serves ({}); asking again in {} ms",
                    e.getMessage(), backoffMillis);
            discovery.schedule(() -> discoverMachineKinds(Math.min(backoffMillis * 2, DISCOVERY_MAX_BACKOFF_MILLIS)),
                    backoffMillis, TimeUnit.MILLISECONDS);
            return;
        }
        if (served.get(ClusterApi.KIND_MACHINE)) {
            machines = Informers.create(ClusterApi.KIND_MACHINE,
                    sources(namespaces, ns -> ns == null ? client.resources(Machine.class).inAnyNamespace()
                            : client.resources(Machine.class).inNamespace(ns)),
                    resync, memberHandler(ClusterApi.KIND_MACHINE, m -> poolsOf(m.getMetadata())),
                    Map.of(BY_POOL, m -> poolKeys(m.getMetadata()), BY_INFRASTRUCTURE_MACHINE,
                            m -> infrastructureMachineKeys(m)));
        }
        if (served.get(ClusterApi.KIND_AWS_MACHINE)) {
            awsMachines = Informers.create(ClusterApi.KIND_AWS_MACHINE,
                    sources(namespaces, ns -> ns == null ? client.resources(AWSMachine.class).inAnyNamespace()
                            : client.resources(AWSMachine.class).inNamespace(ns)),
                    resync, memberHandler(ClusterApi.KIND_AWS_MACHINE, this::poolsOfInfrastructureMachine),
                    Map.of(BY_POOL, m -> poolKeys(m.getMetadata())));
        }
        if (served.get(ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE)) {
            azureMachines = Informers.create(ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE,
                    sources(namespaces, ns -> ns == null
                            ? client.resources(AzureMachinePoolMachine.class).inAnyNamespace()
                            : client.resources(AzureMachinePoolMachine.class).inNamespace(ns)),
                    resync, memberHandler(ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE,
                            this::poolsOfInfrastructureMachine),
                    Map.of(BY_POOL, m -> poolKeys(m.getMetadata())));
        }
        if (served.get(ClusterApi.KIND_MACHINE_HEALTH_CHECK)) {
            healthChecks = Informers.create(ClusterApi.KIND_MACHINE_HEALTH_CHECK,
                    sources(namespaces, ns -> ns == null
                            ? client.resources(MachineHealthCheck.class).inAnyNamespace()
                            : client.resources(MachineHealthCheck.class).inNamespace(ns)),
                    resync, memberHandler(ClusterApi.KIND_MACHINE_HEALTH_CHECK, this::poolsOfHealthCheck),
                    Map.of(BY_CLUSTER, c -> healthCheckClusterKeys(c)));
        }
        machineKindsNotServed = served.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey)
                .toList();
        if (!machineKindsNotServed.isEmpty()) {
            log.warn("not watching {}: the management cluster does not serve them (their CRDs are not installed);"
                    + " pools publish no requests or health checks from them until the watcher restarts",
                    machineKindsNotServed);
        }
        discovered = true;
        if (stopped) {
            return; // stop() ran while these were created: they would never be stopped
        }
        CompletableFuture.allOf(machines.start(), awsMachines.start(), azureMachines.start(), healthChecks.start())
                .whenComplete((ignored, error) -> {
                    if (error != null) {
                        machineKindsStarted.completeExceptionally(error);
                    } else {
                        machineKindsStarted.complete(null);
                    }
                });
    }

    /** The pools an object of a pool names: by its pool-name and cluster-name labels, and by a MachinePool owner. */
    private Set<PoolKey> poolsOf(ObjectMeta meta) {
        Set<PoolKey> keys = new LinkedHashSet<>();
        for (String key : poolKeys(meta)) {
            if (key.startsWith(OWNER_KEY)) {
                keys.add(PoolKey.parse(key.substring(OWNER_KEY.length())));
            } else {
                pools.byIndex(BY_MACHINE_LABELS, key.substring(LABEL_KEY.length())).forEach(p -> keys.add(PoolKey.of(p)));
            }
        }
        if (keys.isEmpty() && meta.getLabels() != null && meta.getLabels().containsKey(ClusterApi.POOL_NAME_LABEL)) {
            // Not an error: the pool may come later, or be gone; then the object asks nothing of anyone.
            log.debug("{}/{} names pool {} of cluster {}, which does not exist", meta.getNamespace(), meta.getName(),
                    meta.getLabels().get(ClusterApi.POOL_NAME_LABEL), meta.getLabels().get(ClusterApi.CLUSTER_NAME_LABEL));
        }
        return keys;
    }

    /** An infrastructure machine's pools: its own, and those of the Machines that reference it. */
    private Set<PoolKey> poolsOfInfrastructureMachine(HasMetadata infra) {
        Set<PoolKey> keys = poolsOf(infra.getMetadata());
        machines.byIndex(BY_INFRASTRUCTURE_MACHINE, infrastructureMachineKey(infra.getMetadata().getNamespace(),
                infra.getKind(), infra.getMetadata().getName())).forEach(m -> keys.addAll(poolsOf(m.getMetadata())));
        return keys;
    }

    /**
     * A pool added, changed or deleted ({@code before} null when added, {@code after} null when deleted). When the
     * Machines a health check can select changed with it (it came, went, or its cluster or labels changed), the other
     * pools of its cluster are looked at too, if the cluster has checks: each says how many pools a check selects. So
     * are the other pools that name (or named) its infrastructure pool, when it came, went or names another: which of
     * them has it may change.
     */
    private void poolChanged(MachinePool before, MachinePool after) {
        Set<PoolKey> keys = new LinkedHashSet<>();
        keys.add(PoolKey.of(after != null ? after : before));
        if (before == null || after == null || !infrastructureKeys(before).equals(infrastructureKeys(after))) {
            Stream.of(before, after).filter(Objects::nonNull).flatMap(p -> infrastructureKeys(p).stream())
                    .forEach(infra -> pools.byIndex(BY_INFRASTRUCTURE, infra).forEach(p -> keys.add(PoolKey.of(p))));
        }
        if (before == null || after == null || !clusterKeys(before).equals(clusterKeys(after))
                || !HealthChecks.machineLabels(before).equals(HealthChecks.machineLabels(after))) {
            Stream.of(before, after).filter(Objects::nonNull).flatMap(p -> clusterKeys(p).stream())
                    .filter(cluster -> !healthChecks.byIndex(BY_CLUSTER, cluster).isEmpty())
                    .forEach(cluster -> pools.byIndex(BY_CLUSTER, cluster).forEach(p -> keys.add(PoolKey.of(p))));
        }
        keys.forEach(listener::poolChanged);
    }

    private Set<PoolKey> poolsOfHealthCheck(MachineHealthCheck check) {
        Set<PoolKey> keys = new LinkedHashSet<>();
        healthCheckClusterKeys(check).forEach(k -> pools.byIndex(BY_CLUSTER, k).forEach(p -> keys.add(PoolKey.of(p))));
        return keys;
    }

    private static final String LABEL_KEY = "labels:";
    private static final String OWNER_KEY = "owner:";

    private static String labelKey(MachinePool pool) {
        List<String> keys = machineLabelKeys(pool);
        return keys.isEmpty() ? "" : LABEL_KEY + keys.get(0);
    }

    private static String ownerKey(MachinePool pool) {
        return OWNER_KEY + pool.getMetadata().getNamespace() + "/" + pool.getMetadata().getName();
    }

    private static List<String> machineLabelKeys(MachinePool pool) {
        return pool.getSpec() == null || pool.getSpec().getClusterName() == null ? List.of()
                : List.of(pool.getMetadata().getNamespace() + "/" + PoolMachines.poolNameLabel(
                        pool.getMetadata().getName()) + "/" + pool.getSpec().getClusterName());
    }

    /** The keys a pool's object is indexed by: its pool-name and cluster-name labels, its MachinePool owners. */
    private static List<String> poolKeys(ObjectMeta meta) {
        List<String> keys = new ArrayList<>();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        if (labels.get(ClusterApi.POOL_NAME_LABEL) != null && labels.get(ClusterApi.CLUSTER_NAME_LABEL) != null) {
            keys.add(LABEL_KEY + meta.getNamespace() + "/" + labels.get(ClusterApi.POOL_NAME_LABEL) + "/"
                    + labels.get(ClusterApi.CLUSTER_NAME_LABEL));
        }
        if (meta.getOwnerReferences() != null) {
            meta.getOwnerReferences().stream()
                    .filter(o -> ClusterApi.KIND_MACHINE_POOL.equals(o.getKind()) && o.getName() != null)
                    .forEach(o -> keys.add(OWNER_KEY + meta.getNamespace() + "/" + o.getName()));
        }
        return keys;
    }

    private static List<String> infrastructureMachineKeys(Machine machine) {
        var ref = machine.getSpec() == null ? null : machine.getSpec().getInfrastructureRef();
        return ref == null || ref.getName() == null ? List.of()
                : List.of(infrastructureMachineKey(machine.getMetadata().getNamespace(), ref.getKind(), ref.getName()));
    }

    private static String infrastructureMachineKey(String namespace, String kind, String name) {
        return namespace + "/" + kind + "/" + name;
    }

    private static List<String> healthCheckClusterKeys(MachineHealthCheck check) {
        return check.getSpec() == null || check.getSpec().getClusterName() == null ? List.of()
                : List.of(check.getMetadata().getNamespace() + "/" + check.getSpec().getClusterName());
    }

    private static <T extends HasMetadata> List<T> distinct(Stream<? extends T> objects) {
        Map<String, T> byName = new LinkedHashMap<>();
        objects.forEach(o -> byName.putIfAbsent(o.getMetadata().getName(), o));
        return List.copyOf(byName.values());
    }

    /**
     * For the objects that belong to pools: each event looks at the pools the object names again, before and after
     * an update, so that an object moving from one pool to another is looked at in both, and no other pool is.
     */
    private <T extends HasMetadata> ResourceEventHandler<T> memberHandler(String kind,
                                                                         Function<T, Set<PoolKey>> poolsOfObject) {
        return handler(kind, listener, (T before, T after) -> {
            Set<PoolKey> keys = new LinkedHashSet<>();
            Stream.of(before, after).filter(Objects::nonNull).forEach(o -> keys.addAll(poolsOfObject.apply(o)));
            keys.forEach(listener::poolChanged);
        });
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
     * The labelled Secrets' metadata: an add or a change of a kubeconfig Secret has it read, a delete forgets it
     * (the others are dropped there); the listener hears of it once that is done.
     */
    private static ResourceEventHandler<PartialObjectMetadata> secretHandler(Listener listener,
                                                                            KubeconfigSecrets kubeconfigs) {
        return new ResourceEventHandler<>() {
            @Override
            public void onBeforeList(String lastSyncResourceVersion) {
                if (lastSyncResourceVersion != null) {
                    listener.relisting("Secret");
                }
            }

            @Override
            public void onAdd(PartialObjectMetadata secret) {
                kubeconfigs.seen(secret);
            }

            @Override
            public void onUpdate(PartialObjectMetadata before, PartialObjectMetadata after) {
                if (Objects.equals(before.getMetadata().getResourceVersion(),
                        after.getMetadata().getResourceVersion())) {
                    listener.resynced("Secret");
                }
                kubeconfigs.seen(after);
            }

            @Override
            public void onDelete(PartialObjectMetadata secret, boolean finalStateUnknown) {
                kubeconfigs.gone(secret);
            }
        };
    }

    /**
     * Adds, updates and deletes all mean "look again"; an update with the same resourceVersion is a resync. A list
     * after the first is a relist (its deletes are the objects that went while the watch was broken).
     */
    private static <T extends HasMetadata> ResourceEventHandler<T> handler(String kind, Listener listener,
                                                                          Consumer<? super T> changed) {
        return handler(kind, listener, (T before, T after) -> changed.accept(after != null ? after : before));
    }

    /** {@code changed} gets (null, added), (before, after) or (deleted, null). */
    private static <T extends HasMetadata> ResourceEventHandler<T> handler(String kind, Listener listener,
                                                                          BiConsumer<T, T> changed) {
        return new ResourceEventHandler<>() {
            @Override
            public void onBeforeList(String lastSyncResourceVersion) {
                if (lastSyncResourceVersion != null) {
                    listener.relisting(kind);
                }
            }

            @Override
            public void onAdd(T object) {
                changed.accept(null, object);
            }

            @Override
            public void onUpdate(T before, T after) {
                if (Objects.equals(before.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion())) {
                    listener.resynced(kind);
                }
                changed.accept(before, after);
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                changed.accept(object, null);
            }
        };
    }
}
