package dev.poolstream.watcher.domain;

import dev.poolstream.events.NodeState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Node records of every workload cluster. A Node is keyed by its provider ID, or by a fallback key until it
 * has one; when the key changes, the old key gets a tombstone, so the topic never holds a Node twice.
 */
public final class NodeRecords {

    private final LastPublished<NodeState> published = new LastPublished<>();
    /** {@code <cluster>/<node name>} → the key the Node is published under. */
    private final Map<String, String> keyByNode = new HashMap<>();

    public List<Change<NodeState>> upsert(NodeState node) {
        List<Change<NodeState>> changes = new ArrayList<>(2);
        String previousKey = keyByNode.put(identity(node), node.key());
        if (previousKey != null && !previousKey.equals(node.key()) && publishedFor(previousKey, identity(node))) {
            published.delete(previousKey).ifPresent(changes::add);
        }
        published.upsert(node.key(), node).ifPresent(changes::add);
        return changes;
    }

    public List<Change<NodeState>> delete(String cluster, String nodeName) {
        String identity = cluster + "/" + nodeName;
        String key = keyByNode.remove(identity);
        return key == null || !publishedFor(key, identity) ? List.of() : published.delete(key).stream().toList();
    }

    /**
     * Whether what is published under {@code key} is this Node's. It may be another's now: an instance that
     * registered again under a new name has the same provider ID, and the new Node is often seen before the old one
     * goes (always on a relist, which applies every add before a removal). The old one's tombstone would remove the
     * live Node from the topic, and its instance would look Node-less (in owner mode, a health check's startup
     * timeout).
     */
    private boolean publishedFor(String key, String identity) {
        return published.get(key).map(n -> identity(n).equals(identity)).orElse(true);
    }

    /** Tombstones for every Node of a cluster that no longer exists. */
    public List<Change<NodeState>> deleteCluster(String cluster) {
        return reconcile(List.of(), Set.of(cluster));
    }

    /**
     * The records that make the topic equal {@code current} for the given clusters. Nodes of other clusters
     * (unreachable, or without a kubeconfig) keep their records.
     */
    public List<Change<NodeState>> reconcile(List<NodeState> current, Set<String> clusters) {
        Map<String, NodeState> byKey = new HashMap<>();
        for (NodeState node : current) {
            byKey.put(node.key(), node);
        }
        List<Change<NodeState>> changes = published.reconcile(byKey, n -> clusters.contains(n.cluster()));
        keyByNode.values().removeIf(key -> published.get(key).isEmpty());
        current.forEach(node -> keyByNode.put(identity(node), node.key()));
        return changes;
    }

    /** Starts from what {@code node.v1} already holds. */
    public void seed(Map<String, NodeState> onTopic) {
        published.seed(onTopic);
        keyByNode.clear();
        onTopic.values().forEach(node -> keyByNode.put(identity(node), node.key()));
    }

    /**
     * Starts from what {@code node.v1} holds for {@code clusters} (a replica takes them over), and keeps what it
     * knows of the others. {@code onTopic} may hold any cluster's Nodes: only those of {@code clusters} are taken.
     */
    public void seed(Map<String, NodeState> onTopic, Set<String> clusters) {
        published.seed(onTopic, node -> clusters.contains(node.cluster()));
        keyByNode.values().removeIf(key -> published.get(key).isEmpty());
        onTopic.values().stream().filter(node -> clusters.contains(node.cluster()))
                .forEach(node -> keyByNode.put(identity(node), node.key()));
    }

    /** Forgets the Nodes of {@code clusters}, publishing nothing: another replica watches them now. */
    public void forget(Set<String> clusters) {
        published.forget(node -> clusters.contains(node.cluster()));
        keyByNode.values().removeIf(key -> published.get(key).isEmpty());
    }

    public void undo(Change<NodeState> failed) {
        published.undo(failed);
        if (failed instanceof Change.Upsert<NodeState> upsert) {
            keyByNode.remove(identity(upsert.value()), upsert.key());
        } else if (failed instanceof Change.Delete<NodeState> delete) {
            keyByNode.putIfAbsent(identity(delete.previous()), delete.key());
        }
    }

    /** The clusters that have published Nodes. */
    public Set<String> clusters() {
        return published.values(n -> true).stream().map(NodeState::cluster).collect(Collectors.toSet());
    }

    public void clear() {
        published.clear();
        keyByNode.clear();
    }

    public int size() {
        return published.size();
    }

    private static String identity(NodeState node) {
        return node.cluster() + "/" + node.name();
    }
}
