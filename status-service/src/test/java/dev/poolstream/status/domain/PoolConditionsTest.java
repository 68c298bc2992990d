package dev.poolstream.status.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.events.Failure;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class PoolConditionsTest {

    @Test
    void shouldKeepAReasonWhenItFitsMetav1ConditionsPattern() {
        assertThat(PoolConditions.reason("CloudRejected")).isEqualTo("CloudRejected");
        assertThat(PoolConditions.reason("Replicas_Out:Of,Range")).isEqualTo("Replicas_Out:Of,Range");
    }

    @Test
    void shouldKeepOnlyLettersDigitsAndUnderscoresWhenAReasonDoesNotFit() {
        assertThat(PoolConditions.reason("AutoScaling.ValidationError")).isEqualTo("AutoScalingValidationError");
        assertThat(PoolConditions.reason("429 Too Many Requests")).isEqualTo("TooManyRequests");
        assertThat(PoolConditions.reason("Failed:")).isEqualTo("Failed");
        assertThat(PoolConditions.reason("...")).isEqualTo("Unknown");
        assertThat(PoolConditions.reason(null)).isEqualTo("Unknown");
        assertThat(PoolConditions.reason("A".repeat(2000))).hasSize(PoolConditions.REASON_MAX_LENGTH);
        assertThat(PoolConditions.reason("AutoScaling.ValidationError")).matches(PoolConditions.REASON_PATTERN);
    }

    @Test
    void shouldCutAMessageWithinTheLimitInBytesWhenItIsTooLong() {
        String ascii = PoolConditions.message("x".repeat(40_000));
        String wide = PoolConditions.message("é€😀".repeat(10_000));

        assertThat(ascii).endsWith("...").hasSize(PoolConditions.MESSAGE_MAX_LENGTH);
        assertThat(wide.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(PoolConditions.MESSAGE_MAX_LENGTH)
                .isGreaterThan(PoolConditions.MESSAGE_MAX_LENGTH - 8);
        assertThat(wide.substring(0, wide.length() - 3).codePoints().allMatch(Character::isValidCodePoint)).isTrue();
        assertThat(Character.isHighSurrogate(wide.charAt(wide.length() - 4))).isFalse();
        assertThat(PoolConditions.message("short")).isEqualTo("short");
        assertThat(PoolConditions.message(null)).isEmpty();
    }

    private static final Instant NOW = Instant.parse("2026-11-21T06:00:00.750Z");
    private static final Failure TOO_MANY = new Failure("ReplicasOutOfRange", "replicas 500 is outside [0, 100]");

    private static List<String> described(Counts counts, boolean provisioned, boolean bootstrap, boolean deleting,
                                          boolean paused, List<Failure> problems, Failure cloudError) {
        return PoolConditions.of(new PoolConditions.Facts(counts, provisioned, bootstrap, deleting, paused, problems,
                cloudError, 4), List.of(), NOW).stream()
                .map(c -> c.getType() + "=" + c.getStatus().getValue() + "/" + c.getReason() + "/" + c.getMessage())
                .toList();
    }

    @Test
    void shouldSayEverythingIsFineWhenAllReplicasAreReadyAvailableAndUpToDate() {
        assertThat(described(new Counts(3, 3, 3, 3, 3), true, true, false, false, List.of(), null)).containsExactly(
                "Available=True/Available/3 of 3 replicas are available",
                "MachinesReady=True/Ready/All 3 replicas are Ready",
                "MachinesUpToDate=True/UpToDate/All 3 replicas are up to date",
                "ScalingUp=False/NotScalingUp/Not scaling up",
                "ScalingDown=False/NotScalingDown/Not scaling down",
                "RollingOut=False/NotRollingOut/Not rolling out",
                "Deleting=False/NotDeleting/",
                "Paused=False/NotPaused/",
                "InfrastructureReady=True/Provisioned/The scaling group exists");
    }

    @Test
    void shouldSayNoReplicasWhenThePoolIsScaledToZero() {
        assertThat(described(new Counts(0, 0, 0, 0, 0), true, true, false, false, List.of(), null)).contains(
                "Available=True/Available/0 of 0 replicas are available",
                "MachinesReady=True/Ready/No replicas",
                "MachinesUpToDate=True/UpToDate/No replicas");
    }

    @Test
    void shouldSayWhatIsUnderWayWhenAPausedPoolIsDeletedWhileScalingDownAndRollingOut() {
        assertThat(described(new Counts(1, 3, 2, 2, 1), true, true, true, true, List.of(), null)).containsExactly(
                "Available=True/Available/2 of 1 replicas are available",
                "MachinesReady=False/NotReady/1 of 3 replicas are not Ready",
                "MachinesUpToDate=False/NotUpToDate/2 of 3 replicas are not up to date",
                "ScalingUp=False/NotScalingUp/Not scaling up",
                "ScalingDown=True/ScalingDown/Scaling down from 3 to 1 replicas",
                "RollingOut=True/RollingOut/Rolling out: 1 of 3 replicas are up to date",
                "Deleting=True/Deleting/Deleting the scaling group: 3 replicas remain",
                "Paused=True/Paused/Reconciliation is paused",
                "InfrastructureReady=True/Provisioned/The scaling group exists");
    }

    @ParameterizedTest(name = "desired {0}, replicas {1}, ready {2}, available {3}, provisioned {4} -> {5} / {6}")
    @CsvSource(delimiter = '|', textBlock = """
            2 | 0 | 0 | 0 | false | Available=False/NotAvailable/0 of 2 replicas are available | ScalingUp=True/ScalingUp/Scaling up from 0 to 2 ready replicas
            3 | 3 | 3 | 2 | true  | Available=False/NotAvailable/2 of 3 replicas are available | ScalingUp=False/NotScalingUp/Not scaling up
            3 | 3 | 3 | 3 | false | Available=False/NotAvailable/3 of 3 replicas are available | ScalingUp=False/NotScalingUp/Not scaling up
            3 | 3 | 2 | 2 | true  | Available=False/NotAvailable/2 of 3 replicas are available | ScalingUp=True/ScalingUp/Scaling up from 2 to 3 ready replicas
            3 | 4 | 2 | 2 | true  | Available=False/NotAvailable/2 of 3 replicas are available | ScalingUp=False/NotScalingUp/Not scaling up
            """)
    void shouldBeAvailableAndScaleUpOnlyAtTheRightCountsWhenCountsAreAtTheBoundaries(int desired, int replicas,
                                                                                      int ready, int available,
                                                                                      boolean provisioned,
                                                                                      String availableCondition,
                                                                                      String scalingUp) {
        assertThat(described(new Counts(desired, replicas, ready, available, replicas), provisioned, true, false,
                false, List.of(), null)).contains(availableCondition, scalingUp);
    }

    @Test
    void shouldPutTheFirstSpecProblemOnAWantedScaleAndOnInfrastructureReadyBeforeTheCloudsError() {
        Failure second = new Failure("Other", "second problem");
        Failure cloud = new Failure("CloudRejected", "the cloud said no");

        assertThat(described(new Counts(5, 2, 2, 2, 2), true, true, false, false, List.of(TOO_MANY, second), cloud))
                .contains("ScalingUp=False/ReplicasOutOfRange/replicas 500 is outside [0, 100]",
                        "ScalingDown=False/NotScalingDown/Not scaling down",
                        "InfrastructureReady=False/ReplicasOutOfRange/replicas 500 is outside [0, 100]");
        assertThat(described(new Counts(1, 2, 2, 2, 2), true, true, false, false, List.of(TOO_MANY), null))
                .contains("ScalingUp=False/NotScalingUp/Not scaling up",
                        "ScalingDown=False/ReplicasOutOfRange/replicas 500 is outside [0, 100]");
    }

    @ParameterizedTest(name = "provisioned {0}, bootstrap data {1}, cloud error {2} -> {3}")
    @CsvSource(nullValues = "null", delimiter = '|', quoteCharacter = '"', textBlock = """
            true  | true  | null          | InfrastructureReady=True/Provisioned/The scaling group exists
            false | true  | null          | InfrastructureReady=False/WaitingForScalingGroup/Waiting for the cloud's scaling group to exist
            true  | false | null          | InfrastructureReady=False/WaitingForBootstrapData/Waiting for spec.template.spec.bootstrap.dataSecretName
            false | false | null          | InfrastructureReady=False/WaitingForBootstrapData/Waiting for spec.template.spec.bootstrap.dataSecretName
            true  | true  | CloudRejected | InfrastructureReady=False/CloudRejected/the cloud said no
            false | false | CloudRejected | InfrastructureReady=False/CloudRejected/the cloud said no
            """)
    void shouldSayWhyTheInfrastructureIsNotReadyWhenItIsNot(boolean provisioned, boolean bootstrap, String error,
                                                          String expected) {
        Failure cloudError = error == null ? null : new Failure(error, "the cloud said no");

        assertThat(described(new Counts(1, 1, 1, 1, 1), provisioned, bootstrap, false, false, List.of(), cloudError))
                .last().isEqualTo(expected);
    }

    @Test
    void shouldKeepATransitionTimeOnlyWhileTypeAndStatusStayAndSetTheGenerationOnEveryCondition() {
        ZonedDateTime earlier = ZonedDateTime.parse("2026-01-01T00:00:00Z");
        Conditions wasAvailable = new Conditions();
        wasAvailable.setType("Available");
        wasAvailable.setStatus(Conditions.Status.TRUE);
        wasAvailable.setLastTransitionTime(earlier);
        Conditions wasReady = new Conditions();
        wasReady.setType("MachinesReady");
        wasReady.setStatus(Conditions.Status.TRUE);
        wasReady.setLastTransitionTime(earlier);

        List<Conditions> now = PoolConditions.of(new PoolConditions.Facts(new Counts(2, 2, 1, 2, 2), true, true, false,
                false, List.of(), null, 4), List.of(wasReady, wasAvailable), NOW);

        ZonedDateTime truncated = ZonedDateTime.of(2026, 11, 21, 6, 0, 0, 0, ZoneOffset.UTC);
        assertThat(now).filteredOn(c -> c.getType().equals("Available")).singleElement()
                .satisfies(c -> assertThat(c.getLastTransitionTime()).isEqualTo(earlier));
        assertThat(now).filteredOn(c -> !c.getType().equals("Available"))
                .allSatisfy(c -> assertThat(c.getLastTransitionTime()).isEqualTo(truncated));
        assertThat(now).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(4L));
    }

    @Test
    void shouldKeepAReasonOfExactlyTheMaximumLengthWhenItFitsThePattern() {
        String longest = "A:" + "b".repeat(PoolConditions.REASON_MAX_LENGTH - 2);

        assertThat(PoolConditions.reason(longest)).isEqualTo(longest);
        // One over: the colon goes, which brings it back to the maximum.
        assertThat(PoolConditions.reason(longest + "c"))
                .isEqualTo("A" + "b".repeat(PoolConditions.REASON_MAX_LENGTH - 2) + "c");
    }

    static List<Arguments> cuts() {
        String first4 = new String(Character.toChars(0x10000));
        return List.of(
                // unit, times, max bytes, expected: 1 byte below U+0080, 2 below U+0800, 3 below U+10000, else 4
                Arguments.of("x", 10, 10, "x".repeat(10)),
                Arguments.of("x", 11, 10, "x".repeat(7) + "..."),
                Arguments.of("\u0080", 10, 10, "\u0080".repeat(3) + "..."),
                Arguments.of("\u07ff", 10, 10, "\u07ff".repeat(3) + "..."),
                Arguments.of("\u0800", 10, 11, "\u0800".repeat(2) + "..."),
                Arguments.of("\uffff", 10, 11, "\uffff".repeat(2) + "..."),
                Arguments.of(first4, 10, 12, first4.repeat(2) + "..."));
    }

    @ParameterizedTest(name = "[{index}] x{1} in {2} bytes")
    @MethodSource("cuts")
    void shouldCutBetweenWholeCharactersCountingEachInItsUtf8BytesWhenOverTheLimit(String unit, int times,
                                                                                   int maxBytes, String expected) {
        assertThat(PoolConditions.message(unit.repeat(times), maxBytes)).isEqualTo(expected);
    }

    @Test
    void shouldKeepAMessageOfExactlyTheLimitInBytesWhenItsCharactersAreWide() {
        String wide = "é".repeat(10);

        assertThat(PoolConditions.message(wide, 20)).isEqualTo(wide);
        assertThat(PoolConditions.message(wide, 19)).isEqualTo("é".repeat(8) + "...");
    }

    @Test
    void shouldSayTheReadinessOfTheNodesIsUnknownAndWhyWhenTheirClusterCannotBeWatched() {
        Failure unwatchable = new Failure("WorkloadClusterUnreachable", "the Nodes of workload cluster team-a/demo "
                + "cannot be watched: the kubeconfig in Secret team-a/demo-kubeconfig cannot be used");
        List<Conditions> conditions = PoolConditions.of(new PoolConditions.Facts(new Counts(3, 3, 2, 2, 3), true,
                true, false, false, List.of(), null, 4, unwatchable), List.of(), NOW);

        assertThat(conditions).filteredOn(c -> c.getType().equals("MachinesReady")).singleElement().satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo(Conditions.Status.UNKNOWN);
            assertThat(c.getReason()).isEqualTo("WorkloadClusterUnreachable");
            assertThat(c.getMessage()).isEqualTo(unwatchable.message());
            assertThat(c.getObservedGeneration()).isEqualTo(4L);
        });
        // The rest says what it said: the counts as last seen.
        assertThat(conditions.stream().map(c -> c.getType() + "=" + c.getStatus().getValue()).toList())
                .isEqualTo(described(new Counts(3, 3, 2, 2, 3), true, true, false, false, List.of(), null).stream()
                        .map(d -> d.substring(0, d.indexOf('/'))).map(d -> d.startsWith("MachinesReady=")
                                ? "MachinesReady=Unknown" : d).toList());
    }

    @Test
    void shouldFitAWorkloadClusterReasonThatDoesNotMatchThePattern() {
        List<Conditions> conditions = PoolConditions.of(new PoolConditions.Facts(new Counts(1, 1, 1, 1, 1), true,
                true, false, false, List.of(), null, 4, new Failure("Workload.Cluster Unreachable", "why")),
                List.of(), NOW);

        assertThat(conditions).filteredOn(c -> c.getType().equals("MachinesReady")).singleElement()
                .satisfies(c -> assertThat(c.getReason()).isEqualTo("WorkloadClusterUnreachable"));
    }
}
