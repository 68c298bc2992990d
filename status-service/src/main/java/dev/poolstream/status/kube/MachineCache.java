package dev.poolstream.status.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolMachine;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachine;
import dev.poolstream.api.kube.WithoutManagedFields;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-instance objects of every pool (those labelled {@code cluster.x-k8s.io/pool-name}), kept by informers
 * (one list, then a watch) and indexed by pool: a status write reads them for no request. Started on first use.
 *
 * <p>Limited to namespaces ({@code poolstream.status.namespaces}), it lists and watches each kind in each of those
 * namespaces (once one of its pools is written), never across the cluster, so that Roles in those namespaces are
 * all it needs; a pool elsewhere is refused. Unlimited, one informer per kind watches all namespaces.
 *
 * <p>The informers learn of this service's own writes a moment later; until they do, what the write returned stands
 * in for what they hold, so that the next status does not repeat a create, a status or a release.
 */
final class MachineCache implements AutoCloseable {

    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            ClusterApi.KIND_AWS_MACHINE, AWSMachine.class,
            ClusterApi.KIND_AZURE_MACHINE_POOL_MACHINE, AzureMachinePoolMachine.class,
            ClusterApi.KIND_MACHINE, Machine.class);
    private static final String BY_POOL = "pool";
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);
    private static final int WRITES_REMEMBERED = 10_000;
    private static final Logger log = LoggerFactory.getLogger(MachineCache.class);

    /** The key of the one informer of a kind over all namespaces. */
    private static final String ALL_NAMESPACES = "";

    private final KubernetesClient client;
    /** The namespaces this service is limited to; empty for all. */
    private final List<String> namespaces;
    /** kind/namespace (or kind/ for all) → its informer. */
    private final Map<String, SharedIndexInformer<GenericKubernetesResource>> informers = new LinkedHashMap<>();
    /** Told each object an informer adds or updates, with its kind; on the informer's thread, so it must not block. */
    private volatile BiConsumer<String, GenericKubernetesResource> shown = (kind, object) -> { };
    /** Notified on every informer event: {@link #newerThan} waits on it. */
    private final Object changes = new Object();
    /** kind/namespace/name → what this service wrote, until the informer shows something else. */
    private final Map<String, Written> written = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Written> eldest) {
            return size() > WRITES_REMEMBERED;
        }
    };

    /**
     * @param before the resourceVersion the write replaced, null for a create
     * @param after  the object the write returned, null when it is gone
     */
    private record Written(String before, GenericKubernetesResource after) {
    }

    MachineCache(KubernetesClient client) {
        this(client, List.of());
    }

    /** @param namespaces the namespaces to list and watch in, each on its own; empty for all namespaces */
    MachineCache(KubernetesClient client, List<String> namespaces) {
        this.client = client;
        this.namespaces = List.copyOf(namespaces);
    }

    /** Tells {@code listener} each object the informers add or update from now on (it must not block). */
    void onShown(BiConsumer<String, GenericKubernetesResource> listener) {
        this.shown = listener;
    }

    static ResourceDefinitionContext context(String kind) {
        return ResourceDefinitionContext.fromResourceType(KINDS.get(kind));
    }

    /** The pool's objects of this kind, as this service last knows them. */
    List<GenericKubernetesResource> objects(String namespace, String poolNameLabel, String kind) {
        List<GenericKubernetesResource> objects = new ArrayList<>();
        {
            SharedIndexInformer<GenericKubernetesResource> informer = informer(kind, namespace);
            Map<String, GenericKubernetesResource> byName = new LinkedHashMap<>();
            informer.getIndexer().byIndex(BY_POOL, namespace + "/" + poolNameLabel)
                    .forEach(o -> byName.put(o.getMetadata().getName(), o));
            synchronized (written) {
                String prefix = kind + "/" + namespace + "/";
                for (var entry : new ArrayList<>(written.entrySet())) {
                    if (!entry.getKey().startsWith(prefix)) {
                        continue;
                    }
                    String name = entry.getKey().substring(prefix.length());
                    Written w = entry.getValue();
                    // As the informer has it, whichever pool's: another pool's write is no staler for being another's.
                    GenericKubernetesResource cached = informer.getStore().getByKey(namespace + "/" + name);
                    String cachedVersion = cached == null ? null : cached.getMetadata().getResourceVersion();
                    boolean stale = java.util.Objects.equals(cachedVersion, w.before());
                    if (!stale) {
                        written.remove(entry.getKey()); // the informer has caught up, or another writer wrote
                    } else if (w.after() == null) {
                        byName.remove(name);
                    } else if (poolNameLabel.equals(label(w.after()))) {
                        byName.put(name, w.after());
                    }
                }
            }
            objects.addAll(byName.values());
        }
        return objects;
    }

    /**
     * The object as another writer left it, after this service's write of {@code conflictedVersion} met a 409: the
     * informer is waited for (it learns of the other write a moment later), so a conflict costs no request and needs
     * no {@code get} grant. Null when the informer does not show a newer version within {@code timeout}, or shows
     * the object gone.
     */
    GenericKubernetesResource newerThan(String kind, String namespace, String name, String conflictedVersion,
                                        Duration timeout) throws InterruptedException {
        SharedIndexInformer<GenericKubernetesResource> informer = informer(kind, namespace);
        synchronized (written) {
            written.remove(kind + "/" + namespace + "/" + name);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changes) {
            while (true) {
                GenericKubernetesResource cached = informer.getStore().getByKey(namespace + "/" + name);
                if (cached != null && !java.util.Objects.equals(cached.getMetadata().getResourceVersion(),
                        conflictedVersion)) {
                    return cached;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(changes, left);
            }
        }
    }

    /** What one write of this service did to an object; {@code after} null when the object is gone. */
    void wrote(String kind, String namespace, String name, String versionBefore, GenericKubernetesResource after) {
        synchronized (written) {
            written.put(kind + "/" + namespace + "/" + name, new Written(versionBefore,
                    WithoutManagedFields.strip(after)));
        }
    }

    private synchronized SharedIndexInformer<GenericKubernetesResource> informer(String kind, String namespace) {
        if (!namespaces.isEmpty() && !namespaces.contains(namespace)) {
            throw new IllegalStateException("the pools of namespace " + namespace + " are not this service's: it is "
                    + "limited to the namespaces " + namespaces + " (poolstream.status.namespaces)");
        }
        String scope = namespaces.isEmpty() ? ALL_NAMESPACES : namespace;
        SharedIndexInformer<GenericKubernetesResource> informer = informers.get(kind + "/" + scope);
        if (informer != null) {
            return informer;
        }
        var resources = client.genericKubernetesResources(context(kind));
        informer = (scope.equals(ALL_NAMESPACES) ? resources.inAnyNamespace() : resources.inNamespace(scope))
                .withLabel(ClusterApi.POOL_NAME_LABEL).runnableInformer(0)
                // Not their managedFields: half of each object, read by nothing here.
                .itemStore(new WithoutManagedFields<>());
        informer.addIndexers(Map.of(BY_POOL, o -> List.of(o.getMetadata().getNamespace() + "/" + label(o))));
        // Once started, never given up: fabric8's own handler stops an informer for good when a watch ends with an
        // error it does not handle itself (a WatcherException; it reconnects and relists on the others), and this
        // cache would stay as it was while the writes meet 409s. Before it is started, a failure fails the start
        // (below), as before.
        informer.exceptionHandler((started, error) -> {
            if (started) {
                log.warn("the {} watch failed ({}); listing and watching again", kind, StatusWriter.describe(error));
            }
            return started;
        });
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource object) {
                changed();
                shown.accept(kind, object);
            }

            @Override
            public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
                changed();
                shown.accept(kind, after);
            }

            @Override
            public void onDelete(GenericKubernetesResource object, boolean finalStateUnknown) {
                changed();
            }
        });
        try {
            informer.start().toCompletableFuture().get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            informer.stop();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing " + kind + " objects", e);
        } catch (ExecutionException | TimeoutException e) {
            informer.stop();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot list and watch the " + kind + " objects of the pools"
                    + (scope.equals(ALL_NAMESPACES) ? "" : " in " + scope) + ": " + StatusWriter.describe(cause), cause);
        }
        informers.put(kind + "/" + scope, informer);
        return informer;
    }

    private void changed() {
        synchronized (changes) {
            changes.notifyAll();
        }
    }

    private static String label(GenericKubernetesResource object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        return labels == null ? null : labels.get(ClusterApi.POOL_NAME_LABEL);
    }

    @Override
    public synchronized void close() {
        informers.values().forEach(SharedIndexInformer::stop);
        informers.clear();
    }
}
