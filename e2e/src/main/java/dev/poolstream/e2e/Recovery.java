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
 *   <li><b>ready</b>: the restarted service's readiness probe answers UP;</li>
 *   <li><b>partitions back</b>: its consumer groups are Stable with every member a new one holding partitions (for the
 *       broker: every Poolstream group Stable with partitions assigned);</li>
 *   <li><b>first record</b>: the first committed record on the topics it writes, produced after the restart;</li>
 *   <li><b>first status write</b> (status service): the first change of the pool's status on the API server;</li>
 *   <li><b>leads again</b> (watcher): the Lease renewed after the restart.</li>
 * </ul>
 * "Working again" is, per target: the watcher's first record (it publishes what changed while it was down); the
 * reconciler's partitions back and ready (it decides only once its partitions are read back); the status service's
 * first status write; the provider's partitions back (it carries out commands again); for the broker, the first
 * record any service writes through it again.
 */
final class Recovery {

    /**
     * The consumer groups as the broker shows them. The status writer's and the provider's are their
     * {@code @KafkaListener} ids ({@code status-writer}, {@code scalinggroup-commands}), which take the place of the
     * {@code spring.kafka.consumer.group-id} in their yaml; Kafka Streams' is its application id.
     */
    static final Map<String, List<String>> GROUPS = Map.of(
            "watcher-service", List.of(),
            "reconciler-service", List.of("poolstream-reconciler"),
            "status-service", List.of("poolstream-status", "status-writer"),
            "provider-aws-service", List.of("scalinggroup-commands"),
            E2eOptions.BROKER, List.of("poolstream-reconciler", "poolstream-status", "status-writer",
                    "scalinggroup-commands"));

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
            for (ConsumerGroupDescription group : describe(GROUPS.get(target)).values()) {
                group.members().forEach(m -> oldMembers.add(m.consumerId()));
            }
        } catch (Exception e) {
            System.err.println("cannot describe the consumer groups of " + target + ": " + e);
        }
    }

    void probe(Instant restarted, Duration timeout) {
        Instant deadline = restarted.plus(timeout);
        while (Instant.now().isBefore(deadline) && !done()) {
            Instant now = Instant.now();
            if (ready == null && service() && env.ready(target)) {
                ready = now;
            }
            if (partitionsBack == null && groupsBack()) {
                partitionsBack = now;
            }
            if (firstRecord == null) {
                firstRecord = observer.recordsAfter(restarted, OUTPUT.get(target)).stream()
                        .map(Observer.TopicRecord::timestamp).min(Instant::compareTo).orElse(null);
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

    /** Waits (bounded) for the target's own observable of working again, then ends the probe. */
    void finish(Instant deadline) throws InterruptedException {
        while (workingAgain() == null && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        stopped = true;
    }

    private boolean done() {
        return stopped || (ready != null || !service()) && (partitionsBack != null || GROUPS.get(target).isEmpty())
                && firstRecord != null && firstStatusWrite != null
                && (leadsAgain != null || !"watcher-service".equals(target));
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
        List<String> groups = GROUPS.get(target);
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
        if (service()) {
            r.seconds("restart -> readiness UP", since(restarted, ready));
        }
        if (!GROUPS.get(target).isEmpty()) {
            r.seconds("restart -> partitions back (" + String.join(", ", GROUPS.get(target)) + ")",
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
        String exited = service() && !env.process(target).alive() ? "; the restarted process exited:\n"
                + env.process(target).tail(15) : "";
        r.check("working again after the restart", working != null && exited.isEmpty(), working == null
                ? "not seen: " + definition(target) + exited : definition(target) + exited);
    }

    private static Double since(Instant from, Instant to) {
        return to == null ? null : Scenarios.seconds(from, to);
    }
}
