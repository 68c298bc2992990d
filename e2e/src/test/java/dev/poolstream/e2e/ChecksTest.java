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

        assertThat(Checks.cordonProblems(instances, T0, names, cordoned::get, Map.of("n1", true)::get)).isEmpty();
        assertThat(Checks.survivorProblems(instances, names, cordoned::get, T0)).isEmpty();
        assertThat(Checks.instanceProblems(Checks.cloudChange(instances, T0), 2, 1, 1, 2)).isEmpty();
    }

    @Test
    void shouldFailAVictimCordonedLateOrNeverOrUncordonedBeforeDeletion() {
        List<InstanceView> instances = List.of(gone(1, 5), gone(2, 5), gone(3, 5), gone(4, 5));
        Map<String, String> names = new HashMap<>(Map.of("aws:///us-east-1a/i-1", "n1", "aws:///us-east-1a/i-2", "n2",
                "aws:///us-east-1a/i-3", "n3"));
        Map<String, Instant> cordoned = Map.of("n1", T0.plusSeconds(6), "n3", T0.plusSeconds(1));

        List<String> problems = Checks.cordonProblems(instances, T0, names, cordoned::get, Map.of("n3", false)::get);

        assertThat(problems).containsExactlyInAnyOrder("n1 was cordoned only after its instance went",
                "n2 was never cordoned; its instance went", "n3 was schedulable when deleted",
                "i-4 went without ever having a Node");
    }

    @Test
    void shouldFailAKeptNodeThatWasCordoned() {
        List<InstanceView> instances = List.of(live(2, -60));
        Map<String, String> names = Map.of("aws:///us-east-1a/i-2", "n2");

        assertThat(Checks.survivorProblems(instances, names, Map.of("n2", T0.plusSeconds(1))::get, T0))
                .containsExactly("n2 was cordoned but kept");
    }
}
