package dev.poolstream.e2e;

import dev.poolstream.events.Topics;
import dev.poolstream.e2e.Scenarios.Convergence;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.utils.Utils;

/**
 * Two replicas of a service, one killed for good: a second JVM of the service ({@code <service>-2}, its own
 * {@code HOSTNAME}, {@code POOLSTREAM_KAFKA_INSTANCE_ID} and port) joins the first; once both hold partitions, the
 * replica that holds the pool's partition is killed ({@code kill -9}, not restarted) at the moment the pool is
 * scaled 5 → 7. Measured: the time until the survivor's members hold every partition the group held (target
 * {@link #TARGET}), and the pool's convergence. Afterwards the run is put back as it was: the service's own process
 * runs (started again if it was the one killed) and the second replica is gone.
 */
final class Failover {

    static final Duration TARGET = Duration.ofSeconds(10);
    static final int FROM = 5;
    static final int TO = 7;

    private final Environment env;
    private final Observer observer;
    private final Pools pools;
    private final Scenarios scenarios;
    private final PrintStream out;
    private final Duration timeout;

    Failover(Environment env, Observer observer, Pools pools, Scenarios scenarios, PrintStream out) {
        this.env = env;
        this.observer = observer;
        this.pools = pools;
        this.scenarios = scenarios;
        this.out = out;
        this.timeout = env.options().timeout();
    }

    static String pool(String service) {
        return "failover-" + service.replace("-service", "");
    }

    static String replicaName(String service) {
        return service + "-2";
    }

    Result run(String service) throws Exception {
        String scenario = E2eOptions.FAILOVER + service;
        String pool = pool(service);
        String replica = replicaName(service);
        Result r = new Result(scenario, "two replicas of " + service + " (" + service + ", " + replica + "); kill -9 "
                + "of the one holding " + pool + "'s partition, not restarted; " + pool + " " + FROM + " -> " + TO);
        scenarios.ensureAt(pool, FROM);
        List<ConsumerGroups.Group> groups = ConsumerGroups.of(service);
        Map<String, ConsumerGroups.Group> byName = env.groups().byName(groups);
        Set<String> originalMembers = members(byName.keySet());
        String killedName = null;
        Set<String> replicaMembers = new HashSet<>();
        Map<String, Set<String>> before = new LinkedHashMap<>();
        try {
            Instant started = Instant.now();
            env.startReplica(service, replica);
            Map<String, Map<String, Set<String>>> both = null;
            Instant deadline = started.plus(timeout);
            while (Instant.now().isBefore(deadline)) {
                if (!env.process(replica).alive()) {
                    throw new IllegalStateException(replica + " exited; the end of its log:\n"
                            + env.process(replica).tail(20));
                }
                Map<String, Map<String, Set<String>>> now = assignments(byName.keySet(), service, replica,
                        originalMembers);
                if (env.ready(replica) && env.ready(service) && bothHold(now, service, replica)) {
                    both = now;
                    break;
                }
                Thread.sleep(200);
            }
            r.seconds("second replica started -> both hold partitions", both == null ? null
                    : Scenarios.seconds(started, Instant.now()));
            if (both == null) {
                r.error("the two replicas did not both hold partitions of " + byName.keySet() + " within "
                        + timeout.toSeconds() + " s");
                return r;
            }
            r.row("partitions before the kill", describe(both));
            both.values().forEach(members -> members.keySet().stream().filter(m -> m.startsWith(replica + "|"))
                    .forEach(m -> replicaMembers.add(m.substring(m.indexOf('|') + 1))));

            // The pool's partition of the spec topic: the reconciler's, and Kafka Streams' task of the pool.
            String topic = Topics.MACHINEPOOL_SPEC.name();
            int partition = partition(pools.key(pool), Topics.PARTITIONS);
            String holder = holderOf(both, topic + "-" + partition).orElse(service);
            String survivor = holder.equals(service) ? replica : service;
            killedName = holder;
            both.forEach((group, members) -> {
                Set<String> all = new HashSet<>();
                members.values().forEach(all::addAll);
                before.put(group, all);
            });

            Instant change = Instant.now();
            pools.scale(pool, TO);
            java.util.concurrent.ExecutorService converging = java.util.concurrent.Executors.newSingleThreadExecutor();
            java.util.concurrent.Future<Convergence> convergence = converging.submit(() -> scenarios.await(pool, TO,
                    timeout));
            converging.shutdown();
            Instant killed = env.process(holder).kill();
            r.row("killed", holder + " (it held " + topic + "-" + partition + ", " + pool + "'s partition); "
                    + survivor + " survives");
            Instant takenOver = null;
            deadline = killed.plus(timeout);
            while (takenOver == null && Instant.now().isBefore(deadline)) {
                Map<String, Map<String, Set<String>>> now = assignments(byName.keySet(), service, replica,
                        originalMembers);
                boolean all = !now.isEmpty();
                for (String group : byName.keySet()) {
                    Map<String, Set<String>> members = now.get(group);
                    Set<String> survivorMembers = new HashSet<>();
                    if (members != null) {
                        members.keySet().stream().filter(m -> m.startsWith(survivor + "|")).forEach(survivorMembers::add);
                    }
                    all &= members != null && Checks.heldBySurvivor(before.get(group), members, survivorMembers);
                }
                if (all) {
                    takenOver = Instant.now();
                } else {
                    Thread.sleep(100);
                }
            }
            Double took = takenOver == null ? null : Scenarios.seconds(killed, takenOver);
            r.seconds("kill -> the survivor holds every partition", took);
            r.workingAgain(took);
            r.check("the survivor holds every partition within " + TARGET.toSeconds() + " s", took != null
                    && took <= TARGET.toMillis() / 1000.0, took == null ? "not within " + timeout.toSeconds() + " s"
                    : Result.format(took) + " (" + String.join(", ", byName.keySet()) + ")");
            Convergence c = convergence.get();
            scenarios.measureConvergence(r, c, change);
            scenarios.checkInstances(r, pool, change, FROM, TO, c);
            r.note("survivor holds all after " + Result.format(took));
            return r;
        } finally {
            restore(r, service, replica, killedName, byName.keySet(), replicaMembers, before);
        }
    }

    /**
     * Puts the run back: the service's own process running (started again if it was the one killed), the replica
     * stopped, and the groups Stable with no member of the replica left and every partition held again.
     */
    private void restore(Result r, String service, String replica, String killed, Set<String> groups,
                         Set<String> replicaMembers, Map<String, Set<String>> before) throws InterruptedException {
        try {
            if (service.equals(killed) && !env.process(service).alive()) {
                env.process(service).start();
            }
            env.removeReplica(replica);
            Instant deadline = Instant.now().plus(timeout);
            while (Instant.now().isBefore(deadline)) {
                if (env.ready(service) && settled(groups, replicaMembers, before)) {
                    return;
                }
                Thread.sleep(200);
            }
            r.row("afterwards", service + " did not hold every partition alone within " + timeout.toSeconds() + " s");
        } catch (RuntimeException e) {
            r.row("afterwards", "could not put the run back: " + e);
        }
    }

    private boolean settled(Set<String> groups, Set<String> replicaMembers, Map<String, Set<String>> before) {
        try {
            for (Map.Entry<String, ConsumerGroupDescription> e : env.admin().describeConsumerGroups(groups).all()
                    .get(5, TimeUnit.SECONDS).entrySet()) {
                ConsumerGroupDescription g = e.getValue();
                if (g.groupState() != GroupState.STABLE) {
                    return false;
                }
                Set<String> held = new HashSet<>();
                for (MemberDescription m : g.members()) {
                    if (replicaMembers.contains(m.consumerId())) {
                        return false;
                    }
                    m.assignment().topicPartitions().forEach(tp -> held.add(tp.topic() + "-" + tp.partition()));
                }
                if (!held.containsAll(before.getOrDefault(e.getKey(), Set.of()))) {
                    return false;
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** The group members' ids before the replica: the service's own (all, when membership is dynamic). */
    private Set<String> members(Set<String> groups) {
        Set<String> ids = new HashSet<>();
        try {
            env.admin().describeConsumerGroups(groups).all().get(5, TimeUnit.SECONDS).values()
                    .forEach(g -> g.members().forEach(m -> ids.add(m.consumerId())));
        } catch (Exception e) {
            // none known: every member counts as the service's own by its instance id, if it has one
        }
        return ids;
    }

    /**
     * Group → ("process|member id" → its partitions as {@code topic-partition}), only for Stable groups. A member is
     * the replica's when its {@code group.instance.id} starts with the replica's instance id, or (dynamic membership)
     * when it was not a member before the replica started.
     */
    private Map<String, Map<String, Set<String>>> assignments(Set<String> groups, String service, String replica,
                                                              Set<String> originalMembers) {
        Map<String, Map<String, Set<String>>> out = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, ConsumerGroupDescription> e : env.admin().describeConsumerGroups(groups).all()
                    .get(5, TimeUnit.SECONDS).entrySet()) {
                if (e.getValue().groupState() != GroupState.STABLE) {
                    continue;
                }
                Map<String, Set<String>> members = new HashMap<>();
                for (MemberDescription m : e.getValue().members()) {
                    String owner = ownerOf(m.groupInstanceId(), m.consumerId(), env.instanceId(service),
                            env.instanceId(replica), originalMembers) ? replica : service;
                    Set<String> partitions = new HashSet<>();
                    m.assignment().topicPartitions().forEach(tp -> partitions.add(tp.topic() + "-" + tp.partition()));
                    members.put(owner + "|" + m.consumerId(), partitions);
                }
                out.put(e.getKey(), members);
            }
        } catch (Exception e) {
            return Map.of();
        }
        return out;
    }

    /**
     * Whether a member is the second replica's: by its {@code group.instance.id} (static membership: the replica's
     * instance id, then {@code -<consumer>}), else by not having been a member before the replica started.
     */
    static boolean ownerOf(Optional<String> groupInstanceId, String memberId, String serviceInstance,
                           String replicaInstance, Set<String> originalMembers) {
        if (groupInstanceId.isPresent()) {
            String id = groupInstanceId.get();
            if (!replicaInstance.isEmpty() && id.startsWith(replicaInstance + "-")) {
                return true;
            }
            if (!serviceInstance.isEmpty() && id.startsWith(serviceInstance + "-")) {
                return false;
            }
        }
        return !originalMembers.contains(memberId);
    }

    /** Both processes hold partitions in every group. */
    private static boolean bothHold(Map<String, Map<String, Set<String>>> assignments, String service,
                                    String replica) {
        if (assignments.isEmpty()) {
            return false;
        }
        for (Map<String, Set<String>> members : assignments.values()) {
            boolean a = members.entrySet().stream().anyMatch(e -> e.getKey().startsWith(service + "|")
                    && !e.getValue().isEmpty());
            boolean b = members.entrySet().stream().anyMatch(e -> e.getKey().startsWith(replica + "|")
                    && !e.getValue().isEmpty());
            if (!a || !b) {
                return false;
            }
        }
        return true;
    }

    /** The process whose member holds the partition in the first group that has it. */
    private static Optional<String> holderOf(Map<String, Map<String, Set<String>>> assignments, String partition) {
        for (Map<String, Set<String>> members : assignments.values()) {
            for (Map.Entry<String, Set<String>> e : members.entrySet()) {
                if (e.getValue().contains(partition)) {
                    return Optional.of(e.getKey().substring(0, e.getKey().indexOf('|')));
                }
            }
        }
        return Optional.empty();
    }

    private static String describe(Map<String, Map<String, Set<String>>> assignments) {
        StringBuilder text = new StringBuilder();
        assignments.forEach((group, members) -> {
            Map<String, Integer> counts = new LinkedHashMap<>();
            members.forEach((m, p) -> counts.merge(m.substring(0, m.indexOf('|')), p.size(), Integer::sum));
            text.append(text.length() == 0 ? "" : "; ").append(group).append(": ").append(counts);
        });
        return text.toString();
    }

    /** The partition Kafka's default partitioner gives a key: where the services' records of the pool go. */
    static int partition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
