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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One pool's cloud group and status service in miniature: commands change its instances at once, each new
 * instance gets a Ready Node (with one ordinary pod) in the workload cluster, and every change publishes the group
 * state and status the real services would.
 *
 * <p>With {@link #bootingFor} an instance a command launches boots first, as a real one does for a minute or so:
 * for that long it has no Node and is not Ready; {@link #boot} (called as the test polls) then creates its Node and
 * pod and makes it Ready. The instances of {@link #start} run already. Every change records the Ready count in
 * {@link #readyHistory}, so that "never below N Ready" sees an old instance terminated before its replacement is
 * Ready.
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
    private Clock clock = Clock.systemUTC();
    private Duration bootDelay = Duration.ZERO;
    /** An instance booting: the Node it will have, and when. */
    private record Boot(String node, Instant at) {
    }

    /** providerID → its boot, of the instances booting. */
    private final Map<String, Boot> booting = new LinkedHashMap<>();
    /** The Ready instances after every change. */
    final List<Integer> readyHistory = new ArrayList<>();
    /** The most instances booting at once. */
    int mostBooting;

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

    /** New instances boot for {@code delay} on {@code clock} before their Node is Ready. */
    PoolSimulator bootingFor(Duration delay, Clock clock) {
        this.bootDelay = delay;
        this.clock = clock;
        return this;
    }

    /** The group exists with {@code replicas} instances running (Ready at once). */
    void start(int replicas) {
        exists = true;
        Duration delay = bootDelay;
        bootDelay = Duration.ZERO;
        grow(replicas);
        bootDelay = delay;
    }

    /**
     * The instances whose boot is over join the cluster: a Node with its pod, Ready.
     *
     * @return whether any did (the status changed)
     */
    boolean boot() {
        Instant now = clock.instant();
        boolean changed = false;
        for (int i = 0; i < members.size(); i++) {
            PoolMember m = members.get(i);
            Boot boot = booting.get(m.providerID());
            if (boot != null && !now.isBefore(boot.at())) {
                booting.remove(m.providerID());
                createNode(boot.node(), m.providerID());
                members.set(i, new PoolMember(m.providerID(), boot.node(), m.nodeUid(), m.lifecycle(),
                        m.launchTime(), true, true, m.upToDate(), false, true));
                changed = true;
            }
        }
        if (changed) {
            readyHistory.add(ready());
        }
        return changed;
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
                    m.launchTime(), m.ready(), m.available(), false, false, m.nodeAdopted()));
        } else if (command instanceof TerminateInstances terminate) {
            members.removeIf(m -> terminate.providerIDs().contains(m.providerID()));
            terminate.providerIDs().forEach(booting::remove);
            desired -= terminate.providerIDs().size();
        } else if (command instanceof DeleteGroup) {
            exists = false;
            desired = 0;
            members.clear();
            booting.clear();
        }
        lastCommandId = command.id();
        readyHistory.add(ready());
    }

    private void grow(int to) {
        while (members.size() < to) {
            int n = next++;
            String node = name + "-node-" + n;
            String id = "aws:///us-east-1a/i-" + name + "-" + n;
            // Launched one after the other: the oldest is the first.
            Instant launchTime = launched.plusSeconds(n);
            if (bootDelay.isZero()) {
                createNode(node, id);
                members.add(new PoolMember(id, node, "uid-" + n, InstanceLifecycle.RUNNING, launchTime, true, true,
                        true, false, true));
            } else {
                // Booting: no Node yet, not Ready.
                booting.put(id, new Boot(node, clock.instant().plus(bootDelay)));
                members.add(new PoolMember(id, "", "uid-" + n, InstanceLifecycle.RUNNING, launchTime, false, false,
                        true, false, false));
            }
        }
        mostBooting = Math.max(mostBooting, booting.size());
        desired = to;
    }

    private void createNode(String node, String providerId) {
        workload.resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata()
                .withNewSpec().withProviderID(providerId).endSpec().build()).create();
        workload.resource(podOnNode.apply(node)).create();
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
