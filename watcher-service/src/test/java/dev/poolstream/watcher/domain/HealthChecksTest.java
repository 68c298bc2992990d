package dev.poolstream.watcher.domain;

import static dev.poolstream.watcher.domain.LabelSelectorsTest.expression;
import static dev.poolstream.watcher.domain.LabelSelectorsTest.selector;
import static dev.poolstream.watcher.domain.MachineFixtures.CLUSTER;
import static dev.poolstream.watcher.domain.MachineFixtures.NAMESPACE;
import static dev.poolstream.watcher.domain.MachineFixtures.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.cluster.v1beta2.MachineHealthCheck;
import dev.poolstream.api.cluster.v1beta2.MachineHealthCheckSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.Checks;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.Remediation;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.Selector;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.checks.UnhealthyNodeConditions;
import dev.poolstream.api.cluster.v1beta2.machinehealthcheckspec.remediation.TriggerIf;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.Metadata;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.HealthCheck;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthChecksTest {

    private final MachinePool pool = withTemplateLabels(pool("workers"), Map.of("role", "worker"));
    private final List<String> problems = new ArrayList<>();

    @Test
    void shouldGiveTheMachinesOfThePoolTheTemplateLabelsAndThePoolAndClusterLabels() {
        MachinePool pool = withTemplateLabels(pool("workers"), Map.of("role", "worker",
                ClusterApi.POOL_NAME_LABEL, "overridden"));

        assertThat(HealthChecks.machineLabels(pool)).containsExactlyInAnyOrderEntriesOf(Map.of("role", "worker",
                ClusterApi.POOL_NAME_LABEL, "workers", ClusterApi.CLUSTER_NAME_LABEL, CLUSTER));
    }

    @Test
    void shouldTakeTheChecksWhoseSelectorMatchesThePoolsMachinesSortedByName() {
        List<MachineHealthCheck> checks = List.of(
                check("z-by-role", CLUSTER, selector(Map.of("role", "worker"))),
                check("a-by-pool", CLUSTER, selector(Map.of(ClusterApi.POOL_NAME_LABEL,
                        PoolMachines.poolNameLabel("workers")))),
                check("by-expression", CLUSTER, selector(Map.of(), expression("role", "In", "worker,infra"))),
                check("other-pool", CLUSTER, selector(Map.of(ClusterApi.POOL_NAME_LABEL, "other"))),
                check("other-role", CLUSTER, selector(Map.of("role", "control-plane"))));

        assertThat(HealthChecks.of(pool, checks, List.of(pool), problems::add)).extracting(HealthCheck::name)
                .containsExactly("team-a/a-by-pool", "team-a/by-expression", "team-a/z-by-role");
        assertThat(problems).isEmpty();
    }

    @Test
    void shouldSayHowManyPoolsOfTheClusterEachCheckSelectsThisOneIncluded() {
        MachinePool infra = withTemplateLabels(pool("infra"), Map.of("role", "infra"));
        MachinePool gpu = withTemplateLabels(pool("gpu"), Map.of("role", "worker"));
        MachinePool elsewhere = withTemplateLabels(pool("elsewhere"), Map.of("role", "worker"));
        elsewhere.getSpec().setClusterName("another-cluster");
        MachinePool otherNamespace = withTemplateLabels(pool("team-b-workers"), Map.of("role", "worker"));
        otherNamespace.getMetadata().setNamespace("team-b");
        List<MachineHealthCheck> checks = List.of(
                check("by-role", CLUSTER, selector(Map.of("role", "worker"))),
                check("by-cluster", CLUSTER, selector(Map.of(ClusterApi.CLUSTER_NAME_LABEL, CLUSTER))),
                check("by-pool", CLUSTER, selector(Map.of(ClusterApi.POOL_NAME_LABEL,
                        PoolMachines.poolNameLabel("workers")))));

        assertThat(HealthChecks.of(pool, checks, List.of(pool, infra, gpu, elsewhere, otherNamespace), problems::add))
                .extracting(HealthCheck::name, HealthCheck::poolsSelected)
                .containsExactly(tuple("team-a/by-cluster", 3), tuple("team-a/by-pool", 1), tuple("team-a/by-role", 2));
    }

    @Test
    void shouldTakeOnlyChecksOfThePoolsClusterAndNamespace() {
        MachineHealthCheck otherCluster = check("other-cluster", "elsewhere", selector(Map.of("role", "worker")));
        MachineHealthCheck otherNamespace = check("other-namespace", CLUSTER, selector(Map.of("role", "worker")));
        otherNamespace.getMetadata().setNamespace("team-b");

        assertThat(HealthChecks.of(pool, List.of(otherCluster, otherNamespace), List.of(pool), problems::add)).isEmpty();
    }

    @Test
    void shouldMatchNothingAndSayWhyForAnEmptyOrMalformedSelector() {
        List<MachineHealthCheck> checks = List.of(check("empty", CLUSTER, selector(Map.of())),
                check("malformed", CLUSTER, selector(Map.of("role", "worker"), expression("zone", "In", null))));

        assertThat(HealthChecks.of(pool, checks, List.of(pool), problems::add)).isEmpty();
        assertThat(problems).containsExactly(
                "MachineHealthCheck team-a/empty matches nothing: its selector is empty (Cluster API rejects an"
                        + " empty selector)",
                "MachineHealthCheck team-a/malformed matches nothing: the matchExpression zone In has no values");
    }

    @Test
    void shouldReadTheTimeoutsConditionsAndShortCircuit() {
        MachineHealthCheck check = check("full", CLUSTER, selector(Map.of("role", "worker")));
        Checks checks = new Checks();
        checks.setNodeStartupTimeoutSeconds(900);
        // One without a type (the schema requires it; an object written before it did) is left out.
        checks.setUnhealthyNodeConditions(List.of(condition("Ready", "False", 300), condition(null, "False", 60),
                condition("Ready", "Unknown", null)));
        check.getSpec().setChecks(checks);
        TriggerIf triggerIf = new TriggerIf();
        triggerIf.setUnhealthyLessThanOrEqualTo(new IntOrString("40%"));
        triggerIf.setUnhealthyInRange("[1-3]");
        Remediation remediation = new Remediation();
        remediation.setTriggerIf(triggerIf);
        check.getSpec().setRemediation(remediation);

        assertThat(HealthChecks.of(pool, List.of(check), List.of(pool), problems::add)).containsExactly(new HealthCheck(
                "team-a/full", 900, List.of(
                        new HealthCheck.UnhealthyNodeCondition("Ready", ConditionStatus.FALSE, 300),
                        new HealthCheck.UnhealthyNodeCondition("Ready", ConditionStatus.UNKNOWN, 0)),
                "40%", "[1-3]", 1));
    }

    @Test
    void shouldDefaultTheStartupTimeoutAndLeaveTheShortCircuitToClusterApisDefault() {
        MachineHealthCheck check = check("bare", CLUSTER, selector(Map.of("role", "worker")));

        assertThat(HealthChecks.of(pool, List.of(check), List.of(pool), problems::add)).containsExactly(
                new HealthCheck("team-a/bare", 600, List.of(), null));
    }

    @Test
    void shouldWriteACountShortCircuitAsItsNumber() {
        assertThat(HealthChecks.asString(new IntOrString(2))).isEqualTo("2");
        assertThat(HealthChecks.asString(new IntOrString("100%"))).isEqualTo("100%");
        assertThat(HealthChecks.asString(null)).isNull();
    }

    private static MachineHealthCheck check(String name, String cluster, Selector selector) {
        MachineHealthCheck check = new MachineHealthCheck();
        check.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        MachineHealthCheckSpec spec = new MachineHealthCheckSpec();
        spec.setClusterName(cluster);
        spec.setSelector(selector);
        check.setSpec(spec);
        return check;
    }

    private static UnhealthyNodeConditions condition(String type, String status, Integer timeoutSeconds) {
        UnhealthyNodeConditions condition = new UnhealthyNodeConditions();
        condition.setType(type);
        condition.setStatus(status);
        condition.setTimeoutSeconds(timeoutSeconds);
        return condition;
    }

    private static MachinePool withTemplateLabels(MachinePool pool, Map<String, String> labels) {
        Metadata metadata = new Metadata();
        metadata.setLabels(labels);
        pool.getSpec().getTemplate().setMetadata(metadata);
        return pool;
    }
}
