package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.e2e.Observer.InstanceView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChecksTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static InstanceView live(int n, long firstSeenSeconds) {
        return new InstanceView("i-" + n, "default/p", "aws:///us-east-1a/i-" + n, "running",
                T0.plusSeconds(firstSeenSeconds), null);
    }

    private static InstanceView gone(int n, long goneSeconds) {
        return new InstanceView("i-" + n, "default/p", "aws:///us-east-1a/i-" + n, "terminated", T0.minusSeconds(60),
                T0.plusSeconds(goneSeconds));
    }

    @Test
    void shouldPassAScaleUpWithExactlyTheNewInstances() {
        List<InstanceView> instances = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            instances.add(live(i, -60));
        }
        for (int i = 5; i < 20; i++) {
            instances.add(live(i, 1));
        }
        Checks.CloudChange change = Checks.cloudChange(instances, T0);

        assertThat(change.live()).isEqualTo(20);
        assertThat(Checks.instanceProblems(change, 5, 20, 5, 20)).isEmpty();
    }

    @Test
    void shouldFailADuplicateLaunchEvenWhenTheCountEndsRight() {
        List<InstanceView> instances = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            instances.add(live(i, i < 5 ? -60 : 1));
        }
        instances.add(new InstanceView("i-99", "default/p", "aws:///us-east-1a/i-99", "terminated", T0.plusSeconds(1),
                T0.plusSeconds(3)));

        List<String> problems = Checks.instanceProblems(Checks.cloudChange(instances, T0), 5, 20, 5, 21);

        assertThat(problems).contains("16 launched, not 15", "1 ended, not 0", "21 running at once (a duplicate launch)");
    }

    @Test
    void shouldPassAScaleDownWhoseVictimsWereCordonedBeforeTheyWent() {
        List<InstanceView> instances = List.of(gone(1, 5), live(2, -60));
        Map<String, String> names = Map.of("aws:///us-east-1a/i-1", "n1", "aws:///us-east-1a/i-2", "n2");
        Map<String, Instant> cordoned = Map.of("n1", T0.plusSeconds(2));

        assertThat(Checks.cordonProblems(instances, T0, names, cordoned::get, Map.of("n1", true)::get,
                Map.<String, Boolean>of()::get)).isEmpty();
        assertThat(Checks.survivorProblems(instances, names, cordoned::get, T0)).isEmpty();
        assertThat(Checks.instanceProblems(Checks.cloudChange(instances, T0), 2, 1, 1, 2)).isEmpty();
    }

    @Test
    void shouldFailAVictimCordonedLateOrNeverOrUncordonedBeforeDeletion() {
        List<InstanceView> instances = List.of(gone(1, 5), gone(2, 5), gone(3, 5), gone(4, 5));
        Map<String, String> names = new HashMap<>(Map.of("aws:///us-east-1a/i-1", "n1", "aws:///us-east-1a/i-2", "n2",
                "aws:///us-east-1a/i-3", "n3"));
        Map<String, Instant> cordoned = Map.of("n1", T0.plusSeconds(6), "n3", T0.plusSeconds(1));

        List<String> problems = Checks.cordonProblems(instances, T0, names, cordoned::get, Map.of("n3", false)::get,
                Map.<String, Boolean>of()::get);

        assertThat(problems).containsExactlyInAnyOrder("n1 was cordoned only after its instance went",
                "n2 was never cordoned; its instance went", "n3 was schedulable when deleted",
                "i-4 went without ever having a Node");
    }

    @Test
    void shouldTrustTheApiServersStateWhenTheInstanceWasSeenGoneOverALateWatch() {
        List<InstanceView> instances = List.of(gone(1, 5), gone(2, 5));
        Map<String, String> names = Map.of("aws:///us-east-1a/i-1", "n1", "aws:///us-east-1a/i-2", "n2");
        // The watch delivered both cordons a second late; by the API server's revisions n1's came before.
        Map<String, Instant> cordoned = Map.of("n1", T0.plusSeconds(6), "n2", T0.plusSeconds(6));

        List<String> problems = Checks.cordonProblems(instances, T0, names, cordoned::get,
                Map.of("n1", true, "n2", true)::get, Map.of("n1", true, "n2", false)::get);

        assertThat(problems).containsExactly(
                "n2 was cordoned only after its instance was seen gone (by the API server's revisions)");
    }

    @Test
    void shouldFailAKeptNodeThatWasCordoned() {
        List<InstanceView> instances = List.of(live(2, -60));
        Map<String, String> names = Map.of("aws:///us-east-1a/i-2", "n2");

        assertThat(Checks.survivorProblems(instances, names, Map.of("n2", T0.plusSeconds(1))::get, T0))
                .containsExactly("n2 was cordoned but kept");
    }

    @Test
    void shouldFindTheFalseConditionThatNamesTheProblem() {
        List<Checks.ConditionView> conditions = List.of(
                new Checks.ConditionView("Available", "False", "NotAvailable", "0 of 3 replicas are available"),
                new Checks.ConditionView("InfrastructureReady", "False", "InfrastructureNotFound",
                        "AWSMachinePool default/bad-infra not found"),
                new Checks.ConditionView("Paused", "False", "NotPaused", ""));
        java.util.regex.Pattern infra = BadInputs.Kind.INFRASTRUCTURE.explains;

        assertThat(Checks.explanation(conditions, infra)).map(Checks.ConditionView::type)
                .contains("InfrastructureReady");
        assertThat(Checks.explanation(List.of(new Checks.ConditionView("InfrastructureReady", "True",
                "InfrastructureNotFound", "")), infra)).isEmpty();
        assertThat(Checks.explanation(List.of(new Checks.ConditionView("InfrastructureReady", "False",
                "WaitingForScalingGroup", "Waiting for the cloud's scaling group to exist")), infra)).isEmpty();
    }

    @Test
    void shouldExplainAMissingBootstrapSecretOnlyByNamingIt() {
        java.util.regex.Pattern bootstrap = BadInputs.Kind.BOOTSTRAP.explains;

        assertThat(Checks.explanation(List.of(new Checks.ConditionView("InfrastructureReady", "False",
                "RetriesExhausted", "Secret default/bad-bootstrap-bootstrap does not exist (yet)")), bootstrap))
                .isPresent();
        assertThat(Checks.explanation(List.of(new Checks.ConditionView("InfrastructureReady", "False",
                "BootstrapDataSecretNotFound", "")), bootstrap)).isPresent();
        assertThat(Checks.explanation(List.of(new Checks.ConditionView("InfrastructureReady", "False",
                "WaitingForScalingGroup", "Waiting for the cloud's scaling group to exist")), bootstrap)).isEmpty();
        assertThat(Checks.explanation(List.of(new Checks.ConditionView("MachinesReady", "False",
                "NotReady", "3 of 3 replicas are not Ready")), BadInputs.Kind.KUBECONFIG.explains)).isEmpty();
    }

    @Test
    void shouldBoundAHealthyChangeByTwiceItsUndisturbedTimePlusSlack() {
        assertThat(Checks.bound(java.time.Duration.ofMillis(6500), java.time.Duration.ofSeconds(5)))
                .isEqualTo(java.time.Duration.ofSeconds(18));
    }

    @Test
    void shouldPassPoolsThatListOnlyTheirOwnInstancesAndNodes() {
        Map<String, String> nodes = Map.of("a1", "aws:///z/a1", "a2", "aws:///z/a2", "b1", "aws:///z/b1");
        Map<String, String> owners = Map.of("a1", "a", "a2", "a", "b1", "b");

        assertThat(Checks.crossTalkProblems("a", java.util.Set.of("aws:///z/a1", "aws:///z/a2"),
                java.util.Set.of("aws:///z/b1"), List.of("aws:///z/a2", "aws:///z/a1"), List.of("a1", "a2"), nodes,
                owners)).isEmpty();
    }

    @Test
    void shouldReportEachKindOfCrossTalk() {
        Map<String, String> nodes = Map.of("a1", "aws:///z/a1", "a2", "aws:///z/a2", "b1", "aws:///z/b1");
        Map<String, String> owners = Map.of("a1", "a", "a2", "b");

        List<String> problems = Checks.crossTalkProblems("a", java.util.Set.of("aws:///z/a1", "aws:///z/a2"),
                java.util.Set.of("aws:///z/b1"), List.of("aws:///z/a1", "aws:///z/b1"), List.of("a1", "b1"), nodes,
                owners);

        assertThat(problems).containsExactly("a lists another pool's instances: [aws:///z/b1]",
                "a's providerIDList differs from its running instances (missing 1, extra 1)",
                "a's nodeRefs are not its instances' Nodes (1 not its own, e.g. b1)",
                "a2 (an instance of a) is annotated as owned by b");
    }

    @Test
    void shouldWantDeletingAndNoRunningWithTheOldCountAfterTheDeletion() {
        Checks.StatusSeen before = new Checks.StatusSeen(T0.minusSeconds(1), "Running", 20, 3L);
        Checks.StatusSeen deleting = new Checks.StatusSeen(T0.plusSeconds(1), "Deleting", 20, 4L);
        Checks.StatusSeen emptying = new Checks.StatusSeen(T0.plusSeconds(3), "Deleting", 0, 4L);

        assertThat(Checks.deletionPhaseProblems(List.of(before, deleting, emptying), 20, T0)).isEmpty();
        assertThat(Checks.phases(List.of(before, deleting, emptying), T0))
                .isEqualTo("Running 20 (before) -> Deleting 20 (1.00 s) -> Deleting 0 (3.00 s)");
        assertThat(Checks.deletionPhaseProblems(List.of(before), 20, T0))
                .containsExactly("phase Deleting never seen (0 status change(s) after the deletion)");
        assertThat(Checks.deletionPhaseProblems(List.of(before, deleting,
                new Checks.StatusSeen(T0.plusSeconds(2), "Running", 20, 3L)), 20, T0))
                .containsExactly("a status written 2.00 s after the deletion says Running 20");
    }

    @Test
    void shouldWantEachPoisonRecordOnItsDltExactlyOnceWithItsReason() {
        byte[] poison = "not json {".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Checks.DeadLetter> dlt = List.of(
                new Checks.DeadLetter("node.v1.DLT", 3, 0, "aws:///z/i-1", poison, "MalformedRecord"),
                new Checks.DeadLetter("machinepool.spec.v1.DLT", 5, 0, "default/p", poison, "MalformedRecord"),
                new Checks.DeadLetter("machinepool.spec.v1.DLT", 5, 1, "default/p", poison, "MalformedRecord"),
                new Checks.DeadLetter("scalinggroup.state.v1.DLT", 5, 0, "default/p", poison, null),
                new Checks.DeadLetter("scalinggroup.state.v1.DLT", 5, 1, "default/other", poison, "x"),
                new Checks.DeadLetter("machinepool.status.v1.DLT", 5, 0, "default/p", "{}".getBytes(), "x"));
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("node.v1", "aws:///z/i-1");
        expected.put("machinepool.spec.v1", "default/p");
        expected.put("scalinggroup.state.v1", "default/p");
        expected.put("machinepool.status.v1", "default/p");

        Map<String, List<String>> problems = Checks.deadLetterProblems(expected, dlt, poison);

        assertThat(problems.get("node.v1")).isEmpty();
        assertThat(problems.get("machinepool.spec.v1")).containsExactly("2 copies on machinepool.spec.v1.DLT, not 1");
        assertThat(problems.get("scalinggroup.state.v1")).containsExactly("a copy without the reason header");
        assertThat(problems.get("machinepool.status.v1")).containsExactly(
                "0 copies on machinepool.status.v1.DLT, not 1");
    }

    @Test
    void shouldSeeTheSurvivorHoldingEveryPartitionOnlyWhenNoOtherMemberIsLeft() {
        java.util.Set<String> before = java.util.Set.of("t-0", "t-1", "t-2");

        assertThat(Checks.heldBySurvivor(before, Map.of("s|1", java.util.Set.of("t-0", "t-1", "t-2")),
                java.util.Set.of("s|1"))).isTrue();
        assertThat(Checks.heldBySurvivor(before, Map.of("s|1", java.util.Set.of("t-0", "t-1"),
                "k|2", java.util.Set.of("t-2")), java.util.Set.of("s|1"))).isFalse();
        assertThat(Checks.heldBySurvivor(before, Map.of("s|1", java.util.Set.of("t-0", "t-1")),
                java.util.Set.of("s|1"))).isFalse();
        assertThat(Checks.heldBySurvivor(before, Map.of(), java.util.Set.of())).isFalse();
    }
}
