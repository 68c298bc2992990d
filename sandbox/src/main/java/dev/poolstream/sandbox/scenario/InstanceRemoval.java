package dev.poolstream.sandbox.scenario;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachineHealthCheck;
import dev.poolstream.api.cluster.v1beta2.MachineHealthCheckSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.Checks;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.Selector;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.checks.UnhealthyNodeConditions;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.sandbox.Sandbox;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The two scenarios where one chosen instance must be the one that goes (issue 17): cluster-autoscaler's scale-down
 * of a Node it picked, and a MachineHealthCheck's remediation of a Node that stopped being Ready. Each acts as the
 * real actor does, on the Kubernetes objects only, and judges by the pool's {@code spec.providerIDList}.
 */
final class InstanceRemoval {

    /** The line each scenario ends with. */
    static final String VERDICT = "expected instance removed: ";
    /** How long a Node may be not Ready before the sandbox's MachineHealthCheck finds it unhealthy. */
    static final int UNHEALTHY_AFTER_SECONDS = 5;

    /** What happened: the instance meant to go, and those that went. */
    record Outcome(String expected, Set<String> removed) {

        boolean asExpected() {
            return removed.equals(Set.of(expected));
        }

        String verdict() {
            if (asExpected()) {
                return VERDICT + "yes";
            }
            Set<String> instead = new LinkedHashSet<>(removed);
            instead.remove(expected);
            return VERDICT + "no (" + expected + (removed.contains(expected) ? " went, and also " : " stayed; went instead: ")
                    + (instead.isEmpty() ? "nothing" : String.join(", ", instead)) + ")";
        }
    }

    private final KubernetesClient management;
    private final KubernetesClient workload;
    private final PrintStream out;

    InstanceRemoval(KubernetesClient management, KubernetesClient workload, PrintStream out) {
        this.management = management;
        this.workload = workload;
        this.out = out;
    }

    /**
     * The instances of a pool, oldest first, as its status lists them; the victim is the third, so that neither the
     * oldest (the default delete policy) nor the newest would be it by chance.
     */
    String victim(String pool, int replicas) {
        // The status and spec.providerIDList are two writes: the status can say Running before the list is there.
        awaitUntil(() -> providerIds(pool).size() == replicas, Duration.ofMinutes(1));
        List<String> ids = providerIds(pool);
        if (ids.isEmpty()) {
            throw new IllegalStateException(pool + " lists no instance in spec.providerIDList");
        }
        return ids.get(Math.min(2, ids.size() - 1));
    }

    List<String> providerIds(String pool) {
        MachinePool mp = management.resources(MachinePool.class).inNamespace(Sandbox.NAMESPACE).withName(pool).get();
        return mp.getSpec().getProviderIDList() == null ? List.of() : List.copyOf(mp.getSpec().getProviderIDList());
    }

    /**
     * As cluster-autoscaler removes a Node it chose (core {@code actuator.go}, clusterapi {@code DeleteNodes}): taint
     * it {@code ToBeDeletedByClusterAutoscaler} and cordon it, drain it, mark its Machine with
     * {@code cluster.x-k8s.io/delete-machine}, then lower the pool's replicas by one.
     */
    void scaleDownAsAutoscaler(String pool, String providerID, ScenarioRun run) {
        Node node = nodeOf(providerID);
        out.printf("cluster-autoscaler picks Node %s (%s): taints it %s, cordons and drains it%n",
                node.getMetadata().getName(), providerID, ClusterApi.AUTOSCALER_DELETING_TAINT_KEY);
        workload.nodes().withName(node.getMetadata().getName()).edit(n -> {
            List<Taint> taints = new ArrayList<>(n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints());
            taints.add(new TaintBuilder().withKey(ClusterApi.AUTOSCALER_DELETING_TAINT_KEY)
                    .withValue(Long.toString(Instant.now().getEpochSecond())).withEffect("NoSchedule").build());
            n.getSpec().setTaints(taints);
            n.getSpec().setUnschedulable(true);
            return n;
        });
        workload.pods().inAnyNamespace().withField("spec.nodeName", node.getMetadata().getName()).list().getItems()
                .forEach(p -> workload.pods().inNamespace(p.getMetadata().getNamespace())
                        .withName(p.getMetadata().getName()).evict());
        String machine = machineName(pool, providerID);
        if (awaitMachine(pool, machine, Duration.ofMinutes(1))) {
            out.printf("cluster-autoscaler marks Machine %s with %s%n", machine, ClusterApi.DELETE_MACHINE_ANNOTATION);
            management.resources(Machine.class).inNamespace(Sandbox.NAMESPACE).withName(machine).edit(m -> {
                m.getMetadata().getAnnotations().put(ClusterApi.DELETE_MACHINE_ANNOTATION, Instant.now().toString());
                return m;
            });
        } else {
            out.printf("the pool has no Machine %s: cluster-autoscaler's fallback, the Node's taint alone%n", machine);
        }
        run.edit(pool, mp -> mp.getSpec().setReplicas(mp.getSpec().getReplicas() - 1));
        out.printf("cluster-autoscaler lowers %s's replicas by one%n", pool);
    }

    /**
     * Whether the instance's Machine exists, waiting for it while the pool has Machines: as Cluster API core does, the
     * infrastructure pool's {@code status.infrastructureMachineKind} says so. That status is written before the
     * Machines and after the MachinePool's, so a pool seen Running may show neither yet; a pool whose infrastructure
     * status is written without the kind (Machines turned off) is not waited for.
     */
    private boolean awaitMachine(String pool, String machine, Duration timeout) {
        var machines = management.resources(Machine.class).inNamespace(Sandbox.NAMESPACE);
        BooleanSupplier exists = () -> machines.withName(machine).get() != null;
        awaitUntil(() -> exists.getAsBoolean() || withoutMachines(pool), timeout);
        return exists.getAsBoolean();
    }

    /** Whether the pool's infrastructure status has been written, and names no machine kind. */
    private boolean withoutMachines(String pool) {
        MachinePool mp = management.resources(MachinePool.class).inNamespace(Sandbox.NAMESPACE).withName(pool).get();
        // The sandbox's pools are AWSMachinePools (ScenarioRun.createPool).
        AWSMachinePool infrastructure = management.resources(AWSMachinePool.class).inNamespace(Sandbox.NAMESPACE)
                .withName(mp.getSpec().getTemplate().getSpec().getInfrastructureRef().getName()).get();
        var status = infrastructure == null ? null : infrastructure.getStatus();
        return status != null && status.getReplicas() != null && status.getInfrastructureMachineKind() == null;
    }

    /**
     * A MachineHealthCheck on the pool's Machines (Node not Ready for {@value #UNHEALTHY_AFTER_SECONDS} s is
     * unhealthy); then the Node's kubelet stops reporting Ready.
     */
    void breakNode(String pool, String providerID) {
        MachineHealthCheck check = new MachineHealthCheck();
        check.setMetadata(new ObjectMetaBuilder().withNamespace(Sandbox.NAMESPACE).withName(pool + "-unhealthy")
                .build());
        MachineHealthCheckSpec spec = new MachineHealthCheckSpec();
        spec.setClusterName(Sandbox.CLUSTER);
        Selector selector = new Selector();
        selector.setMatchLabels(Map.of(ClusterApi.POOL_NAME_LABEL, PoolMachines.poolNameLabel(pool)));
        spec.setSelector(selector);
        UnhealthyNodeConditions notReady = new UnhealthyNodeConditions();
        notReady.setType("Ready");
        notReady.setStatus("False");
        notReady.setTimeoutSeconds(UNHEALTHY_AFTER_SECONDS);
        Checks checks = new Checks();
        checks.setUnhealthyNodeConditions(List.of(notReady));
        spec.setChecks(checks);
        check.setSpec(spec);
        management.resource(check).create();
        Node node = nodeOf(providerID);
        out.printf("MachineHealthCheck %s: a Node not Ready for %d s is unhealthy%n", check.getMetadata().getName(),
                UNHEALTHY_AFTER_SECONDS);
        out.printf("the kubelet of Node %s (%s) stops: Ready turns False%n", node.getMetadata().getName(), providerID);
        workload.nodes().withName(node.getMetadata().getName()).editStatus(n -> {
            n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).forEach(c -> {
                c.setStatus("False");
                c.setReason("KubeletStopped");
                c.setLastTransitionTime(Instant.now().toString());
            });
            return n;
        });
    }

    /** The pool's instances now against before: which went. */
    Outcome outcome(String pool, List<String> before, String expected) {
        Set<String> removed = new LinkedHashSet<>(before);
        removed.removeAll(providerIds(pool));
        return new Outcome(expected, removed);
    }

    /** Until the instance has left the pool's list, or the time is up. */
    void awaitGone(String pool, String providerID, Duration timeout) {
        awaitUntil(() -> !providerIds(pool).contains(providerID), timeout);
    }

    /** Polls until the condition holds or the time is up; the caller looks again at what it found. */
    private static void awaitUntil(BooleanSupplier done, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!done.getAsBoolean() && Instant.now().isBefore(deadline)) {
            ScenarioRun.pause();
        }
    }

    private String machineName(String pool, String providerID) {
        MachinePool mp = management.resources(MachinePool.class).inNamespace(Sandbox.NAMESPACE).withName(pool).get();
        return PoolMachines.machineName(mp.getSpec().getTemplate().getSpec().getInfrastructureRef().getName(),
                providerID);
    }

    private Node nodeOf(String providerID) {
        return workload.nodes().list().getItems().stream()
                .filter(n -> providerID.equals(n.getSpec().getProviderID()))
                .min(Comparator.comparing(n -> n.getMetadata().getName()))
                .orElseThrow(() -> new KubernetesClientException("no Node has provider ID " + providerID));
    }
}
