package dev.poolstream.watcher.kube;

import dev.poolstream.watcher.domain.NodeStates;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The item store of a workload cluster's Node informer ({@code SharedIndexInformer.itemStore}): it keeps each Node as
 * {@link NodeStates#strip} leaves it, so the informer holds what the {@code node.v1} records are made of and not the
 * whole object. Event handlers still receive the Node as listed or watched; everything read from the store is
 * stripped. Keys are the informer's default ({@link Cache#metaNamespaceKeyFunc}: a Node's name).
 */
final class StrippedNodeStore extends BasicItemStore<Node> {

    StrippedNodeStore() {
        super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public Node put(String key, Node node) {
        return super.put(key, node == null ? null : NodeStates.strip(node));
    }
}
