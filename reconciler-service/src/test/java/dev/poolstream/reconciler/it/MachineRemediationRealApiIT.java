package dev.poolstream.reconciler.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.reconciler.domain.KubeAction;
import dev.poolstream.reconciler.kube.PoolObjects;
import dev.poolstream.testing.AuditedRequest;
import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The remediation of a Machine ({@code KubeAction.RemediateMachine}, {@code DeferRemediation}) against a real
 * kube-apiserver with Cluster API's Machine CRD: the conditions patch goes through the status subresource and is
 * accepted by the CRD's schema (each condition's type, status, reason, message, lastTransitionTime; its
 * observedGeneration), keeps the conditions others wrote, and the Machine is then deleted (held by its finalizer, so
 * it stays with a deletionTimestamp until its instance is gone).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MachineRemediationRealApiIT {

    private static final String NS = "machine-remediation";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ResourceDefinitionContext MACHINES = ResourceDefinitionContext.fromResourceType(
            Machine.class);
    private static final KubeAction.MachineCondition MACHINE_DELETING = new KubeAction.MachineCondition(
            ClusterApi.CONDITION_OWNER_REMEDIATED, ClusterApi.REASON_MACHINE_DELETING, "Machine is deleting");

    private KubeApiServer server;
    private KubernetesClient kube;
    private PoolObjects objects;
    private final PoolSpec pool = new PoolSpec(NS, "workers", "uid", 1, Map.of(), Map.of(), List.of(), null, null,
            null, false);

    @BeforeAll
    void start() {
        server = KubeApiServer.shared().namespace(NS).applyRbac(ReconcilerRealApiIT.K8S_RBAC);
        kube = server.client();
        // As the reconciler's ServiceAccount with k8s/'s RBAC: a grant missing is a 403 here.
        objects = new PoolObjects(server.clientAs(ReconcilerRealApiIT.SERVICE_ACCOUNT), false);
    }

    /** Marked by a MachineHealthCheck (provider mode): the owner's mark, then the delete. */
    @Test
    void shouldMarkAMarkedMachineDeletingKeepingTheOtherConditionsThenDeleteIt() {
        String name = "workers-i-0001";
        machine(name, List.of(
                condition("Ready", "True", "Ready", "", "2026-11-21T05:00:00Z"),
                condition(ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, "False", "UnhealthyNode",
                        "Condition Ready on Node node-1 was False for more than 5m", "2026-11-21T05:30:00Z"),
                condition(ClusterApi.CONDITION_OWNER_REMEDIATED, "False", ClusterApi.REASON_WAITING_FOR_REMEDIATION,
                        "Waiting for remediation", "2026-11-21T05:30:00Z")));
        long generation = machine(name).get().getMetadata().getGeneration();

        boolean written = objects.setMachineConditions(pool, name, providerId(name), List.of(MACHINE_DELETING),
                Instant.now());
        objects.deleteMachine(pool, name, providerId(name), "to remediate it");

        assertThat(written).isTrue();
        await().atMost(WAIT).untilAsserted(() -> {
            GenericKubernetesResource machine = machine(name).get();
            assertThat(machine).isNotNull();
            assertThat(machine.getMetadata().getDeletionTimestamp()).as("deleted, held by its finalizer")
                    .isNotNull();
            assertThat(machine.getMetadata().getFinalizers()).containsExactly(ClusterApi.MACHINE_FINALIZER);
            List<Map<String, Object>> conditions = conditions(machine);
            assertThat(conditions).extracting(c -> c.get("type")).containsExactlyInAnyOrder("Ready",
                    ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, ClusterApi.CONDITION_OWNER_REMEDIATED);
            assertThat(find(conditions, "Ready")).containsEntry("status", "True")
                    .containsEntry("lastTransitionTime", "2026-11-21T05:00:00Z");
            assertThat(find(conditions, ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED))
                    .containsEntry("reason", "UnhealthyNode");
            assertThat(find(conditions, ClusterApi.CONDITION_OWNER_REMEDIATED))
                    .containsEntry("status", "False")
                    .containsEntry("reason", ClusterApi.REASON_MACHINE_DELETING)
                    .containsEntry("message", "Machine is deleting")
                    .containsEntry("observedGeneration", (int) generation)
                    .as("False before too: its transition time stays")
                    .containsEntry("lastTransitionTime", "2026-11-21T05:30:00Z");
        });
        // Again (a look before the watcher shows the delete): nothing to write, and a delete that changes nothing.
        assertThat(objects.setMachineConditions(pool, name, providerId(name), List.of(MACHINE_DELETING),
                Instant.now())).isFalse();
        objects.deleteMachine(pool, name, providerId(name), "to remediate it");
        assertThat(machine(name).get()).isNotNull();
        assertThat(refusedWrites()).isEmpty();
    }

    /** Owner mode: the reconciler marks as well, and a condition that turns False gets the time it turned. */
    @Test
    void shouldMarkAHealthyMachineUnhealthyAndDeferredWithTheTimeItTurned() {
        String name = "workers-i-0002";
        machine(name, List.of(condition(ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, "True", "Succeeded", "",
                "2026-11-21T05:00:00Z")));
        Instant now = Instant.parse("2026-11-21T06:00:00.123Z");

        boolean written = objects.setMachineConditions(pool, name, providerId(name), List.of(
                new KubeAction.MachineCondition(ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, "NodeStartupTimeout",
                        "Health check failed: instance i-0002 has no Node 600s after its launch"),
                new KubeAction.MachineCondition(ClusterApi.CONDITION_OWNER_REMEDIATED,
                        ClusterApi.REASON_REMEDIATION_DEFERRED, "Waiting: 1 remediation in flight, at most 1")), now);

        assertThat(written).isTrue();
        await().atMost(WAIT).untilAsserted(() -> {
            GenericKubernetesResource machine = machine(name).get();
            List<Map<String, Object>> conditions = conditions(machine);
            assertThat(find(conditions, ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED))
                    .containsEntry("status", "False").containsEntry("reason", "NodeStartupTimeout")
                    .containsEntry("lastTransitionTime", now.truncatedTo(ChronoUnit.SECONDS).toString());
            assertThat(find(conditions, ClusterApi.CONDITION_OWNER_REMEDIATED))
                    .containsEntry("reason", ClusterApi.REASON_REMEDIATION_DEFERRED);
            assertThat(machine.getMetadata().getDeletionTimestamp()).as("deferred: not deleted").isNull();
        });
        assertThat(refusedWrites()).isEmpty();
    }

    /** Owner mode: healthy again before its turn, its mark goes and its other conditions stay. */
    @Test
    void shouldClearTheMarkOfADeferredMachineThatIsHealthyAgain() {
        String name = "workers-i-0003";
        machine(name, List.of(
                condition("Ready", "True", "Ready", "", "2026-11-21T05:00:00Z"),
                condition(ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, "False", "UnhealthyNode",
                        "Health check failed: Node node-3 has had condition Ready False for more than 300s",
                        "2026-11-21T05:30:00Z"),
                condition(ClusterApi.CONDITION_OWNER_REMEDIATED, "False", ClusterApi.REASON_REMEDIATION_DEFERRED,
                        "Waiting: 1 remediation in flight, at most 1", "2026-11-21T05:30:00Z")));
        Instant now = Instant.parse("2026-11-21T06:00:00.123Z");

        boolean written = objects.clearRemediation(pool, name, providerId(name), true, now);

        assertThat(written).isTrue();
        await().atMost(WAIT).untilAsserted(() -> {
            GenericKubernetesResource machine = machine(name).get();
            List<Map<String, Object>> conditions = conditions(machine);
            assertThat(conditions).extracting(c -> c.get("type")).containsExactlyInAnyOrder("Ready",
                    ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED);
            assertThat(find(conditions, ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED))
                    .containsEntry("status", "True").containsEntry("reason", "HealthCheckSucceeded")
                    .containsEntry("lastTransitionTime", now.truncatedTo(ChronoUnit.SECONDS).toString());
            assertThat(find(conditions, "Ready")).containsEntry("lastTransitionTime", "2026-11-21T05:00:00Z");
            assertThat(machine.getMetadata().getDeletionTimestamp()).isNull();
        });
        assertThat(objects.clearRemediation(pool, name, providerId(name), true, now.plusSeconds(5)))
                .as("nothing left to write").isFalse();
        assertThat(refusedWrites()).isEmpty();
    }

    /**
     * A MachineHealthCheck's Machine healthy again after its mark (the check left {@code OwnerRemediated}, as Cluster
     * API's does): the mark goes, the check's own condition stays as it wrote it; found unhealthy again by the time
     * of the write, it keeps the mark.
     */
    @Test
    void shouldRemoveAMarkItsHealthCheckNoLongerStandsBehindAndLeaveTheChecksConditionAlone() {
        String name = "workers-i-0005";
        machine(name, List.of(
                condition(ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, "True", "Succeeded", "",
                        "2026-11-21T05:45:00Z"),
                condition(ClusterApi.CONDITION_OWNER_REMEDIATED, "False", ClusterApi.REASON_MACHINE_DELETING,
                        "Machine is deleting", "2026-11-21T05:30:00Z")));
        String unhealthyAgain = "workers-i-0006";
        machine(unhealthyAgain, List.of(
                condition(ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, "False", "UnhealthyNode", "Node not Ready",
                        "2026-11-21T05:50:00Z"),
                condition(ClusterApi.CONDITION_OWNER_REMEDIATED, "False", ClusterApi.REASON_REMEDIATION_DEFERRED,
                        "Waiting", "2026-11-21T05:30:00Z")));
        Instant now = Instant.parse("2026-11-21T06:00:00.123Z");

        assertThat(objects.clearRemediation(pool, name, providerId(name), false, now)).isTrue();
        assertThat(objects.clearRemediation(pool, unhealthyAgain, providerId(unhealthyAgain), false, now)).isFalse();

        await().atMost(WAIT).untilAsserted(() -> {
            List<Map<String, Object>> conditions = conditions(machine(name).get());
            assertThat(conditions).extracting(c -> c.get("type"))
                    .containsExactly(ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED);
            assertThat(find(conditions, ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED))
                    .containsEntry("reason", "Succeeded")
                    .containsEntry("lastTransitionTime", "2026-11-21T05:45:00Z");
        });
        assertThat(conditions(machine(unhealthyAgain).get())).extracting(c -> c.get("type"))
                .containsExactlyInAnyOrder(ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED,
                        ClusterApi.CONDITION_OWNER_REMEDIATED);
        assertThat(refusedWrites()).isEmpty();
    }

    @Test
    void shouldDoNothingForAMachineThatDoesNotExist() {
        assertThat(objects.setMachineConditions(pool, "workers-i-0404", providerId("workers-i-0404"),
                List.of(MACHINE_DELETING), Instant.now()))
                .isFalse();
        objects.deleteMachine(pool, "workers-i-0404", providerId("workers-i-0404"), "to remediate it");

        assertThat(machine("workers-i-0404").get()).isNull();
    }

    /**
     * A Machine of the name the pool's instance's would have, but another pool's or another instance's (the name is
     * derived when the watcher reported none of the pool's for it): neither marked nor deleted. It once was, and that
     * pool's healthy instance was drained and replaced.
     */
    @Test
    void shouldNeitherMarkNorDeleteAMachineOfThatNameThatIsAnotherPoolsOrInstances() {
        String others = "workers-i-0007";
        machine(others, List.of(), "web", "aws:///us-east-1a/i-0007");
        String otherInstance = "workers-i-0008";
        machine(otherInstance, List.of(), "workers", "aws:///us-east-1a/i-0099");

        for (String name : List.of(others, otherInstance)) {
            assertThat(objects.setMachineConditions(pool, name, providerId(name), List.of(MACHINE_DELETING),
                    Instant.now())).as(name).isFalse();
            assertThat(objects.clearRemediation(pool, name, providerId(name), true, Instant.now())).as(name).isFalse();
            objects.deleteMachine(pool, name, providerId(name), "to remediate it");

            assertThat(machine(name).get()).as(name).isNotNull().satisfies(m -> {
                assertThat(m.getMetadata().getDeletionTimestamp()).isNull();
                assertThat(conditions(m)).isEmpty();
            });
        }
        // The pool's own, by the same calls: marked and deleted.
        String own = "workers-i-0009";
        machine(own, List.of());
        assertThat(objects.setMachineConditions(pool, own, providerId(own), List.of(MACHINE_DELETING),
                Instant.now())).isTrue();
        objects.deleteMachine(pool, own, providerId(own), "to remediate it");
        assertThat(machine(own).get().getMetadata().getDeletionTimestamp()).isNotNull();
    }

    /** The instance a Machine of this pool's is named for (as {@code machine} makes it). */
    private static String providerId(String name) {
        return "aws:///us-east-1a/" + name.substring("workers-".length());
    }

    private Resource<GenericKubernetesResource> machine(String name) {
        return kube.genericKubernetesResources(MACHINES).inNamespace(NS).withName(name);
    }

    /** A pool's Machine as owner mode creates it, with its finalizer and the conditions others wrote. */
    private void machine(String name, List<Map<String, Object>> conditions) {
        machine(name, conditions, "workers", providerId(name));
    }

    private void machine(String name, List<Map<String, Object>> conditions, String poolName, String providerId) {
        GenericKubernetesResource machine = new GenericKubernetesResource();
        machine.setApiVersion(ClusterApi.CLUSTER_GROUP + "/v1beta2");
        machine.setKind(ClusterApi.KIND_MACHINE);
        machine.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(NS)
                .withFinalizers(ClusterApi.MACHINE_FINALIZER)
                .withLabels(Map.of(ClusterApi.POOL_NAME_LABEL, poolName, ClusterApi.CLUSTER_NAME_LABEL, "demo"))
                .build());
        machine.setAdditionalProperty("spec", Map.of(
                "clusterName", "demo",
                "bootstrap", Map.of("dataSecretName", ""),
                "infrastructureRef", Map.of("apiGroup", ClusterApi.INFRASTRUCTURE_GROUP,
                        "kind", ClusterApi.KIND_AWS_MACHINE, "name", name),
                "providerID", providerId));
        kube.genericKubernetesResources(MACHINES).inNamespace(NS).resource(machine).create();
        machine(name).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                kube.getKubernetesSerialization().asJson(Map.of("status", Map.of("conditions", conditions))));
    }

    private static Map<String, Object> condition(String type, String status, String reason, String message,
                                                 String at) {
        return Map.of("type", type, "status", status, "reason", reason, "message", message,
                "lastTransitionTime", at);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> conditions(GenericKubernetesResource machine) {
        Map<String, Object> status = (Map<String, Object>) machine.getAdditionalProperties().get("status");
        return (List<Map<String, Object>>) status.get("conditions");
    }

    private static Map<String, Object> find(List<Map<String, Object>> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.get("type"))).findFirst().orElseThrow();
    }

    private List<AuditedRequest> refusedWrites() {
        return server.refusedWrites().stream().filter(r -> NS.equals(r.namespace())).toList();
    }
}
