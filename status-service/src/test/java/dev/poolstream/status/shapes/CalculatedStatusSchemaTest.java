package dev.poolstream.status.shapes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Versions;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.status.domain.WritePlan;
import dev.poolstream.status.shapes.PoolShape.Names;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Unit tier: every status the real calculator computes for the table of pool shapes ({@link PoolShapes}) is one the
 * MachinePool CRD's v1beta2 schema accepts, checked in milliseconds. {@code CalculatedStatusRealApiIT} writes the
 * same table to a real API server.
 */
class CalculatedStatusSchemaTest {

    private static final Names NAMES = new Names("team-a", "workers", "demo", "s");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.poolstream.status.shapes.PoolShapes#all")
    void shouldComputeOnlyStatusesTheSchemaAcceptsWhenThePoolTakesThisShape(PoolShape shape) {
        for (PoolStatus status : shape.statuses(NAMES)) {
            assertThat(MachinePoolStatusSchema.violations(status.status())).as("the computed status").isEmpty();
            assertThat(MachinePoolStatusSchema.providerIdListViolations(status.providerIDList()))
                    .as("spec.providerIDList").isEmpty();
            // What the writer writes on a paused pool whose object has no status yet: the Paused condition alone.
            WritePlan.pausedCondition(status.status()).ifPresent(paused -> assertThat(MachinePoolStatusSchema
                    .violations(WritePlan.statusWhilePaused(null, json(paused)).orElseThrow()))
                    .as("the status written while paused").isEmpty());
        }
    }

    @Test
    void shouldRejectEmptyVersionsAndAnEmptyVersionWhenCheckedAgainstTheSchema() {
        MachinePoolStatus empty = new MachinePoolStatus();
        empty.setReplicas(0);
        empty.setVersions(List.of());
        Versions blank = new Versions();
        blank.setVersion("");
        blank.setReplicas(1);
        MachinePoolStatus blankVersion = new MachinePoolStatus();
        blankVersion.setVersions(List.of(blank, blank));

        assertThat(MachinePoolStatusSchema.violations(empty)).anyMatch(m -> m.contains("versions"));
        assertThat(MachinePoolStatusSchema.violations(blankVersion))
                .anyMatch(m -> m.contains("version") && m.contains("1"))
                .anyMatch(m -> m.contains("duplicate"));
        assertThat(MachinePoolStatusSchema.violations(new MachinePoolStatus())).isNotEmpty();
    }

    @Test
    void shouldFindNoCelRuleWhenReadingTheStatusSchema() {
        // The schema check above covers everything but CEL; the day the status schema has CEL rules, the real tier
        // is the only check of them, and this test says so.
        assertThat(MachinePoolStatusSchema.celRules()).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Object value) {
        return SERIALIZATION.unmarshal(SERIALIZATION.asJson(value), Map.class);
    }
}
