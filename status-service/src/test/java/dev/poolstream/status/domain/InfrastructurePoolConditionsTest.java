package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.POOL;
import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.group;
import static dev.poolstream.status.domain.Pools.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.status.domain.InfrastructurePoolConditions.Condition;
import dev.poolstream.status.domain.InfrastructurePoolConditions.Severity;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InfrastructurePoolConditionsTest {

    private static final String AWS = ClusterApi.KIND_AWS_MACHINE_POOL;
    private static final String AZURE = ClusterApi.KIND_AZURE_MACHINE_POOL;

    private static MachinePoolStatus status(PoolSpec spec, ScalingGroupState group, int ready) {
        return StatusCalculator.look(POOL, new PoolInputs(spec, group, Pools.ready(ready)), null, T0).status().status();
    }

    private static ScalingGroupState failed(Failure error) {
        return new ScalingGroupState(POOL, Cloud.AWS, "workers", true, 2, 0, 100, "1", false, 3, "c", error);
    }

    @Test
    void shouldPutASpecProblemOnAsgReadyAndReadyAsAnErrorWithItsMessage() {
        List<Condition> conditions = InfrastructurePoolConditions.of(AWS, status(spec(500), group(2), 2));

        assertThat(conditions).extracting(Condition::type).containsExactly("Ready", "ASGReady");
        assertThat(conditions).allSatisfy(c -> {
            assertThat(c.status()).isFalse();
            assertThat(c.severity()).isEqualTo(Severity.Error);
            assertThat(c.reason()).isEqualTo("ReplicasOutOfRange");
            assertThat(c.message()).startsWith("replicas 500 is outside [0, 100]");
        });
    }

    @Test
    void shouldPutTheCloudsErrorOnScaleSetRunningAndKeepTheModelConditionApart() {
        MachinePoolStatus status = status(spec(2), failed(new Failure("InvalidTemplate", "no image")), 2);

        List<Condition> conditions = InfrastructurePoolConditions.of(AZURE, status);

        assertThat(conditions).extracting(Condition::type)
                .containsExactly("Ready", "ScaleSetModelUpdated", "ScaleSetRunning");
        assertThat(conditions.get(0)).isEqualTo(new Condition("Ready", false, Severity.Error, "InvalidTemplate",
                "no image"));
        assertThat(conditions.get(2)).isEqualTo(new Condition("ScaleSetRunning", false, Severity.Error,
                "InvalidTemplate", "no image"));
        assertThat(conditions.get(1).status()).isTrue();
    }

    @Test
    void shouldCallMissingBootstrapDataAWarningAndAMissingGroupInfo() {
        MachinePoolStatus noBootstrap = StatusCalculator.look(POOL, new PoolInputs(bootstrapless(), null, Map.of()),
                null, T0).status().status();
        assertThat(InfrastructurePoolConditions.of(AWS, noBootstrap).get(1)).satisfies(c -> {
            assertThat(c.severity()).isEqualTo(Severity.Warning);
            assertThat(c.reason()).isEqualTo("BootstrapDataMissing");
        });
        MachinePoolStatus noGroup = status(spec(2), null, 0);
        assertThat(InfrastructurePoolConditions.of(AWS, noGroup).get(1)).isEqualTo(new Condition("ASGReady", false,
                Severity.Info, "WaitingForScalingGroup", "Waiting for the cloud's scaling group to exist"));
    }

    @Test
    void shouldBeTrueWithoutReasonOrMessageWhenTheGroupExistsAndNothingIsWrong() {
        assertThat(InfrastructurePoolConditions.of(AWS, status(spec(2), group(2), 2)))
                .containsExactly(new Condition("Ready", true, null, null, null),
                        new Condition("ASGReady", true, null, null, null));
    }

    @Test
    void shouldSayTheModelIsOutOfDateWhileAnAzurePoolRollsOutWithoutMakingItUnready() {
        ScalingGroupState newModel = new ScalingGroupState(POOL, Cloud.AZURE, "workers", true, 2, 0, 100, "2", false,
                3, "c", null);

        List<Condition> conditions = InfrastructurePoolConditions.of(AZURE, status(spec(2), newModel, 2));

        assertThat(conditions.get(0).status()).isTrue();
        assertThat(conditions.get(1)).isEqualTo(new Condition("ScaleSetModelUpdated", false, Severity.Info,
                "ScaleSetModelOutOfDate", "2 of 2 replicas are not up to date"));
    }

    @Test
    void shouldFitReasonAndMessageToTheCrdsBounds() {
        Condition odd = new Condition("ASGReady", false, Severity.Error, "AutoScaling.ValidationError",
                "é".repeat(20_000));

        assertThat(odd.reason()).isEqualTo("AutoScalingValidationError");
        assertThat(odd.message().getBytes(StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(InfrastructurePoolConditions.MESSAGE_MAX_LENGTH);
        assertThat(new Condition("ASGReady", false, Severity.Error, "R".repeat(300), "").reason()).hasSize(256);
        assertThat(new Condition("ASGReady", false, Severity.Info, "R", "").message()).isNull();
    }

    @Test
    void shouldKeepTheTransitionTimeWhileTheStatusStaysAndOtherControllersConditions() {
        List<Condition> failing = List.of(new Condition("Ready", false, Severity.Error, "CloudRejected", "no"),
                new Condition("ASGReady", false, Severity.Error, "CloudRejected", "no"));
        Map<String, Object> foreign = Map.of("type", "LaunchTemplateReady", "status", "True",
                "lastTransitionTime", "2026-01-01T00:00:00Z");

        List<Map<String, Object>> first = InfrastructurePoolConditions.merge(List.of(foreign), failing, T0)
                .orElseThrow();
        assertThat(first).extracting(c -> c.get("type")).containsExactly("Ready", "ASGReady", "LaunchTemplateReady");
        assertThat(first.get(0)).isEqualTo(Map.of("type", "Ready", "status", "False", "severity", "Error",
                "reason", "CloudRejected", "message", "no", "lastTransitionTime", "2026-11-21T06:00:00Z"));

        // The same again: nothing to write.
        assertThat(InfrastructurePoolConditions.merge(first, failing, T0.plusSeconds(60))).isEmpty();
        // Another message, the same status: written, and the transition time stays.
        List<Condition> otherMessage = List.of(new Condition("Ready", false, Severity.Error, "CloudRejected", "no!"),
                new Condition("ASGReady", false, Severity.Error, "CloudRejected", "no!"));
        assertThat(InfrastructurePoolConditions.merge(first, otherMessage, T0.plusSeconds(60)).orElseThrow())
                .allSatisfy(c -> assertThat(c.get("lastTransitionTime")).isIn("2026-11-21T06:00:00Z",
                        "2026-01-01T00:00:00Z"));
        // Recovered: True, a new transition time, no reason or message.
        List<Map<String, Object>> recovered = InfrastructurePoolConditions.merge(first,
                List.of(new Condition("Ready", true, null, null, null), new Condition("ASGReady", true, null, null,
                        null)), T0.plusSeconds(120)).orElseThrow();
        assertThat(recovered.get(0)).isEqualTo(Map.of("type", "Ready", "status", "True",
                "lastTransitionTime", "2026-11-21T06:02:00Z"));
    }

    @Test
    void shouldSetNoConditionsOnAnUnknownKind() {
        assertThat(InfrastructurePoolConditions.of("GCPMachinePool", status(spec(500), group(2), 2))).isEmpty();
    }

    private static PoolSpec bootstrapless() {
        PoolSpec s = spec(1);
        s.spec().getTemplate().getSpec().getBootstrap().setDataSecretName(null);
        return s;
    }

    @Test
    void shouldSayTheScaleSetIsBeingDeletedWhenAnAzurePoolIsDeleted() {
        MachinePoolStatus deleting = status(Pools.spec(1, 0, Map.of(), true), group(1), 1);

        assertThat(InfrastructurePoolConditions.of(AZURE, deleting)).contains(new Condition("ScaleSetRunning", false,
                Severity.Info, "ScaleSetDeleting", "Deleting the scaling group: 1 replicas remain"));
        assertThat(InfrastructurePoolConditions.of(AWS, deleting)).contains(new Condition("ASGReady", false,
                Severity.Info, "ASGDeletionInProgress", "Deleting the scaling group: 1 replicas remain"));
    }

    @Test
    void shouldOrderReadyFirstThenByTypeWhenOtherControllersConditionsAreInAnyOrder() {
        List<Condition> wanted = List.of(new Condition("Ready", true, null, null, null),
                new Condition("ASGReady", true, null, null, null));
        List<Object> onObject = List.of(
                Map.of("type", "Zeta", "status", "True", "lastTransitionTime", "2026-01-01T00:00:00Z"),
                Map.of("type", "Beta", "status", "True", "lastTransitionTime", "2026-01-01T00:00:00Z"));

        assertThat(InfrastructurePoolConditions.merge(onObject, wanted, T0).orElseThrow()).extracting(c -> c.get("type"))
                .containsExactly("Ready", "ASGReady", "Beta", "Zeta");
    }
}
