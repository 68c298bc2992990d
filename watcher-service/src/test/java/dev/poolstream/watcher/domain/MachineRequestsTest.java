package dev.poolstream.watcher.domain;

import static dev.poolstream.watcher.domain.MachineFixtures.NAMESPACE;
import static dev.poolstream.watcher.domain.MachineFixtures.awsMachine;
import static dev.poolstream.watcher.domain.MachineFixtures.azureMachine;
import static dev.poolstream.watcher.domain.MachineFixtures.labelledFor;
import static dev.poolstream.watcher.domain.MachineFixtures.machine;
import static dev.poolstream.watcher.domain.MachineFixtures.pool;
import static dev.poolstream.watcher.domain.MachineFixtures.withCondition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.machinestatus.Conditions;
import dev.poolstream.events.MachineRequest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MachineRequestsTest {

    private static final String ID_A = "aws:///us-east-1a/i-0aaa";
    private static final String ID_B = "aws:///us-east-1b/i-0bbb";
    private static final String DELETED_AT = "2026-11-21T06:00:00Z";

    private final MachinePool pool = pool("workers");
    private final List<String> problems = new ArrayList<>();

    @Test
    void shouldAskToDeleteTheInstanceOfADeletingMachineWithTheInfrastructureMachinesProviderId() {
        Machine machine = machine(labelledFor("workers", "workers-aws-i-0aaa").withDeletionTimestamp(DELETED_AT)
                .build(), "AWSMachine", "workers-aws-i-0aaa", null);
        HasMetadata aws = awsMachine(labelledFor("workers", "workers-aws-i-0aaa").build(), ID_A);

        assertThat(requests(List.of(machine), List.of(aws))).containsExactly(
                new MachineRequest(ID_A, "workers-aws-i-0aaa", "workers-aws-i-0aaa", true, false, false, null,
                        false, false));
    }

    @Test
    void shouldAskToDeleteTheInstanceOfADeletingInfrastructureMachineWithoutAMachine() {
        HasMetadata aws = awsMachine(labelledFor("workers", "workers-aws-i-0aaa").withDeletionTimestamp(DELETED_AT)
                .build(), ID_A);

        assertThat(requests(List.of(), List.of(aws))).containsExactly(
                new MachineRequest(ID_A, null, "workers-aws-i-0aaa", true, false, false, null, false, false));
    }

    @Test
    void shouldLeaveOutMachinesThatAskNothing() {
        Machine steady = machine(labelledFor("workers", "m-a").build(), "AWSMachine", "m-a", null);
        Machine healthy = withCondition(machine(labelledFor("workers", "m-b").build(), "AWSMachine", "m-b", ID_B),
                ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, Conditions.Status.TRUE, "Succeeded");
        Machine onlySkipping = machine(labelledFor("workers", "m-c")
                .addToAnnotations(ClusterApi.SKIP_REMEDIATION_ANNOTATION, "").build(), null, null, "aws:///x/i-0c");

        assertThat(requests(List.of(steady, healthy, onlySkipping),
                List.of(awsMachine(labelledFor("workers", "m-a").build(), ID_A)))).isEmpty();
        assertThat(problems).isEmpty();
    }

    @Test
    void shouldCarryTheMachinesDeletionHooksAndExcludeNodeDrainingSortedWhetherOrNotItIsDeleting() {
        Machine hooked = machine(labelledFor("workers", "m-a")
                .addToAnnotations(ClusterApi.PRE_TERMINATE_HOOK_PREFIX + "/volumes", "storage-controller")
                .addToAnnotations(ClusterApi.PRE_DRAIN_HOOK_PREFIX + "/zz-last", "")
                .addToAnnotations(ClusterApi.PRE_DRAIN_HOOK_PREFIX + "/backup", "backup-operator")
                .addToAnnotations("pre-drain.delete.hook.example.com/not-capi", "")
                .build(), "AWSMachine", "m-a", null);
        Machine excluded = machine(labelledFor("workers", "m-b")
                .addToAnnotations(ClusterApi.EXCLUDE_NODE_DRAINING_ANNOTATION, "").build(), "AWSMachine", "m-b", null);

        List<MachineRequest> requests = requests(List.of(hooked, excluded),
                List.of(awsMachine(labelledFor("workers", "m-a").build(), ID_A),
                        awsMachine(labelledFor("workers", "m-b").build(), ID_B)));

        assertThat(requests).containsExactly(
                new MachineRequest(ID_A, "m-a", "m-a", false, false, false, null, false, false, false,
                        List.of(ClusterApi.PRE_DRAIN_HOOK_PREFIX + "/backup",
                                ClusterApi.PRE_DRAIN_HOOK_PREFIX + "/zz-last"),
                        List.of(ClusterApi.PRE_TERMINATE_HOOK_PREFIX + "/volumes")),
                new MachineRequest(ID_B, "m-b", "m-b", false, false, false, null, false, false, true, List.of(),
                        List.of()));
        assertThat(requests.get(0).hooked()).isTrue();
        assertThat(requests.get(1).hooked()).isFalse();
    }

    @Test
    void shouldReportTheDeleteMachineAnnotationOnTheMachineOrItsInfrastructureMachine() {
        Machine onMachine = machine(labelledFor("workers", "m-a")
                .addToAnnotations(ClusterApi.DELETE_MACHINE_ANNOTATION, "yes").build(), "AWSMachine", "m-a", null);
        HasMetadata onInfra = awsMachine(labelledFor("workers", "m-b")
                .addToAnnotations(ClusterApi.DELETE_MACHINE_ANNOTATION, "").build(), ID_B);

        List<MachineRequest> requests = requests(List.of(onMachine),
                List.of(awsMachine(labelledFor("workers", "m-a").build(), ID_A), onInfra));

        assertThat(requests).extracting(MachineRequest::providerID, MachineRequest::deleteAnnotated,
                        MachineRequest::deleting)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ID_A, true, false),
                        org.assertj.core.groups.Tuple.tuple(ID_B, true, false));
    }

    @Test
    void shouldReportAFailedHealthCheckAndTheOwnerRemediatedReason() {
        Machine marked = withCondition(withCondition(
                        machine(labelledFor("workers", "m-a").build(), "AWSMachine", "m-a", null),
                        ClusterApi.CONDITION_HEALTH_CHECK_SUCCEEDED, Conditions.Status.FALSE, "UnhealthyNode"),
                ClusterApi.CONDITION_OWNER_REMEDIATED, Conditions.Status.FALSE,
                ClusterApi.REASON_WAITING_FOR_REMEDIATION);

        MachineRequest request = requests(List.of(marked), List.of(awsMachine(labelledFor("workers", "m-a").build(),
                ID_A))).get(0);

        assertThat(request.healthCheckFailed()).isTrue();
        assertThat(request.ownerRemediated()).isEqualTo(ClusterApi.REASON_WAITING_FOR_REMEDIATION);
        assertThat(request.awaitingRemediation()).isTrue();
        assertThat(request.deleting()).isFalse();
    }

    @Test
    void shouldKeepAnOwnerRemediatedConditionWithoutAReasonAsMarked() {
        Machine marked = withCondition(machine(labelledFor("workers", "m-a").build(), null, null, ID_A),
                ClusterApi.CONDITION_OWNER_REMEDIATED, Conditions.Status.FALSE, null);

        assertThat(requests(List.of(marked), List.of())).singleElement()
                .extracting(MachineRequest::ownerRemediated).isEqualTo("");
    }

    @Test
    void shouldReportSkipRemediationOrPausedInsideARequestThatExistsForAnotherReason() {
        Machine skipping = machine(labelledFor("workers", "m-a")
                .addToAnnotations(ClusterApi.REMEDIATE_MACHINE_ANNOTATION, "")
                .addToAnnotations(ClusterApi.SKIP_REMEDIATION_ANNOTATION, "").build(), null, null, ID_A);
        Machine paused = machine(labelledFor("workers", "m-b")
                .addToAnnotations(ClusterApi.REMEDIATE_MACHINE_ANNOTATION, "")
                .addToAnnotations(ClusterApi.PAUSED_ANNOTATION, "").build(), null, null, ID_B);

        assertThat(requests(List.of(skipping, paused), List.of())).containsExactly(
                new MachineRequest(ID_A, "m-a", null, false, false, false, null, true, true),
                new MachineRequest(ID_B, "m-b", null, false, false, false, null, true, true));
    }

    @Test
    void shouldFindTheProviderIdThroughTheInfrastructureRefEvenWhenTheInfrastructureMachineIsNotLabelled() {
        Machine machine = machine(labelledFor("workers", "m-a").withDeletionTimestamp(DELETED_AT).build(),
                "AWSMachine", "unlabelled", null);
        HasMetadata unlabelled = awsMachine(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName("unlabelled")
                .build(), ID_A);

        assertThat(requests(List.of(machine), List.of(unlabelled))).singleElement()
                .extracting(MachineRequest::providerID, MachineRequest::infrastructureMachine)
                .containsExactly(ID_A, "unlabelled");
    }

    @Test
    void shouldNotPairAMachineWithAnInfrastructureMachineOfAnotherKind() {
        Machine machine = machine(labelledFor("workers", "m-a").withDeletionTimestamp(DELETED_AT).build(),
                "AzureMachinePoolMachine", "m-a", ID_B);
        HasMetadata aws = awsMachine(labelledFor("workers", "m-a").withDeletionTimestamp(DELETED_AT).build(), ID_A);

        assertThat(requests(List.of(machine), List.of(aws)))
                .extracting(MachineRequest::providerID, MachineRequest::machine, MachineRequest::infrastructureMachine)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ID_A, null, "m-a"),
                        org.assertj.core.groups.Tuple.tuple(ID_B, "m-a", null));
    }

    @Test
    void shouldUseTheMachinesProviderIdWhenTheInfrastructureMachineHasNone() {
        Machine machine = machine(labelledFor("workers", "m-a").withDeletionTimestamp(DELETED_AT).build(),
                "AWSMachine", "m-a", ID_A);

        assertThat(requests(List.of(machine), List.of(awsMachine(labelledFor("workers", "m-a").build(), null))))
                .singleElement().extracting(MachineRequest::providerID).isEqualTo(ID_A);
    }

    @Test
    void shouldSkipAndReportAnObjectThatAsksButHasNoProviderId() {
        Machine machine = machine(labelledFor("workers", "m-a").withDeletionTimestamp(DELETED_AT).build(),
                "AWSMachine", "m-a", null);

        assertThat(requests(List.of(machine), List.of(awsMachine(labelledFor("workers", "m-a").build(), null))))
                .isEmpty();
        assertThat(problems).containsExactly("Machine m-a asks something of its pool but has no provider ID (yet):"
                + " not a request");
    }

    @Test
    void shouldMergeTwoObjectsOfOneInstanceThatNoReferencePairs() {
        Machine machine = machine(labelledFor("workers", "m-a")
                .addToAnnotations(ClusterApi.DELETE_MACHINE_ANNOTATION, "").build(), null, null, ID_A);
        HasMetadata orphan = awsMachine(labelledFor("workers", "orphan").withDeletionTimestamp(DELETED_AT).build(),
                ID_A);

        assertThat(requests(List.of(machine), List.of(orphan))).containsExactly(
                new MachineRequest(ID_A, "m-a", "orphan", true, true, false, null, false, false));
    }

    @Test
    void shouldMergeEachAskOfEitherObjectAndNoOtherInEitherOrder() {
        MachineRequest none = new MachineRequest(ID_A, "m-a", null, false, false, false, null, false, false);
        List<MachineRequest> eachAlone = List.of(
                new MachineRequest(ID_A, null, "i", true, false, false, null, false, false),
                new MachineRequest(ID_A, null, "i", false, true, false, null, false, false),
                new MachineRequest(ID_A, null, "i", false, false, true, null, false, false),
                new MachineRequest(ID_A, null, "i", false, false, false, "", false, false),
                new MachineRequest(ID_A, null, "i", false, false, false, null, true, false),
                new MachineRequest(ID_A, null, "i", false, false, false, null, false, true),
                new MachineRequest(ID_A, null, "i", false, false, false, null, false, false, true, List.of(),
                        List.of()));

        for (MachineRequest one : eachAlone) {
            MachineRequest expected = new MachineRequest(ID_A, "m-a", "i", one.deleting(), one.deleteAnnotated(),
                    one.healthCheckFailed(), one.ownerRemediated(), one.skipRemediation(), one.remediateAnnotated(),
                    one.excludeNodeDraining(), List.of(), List.of());
            assertThat(MachineRequests.merge(none, one)).isEqualTo(expected);
            assertThat(MachineRequests.merge(one, none)).isEqualTo(expected);
        }
    }

    @Test
    void shouldMergeTheHooksOfBothSortedAndOnce() {
        MachineRequest a = new MachineRequest(ID_A, "m-a", null, true, false, false, null, false, false, false,
                List.of("pre-drain.delete.hook.machine.cluster.x-k8s.io/b"),
                List.of("pre-terminate.delete.hook.machine.cluster.x-k8s.io/x"));
        MachineRequest b = new MachineRequest(ID_A, null, "i", false, false, false, null, false, false, false,
                List.of("pre-drain.delete.hook.machine.cluster.x-k8s.io/a",
                        "pre-drain.delete.hook.machine.cluster.x-k8s.io/b"), List.of());

        MachineRequest merged = MachineRequests.merge(a, b);

        assertThat(merged.preDrainHooks()).containsExactly("pre-drain.delete.hook.machine.cluster.x-k8s.io/a",
                "pre-drain.delete.hook.machine.cluster.x-k8s.io/b");
        assertThat(merged.preTerminateHooks()).containsExactly("pre-terminate.delete.hook.machine.cluster.x-k8s.io/x");
    }

    @Test
    void shouldNotPairAMachineWithTheSameNamedInfrastructureMachineOfAnotherNamespace() {
        Machine steady = machine(labelledFor("workers", "m-a").build(), "AWSMachine", "m-a", null);
        HasMetadata ours = awsMachine(labelledFor("workers", "m-a").build(), ID_A);
        HasMetadata elsewhere = awsMachine(labelledFor("workers", "m-a").withNamespace("team-b")
                .addToAnnotations(ClusterApi.DELETE_MACHINE_ANNOTATION, "").build(), ID_B);

        assertThat(requests(List.of(steady), List.of(ours, elsewhere))).isEmpty();
    }

    @Test
    void shouldFindNoProviderIdInAnObjectThatIsNoInfrastructureMachine() {
        assertThat(MachineRequests.providerID(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
                .withName("p").endMetadata().build())).isNull();
    }

    @Test
    void shouldTakeOnlyThePoolsObjects() {
        List<Machine> machines = List.of(
                deleting(labelledFor("other-pool", "other-pool-m")),
                deleting(labelledFor("workers", "other-cluster").addToLabels(ClusterApi.CLUSTER_NAME_LABEL, "x")),
                deleting(labelledFor("workers", "other-namespace").withNamespace("team-b")),
                deleting(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName("no-labels")),
                deleting(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName("owned")
                        .addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion("cluster.x-k8s.io/v1beta2")
                                .withKind("MachinePool").withName("workers").withUid("u").build())),
                deleting(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName("owned-by-another-kind")
                        .addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion("cluster.x-k8s.io/v1beta2")
                                .withKind("MachineSet").withName("workers").withUid("u").build())),
                deleting(labelledFor("workers", "labelled")));

        assertThat(requests(machines, List.of())).extracting(MachineRequest::machine)
                .containsExactlyInAnyOrder("owned", "labelled");
    }

    @Test
    void shouldMatchThePoolNameLabelOfALongPoolNameByItsHash() {
        String longName = "a-machine-pool-whose-name-is-far-too-long-to-be-a-label-value-of-kubernetes";
        MachinePool longPool = pool(longName);
        Machine machine = deleting(labelledFor(longName, "m-a"));
        assertThat(machine.getMetadata().getLabels().get(ClusterApi.POOL_NAME_LABEL)).startsWith("hash_");

        assertThat(MachineRequests.of(longPool, List.of(machine), List.of(), problems::add)).hasSize(1);
        assertThat(MachineRequests.belongsTo(pool, machine.getMetadata())).isFalse();
    }

    @Test
    void shouldReadAzureMachinePoolMachines() {
        String id = "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets"
                + "/workers/virtualMachines/3";
        HasMetadata azure = azureMachine(labelledFor("workers", "workers-3")
                .addToAnnotations(ClusterApi.DELETE_MACHINE_ANNOTATION, "").build(), id);
        Machine machine = machine(labelledFor("workers", "workers-3").build(), "AzureMachinePoolMachine",
                "workers-3", null);

        assertThat(requests(List.of(machine), List.of(azure))).containsExactly(
                new MachineRequest(id, "workers-3", "workers-3", false, true, false, null, false, false));
    }

    @Test
    void shouldSortByProviderId() {
        List<Machine> machines = List.of(deletingWithId("m-z", "aws:///z/i-9"), deletingWithId("m-a", "aws:///a/i-1"),
                deletingWithId("m-m", "aws:///m/i-5"));

        assertThat(requests(machines, List.of())).extracting(MachineRequest::providerID)
                .containsExactly("aws:///a/i-1", "aws:///m/i-5", "aws:///z/i-9");
    }

    private List<MachineRequest> requests(List<Machine> machines, List<HasMetadata> infrastructureMachines) {
        return MachineRequests.of(pool, machines, infrastructureMachines, problems::add);
    }

    private static Machine deleting(ObjectMetaBuilder meta) {
        String name = meta.build().getName();
        return machine(meta.withDeletionTimestamp(DELETED_AT).build(), null, null, "aws:///a/i-" + name);
    }

    private static Machine deletingWithId(String name, String providerID) {
        return machine(labelledFor("workers", name).withDeletionTimestamp(DELETED_AT).build(), null, null,
                providerID);
    }
}
