package dev.poolstream.watcher.domain;

import dev.poolstream.events.NodeState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The Node records of every workload cluster. A Node is keyed by its provider ID, or by a fallback key until it
 * has one; when the key changes, the old key gets a tombstone, so the topic never holds a Node twice.
 */
public final class NodeRecords {

    private final LastPublished<NodeState> published = new LastPublished<>();
    /** {@code <cluster>/<node name>} → the key the Node is published under. */
    private final Map<String, String> keyByNode = new HashMap<>();
    /**
     * Keys a Node moved away from whose tombstone could not be sent → the Node's identity: {@link #keyByNode} holds
     * its new key, so only this says the old one is still to be tombstoned, at the Node's next look.
     */
    private final Map<String, String> unsentTombstones = new HashMap<>();

    public List<Change<NodeState>> upsert(NodeState node) {
        String identity = identity(node);
        List<Change<NodeState>> changes = new ArrayList<>(2);
        tombstone(oldKeys(identity, keyByNode.put(identity, node.key())), node.key(), identity, changes);
        published.upsert(node.key(), node).ifPresent(changes::add);
        return changes;
    }

    public List<Change<NodeState>> delete(String cluster, String nodeName) {
        String identity = cluster + "/" + nodeName;
        List<Change<NodeState>> changes = new ArrayList<>(1);
        tombstone(oldKeys(identity, keyByNode.remove(identity)), null, identity, changes);
        return changes;
    }

    /** Tombstones for the keys (but {@code kept}) that still hold this Node's record. */
    private void tombstone(Collection<String> keys, String kept, String identity, List<Change<NodeState>> into) {
        for (String key : keys) {
            if (!key.equals(kept) && publishedFor(key, identity)) {
                published.delete(key).ifPresent(into::add);
            }
        }
    }

    /**
     * The keys a Node was published under before: {@code last} (null: none) and those whose tombstone is still to be
     * sent, taken out (the caller sends them), sorted. Every Node event asks: none is made when none is pending.
     */
    private Collection<String> oldKeys(String identity, String last) {
        if (unsentTombstones.isEmpty()) {
            return last == null ? List.of() : List.of(last);
        }
        Set<String> keys = new TreeSet<>();
        unsentTombstones.forEach((key, node) -> {
            if (node.equals(identity)) {
                keys.add(key);
            }
        });
        unsentTombstones.keySet().removeAll(keys);
        if (last != null) {
            keys.add(last);
        }
        return keys;
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
        dropUnpublishedKeys();
        current.forEach(node -> keyByNode.put(identity(node), node.key()));
        return changes;
    }

    /** Starts from what {@code node.v1} already holds. */
    public void seed(Map<String, NodeState> onTopic) {
        published.seed(onTopic);
        keyByNode.clear();
        unsentTombstones.clear();
        onTopic.values().forEach(node -> keyByNode.put(identity(node), node.key()));
    }

    /**
     * Starts from what {@code node.v1} holds for {@code clusters} (a replica takes them over), and keeps what it
     * knows of the others. {@code onTopic} may hold any cluster's Nodes: only those of {@code clusters} are taken.
     */
    public void seed(Map<String, NodeState> onTopic, Set<String> clusters) {
        published.seed(onTopic, node -> clusters.contains(node.cluster()));
        dropUnpublishedKeys();
        onTopic.values().stream().filter(node -> clusters.contains(node.cluster()))
                .forEach(node -> keyByNode.put(identity(node), node.key()));
    }

    /** Forgets the Nodes of {@code clusters}, publishing nothing: another replica watches them now. */
    public void forget(Set<String> clusters) {
        published.forget(node -> clusters.contains(node.cluster()));
        dropUnpublishedKeys();
    }

    private void dropUnpublishedKeys() {
        keyByNode.values().removeIf(key -> published.get(key).isEmpty());
        unsentTombstones.keySet().removeIf(key -> published.get(key).isEmpty());
    }

    public void undo(Change<NodeState> failed) {
        published.undo(failed);
        if (failed instanceof Change.Upsert<NodeState> upsert) {
            String identity = identity(upsert.value());
            // Still published under the key (its value before): a delete must find the key to tombstone it.
            if (!published.get(upsert.key()).map(n -> identity(n).equals(identity)).orElse(false)) {
                keyByNode.remove(identity, upsert.key());
            }
        } else if (failed instanceof Change.Delete<NodeState> delete) {
            String identity = identity(delete.previous());
            String current = keyByNode.putIfAbsent(identity, delete.key());
            if (current != null && !current.equals(delete.key())) {
                // The Node moved to a new key meanwhile: its next upsert finds no old key to tombstone.
                unsentTombstones.put(delete.key(), identity);
            }
        }
    }

    /** The clusters that have published Nodes. */
    public Set<String> clusters() {
        return published.values(n -> true).stream().map(NodeState::cluster).collect(Collectors.toSet());
    }

    public void clear() {
        published.clear();
        keyByNode.clear();
        unsentTombstones.clear();
    }

    public int size() {
        return published.size();
    }

    /** The keys kept beside the records (each Node's, and old keys still to tombstone): what must not outlive them. */
    int keysKept() {
        return keyByNode.size() + unsentTombstones.size();
    }

    private static String identity(NodeState node) {
        return node.cluster() + "/" + node.name();
    }
}
