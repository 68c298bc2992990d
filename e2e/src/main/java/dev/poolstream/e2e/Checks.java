package dev.poolstream.e2e;

import dev.poolstream.e2e.Observer.InstanceView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The verdicts on what was observed: pure functions of the observations, so that they are unit-tested. */
public final class Checks {

    /** What the cloud did to one pool during a change from {@code from} to {@code to} replicas. */
    public record CloudChange(int live, int launched, int went, Set<String> liveIds) {
    }

    public static CloudChange cloudChange(List<InstanceView> instances, Instant change) {
        int live = 0;
        int launched = 0;
        int went = 0;
        Set<String> ids = new TreeSet<>();
        for (InstanceView i : instances) {
            if (i.live()) {
                live++;
                ids.add(i.id());
            }
            if (i.firstSeen().isAfter(change)) {
                launched++;
            }
            if (i.goneSeen() != null && i.goneSeen().isAfter(change)) {
                went++;
            }
        }
        return new CloudChange(live, launched, went, ids);
    }

    /**
     * Exactly the right instances: {@code to} running, {@code to - from} launched and none ended (scale-up), or
     * {@code from - to} ended and none launched (scale-down); never more than {@code max(from, to)} at once and never
     * fewer than {@code min(from, to)}.
     */
    public static List<String> instanceProblems(CloudChange change, int from, int to, int fewestLive, int mostLive) {
        List<String> problems = new ArrayList<>();
        if (change.live() != to) {
            problems.add(change.live() + " instances running, not " + to);
        }
        int launched = Math.max(0, to - from);
        int ended = Math.max(0, from - to);
        if (change.launched() != launched) {
            problems.add(change.launched() + " launched, not " + launched);
        }
        if (change.went() != ended) {
            problems.add(change.went() + " ended, not " + ended);
        }
        if (mostLive > Math.max(from, to)) {
            problems.add(mostLive + " running at once (a duplicate launch)");
        }
        if (fewestLive < Math.min(from, to)) {
            problems.add("only " + fewestLive + " running at one point");
        }
        return problems;
    }

    /**
     * Every instance that went during the change had its Node cordoned before: seen with
     * {@code spec.unschedulable=true} before moto showed the instance no longer running, and still cordoned when the
     * Node was deleted.
     *
     * @param nodeNames      provider ID → the name of the Node that carried it
     * @param cordonedAt     Node name → when it was first seen cordoned
     * @param cordonedAtExit Node name → whether it was cordoned when deleted (absent: not deleted yet)
     */
    public static List<String> cordonProblems(List<InstanceView> instances, Instant change,
                                              Map<String, String> nodeNames, Function<String, Instant> cordonedAt,
                                              Function<String, Boolean> cordonedAtExit) {
        List<String> problems = new ArrayList<>();
        for (InstanceView i : instances) {
            if (i.goneSeen() == null || !i.goneSeen().isAfter(change)) {
                continue;
            }
            String node = nodeNames.get(i.providerId());
            if (node == null) {
                problems.add(i.id() + " went without ever having a Node");
                continue;
            }
            Instant cordoned = cordonedAt.apply(node);
            if (cordoned == null) {
                problems.add(node + " was never cordoned; its instance went");
            } else if (!cordoned.isBefore(i.goneSeen())) {
                problems.add(node + " was cordoned only after its instance went");
            }
            if (Boolean.FALSE.equals(cordonedAtExit.apply(node))) {
                problems.add(node + " was schedulable when deleted");
            }
        }
        return problems;
    }

    /** The survivors of a scale-down stay schedulable. */
    public static List<String> survivorProblems(List<InstanceView> instances, Map<String, String> nodeNames,
                                                Function<String, Instant> cordonedAt, Instant change) {
        return instances.stream().filter(InstanceView::live).map(i -> nodeNames.get(i.providerId()))
                .filter(n -> n != null && cordonedAt.apply(n) != null && cordonedAt.apply(n).isAfter(change))
                .map(n -> n + " was cordoned but kept").collect(Collectors.toList());
    }

    private Checks() {
    }
}
