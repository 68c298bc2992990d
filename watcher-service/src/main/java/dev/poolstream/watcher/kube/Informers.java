package dev.poolstream.watcher.kube;

import dev.poolstream.api.kube.WithoutManagedFields;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The informers of one kind: one over all namespaces, or one per configured namespace, read as one cache.
 *
 * <p>They never give up. fabric8's informers stop for good when their first list fails (an API server not reachable
 * yet, a kind not served) and when a watch fails with anything but 410 Gone; these retry every failure with the
 * informer's backoff (1 s, doubling to 32 s), listing again, so a watcher started before its API server is reachable
 * starts when it is.
 */
final class Informers<T extends HasMetadata> {

    private static final Logger log = LoggerFactory.getLogger(Informers.class);

    private final String kind;
    private final List<SharedIndexInformer<T>> informers = new ArrayList<>();
    private final CompletableFuture<Void> notServed = new CompletableFuture<>();
    private volatile boolean mayBeNotServed;

    private Informers(String kind) {
        this.kind = kind;
    }

    static <T extends HasMetadata> Informers<T> create(String kind, List<Informable<T>> sources, long resyncMillis,
                                                       ResourceEventHandler<T> handler,
                                                       Map<String, Function<T, List<String>>> indexers) {
        Informers<T> kindInformers = new Informers<>(kind);
        for (Informable<T> source : sources) {
            // Cache what the records are made of: not managedFields, half of a per-instance object.
            SharedIndexInformer<T> informer = source.runnableInformer(resyncMillis)
                    .itemStore(new WithoutManagedFields<>());
            if (!indexers.isEmpty()) {
                informer.addIndexers(indexers);
            }
            informer.addEventHandler(handler);
            informer.exceptionHandler(kindInformers::retry);
            kindInformers.informers.add(informer);
        }
        return kindInformers;
    }

    /** No informers: an empty cache, synced at once, for a kind that is not watched. */
    static <T extends HasMetadata> Informers<T> none(String kind) {
        return new Informers<>(kind);
    }

    /**
     * A kind the management cluster may not serve (its CRD not installed: CAPA without CAPZ, or the reverse): when
     * its first list finds no such resource, the cache starts without it, and its informers keep trying, so that
     * objects created once the CRD is installed are seen.
     */
    Informers<T> mayBeNotServed() {
        mayBeNotServed = true;
        return this;
    }

    private boolean retry(boolean started, Throwable error) {
        if (!started && mayBeNotServed && notFound(error) && notServed.complete(null)) {
            log.warn("{} is not served by the management cluster (its CRD is not installed): starting without it, "
                    + "and watching for it to be installed", kind);
        }
        return true;
    }

    private static boolean notFound(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof KubernetesClientException e && e.getCode() == 404) {
                return true;
            }
        }
        return false;
    }

    /** Completes when every informer holds its first full list, or when the kind turned out not to be served. */
    CompletableFuture<Void> start() {
        CompletableFuture<Void> listed = CompletableFuture.allOf(informers.stream()
                .map(i -> i.start().toCompletableFuture()).toArray(CompletableFuture[]::new));
        return listed.applyToEither(notServed, ignored -> null);
    }

    /** True when the management cluster does not serve this kind (yet). */
    boolean notServed() {
        return notServed.isDone() && !informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    Optional<T> get(String namespace, String name) {
        String key = namespace + "/" + name;
        return informers.stream().map(i -> i.getStore().getByKey(key)).filter(o -> o != null).findFirst();
    }

    List<T> byIndex(String index, String value) {
        return informers.stream().flatMap(i -> i.getIndexer().byIndex(index, value).stream()).toList();
    }

    List<T> list() {
        return informers.stream().flatMap(i -> i.getStore().list().stream()).toList();
    }

    boolean synced() {
        return notServed.isDone() || informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    String kind() {
        return kind;
    }

    void stop() {
        informers.forEach(SharedIndexInformer::stop);
    }
}
