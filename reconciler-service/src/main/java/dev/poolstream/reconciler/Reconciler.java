package dev.poolstream.reconciler;

import dev.poolstream.api.kube.WorkloadClusterException;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.reconciler.config.ReconcilerProperties;
import dev.poolstream.reconciler.domain.Attempts;
import dev.poolstream.reconciler.domain.BootstrapData;
import dev.poolstream.reconciler.domain.CommandFailure;
import dev.poolstream.reconciler.domain.Decision;
import dev.poolstream.reconciler.domain.DrainOutcome;
import dev.poolstream.reconciler.domain.KubeAction;
import dev.poolstream.reconciler.domain.Memory;
import dev.poolstream.reconciler.domain.Notice;
import dev.poolstream.reconciler.domain.Notices;
import dev.poolstream.reconciler.domain.PoolReconciler;
import dev.poolstream.reconciler.kafka.CommandSender;
import dev.poolstream.reconciler.kafka.PoolTopicsConsumer;
import dev.poolstream.reconciler.kube.Drainer;
import dev.poolstream.reconciler.kube.PoolEvents;
import dev.poolstream.reconciler.kube.PoolObjects;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Keeps, for every pool of its partitions, the latest spec, group state and status, and looks at the pool each time
 * one of them changes, a command of it fails, a drain ends, a read of its bootstrap config returns, or a time the
 * last look named comes (a retry's backoff over, an awaited command out of time). Every look and every change of
 * what it knows happen on one thread; the management cluster's reads that a look asks for (owner mode: the bootstrap
 * config) are made on another, so a slow or waiting pool holds up no other. What a user should see of a look (the
 * commands sent, the drains, the errors) becomes Events on the MachinePool and its infrastructure pool. It looks
 * only while its partitions are read back and taken in ({@link ReadBack}): not before, and not from a revocation
 * until the next assignment is read back.
 */
public final class Reconciler implements PoolTopicsConsumer.Listener {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    /** Failed commands remembered per pool. */
    private static final int FAILURES_REMEMBERED = 16;

    private static final class Pool {
        PoolSpec spec;
        ScalingGroupState group;
        PoolStatus status;
        Memory memory = Memory.EMPTY;
        Failure blocked;
        Failure retrying;
        /** The last read of the pool's bootstrap config (owner mode). */
        BootstrapData.Config bootstrap;
        /** The pool's commands that were dead-lettered lately, by id. */
        final Map<String, CommandFailure> failures = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CommandFailure> eldest) {
                return size() > FAILURES_REMEMBERED;
            }
        };
    }

    /** When the reconcile loop was asked to answer and has not yet (System.nanoTime()); NO_PROBE when none is out. */
    private final AtomicLong probeSent = new AtomicLong(NO_PROBE);
    private static final long NO_PROBE = Long.MIN_VALUE;
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "reconcile");
        thread.setDaemon(true);
        return thread;
    });
    /** Bootstrap config reads, and looks made again (at a time a decision named, after a failed write). */
    private final ScheduledExecutorService later;
    private final Map<String, Pool> pools = new HashMap<>();
    /** Pools with a bootstrap config read scheduled or running. */
    private final Set<String> reading = new HashSet<>();
    /** Pools with a look scheduled after a failed write. */
    private final Set<String> retrying = new HashSet<>();
    /** Pools with looks scheduled at times decisions named, and those times: one per timer not yet run. */
    private final Map<String, List<Instant>> scheduled = new HashMap<>();
    /** pool → providerID → each drain running in this process. */
    private final Map<String, Map<String, Running>> draining = new HashMap<>();
    private final ReconcilerProperties properties;
    private final CommandSender sender;
    private final Drainer drainer;
    private final PoolObjects objects;
    private final PoolEvents events;
    private final Clock clock;
    private final MeterRegistry registry;
    /**
     * The assigned partitions are read back and taken in: the reconciler decides, and is ready. Not from a
     * revocation on (at once, not when the loop gets to it) until the next assignment is.
     */
    private final ReadBack readBack = new ReadBack();

    public Reconciler(ReconcilerProperties properties, CommandSender sender, Drainer drainer, PoolObjects objects,
                      PoolEvents events, Clock clock, MeterRegistry registry) {
        this(properties, sender, drainer, objects, events, clock, registry,
                Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread thread = new Thread(r, "reconcile-later");
                    thread.setDaemon(true);
                    return thread;
                }));
    }

    /** @param later runs what is scheduled for later (a test passes one driven by its clock) */
    Reconciler(ReconcilerProperties properties, CommandSender sender, Drainer drainer, PoolObjects objects,
               PoolEvents events, Clock clock, MeterRegistry registry, ScheduledExecutorService later) {
        this.later = later;
        this.properties = properties;
        this.sender = sender;
        this.drainer = drainer;
        this.objects = objects;
        this.events = events;
        this.clock = clock;
        this.registry = registry;
    }

    @Override
    public void record(String topic, String key, Object value) {
        loop.execute(() -> {
            Pool pool = pools.computeIfAbsent(key, k -> new Pool());
            if (topic.equals(Topics.MACHINEPOOL_SPEC.name())) {
                PoolSpec spec = (PoolSpec) value;
                if (pool.spec == null || spec == null || !Objects.equals(pool.spec.uid(), spec.uid())) {
                    // Another object (gone, or made again under the same name): what was read of the bootstrap
                    // config was the old one's, and would give the new pool its data Secret before its config does.
                    // Its failed commands too: the new one starts at generation 1 again, below theirs, so pruning by
                    // generation keeps them, and it would be shown retrying a command it never sent. And all the
                    // look remembered: the old pool's drains, ended TimedOut or NodeGone, made the instances of the
                    // new one that came back under the same provider IDs (a scale set's reused IDs) victims
                    // terminated undrained; its running drains are stopped by the look.
                    pool.bootstrap = null;
                    pool.failures.clear();
                    pool.memory = Memory.EMPTY;
                }
                pool.spec = spec;
            } else if (topic.equals(Topics.SCALINGGROUP_STATE.name())) {
                pool.group = (ScalingGroupState) value;
            } else if (topic.equals(Topics.MACHINEPOOL_STATUS.name())) {
                pool.status = (PoolStatus) value;
            }
            look(key);
        });
    }

    /**
     * How long the reconcile loop has left a probe unanswered. Each call with none out sends one (a task at the end
     * of the loop's queue) and says zero; a loop stuck in a look, or fallen that far behind, leaves it unanswered.
     * Liveness calls it at every probe.
     */
    public Duration unanswered() {
        long now = System.nanoTime();
        long sent = probeSent.get();
        if (sent != NO_PROBE) {
            return Duration.ofNanos(now - sent);
        }
        if (probeSent.compareAndSet(NO_PROBE, now)) {
            try {
                loop.execute(() -> probeSent.set(NO_PROBE));
            } catch (RejectedExecutionException e) {
                // Closing: nothing is decided any more, and the service is on its way out.
                probeSent.set(NO_PROBE);
            }
        }
        return Duration.ZERO;
    }

    @Override
    public void commandFailed(String key, ScalingGroupCommand command, Failure why) {
        registry.counter("poolstream.reconciler.commands.failed", "command", command.getClass().getSimpleName(),
                "reason", why.reason()).increment();
        loop.execute(() -> {
            Pool pool = pools.get(key);
            if (pool == null) {
                return;
            }
            try (var ignored = MDC.putCloseable("pool", key)) {
                log.warn("{} {} for pool {} was dead-lettered by the provider: {} {}", command.getClass()
                        .getSimpleName(), command.id(), key, why.reason(), why.message());
            }
            pool.failures.put(command.id(), CommandFailure.of(command, why));
            look(key);
        });
    }

    @Override
    public void caughtUp() {
        long announced = readBack.announced();
        loop.execute(() -> {
            if (!readBack.takeIn(announced)) {
                // Revoked since: the next assignment is being read back.
                return;
            }
            log.info("read back {} pools; deciding", pools.size());
            Set.copyOf(pools.keySet()).forEach(this::look);
        });
    }

    @Override
    public void revoked(Collection<TopicPartition> partitions) {
        readBack.revoked();
        if (!partitions.isEmpty()) {
            log.info("{} partitions revoked; not ready until the next assignment is read back", partitions.size());
        }
        Set<Integer> lost = new HashSet<>();
        partitions.forEach(p -> lost.add(p.partition()));
        loop.execute(() -> {
            pools.keySet().removeIf(key -> lost.contains(partitionOf(key)));
            // Their drains are the next owner's now, which takes them up from the Nodes' drain-started annotations:
            // two replicas evicting from one Node would each time the drain out on its own.
            Set.copyOf(draining.keySet()).stream().filter(key -> lost.contains(partitionOf(key)))
                    .forEach(key -> stopForgottenDrains(key, Memory.EMPTY));
        });
    }

    public boolean caughtUpNow() {
        return readBack.caughtUp();
    }

    private void look(String key) {
        Pool pool = pools.get(key);
        if (pool == null || !readBack.caughtUp()) {
            // Never from a picture half read back (a record of the read-back, a look scheduled before a rebalance):
            // the catch-up looks at every pool.
            return;
        }
        if (pool.spec == null && pool.group == null && pool.status == null) {
            pools.remove(key);
            return;
        }
        try (var ignored = MDC.putCloseable("pool", key)) {
            Instant now = clock.instant();
            if (pool.spec != null) {
                // Not the awaited command's: decided at an older generation, its failure still ends its wait.
                Memory.Awaiting awaited = pool.memory.awaiting();
                pool.failures.values().removeIf(f -> f.generation() < pool.spec.generation()
                        && (awaited == null || !awaited.commandId().equals(f.id())));
            }
            Decision decision = PoolReconciler.decide(new PoolReconciler.Look(pool.spec, pool.group, pool.status,
                    pool.memory, now, properties.mode() == ReconcilerProperties.Mode.OWNER,
                    properties.awaitTimeout(), pool.bootstrap, properties.recheck(),
                    List.copyOf(pool.failures.values()), properties.retries(), properties.scaleDownSettle()));
            pool.memory = decision.memory();
            for (Notice notice : decision.notices()) {
                if (notice.reason().equals(Attempts.REASON_RETRYING)) {
                    registry.counter("poolstream.reconciler.command.retries").increment();
                }
                log.warn("pool {}: {} ({})", key, notice.note(), notice.reason());
                events.record(pool.spec, notice);
            }
            if (!Objects.equals(decision.blocked(), pool.blocked) && decision.blocked() != null) {
                log.warn("pool {} gets no command: {} ({})", key, decision.blocked().message(),
                        decision.blocked().reason());
                events.record(pool.spec, Notice.warning("Reconcile", decision.blocked().reason(),
                        decision.blocked().message()));
            }
            pool.blocked = decision.blocked();
            if (!Objects.equals(decision.retrying(), pool.retrying)) {
                if (decision.retrying() != null) {
                    log.info("pool {} is retrying: {}", key, decision.retrying().message());
                } else if (pool.retrying != null) {
                    log.info("pool {} is no longer retrying a command", key);
                }
            }
            pool.retrying = decision.retrying();
            for (ScalingGroupCommand command : decision.commands()) {
                if (sender.send(cloudOf(pool), command)) {
                    events.record(pool.spec, Notices.sent(command, pool.group, pool.status));
                }
            }
            for (KubeAction action : decision.actions()) {
                try {
                    apply(pool.spec, action);
                } catch (RuntimeException e) {
                    // One failed write holds up nothing else of the look; the pool is looked at again.
                    log.warn("{} for pool {} failed ({}); looking again in {}", action, key, e.getMessage(),
                            properties.recheck());
                    events.record(pool.spec, Notice.warning("Write", "WriteFailed", action.getClass()
                            .getSimpleName() + " failed (" + e.getMessage() + "); trying again in "
                            + properties.recheck()));
                    lookAgainLater(key);
                }
            }
            for (Memory.Drain drain : decision.drains()) {
                startDrain(key, pool, drain);
            }
            stopForgottenDrains(key, pool.memory);
            if (decision.bootstrap() != null) {
                readBootstrapConfig(key, pool.spec.namespace(), pool.spec.uid(), decision.bootstrap());
            }
            if (decision.lookAgainAt() != null) {
                lookAt(key, decision.lookAgainAt(), now);
            }
        } catch (RuntimeException e) {
            log.error("looking at pool {} failed", key, e);
        }
    }

    private void startDrain(String key, Pool pool, Memory.Drain drain) {
        String providerId = drain.providerID();
        if (pool.status == null || pool.status.cluster() == null) {
            return;
        }
        Running running = draining.getOrDefault(key, Map.of()).get(providerId);
        if (running != null) {
            if (Objects.equals(running.deadline(), drain.deadline())) {
                return;
            }
            // nodeDrainTimeoutSeconds changed while it ran: started again from the same start, with the new deadline.
            log.info("the drain of instance {} of pool {} now times out at {} (was {}): started again with it",
                    providerId, key, drain.deadline() == null ? "never" : drain.deadline(),
                    running.deadline() == null ? "never" : running.deadline());
            notRunning(key, providerId, running).run().cancel(false);
        }
        PoolSpec spec = pool.spec;
        events.record(spec, Notices.draining(drain));
        CompletableFuture<DrainOutcome> run = drainer.drain(key, pool.status.cluster(), drain.nodeName(), providerId,
                drain.startedAt(), drain.deadline(), notice -> events.record(spec, notice));
        Running started = new Running(run, drain.deadline());
        draining.computeIfAbsent(key, k -> new HashMap<>()).put(providerId, started);
        run.whenComplete((outcome, error) -> {
            if (!(error instanceof CancellationException)) {
                loop.execute(() -> drainEnded(key, drain, started,
                        error != null ? new DrainOutcome.Failed(error.toString()) : outcome));
            }
        });
    }

    /** A drain running here, and the deadline it was started with. */
    private record Running(CompletableFuture<DrainOutcome> run, Instant deadline) {
    }

    /**
     * Stops the pool's running drains its memory no longer has: a Machine deletion hook added while one ran (the
     * domain waits for the hook's owner, and starts the drain again once the hook is gone), the pool paused (drained
     * again once resumed), an instance gone.
     */
    private void stopForgottenDrains(String key, Memory memory) {
        // Forgotten, or ended by the look itself (its Machine asked to skip the drain while it ran).
        List<String> forgotten = draining.getOrDefault(key, Map.of()).keySet().stream()
                .filter(providerId -> !memory.drains().containsKey(providerId)
                        || memory.drains().get(providerId).done()).toList();
        for (String providerId : forgotten) {
            log.info("stopping the drain of instance {} of pool {}: the pool's last look no longer drains it (a "
                    + "pre-drain hook, a pause, the instance gone, exclude-node-draining)", providerId, key);
            notRunning(key, providerId, null).run().cancel(false);
        }
    }

    /**
     * The pool's drain of the instance, no longer counted as running here; null when none was.
     *
     * @param only that run only, not one started since in its place; null for whichever runs
     */
    private Running notRunning(String key, String providerId, Running only) {
        Map<String, Running> running = draining.get(key);
        if (running == null || only != null && running.get(providerId) != only) {
            return only;
        }
        Running run = running.remove(providerId);
        if (running.isEmpty()) {
            draining.remove(key);
        }
        return run;
    }

    /** A drain ended: its outcome is remembered (a failure waits to be tried again) and shown. */
    private void drainEnded(String key, Memory.Drain started, Running run, DrainOutcome outcome) {
        String providerId = started.providerID();
        notRunning(key, providerId, run);
        Pool current = pools.get(key);
        try (var ignored = MDC.putCloseable("pool", key)) {
            Instant now = clock.instant();
            Memory.Drain remembered = current == null ? null : current.memory.drains().get(providerId);
            Memory.Drain drain = remembered == null ? started : remembered;
            log.info("drain of Node {} for pool {} ended: {}", drain.nodeName(), key, outcome);
            events.record(current == null ? null : current.spec,
                    Notices.drained(drain, outcome, now, properties.retries()));
            if (remembered == null) {
                return;
            }
            Map<String, Memory.Drain> drains = new HashMap<>(current.memory.drains());
            drains.put(providerId, remembered.ended(outcome, now, properties.retries()));
            current.memory = current.memory.withDrains(drains);
            look(key);
        }
    }

    private void apply(PoolSpec spec, KubeAction action) {
        if (action instanceof KubeAction.AddFinalizers) {
            objects.addFinalizers(spec);
        } else if (action instanceof KubeAction.RemoveFinalizers) {
            objects.removeFinalizers(spec);
        } else if (action instanceof KubeAction.DeleteInfrastructurePool delete) {
            objects.deleteInfrastructurePool(spec, delete.uid());
        } else if (action instanceof KubeAction.DeleteBootstrapConfig delete) {
            objects.deleteBootstrapConfig(spec, delete.ref());
        } else if (action instanceof KubeAction.SetReplicas set) {
            objects.setReplicas(spec, set.replicas());
        } else if (action instanceof KubeAction.SetBootstrapDataSecretName set) {
            objects.setBootstrapDataSecretName(spec, set.name());
        } else if (action instanceof KubeAction.RemediateMachine remediate) {
            // The mark first, then the delete: a look that fails between them finds the mark and deletes again.
            boolean marked = objects.setMachineConditions(spec, remediate.machine(), remediate.providerID(),
                    remediate.conditions(), clock.instant());
            objects.deleteMachine(spec, remediate.machine(), remediate.providerID(), "to remediate it");
            if (marked) {
                show(spec, remediate.notices());
            }
        } else if (action instanceof KubeAction.ClearRemediation clear) {
            if (objects.clearRemediation(spec, clear.machine(), clear.providerID(), clear.markHealthy(),
                    clock.instant())) {
                show(spec, clear.notices());
            }
        } else if (action instanceof KubeAction.DeleteMachine delete) {
            objects.deleteMachine(spec, delete.machine(), delete.providerID(),
                    "so that the owners of its deletion hooks act");
        } else if (action instanceof KubeAction.DeferRemediation defer) {
            if (objects.setMachineConditions(spec, defer.machine(), defer.providerID(), defer.conditions(),
                    clock.instant())) {
                show(spec, defer.notices());
            }
        }
    }

    /** The notices of a write, shown only when it changed something, so that a repeated look repeats none. */
    private void show(PoolSpec spec, List<Notice> notices) {
        for (Notice notice : notices) {
            log.info("pool {}: {} ({})", spec.key(), notice.note(), notice.reason());
            events.record(spec, notice);
        }
    }

    /**
     * Reads the pool's bootstrap config when the decision says (now, or after {@code recheck} while it is not ready),
     * off the loop, then looks at the pool with what it found. One read per pool at a time.
     */
    private void readBootstrapConfig(String key, String namespace, String poolUid, BootstrapData.Read read) {
        if (!reading.add(key)) {
            return;
        }
        long delay = Math.max(0, Duration.between(clock.instant(), read.at()).toMillis());
        later.schedule(() -> {
            BootstrapData.Config config;
            try (var ignored = MDC.putCloseable("pool", key)) {
                config = objects.bootstrapConfig(namespace, read.ref(), clock.instant());
            } catch (KubernetesClientException e) {
                String why = e.getCode() == HttpURLConnection.HTTP_FORBIDDEN ? "forbidden: grant the reconciler get and"
                        + " delete on " + read.ref().kind() + " (" + read.ref().apiGroup() + ") in its owner-mode"
                        + " ClusterRole (k8s/components/owner-mode/rbac.yaml)" : WorkloadClusterException.describe(e);
                log.warn("reading bootstrap config {} of pool {} failed ({}); reading it again in {}", read.ref(),
                        key, why, properties.recheck());
                config = BootstrapData.Config.notFound(read.ref(), clock.instant());
            } catch (RuntimeException e) {
                log.warn("reading bootstrap config {} of pool {} failed ({}); reading it again in {}", read.ref(),
                        key, e.getMessage(), properties.recheck());
                config = BootstrapData.Config.notFound(read.ref(), clock.instant());
            }
            BootstrapData.Config found = config;
            loop.execute(() -> {
                reading.remove(key);
                Pool current = pools.get(key);
                if (current == null) {
                    return;
                }
                if (current.spec == null || !Objects.equals(current.spec.uid(), poolUid)) {
                    look(key); // read for an object that is gone: the look reads again for the one there now
                    return;
                }
                try (var ignored = MDC.putCloseable("pool", key)) {
                    if (current.bootstrap == null || current.bootstrap.ready() != found.ready()
                            || current.bootstrap.found() != found.found()) {
                        log.info("bootstrap config {} of pool {}: {}", found.ref(), key, !found.found() ? "not found"
                                : found.ready() ? "data Secret " + found.dataSecretName() + " created"
                                : "no data Secret yet");
                    }
                }
                current.bootstrap = found;
                look(key);
            });
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void lookAgainLater(String key) {
        if (!retrying.add(key)) {
            return;
        }
        later.schedule(() -> loop.execute(() -> {
            retrying.remove(key);
            look(key);
        }), properties.recheck().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Looks at the pool again at {@code at} (just after it: the decision compares strictly), unless a look is
     * already scheduled between now and then. A time already past is one this look has dealt with.
     */
    private void lookAt(String key, Instant at, Instant now) {
        if (at.isBefore(now)) {
            return;
        }
        List<Instant> times = scheduled.computeIfAbsent(key, k -> new ArrayList<>());
        if (times.stream().anyMatch(t -> t.isAfter(now) && !t.isAfter(at))) {
            return;
        }
        times.add(at);
        long delay = Duration.between(now, at).toMillis() + 1;
        later.schedule(() -> loop.execute(() -> {
            List<Instant> left = scheduled.get(key);
            left.remove(at);
            if (left.isEmpty()) {
                scheduled.remove(key);
            }
            look(key);
        }), delay, TimeUnit.MILLISECONDS);
    }

    /**
     * Whether anything under way here looks at the pool again before {@code before}: a drain running, a read of its
     * bootstrap config, a look after a failed write, or a look a decision named. Answered on the reconcile loop, so
     * after everything handed to it before the call has been taken in and looked at: false means that, given what it
     * was sent, the reconciler has said all it will about the pool until then. What a test waits for.
     */
    public CompletableFuture<Boolean> looksAgainBefore(String key, Instant before) {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        loop.execute(() -> answer.complete(draining.containsKey(key) || reading.contains(key)
                || retrying.contains(key) || scheduled.getOrDefault(key, List.of()).stream()
                .anyMatch(at -> at.isBefore(before))));
        return answer;
    }

    private static Cloud cloudOf(Pool pool) {
        if (pool.spec != null && pool.spec.infrastructure() != null && pool.spec.infrastructure().spec() != null) {
            return pool.spec.infrastructure().spec().cloud();
        }
        return pool.group == null ? null : pool.group.cloud();
    }

    /** The partition Kafka's default partitioner puts a String key in. */
    static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                % Topics.PARTITIONS;
    }

    public void close() {
        later.shutdownNow();
        loop.shutdownNow();
    }
}
