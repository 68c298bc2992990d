package dev.poolstream.watcher.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** The informers of one kind: one over all namespaces, or one per configured namespace, read as one cache. */
final class Informers<T extends HasMetadata> {

    private final String kind;
    private final List<SharedIndexInformer<T>> informers;

    private Informers(String kind, List<SharedIndexInformer<T>> informers) {
        this.kind = kind;
        this.informers = informers;
    }

    static <T extends HasMetadata> Informers<T> create(String kind, List<Informable<T>> sources, long resyncMillis,
                                                       ResourceEventHandler<T> handler,
                                                       Map<String, Function<T, List<String>>> indexers) {
        List<SharedIndexInformer<T>> informers = new ArrayList<>();
        for (Informable<T> source : sources) {
            SharedIndexInformer<T> informer = source.runnableInformer(resyncMillis);
            if (!indexers.isEmpty()) {
                informer.addIndexers(indexers);
            }
            informer.addEventHandler(handler);
            informers.add(informer);
        }
        return new Informers<>(kind, informers);
    }

    CompletableFuture<Void> start() {
        return CompletableFuture.allOf(informers.stream()
                .map(i -> i.start().toCompletableFuture()).toArray(CompletableFuture[]::new));
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
        return informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    String kind() {
        return kind;
    }

    void stop() {
        informers.forEach(SharedIndexInformer::stop);
    }
}
