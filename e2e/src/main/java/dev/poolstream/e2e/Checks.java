package dev.poolstream.e2e;

import dev.poolstream.e2e.Observer.InstanceView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
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
     * Every instance that went during the change had its Node cordoned before: the cordon's resourceVersion is below
     * the API server's revision read when moto first showed the instance no longer running (the watch may deliver the
     * cordon later than it was stored), or, where either revision is unknown, the watch saw the cordon before moto
     * showed the instance gone; and the Node was still cordoned when deleted.
     *
     * @param nodeNames      provider ID → the name of the Node that carried it
     * @param cordonedAt     Node name → when the watch first saw it cordoned
     * @param cordonedAtExit Node name → whether it was cordoned when deleted (absent: not deleted yet)
     * @param cordonedAtGone Node name → whether its cordon was stored before its instance was first seen gone, by the
     *                       API server's revisions (absent: not known)
     */
    public static List<String> cordonProblems(List<InstanceView> instances, Instant change,
                                              Map<String, String> nodeNames, Function<String, Instant> cordonedAt,
                                              Function<String, Boolean> cordonedAtExit,
                                              Function<String, Boolean> cordonedAtGone) {
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
            Boolean atGone = cordonedAtGone.apply(node);
            if (Boolean.FALSE.equals(atGone)) {
                problems.add(node + " was cordoned only after its instance was seen gone (by the API server's revisions)");
            } else if (Boolean.TRUE.equals(atGone)) {
                // cordoned before the instance was seen gone, by the API server's own state
            } else if (cordoned == null) {
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

    /** A condition as a user reads it off the object ({@code kubectl describe}). */
    public record ConditionView(String type, String status, String reason, String message) {
        @Override
        public String toString() {
            return type + "=" + status + " " + reason + (message == null || message.isEmpty() ? "" : ": " + message);
        }
    }

    /**
     * The condition that says why the pool cannot go on: not True (False, or Unknown where the service cannot tell,
     * e.g. Nodes it cannot see), and its reason or message names the problem.
     */
    public static Optional<ConditionView> explanation(Collection<ConditionView> conditions, Pattern problem) {
        return conditions.stream().filter(c -> "False".equals(c.status()) || "Unknown".equals(c.status()))
                .filter(c -> problem.matcher(Objects.toString(c.reason(), "")).find()
                        || problem.matcher(Objects.toString(c.message(), "")).find())
                .findFirst();
    }

    /**
     * The bound a healthy pool's change must keep beside a disturbance: twice the undisturbed time of the same
     * change in this run, plus {@code slack}.
     */
    public static Duration bound(Duration undisturbed, Duration slack) {
        return undisturbed.multipliedBy(2).plus(slack);
    }

    /**
     * No cross-talk between pools: what one pool lists (its {@code providerIDList}, its {@code nodeRefs}) is exactly
     * its own running instances and their Nodes, and each of its Nodes is owned by it.
     *
     * @param ownLive         the provider IDs of the pool's running instances (by the cloud's pool tag)
     * @param othersIds       the provider IDs of every other pool's instances
     * @param providerIdList  the pool's {@code spec.providerIDList}
     * @param nodeRefs        the names in the pool's {@code status.nodeRefs}
     * @param nodes           Node name → its provider ID, for every Node
     * @param owners          Node name → its {@code cluster.x-k8s.io/owner-name} annotation (absent: none)
     */
    public static List<String> crossTalkProblems(String pool, Set<String> ownLive, Set<String> othersIds,
                                                 List<String> providerIdList, List<String> nodeRefs,
                                                 Map<String, String> nodes, Map<String, String> owners) {
        List<String> problems = new ArrayList<>();
        Set<String> listed = new TreeSet<>(providerIdList);
        Set<String> foreign = new TreeSet<>(listed);
        foreign.retainAll(othersIds);
        if (!foreign.isEmpty()) {
            problems.add(pool + " lists another pool's instances: " + foreign);
        }
        if (!listed.equals(new TreeSet<>(ownLive))) {
            Set<String> missing = new TreeSet<>(ownLive);
            missing.removeAll(listed);
            Set<String> extra = new TreeSet<>(listed);
            extra.removeAll(ownLive);
            problems.add(pool + "'s providerIDList differs from its running instances (missing " + missing.size()
                    + ", extra " + extra.size() + ")");
        }
        Set<String> ownNodes = new TreeSet<>();
        nodes.forEach((name, id) -> {
            if (ownLive.contains(id)) {
                ownNodes.add(name);
            }
        });
        Set<String> refs = new TreeSet<>(nodeRefs);
        if (!refs.equals(ownNodes)) {
            Set<String> strangers = new TreeSet<>(refs);
            strangers.removeAll(ownNodes);
            problems.add(pool + "'s nodeRefs are not its instances' Nodes" + (strangers.isEmpty() ? ""
                    : " (" + strangers.size() + " not its own, e.g. " + strangers.iterator().next() + ")"));
        }
        for (String node : ownNodes) {
            String owner = owners.get(node);
            if (owner != null && !owner.equals(pool)) {
                problems.add(node + " (an instance of " + pool + ") is annotated as owned by " + owner);
            }
        }
        return problems;
    }

    /** The MachinePool's status as seen at one moment. */
    public record StatusSeen(Instant at, String phase, Integer replicas, Long observedGeneration) {
    }

    /**
     * While a pool is deleted its status says so: phase {@code Deleting} is seen, and no status written after the
     * deletion started says Running with the count from before.
     *
     * @param seen      the status at the deletion and every change of it after, in order
     * @param oldCount  the replicas before the deletion
     * @param deletedAt when the deletion was asked for
     */
    public static List<String> deletionPhaseProblems(List<StatusSeen> seen, int oldCount, Instant deletedAt) {
        List<String> problems = new ArrayList<>();
        List<StatusSeen> after = seen.stream().filter(s -> s.at().isAfter(deletedAt)).toList();
        if (after.stream().noneMatch(s -> "Deleting".equals(s.phase()))) {
            problems.add("phase Deleting never seen (" + after.size() + " status change(s) after the deletion)");
        }
        after.stream().filter(s -> "Running".equals(s.phase()) && Objects.equals(s.replicas(), oldCount)).findFirst()
                .ifPresent(s -> problems.add("a status written " + String.format(java.util.Locale.ROOT, "%.2f",
                        Duration.between(deletedAt, s.at()).toMillis() / 1000.0) + " s after the deletion says Running "
                        + oldCount));
        return problems;
    }

    /** The phases in order, repeats folded: {@code Running 20 -> Deleting 20 -> Deleting 0}. */
    public static String phases(List<StatusSeen> seen, Instant from) {
        List<String> out = new ArrayList<>();
        String last = null;
        for (StatusSeen s : seen) {
            String text = s.phase() + " " + s.replicas();
            if (!text.equals(last)) {
                double at = Duration.between(from, s.at()).toMillis() / 1000.0;
                out.add(text + (at <= 0 ? " (before)" : String.format(java.util.Locale.ROOT, " (%.2f s)", at)));
                last = text;
            }
        }
        return out.isEmpty() ? "none seen" : String.join(" -> ", out);
    }

    /** One record on a dead-letter topic, as a plain consumer reads it. */
    public record DeadLetter(String topic, int partition, long offset, String key, byte[] value, String reason) {
    }

    /**
     * Each poison record on its topic's DLT exactly once, with its reason header: the problems, per source topic.
     *
     * @param expected source topic → the key the poison record had
     * @param dlt      what the DLTs hold now
     * @param poison   the poison record's bytes
     */
    public static Map<String, List<String>> deadLetterProblems(Map<String, String> expected,
                                                               List<DeadLetter> dlt, byte[] poison) {
        Map<String, List<String>> problems = new LinkedHashMap<>();
        expected.forEach((topic, key) -> {
            List<DeadLetter> copies = copies(dlt, topic, key, poison);
            List<String> p = new ArrayList<>();
            if (copies.size() != 1) {
                p.add(copies.size() + " copies on " + topic + dev.poolstream.events.Topics.DLT_SUFFIX + ", not 1");
            }
            copies.stream().filter(c -> c.reason() == null || c.reason().isBlank()).findFirst()
                    .ifPresent(c -> p.add("a copy without the reason header"));
            problems.put(topic, p);
        });
        return problems;
    }

    /** The DLT copies of one poison record. */
    public static List<DeadLetter> copies(List<DeadLetter> dlt, String topic, String key, byte[] poison) {
        return dlt.stream().filter(d -> d.topic().equals(topic + dev.poolstream.events.Topics.DLT_SUFFIX) && Objects.equals(d.key(), key)
                && java.util.Arrays.equals(d.value(), poison)).toList();
    }

    /**
     * Whether a group's members hold every partition the group held before, with only the survivor's members left.
     *
     * @param before      the partitions the group's members held (all of them) before the kill
     * @param assignments member → the partitions it holds now
     * @param survivor    which of the members are the survivor's
     */
    public static boolean heldBySurvivor(Set<String> before, Map<String, Set<String>> assignments,
                                         Set<String> survivor) {
        if (assignments.isEmpty() || !survivor.containsAll(assignments.keySet())) {
            return false;
        }
        Set<String> now = new HashSet<>();
        assignments.values().forEach(now::addAll);
        return now.containsAll(before);
    }

    private Checks() {
    }
}
