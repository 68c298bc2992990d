package dev.poolstream.sandbox.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachine;
import dev.poolstream.sandbox.Sandbox;
import dev.poolstream.sandbox.SandboxOptions;
import dev.poolstream.sandbox.scenario.ScenarioRun;
import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.concurrent.atomic.AtomicReference;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real-API-server tier for MachinePool Machines (issue 17), the whole pipeline in owner mode: an AWSMachine and a
 * Machine per instance, appearing and disappearing with the instances; cluster-autoscaler's and a
 * MachineHealthCheck's chosen instance is the one that goes; deleting a Machine removes exactly its instance, after
 * its Node was cordoned. Every write must be accepted by the real CRDs.
 */
class MachinesRealApiIT {

    private static final String POOL = "workers";

    private String deletedVictim;

    @Test
    void theAutoscalersChosenNodeIsTheOneRemoved(@TempDir Path out) throws Exception {
        String printed = runScenario(out, "autoscaler");

        assertThat(printed).contains("cluster-autoscaler marks Machine workers-")
                .contains("expected instance removed: yes");
    }

    @Test
    void anUnhealthyNodesInstanceIsReplacedAndNoOther(@TempDir Path out) throws Exception {
        String printed = runScenario(out, "remediate");

        assertThat(printed).contains("expected instance removed: yes");
    }

    @Test
    void deletingAMachineRemovesExactlyItsInstanceAfterItsNodeIsCordoned(@TempDir Path out) throws Exception {
        try (KubeApiServer server = KubeApiServer.start()) {
            SandboxOptions options = options(server, out, 4);
            try (Sandbox sandbox = new Sandbox(options)) {
                ScenarioRun run = runningPool(sandbox, options, 4);
                KubernetesClient kube = sandbox.management();
                List<String> before = providerIds(kube);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertObjectsMatch(kube, before));

                String victim = before.get(1);
                deletedVictim = victim;
                String machine = PoolMachines.machineName(POOL, victim);
                String node = sandbox.workload().nodes().list().getItems().stream()
                        .filter(n -> victim.equals(n.getSpec().getProviderID())).findFirst().orElseThrow()
                        .getMetadata().getName();
                AtomicReference<Node> deletedNode = new AtomicReference<>();
                Watch watch = sandbox.workload().nodes().withName(node).watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Node n) {
                        if (action == Action.DELETED) {
                            deletedNode.set(n);
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                });
                kube.resources(Machine.class).inNamespace(Sandbox.NAMESPACE).withName(machine).delete();

                // Replaced: the pool keeps its replicas, with a new instance in place of exactly that one.
                await().atMost(Duration.ofMinutes(2)).until(() -> !providerIds(kube).contains(victim));
                run.awaitAll(List.of(POOL), running(4), null);
                await().atMost(Duration.ofSeconds(30)).until(() -> providerIds(kube).size() == 4
                        && !providerIds(kube).contains(victim));
                List<String> after = providerIds(kube);
                assertThat(after).hasSize(4).doesNotContain(victim)
                        .containsAll(before.stream().filter(id -> !id.equals(victim)).toList());
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertObjectsMatch(kube, after));
                assertThat(kube.resources(Machine.class).inNamespace(Sandbox.NAMESPACE).withName(machine).get())
                        .as("the deleted Machine, once its instance is gone").isNull();

                // Drained first: the Node's last state, as the simulated cloud deleted it with its instance, is
                // cordoned.
                await().atMost(Duration.ofSeconds(30)).until(() -> deletedNode.get() != null);
                watch.close();
                assertThat(deletedNode.get().getSpec().getUnschedulable()).as("the Node cordoned before it went")
                        .isTrue();
            }
            assertThat(server.refusedWrites()).as("writes the API server refused").isEmpty();

            // What one instance's whole life cost in writes to its two objects (created, Node joined and Ready,
            // Machine deleted, drained, terminated, released): docs/machines.md quotes it.
            String machine = PoolMachines.machineName(POOL, deletedVictim);
            Map<String, Long> writes = server.requests().stream()
                    .filter(r -> r.write() && r.code() < 300 && machine.equals(r.name())
                            && ("machines".equals(r.resource()) || "awsmachines".equals(r.resource())))
                    .collect(Collectors.groupingBy(r -> r.resource() + (r.subresource().isEmpty() ? "" : "/"
                            + r.subresource()) + " " + r.verb(), TreeMap::new, Collectors.counting()));
            long total = writes.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("API writes over the life of %s: %d %s%n", machine, total, writes);
            assertThat(total).as("writes over one instance's life, " + writes).isBetween(4L, 16L);
        }
    }

    /**
     * The lowered replicas reach the reconciler before the Machine's mark (here written after them, as a slow
     * informer would bring it): within the reconciler's scale-down settle the marked instance still decides, and
     * neither the oldest (the delete policy) nor any other goes.
     */
    @Test
    void aMarkArrivingAfterTheLoweredReplicasStillDecidesWhichInstanceGoes(@TempDir Path out) throws Exception {
        try (KubeApiServer server = KubeApiServer.start()) {
            SandboxOptions options = options(server, out, 4);
            try (Sandbox sandbox = new Sandbox(options)) {
                ScenarioRun run = runningPool(sandbox, options, 4);
                KubernetesClient kube = sandbox.management();
                List<String> before = providerIds(kube);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertObjectsMatch(kube, before));
                String marked = before.get(2);

                run.edit(POOL, mp -> mp.getSpec().setReplicas(3));
                kube.resources(Machine.class).inNamespace(Sandbox.NAMESPACE)
                        .withName(PoolMachines.machineName(POOL, marked)).patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"metadata\":{\"annotations\":{\"" + ClusterApi.DELETE_MACHINE_ANNOTATION
                                        + "\":\"late\"}}}");

                await().atMost(Duration.ofMinutes(2)).until(() -> providerIds(kube).size() == 3);
                assertThat(providerIds(kube)).as("the pool after the scale-down")
                        .containsExactlyInAnyOrderElementsOf(before.stream().filter(id -> !id.equals(marked)).toList());
            }
            assertThat(server.refusedWrites()).as("writes the API server refused").isEmpty();
        }
    }

    /**
     * Cluster API's pre-terminate hook: another controller's "not yet" on a deleting Machine. The Node is drained,
     * the instance is kept until the hook's owner removes the annotation, then it goes.
     */
    @Test
    void aPreTerminateHookHoldsADeletingMachinesInstanceUntilItIsRemoved(@TempDir Path out) throws Exception {
        String hook = ClusterApi.PRE_TERMINATE_HOOK_PREFIX + "/volume-cleanup";
        try (KubeApiServer server = KubeApiServer.start()) {
            SandboxOptions options = options(server, out, 3);
            try (Sandbox sandbox = new Sandbox(options)) {
                runningPool(sandbox, options, 3);
                KubernetesClient kube = sandbox.management();
                String victim = providerIds(kube).get(0);
                String machine = PoolMachines.machineName(POOL, victim);
                var machines = kube.resources(Machine.class).inNamespace(Sandbox.NAMESPACE);
                await().atMost(Duration.ofSeconds(30)).until(() -> machines.withName(machine).get() != null);
                // As a hook's owner writes it: a merge patch, not an update that a concurrent status write can
                // make conflict (409).
                machines.withName(machine).patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + hook + "\":\"storage-controller\"}}}");
                machines.withName(machine).delete();

                // The reconciler drained its Node, then says it waits for the hook: the instance is still there.
                await().atMost(Duration.ofMinutes(2)).until(() -> kube.events().v1().events()
                        .inNamespace(Sandbox.NAMESPACE).list().getItems().stream()
                        .anyMatch(e -> "WaitingForPreTerminateHook".equals(e.getReason())
                                && e.getNote() != null && e.getNote().contains(hook)));
                assertThat(providerIds(kube)).as("not terminated while the hook is there").contains(victim);
                assertThat(sandbox.workload().nodes().list().getItems()).filteredOn(
                                n -> victim.equals(n.getSpec().getProviderID()))
                        .singleElement().satisfies(n -> assertThat(n.getSpec().getUnschedulable()).isTrue());

                // The hook's owner is done: the instance goes, and the pool refills without it.
                machines.withName(machine).patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + hook + "\":null}}}");
                await().atMost(Duration.ofMinutes(2)).until(() -> providerIds(kube).size() == 3
                        && !providerIds(kube).contains(victim));
                await().atMost(Duration.ofSeconds(30)).until(() -> machines.withName(machine).get() == null);
            }
            assertThat(server.refusedWrites()).as("writes the API server refused").isEmpty();
        }
    }

    private static SandboxOptions options(KubeApiServer server, Path out, int replicas) throws java.io.IOException {
        Path kubeconfig = Files.writeString(out.resolve("kubeconfig"), server.kubeconfig());
        return SandboxOptions.parse("--kubeconfig=" + kubeconfig, "--replicas=" + replicas,
                "--boot-delay=200ms..600ms", "--out=" + out);
    }

    /** The cluster and the pool created and Running at {@code replicas}, its provider ID list complete. */
    private static ScenarioRun runningPool(Sandbox sandbox, SandboxOptions options, int replicas) {
        ScenarioRun run = new ScenarioRun(sandbox, options, new PrintStream(new ByteArrayOutputStream()));
        run.createCluster();
        run.createPool(POOL);
        run.awaitAll(List.of(POOL), running(replicas), null);
        // The status and spec.providerIDList are two writes: Running can come before the list.
        await().atMost(Duration.ofSeconds(30)).until(() -> providerIds(sandbox.management()).size() == replicas);
        return run;
    }

    private static String runScenario(Path out, String scenario) throws Exception {
        try (KubeApiServer server = KubeApiServer.start()) {
            Path kubeconfig = Files.writeString(out.resolve("kubeconfig"), server.kubeconfig());
            SandboxOptions options = SandboxOptions.parse("--kubeconfig=" + kubeconfig, "--scenario=" + scenario,
                    "--boot-delay=200ms..600ms", "--out=" + out);
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            try (Sandbox sandbox = new Sandbox(options)) {
                new ScenarioRun(sandbox, options, new PrintStream(printed, true, StandardCharsets.UTF_8)).run();
                KubernetesClient kube = sandbox.management();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertObjectsMatch(kube, providerIds(kube)));
            }
            assertThat(server.refusedWrites()).as("writes the API server refused").isEmpty();
            return printed.toString(StandardCharsets.UTF_8);
        }
    }

    /** One AWSMachine and one Machine per instance of the pool, named after it, and no more. */
    private static void assertObjectsMatch(KubernetesClient kube, List<String> providerIds) {
        Set<String> expected = providerIds.stream().map(id -> PoolMachines.machineName(POOL, id))
                .collect(Collectors.toSet());
        assertThat(names(kube.resources(AWSMachine.class).inNamespace(Sandbox.NAMESPACE).list().getItems()))
                .isEqualTo(expected);
        assertThat(names(kube.resources(Machine.class).inNamespace(Sandbox.NAMESPACE).list().getItems()))
                .isEqualTo(expected);
        assertThat(kube.resources(AWSMachine.class).inNamespace(Sandbox.NAMESPACE).list().getItems())
                .allSatisfy(m -> assertThat(m.getMetadata().getFinalizers()).contains(ClusterApi.INSTANCE_FINALIZER));
    }

    private static Set<String> names(List<? extends HasMetadata> objects) {
        return objects.stream().filter(o -> o.getMetadata().getDeletionTimestamp() == null)
                .map(o -> o.getMetadata().getName()).collect(Collectors.toSet());
    }

    private static List<String> providerIds(KubernetesClient kube) {
        MachinePool mp = kube.resources(MachinePool.class).inNamespace(Sandbox.NAMESPACE).withName(POOL).get();
        return mp.getSpec().getProviderIDList() == null ? List.of() : List.copyOf(mp.getSpec().getProviderIDList());
    }

    private static java.util.function.Predicate<MachinePoolStatus> running(int replicas) {
        return s -> s.getPhase() == MachinePoolStatus.Phase.RUNNING && Integer.valueOf(replicas).equals(s.getReplicas())
                && Integer.valueOf(replicas).equals(s.getReadyReplicas());
    }
}
