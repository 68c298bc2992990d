package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.POOL;
import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.group;
import static dev.poolstream.status.domain.Pools.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WritePlanTest {

    private static PoolStatus status(boolean paused) {
        return StatusCalculator.look(POOL, new PoolInputs(spec(2, 0,
                paused ? Map.of(ClusterApi.PAUSED_ANNOTATION, "") : Map.of(), false), group(2), Pools.ready(2)),
                null, T0).status();
    }

    private static Map<String, Object> paused(String status, String message, int generation, String time) {
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", "Paused");
        condition.put("status", status);
        condition.put("reason", status.equals("True") ? "Paused" : "NotPaused");
        condition.put("message", message);
        condition.put("observedGeneration", generation);
        condition.put("lastTransitionTime", time);
        return condition;
    }

    @Test
    void shouldWriteEverythingOfTheModeWhenThePoolIsNotPaused() {
        assertThat(WritePlan.of(status(false), true)).isEqualTo(new WritePlan(true, false, true, true, true, true));
        assertThat(WritePlan.of(status(false), false)).isEqualTo(new WritePlan(false, false, true, true, false, true));
    }

    /**
     * A group taken over keeps the provider ID list it came with (Cluster API's, or CAPA's) until the provider has
     * reported it: empty before then, it would take every Node out of cluster-autoscaler's node group.
     */
    @Test
    void shouldWriteNoProviderIdListBeforeTheProviderReportsTheGroup() {
        for (ScalingGroupState group : java.util.Arrays.asList(null, new ScalingGroupState(POOL, Cloud.AWS, "workers",
                false, 0, 0, 100, null, false, 3, "c", null))) {
            PoolStatus status = StatusCalculator.look(POOL, new PoolInputs(spec(2, 0, Map.of(), false), group,
                    Map.of()), null, T0).status();

            assertThat(WritePlan.of(status, true)).as(String.valueOf(group))
                    .isEqualTo(new WritePlan(true, false, false, true, true, true));
            assertThat(WritePlan.of(status, false)).as(String.valueOf(group))
                    .isEqualTo(new WritePlan(false, false, false, true, false, true));
        }
    }

    @Test
    void shouldWriteOnlyThePausedConditionWhenThePoolIsPaused() {
        assertThat(WritePlan.paused(status(true))).isTrue();
        assertThat(WritePlan.of(status(true), true)).isEqualTo(new WritePlan(false, true, false, false, false, false));
        assertThat(WritePlan.of(status(true), false)).isEqualTo(new WritePlan(false, false, false, false, false, false));
    }

    @Test
    void shouldWriteThePausedConditionAloneWhenTheObjectHasNoStatus() {
        Map<String, Object> condition = paused("True", "Reconciliation is paused", 3, "2026-11-21T06:00:00Z");

        assertThat(WritePlan.statusWhilePaused(null, condition)).contains(Map.of("conditions", List.of(condition)));
    }

    @Test
    void shouldReplaceOnlyThePausedConditionInPlaceWhenItsStatusChanges() {
        Map<String, Object> available = Map.of("type", "Available", "status", "True");
        Map<String, Object> onObject = new LinkedHashMap<>();
        onObject.put("phase", "Running");
        onObject.put("replicas", 3);
        onObject.put("conditions", List.of(available, paused("False", "", 2, "2026-01-01T00:00:00Z"),
                Map.of("type", "Deleting", "status", "False")));
        Map<String, Object> wanted = paused("True", "Reconciliation is paused", 3, "2026-11-21T06:00:00Z");

        Map<String, Object> written = WritePlan.statusWhilePaused(onObject, wanted).orElseThrow();

        assertThat(written).containsEntry("phase", "Running").containsEntry("replicas", 3);
        assertThat(written.get("conditions")).isEqualTo(List.of(available, wanted,
                Map.of("type", "Deleting", "status", "False")));
    }

    @Test
    void shouldKeepTheObjectsTransitionTimeWhenOnlyTheMessageOrGenerationChanges() {
        Map<String, Object> onObject = Map.of("conditions",
                List.of(paused("True", "Reconciliation is paused", 2, "2026-01-01T00:00:00Z")));

        Map<String, Object> written = WritePlan.statusWhilePaused(onObject,
                paused("True", "Reconciliation is paused", 3, "2026-11-21T06:00:00Z")).orElseThrow();

        assertThat(written.get("conditions")).isEqualTo(List.of(
                paused("True", "Reconciliation is paused", 3, "2026-01-01T00:00:00Z")));
    }

    @Test
    void shouldWriteNothingWhenTheObjectAlreadySaysItIsPaused() {
        Map<String, Object> onObject = Map.of("conditions",
                List.of(paused("True", "Reconciliation is paused", 3, "2026-01-01T00:00:00Z")));

        assertThat(WritePlan.statusWhilePaused(onObject,
                paused("True", "Reconciliation is paused", 3, "2026-11-21T06:00:00Z"))).isEmpty();
    }

    @Test
    void shouldCompareGenerationsAsNumbersWhenTheObjectsJsonHoldsAnotherNumberType() {
        Map<String, Object> onObject = new LinkedHashMap<>(paused("True", "Reconciliation is paused", 3,
                "2026-01-01T00:00:00Z"));
        onObject.put("observedGeneration", 3L);

        assertThat(WritePlan.statusWhilePaused(Map.of("conditions", List.of(onObject)),
                paused("True", "Reconciliation is paused", 3, "2026-11-21T06:00:00Z"))).isEmpty();
    }

    @Test
    void shouldWriteThePausedConditionWhenItsGenerationIsMissingOrNotANumberOnTheObject() {
        Map<String, Object> wanted = paused("True", "Reconciliation is paused", 3, "2026-11-21T06:00:00Z");
        Map<String, Object> missing = new LinkedHashMap<>(wanted);
        missing.remove("observedGeneration");
        Map<String, Object> text = new LinkedHashMap<>(wanted);
        text.put("observedGeneration", "3");

        assertThat(WritePlan.statusWhilePaused(Map.of("conditions", List.of(missing)), wanted)).isPresent();
        assertThat(WritePlan.statusWhilePaused(Map.of("conditions", List.of(text)), wanted)).isPresent();
        Map<String, Object> neither = new LinkedHashMap<>(wanted);
        neither.remove("observedGeneration");
        assertThat(WritePlan.statusWhilePaused(Map.of("conditions", List.of(missing)), neither)).isEmpty();
    }
}
