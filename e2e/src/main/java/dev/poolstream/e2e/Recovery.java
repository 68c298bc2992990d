package dev.poolstream.e2e;

import dev.poolstream.events.Topics;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;

/**
 * When a killed process works again, by what can be observed from outside it:
 * <ul>
 *   <li><b>ready</b>: the restarted service's readiness probe answers UP (the broker: it answers an admin client);</li>
 *   <li><b>partitions back</b>: its consumer groups are Stable with every member a new one holding partitions (for the
 *       broker: every Poolstream group Stable with partitions assigned);</li>
 *   <li><b>first record</b>: the first committed record on the topics it writes, produced after the restart;</li>
 *   <li><b>first status write</b> (status service): the first change of the pool's status on the API server;</li>
 *   <li><b>leads again</b> (watcher): the Lease renewed after the restart.</li>
 * </ul>
 * "Working again" is, per target: the watcher's first record (it publishes what changed while it was down); the
 * reconciler's partitions back and ready (it decides only once its partitions are read back); the status service's
 * first status write; the provider's partitions back (it carries out commands again); for the broker, the first
 * record any service writes through it again. Each is printed from the restart and, since the target is a service
 * that works again within {@value #READY_TARGET_SECONDS} s of its start, also from the moment it was ready. The
 * consumer groups are {@link ConsumerGroups}' (by whichever name the broker knows them).
 */
final class Recovery {

    /** The most "ready -> working again" may take: a restarted service works again within 5 s of being ready. */
    static final double READY_TARGET_SECONDS = 5.0;

    static final Map<String, List<String>> OUTPUT = Map.of(
            "watcher-service", List.of(Topics.NODE.name(), Topics.MACHINEPOOL_SPEC.name()),
            "reconciler-service", List.of(Topics.SCALINGGROUP_COMMANDS_AWS.name()),
            "status-service", List.of(Topics.MACHINEPOOL_STATUS.name(), Topics.MACHINEPOOL_LIFECYCLE.name()),
            "provider-aws-service", List.of(Topics.SCALINGGROUP_STATE.name(), Topics.SCALINGGROUP_INSTANCES.name()),
            E2eOptions.BROKER, Topics.MAIN.stream().map(t -> t.name()).toList());

    private final Environment env;
    private final Observer observer;
    private final String target;
    private final String pool;
    private final Set<String> oldMembers = new HashSet<>();
    private volatile Instant ready;
    private volatile Instant partitionsBack;
    private volatile Instant firstRecord;
    private volatile Instant firstStatusWrite;
    private volatile Instant leadsAgain;
    private volatile boolean stopped;

    Recovery(Environment env, Observer observer, String target, String pool) {
        this.env = env;
        this.observer = observer;
        this.target = target;
        this.pool = pool;
    }

    boolean service() {
        return !E2eOptions.BROKER.equals(target);
    }

    /** The members the groups have now: after the kill, only new ones count. */
    void beforeKill() {
        if (!service()) {
            return;
        }
        try {
            for (ConsumerGroupDescription group : describe(groupNames()).values()) {
                group.members().forEach(m -> oldMembers.add(m.consumerId()));
            }
        } catch (Exception e) {
            System.err.println("cannot describe the consumer groups of " + target + ": " + e);
        }
    }

    void probe(Instant restarted, Duration timeout) {
        Instant deadline = restarted.plus(timeout);
        while (Instant.now().isBefore(deadline) && !done()) {
            // Each time is taken after its observation returned: a call to a broker that is coming back blocks.
            if (ready == null && (service() ? env.ready(target) : brokerAnswers())) {
                ready = Instant.now();
            }
            if (partitionsBack == null && (service() || ready != null) && groupsBack()) {
                partitionsBack = Instant.now();
            }
            if (firstRecord == null) {
                // A record's CloudEvents time is when its service serialized it; one serialized while the broker was
                // down is written only once it is back: for the broker, when the driver's consumer got it.
                firstRecord = observer.recordsAfter(restarted, OUTPUT.get(target)).stream()
                        .map(service() ? Observer.TopicRecord::timestamp : Observer.TopicRecord::received)
                        .min(Instant::compareTo).orElse(null);
            }
            if (firstStatusWrite == null) {
                firstStatusWrite = observer.statusWritesAfter(pool, restarted).stream().findFirst().orElse(null);
            }
            if (leadsAgain == null && "watcher-service".equals(target)) {
                leadsAgain = renewedAfter(restarted);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Waits (bounded) for the target's own observable of working again, and for its readiness (for "ready -> working
     * again"; at most {@link #READY_WAIT} more), then ends the probe.
     */
    void finish(Instant deadline) throws InterruptedException {
        while (workingAgain() == null && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        Instant readyDeadline = Instant.now().plus(READY_WAIT);
        while (ready == null && Instant.now().isBefore(readyDeadline) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        stopped = true;
    }

    static final Duration READY_WAIT = Duration.ofSeconds(60);

    private boolean done() {
        return stopped || ready != null && (partitionsBack != null || groupNames().isEmpty())
                && firstRecord != null && firstStatusWrite != null
                && (leadsAgain != null || !"watcher-service".equals(target));
    }

    /** The restarted broker answers the run's admin client (its cluster's nodes), within a second. */
    private boolean brokerAnswers() {
        try {
            return !env.admin().describeCluster().nodes().get(1, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private Instant renewedAfter(Instant restarted) {
        try {
            Lease lease = env.kube().leases().inNamespace(Environment.NAMESPACE).withName("poolstream-watcher").get();
            if (lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null) {
                return null;
            }
            Instant renewed = lease.getSpec().getRenewTime().toInstant();
            return renewed.isAfter(restarted) ? renewed : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private boolean groupsBack() {
        List<String> groups = groupNames();
        if (groups.isEmpty()) {
            return false;
        }
        try {
            for (ConsumerGroupDescription group : describe(groups).values()) {
                if (group.groupState() != GroupState.STABLE || group.members().isEmpty()) {
                    return false;
                }
                for (MemberDescription m : group.members()) {
                    if (oldMembers.contains(m.consumerId()) || m.assignment().topicPartitions().isEmpty()) {
                        return false;
                    }
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private List<String> groupNames() {
        return env.groups().names(ConsumerGroups.of(target));
    }

    private Map<String, ConsumerGroupDescription> describe(List<String> groups) throws Exception {
        return env.admin().describeConsumerGroups(groups).all().get(5, TimeUnit.SECONDS);
    }

    /** The target's own definition of working again (see the class comment); null when not seen. */
    Instant workingAgain() {
        return switch (target) {
            case "watcher-service" -> firstRecord;
            case "reconciler-service" -> ready == null || partitionsBack == null ? null
                    : ready.isAfter(partitionsBack) ? ready : partitionsBack;
            case "status-service" -> firstStatusWrite;
            case "provider-aws-service" -> partitionsBack;
            default -> firstRecord;
        };
    }

    static String definition(String target) {
        return switch (target) {
            case "watcher-service" -> "its first record after the restart";
            case "reconciler-service" -> "partitions back and ready";
            case "status-service" -> "its first MachinePool status write";
            case "provider-aws-service" -> "its partitions back";
            default -> "the first record a service writes through it";
        };
    }

    void report(Result r, Instant restarted) {
        r.seconds(service() ? "restart -> readiness UP" : "restart -> the broker answers", since(restarted, ready));
        if (!groupNames().isEmpty()) {
            r.seconds("restart -> partitions back (" + String.join(", ", groupNames()) + ")",
                    since(restarted, partitionsBack));
        }
        if ("watcher-service".equals(target)) {
            r.seconds("restart -> Lease renewed", since(restarted, leadsAgain));
        }
        r.seconds("restart -> first record on " + String.join(", ", OUTPUT.get(target).size() > 2
                ? List.of("any topic") : OUTPUT.get(target)), since(restarted, firstRecord));
        if ("status-service".equals(target) || !service()) {
            r.seconds("restart -> first status write of " + pool, since(restarted, firstStatusWrite));
        }
        Double working = since(restarted, workingAgain());
        r.workingAgain(working);
        r.seconds("restart -> working again (" + definition(target) + ")", working);
        Double fromReady = readyToWorking(ready, workingAgain());
        r.readyToWorking(fromReady);
        r.row("ready -> working again", Result.format(fromReady) + "   " + targetVerdict(fromReady));
        String exited = service() && !env.process(target).alive() ? "; the restarted process exited:\n"
                + env.process(target).tail(15) : "";
        r.check("working again after the restart", working != null && exited.isEmpty(), working == null
                ? "not seen: " + definition(target) + exited : definition(target) + exited);
    }

    /**
     * From ready to working again: 0 when it worked before its probe said ready (the reconciler is ready only once
     * it holds its partitions and has read them back), null when either was not seen.
     */
    static Double readyToWorking(Instant ready, Instant working) {
        if (ready == null || working == null) {
            return null;
        }
        return Math.max(0, Scenarios.seconds(ready, working));
    }

    /** Whether {@link #READY_TARGET_SECONDS} was met: printed beside the time, not a check of the scenario. */
    static String targetVerdict(Double readyToWorking) {
        if (readyToWorking == null) {
            return "(target " + (int) READY_TARGET_SECONDS + " s: not measured)";
        }
        return readyToWorking <= READY_TARGET_SECONDS ? "(target " + (int) READY_TARGET_SECONDS + " s: met)"
                : "(target " + (int) READY_TARGET_SECONDS + " s: MISSED)";
    }

    private static Double since(Instant from, Instant to) {
        return to == null ? null : Scenarios.seconds(from, to);
    }
}
