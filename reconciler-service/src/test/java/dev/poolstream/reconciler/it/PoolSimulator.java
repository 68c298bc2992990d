package dev.poolstream.reconciler.it;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One pool's cloud group and status service in miniature: commands change its instances at once, each new
 * instance gets a Ready Node (with one ordinary pod) in the workload cluster, and every change publishes the group
 * state and status the real services would.
 */
final class PoolSimulator {

    private final String pool;
    private final String cluster;
    private final KubernetesClient workload;
    private final Function<String, Pod> podOnNode;
    final List<PoolMember> members = new ArrayList<>();
    boolean exists;
    int desired;
    String template = "v1";
    String lastCommandId;
    /** The group's name: as the EnsureGroup that created it named it. */
    String group;
    int next = 1;
    private final Instant launched = Instant.now();

    private final String name;

    PoolSimulator(String pool, KubernetesClient workload) {
        this(pool, "team-a/demo", workload, node -> new PodBuilder().withNewMetadata().withNamespace("apps")
                .withName("app-on-" + node).endMetadata().withNewSpec().withNodeName(node).endSpec().build());
    }

    /**
     * @param cluster   {@code <namespace>/<name>} of the workload cluster, as the status service names it
     * @param podOnNode the ordinary pod each new Node gets
     */
    PoolSimulator(String pool, String cluster, KubernetesClient workload, Function<String, Pod> podOnNode) {
        this.pool = pool;
        this.cluster = cluster;
        this.name = pool.substring(pool.indexOf('/') + 1);
        this.group = "workers-" + name;
        this.workload = workload;
        this.podOnNode = podOnNode;
    }

    void start(int replicas) {
        exists = true;
        grow(replicas);
    }

    void handle(ScalingGroupCommand command) {
        if (command instanceof EnsureGroup ensure) {
            exists = true;
            group = ensure.group();
            template = ensure.template().version();
            grow(ensure.capacity().desired());
        } else if (command instanceof SetCapacity set) {
            grow(set.capacity().desired());
        } else if (command instanceof RollOut rollOut && !rollOut.template().version().equals(template)) {
            // A new template: the instances running now are out of date (the same template again changes nothing).
            template = rollOut.template().version();
            members.replaceAll(m -> new PoolMember(m.providerID(), m.nodeName(), m.nodeUid(), m.lifecycle(),
                    m.launchTime(), m.ready(), m.available(), false, false, true));
        } else if (command instanceof TerminateInstances terminate) {
            members.removeIf(m -> terminate.providerIDs().contains(m.providerID()));
            desired -= terminate.providerIDs().size();
        } else if (command instanceof DeleteGroup) {
            exists = false;
            desired = 0;
            members.clear();
        }
        lastCommandId = command.id();
    }

    private void grow(int to) {
        while (members.size() < to) {
            int n = next++;
            String node = name + "-node-" + n;
            String id = "aws:///us-east-1a/i-" + name + "-" + n;
            workload.resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata()
                    .withNewSpec().withProviderID(id).endSpec().build()).create();
            workload.resource(podOnNode.apply(node)).create();
            // Launched one after the other: the oldest is the first.
            members.add(new PoolMember(id, node, "uid-" + n, InstanceLifecycle.RUNNING, launched.plusSeconds(n),
                    true, true, true, false, true));
        }
        desired = Math.max(desired, to);
        desired = to;
    }

    int ready() {
        return (int) members.stream().filter(PoolMember::ready).count();
    }

    ScalingGroupState state() {
        return new ScalingGroupState(pool, Cloud.AWS, group, exists, desired, 0, 50, template, false, 1,
                lastCommandId, null);
    }

    PoolStatus status() {
        return new PoolStatus(pool, 1, cluster, "AWSMachinePool", group, null,
                members.stream().map(PoolMember::providerID).toList(), exists, List.copyOf(members), List.of());
    }
}
