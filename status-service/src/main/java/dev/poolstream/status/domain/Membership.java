package dev.poolstream.status.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.KubeTime;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.Taint;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Per-instance readings: which instances the pool lists, and whether each Node is ready, available, up to date. */
public final class Membership {

    /** The order of {@code providerIDList} and so of {@code nodeRefs}: oldest first, then by ID, stable. */
    static final Comparator<Member> LIST_ORDER = Comparator
            .comparing((Member m) -> m.instance().launchTime(), Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(Member::providerID);

    /** The instances the cloud reports for the group, leaving out those being terminated (and Nodes left behind). */
    public static List<Member> listed(Collection<Member> members) {
        return members.stream()
                .filter(m -> !m.instanceGone() && m.instance().lifecycle() != InstanceLifecycle.TERMINATING)
                .sorted(LIST_ORDER)
                .toList();
    }

    /** Ready: the Node's {@code Ready} condition is {@code True}. */
    public static boolean ready(NodeState node) {
        return node != null && node.ready() == ConditionStatus.TRUE;
    }

    /**
     * Available: ready, and ready for longer than {@code minReadySeconds}. A Node without a transition time is not
     * available while {@code minReadySeconds > 0}.
     */
    public static boolean available(NodeState node, int minReadySeconds, Instant now) {
        if (!ready(node)) {
            return false;
        }
        if (minReadySeconds <= 0) {
            return true;
        }
        return availableAfter(node, minReadySeconds).map(now::isAfter).orElse(false);
    }

    /** When a ready Node becomes available, if that is still ahead: the moment to look at the pool again. */
    public static Optional<Instant> becomesAvailable(NodeState node, int minReadySeconds, Instant now) {
        if (!ready(node) || minReadySeconds <= 0) {
            return Optional.empty();
        }
        return availableAfter(node, minReadySeconds).filter(at -> !now.isAfter(at)).map(at -> at.plusMillis(1));
    }

    private static Optional<Instant> availableAfter(NodeState node, int minReadySeconds) {
        return Optional.ofNullable(node.readyTransitionTime()).map(t -> t.plusSeconds(minReadySeconds));
    }

    /**
     * The pool a Node names in its owner annotations ({@code cluster.x-k8s.io/owner-kind: MachinePool},
     * {@code cluster-namespace}, {@code owner-name}), as a pool key; null when it names none, or has no provider ID.
     * A Node adopted by its pool carries them (Poolstream's writer or Cluster API core wrote them), so a Node whose
     * instance is gone can still be found in its pool.
     */
    public static String ownerPool(NodeState node) {
        if (node == null || node.providerID().isEmpty()
                || !ClusterApi.KIND_MACHINE_POOL.equals(node.annotations().get(ClusterApi.NODE_OWNER_KIND_ANNOTATION))) {
            return null;
        }
        String namespace = node.annotations().get(ClusterApi.NODE_CLUSTER_NAMESPACE_ANNOTATION);
        String name = node.annotations().get(ClusterApi.NODE_OWNER_NAME_ANNOTATION);
        if (!keyPart(namespace) || !keyPart(name)) {
            return null;
        }
        return namespace + "/" + name;
    }

    private static boolean keyPart(String part) {
        return part != null && !part.isBlank() && part.indexOf('/') < 0;
    }

    /** The Node carries this pool's owner annotations and no longer the uninitialized taint. */
    public static boolean adopted(NodeState node, String namespace, String poolName, String clusterName) {
        return ClusterApi.nodeAdopted(node.annotations(), node.taints().stream().map(Taint::key),
                namespace, poolName, clusterName);
    }

    static PoolMember member(Member member, boolean upToDate, int minReadySeconds, Instant now, String namespace,
                             String poolName, String clusterName) {
        NodeState node = member.node();
        // Chosen for removal: by Cluster API's annotation, or by cluster-autoscaler's taint (it taints and drains
        // the Node it picked, then lowers replicas by one: that Node's instance must be the one to go).
        boolean deleteRequested = node != null && (node.annotations().containsKey(ClusterApi.DELETE_MACHINE_ANNOTATION)
                || node.taints().stream().anyMatch(t -> ClusterApi.AUTOSCALER_DELETING_TAINT_KEY.equals(t.key())));
        return new PoolMember(member.providerID(),
                node == null ? "" : node.name(),
                node == null ? null : node.uid(),
                member.instance().lifecycle(),
                member.instance().launchTime(),
                ready(node),
                available(node, minReadySeconds, now),
                upToDate,
                deleteRequested,
                node != null && adopted(node, namespace, poolName, clusterName),
                node == null ? null : node.ready(),
                node == null ? null : node.readyTransitionTime(),
                node == null ? null : node.kubeletVersion(),
                drainStarted(node));
    }

    /**
     * Where a Node's drain-started annotation is kept once it is stale ({@link #drainMarkChecked}): in this service's
     * stores only, never on the Node or a topic.
     */
    static final String STALE_DRAIN_STARTED = "poolstream.dev/drain-started-stale";

    /**
     * The Node as the join keeps it, its drain-started annotation checked against what the join saw of it before. The
     * reconciler writes the annotation together with the cordon, so a Node seen uncordoned with it carries a drain that
     * was called off (its pool paused, or its reconciler restarted, while someone uncordoned the Node). Such a mark
     * is kept apart ({@link #STALE_DRAIN_STARTED}) and stays stale while the Node carries the same value: a later
     * cordon by someone else (maintenance, a reboot daemon) is no drain, and its old start would have the reconciler
     * take the Node for a victim whose drain timed out long ago, and terminate it unasked and undrained.
     */
    public static NodeState drainMarkChecked(NodeState now, NodeState before) {
        if (now == null) {
            return null;
        }
        String mark = now.annotations().get(ClusterApi.DRAIN_STARTED_ANNOTATION);
        if (mark == null) {
            return now;
        }
        String staleBefore = before == null ? null : before.annotations().get(STALE_DRAIN_STARTED);
        if (now.unschedulable() && !mark.equals(staleBefore)) {
            return now;
        }
        Map<String, String> annotations = new HashMap<>(now.annotations());
        annotations.remove(ClusterApi.DRAIN_STARTED_ANNOTATION);
        annotations.put(STALE_DRAIN_STARTED, mark);
        return new NodeState(now.cluster(), now.name(), now.uid(), now.providerID(), now.ready(),
                now.readyTransitionTime(), now.kubeletVersion(), now.unschedulable(), now.taints(), annotations);
    }

    /**
     * When the reconciler started draining the Node, while the Node is still cordoned: a Node someone uncordoned is
     * back in service, and a later drain of it starts anew (a stale mark is none: {@link #drainMarkChecked}). Null
     * when unreadable, as any Kubernetes time here.
     */
    static Instant drainStarted(NodeState node) {
        return node == null || !node.unschedulable() ? null
                : KubeTime.parse(node.annotations().get(ClusterApi.DRAIN_STARTED_ANNOTATION));
    }

    private Membership() {
    }
}
