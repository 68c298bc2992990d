package dev.poolstream.reconciler.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.MachineRequest;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolSpecChecks;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupNames;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Desired against observed state for one pool (MACHINEPOOL-SEMANTICS.md §1, §5, §6): a pure function of the pool's
 * spec, its cloud group, its computed status and what the last look remembered. At most one command that changes
 * the group's size a look, and none while the previous one is not yet carried out, so that no two decisions are
 * made from the same stale picture.
 */
public final class PoolReconciler {

    private static final String ROLL_OUT = RollOut.class.getSimpleName();
    /**
     * How long a Node's {@link DrainOutcome.Drained} is trusted for its terminate: longer than a drain round of a Node
     * with nothing to evict, far shorter than a drain a PodDisruptionBudget holds up.
     */
    static final Duration DRAINED_TRUSTED_FOR = Duration.ofSeconds(30);

    /**
     * The facts of one look. {@code group} and {@code status} are null until their first record.
     *
     * @param bootstrap what the last read of the pool's bootstrap config found (owner mode), or null
     * @param recheck   how long until a bootstrap config found not ready is read again
     * @param failures  the pool's commands that failed lately (dead-lettered by the provider)
     * @param retries   how a failed command, and a failed drain, are tried again
     * @param settle    how long after a generation is first seen a surplus waits for the instances asked to go
     *                  before it takes any by the delete policy alone (see {@link #settledAt})
     */
    public record Look(PoolSpec spec, ScalingGroupState group, PoolStatus status, Memory memory, Instant now,
                       boolean ownerMode, Duration awaitTimeout, BootstrapData.Config bootstrap, Duration recheck,
                       List<CommandFailure> failures, Retries retries, Duration settle) {

        public Look {
            failures = failures == null ? List.of() : List.copyOf(failures);
            retries = retries == null ? Retries.DEFAULT : retries;
            settle = settle == null ? Duration.ZERO : settle;
        }

        /** No settle: a surplus takes its victims at once. */
        public Look(PoolSpec spec, ScalingGroupState group, PoolStatus status, Memory memory, Instant now,
                    boolean ownerMode, Duration awaitTimeout, BootstrapData.Config bootstrap, Duration recheck,
                    List<CommandFailure> failures, Retries retries) {
            this(spec, group, status, memory, now, ownerMode, awaitTimeout, bootstrap, recheck, failures, retries,
                    Duration.ZERO);
        }

        public Look(PoolSpec spec, ScalingGroupState group, PoolStatus status, Memory memory, Instant now,
                    boolean ownerMode, Duration awaitTimeout) {
            this(spec, group, status, memory, now, ownerMode, awaitTimeout, null, Duration.ofSeconds(10), List.of(),
                    Retries.DEFAULT);
        }

        public Look(PoolSpec spec, ScalingGroupState group, PoolStatus status, Memory memory, Instant now,
                    boolean ownerMode, Duration awaitTimeout, BootstrapData.Config bootstrap, Duration recheck) {
            this(spec, group, status, memory, now, ownerMode, awaitTimeout, bootstrap, recheck, List.of(),
                    Retries.DEFAULT);
        }
    }

    /**
     * What to do for the pool now. Every command names the pool's cluster ({@link ScalingGroupCommand#inCluster}):
     * the group a pool's state names is acted on only if that cluster owns it.
     */
    public static Decision decide(Look look) {
        Decision decision = decideUnnamed(look);
        String cluster = look.spec() == null || look.spec().spec() == null ? null
                : look.spec().spec().getClusterName();
        return decision.commands().isEmpty() ? decision
                : decision.withCommands(decision.commands().stream().map(c -> c.inCluster(cluster)).toList());
    }

    private static Decision decideUnnamed(Look look) {
        PoolSpec spec = look.spec();
        Memory memory = look.memory() == null ? Memory.EMPTY : look.memory();
        if (spec == null) {
            return Decision.nothing(Memory.EMPTY);
        }
        if (spec.workloadCluster() != null) {
            memory = memory.withNodesUnseenAt(look.now());
        }
        if (spec.paused()) {
            // Nothing is done, and a drain under way stops (forgotten, the reconciler cancels it): a Node's
            // drain-started annotation brings its victim and its deadline back when the pool is resumed.
            return Decision.nothing(memory.withDrains(Map.of()));
        }
        // A failed command's next attempt waits its backoff, whatever else the look decides.
        List<Notice> notices = new ArrayList<>();
        Attempts attempts = memory.attempts().prune(spec.generation());
        for (CommandFailure failure : look.failures()) {
            attempts = attempts.failed(failure, spec.generation(), look.now(), look.retries(), notices);
        }
        memory = memory.withAttempts(attempts).withGeneration(spec.generation(), look.now());

        ScalingGroupState group = look.group();
        InfrastructurePool infrastructure = spec.infrastructure();
        boolean deleting = spec.deleting() || (infrastructure != null && infrastructure.deletionTimestamp() != null);
        if (deleting) {
            Decision decision = delete(look, spec, group, memory, notices);
            if (look.ownerMode() && spec.deleting() && infrastructure != null && infrastructure.resolved()
                    && infrastructure.deletionTimestamp() == null) {
                // Cluster API's MachinePool controller deletes the infrastructure pool with the pool; here that is
                // Poolstream's part. Its finalizer (Poolstream's) holds it until the group is gone.
                decision = decision.withFirst(new KubeAction.DeleteInfrastructurePool(infrastructure.uid()));
            }
            return decision.finish(notices, look.retries(), look.now());
        }
        // Owner mode: Cluster API's bootstrap step is Poolstream's. Until the config's data Secret is named in the
        // spec, the spec has a problem (BootstrapDataMissing) and nothing else is decided.
        BootstrapData.Step bootstrap = look.ownerMode()
                ? BootstrapData.step(spec, look.bootstrap(), look.now(), look.recheck()) : BootstrapData.Step.NOTHING;
        List<Failure> problems = new ArrayList<>(PoolSpecChecks.problems(spec));
        String groupName = null;
        if (problems.isEmpty()) {
            try {
                groupName = groupName(spec, group);
            } catch (IllegalArgumentException e) {
                problems.add(new Failure(ScalingGroupNames.REASON_INVALID_NAME, e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            return new Decision(List.of(), List.of(), List.of(), memory, problems.get(0)).withBootstrap(bootstrap)
                    .finish(notices, look.retries(), look.now());
        }
        return decideValid(look, spec, group, infrastructure, memory, groupName).withBootstrap(bootstrap)
                .finish(notices, look.retries(), look.now());
    }

    /**
     * The pool's cloud group: the one its group state names once it exists (a name never changes under a group),
     * else the name {@link ScalingGroupNames} gives it: derived from cluster, namespace and infrastructure pool, or
     * the existing group its MachinePool names in {@value ScalingGroupNames#ANNOTATION}.
     *
     * @throws IllegalArgumentException when no valid name can be given (the annotation names none, no cluster)
     */
    static String groupName(PoolSpec spec, ScalingGroupState group) {
        if (group != null && group.exists() && group.group() != null) {
            return group.group();
        }
        InfrastructurePool infrastructure = spec.infrastructure();
        return ScalingGroupNames.forPool(infrastructure.spec().cloud(), spec.spec().getClusterName(),
                spec.namespace(), infrastructure.name(), spec.annotations());
    }

    /**
     * The pool's size and template, and besides them the remediation of its unhealthy Machines: a remediation
     * changes no size itself (it deletes a Machine, whose instance then goes as a deleting Machine's does).
     */
    private static Decision decideValid(Look look, PoolSpec spec, ScalingGroupState group,
                                        InfrastructurePool infrastructure, Memory memory, String groupName) {
        boolean groupExists = group != null && group.exists();
        int desired = spec.replicasManagedExternally() && groupExists ? group.desired() : spec.desiredReplicas();
        List<PoolMember> members = look.status() == null ? List.of() : look.status().members();
        int maxInFlight = Math.max(1, RolloutBudget.of(infrastructure.spec(), desired).maxUnavailable());
        Remediations.Plan remediations = Remediations.plan(spec, members, look.ownerMode(), maxInFlight,
                memory.restricted(), memory.nodesUnseenAt(), look.now());
        return decideSize(look, spec, group, infrastructure, memory.withRestricted(remediations.restricted()),
                groupName).and(remediations.actions(), remediations.notices(), remediations.lookAgainAt());
    }

    private static Decision decideSize(Look look, PoolSpec spec, ScalingGroupState group,
                                       InfrastructurePool infrastructure, Memory memory, String groupName) {
        boolean groupExists = group != null && group.exists();
        Instant now = look.now();
        Retries retries = look.retries();

        List<KubeAction> actions = new ArrayList<>();
        boolean finalizersMissing = !infrastructure.finalizers().contains(ClusterApi.POOLSTREAM_FINALIZER)
                || (look.ownerMode() && !spec.finalizers().contains(ClusterApi.MACHINE_POOL_FINALIZER));
        if (finalizersMissing) {
            actions.add(new KubeAction.AddFinalizers());
        }
        String pool = spec.key();
        long generation = spec.generation();
        GroupTemplate template = GroupTemplate.of(spec);
        String templateKey = templateKey(template);
        int desired = spec.replicasManagedExternally() && groupExists ? group.desired() : spec.desiredReplicas();
        RolloutBudget budget = RolloutBudget.of(infrastructure.spec(), desired);

        if (!groupExists && finalizersMissing) {
            // The finalizers first, as Cluster API's controllers do: a group is created only for objects that
            // cannot vanish before Poolstream has deleted it. The watcher's next record shows them on.
            return new Decision(List.of(), List.of(), actions, memory, null);
        }

        // The awaited command: carried out, failed (dead-lettered), or out of time. Either of the last two is tried
        // again after a backoff, under a new id (Attempts); nothing else changes the size meanwhile.
        List<Notice> notices = new ArrayList<>();
        Memory.Awaiting awaiting = memory.awaiting();
        Attempts attempts = memory.attempts();
        if (awaiting != null) {
            // Decided at an older generation (the provider ID list written into the spec moves it all the time) and
            // failed: no attempt of it is made again, the look below decides anew, now. Said, not dropped.
            CommandFailure olderFailed = awaiting.generation() < generation ? failureOf(look, awaiting) : null;
            if (group != null && awaiting.carriedOut(group.lastCommandId())) {
                // A terminate is seen through once the status no longer lists its instances too: the group state
                // can come first, and a look at members that still include them would choose its victims again.
                // Still listed after the await timeout (an operation the cloud failed after the provider stopped
                // waiting for it, or a status that never caught up), it counts as failed: tried again after the
                // backoff under a new id, which neither the sender nor the provider drops as a repeat.
                Set<String> terminated = awaiting.instances();
                boolean listed = look.status() != null && look.status().members().stream()
                        .anyMatch(m -> terminated.contains(m.providerID()));
                if (!listed) {
                    awaiting = null;
                } else if (now.isAfter(awaiting.outOfTimeAt(look.awaitTimeout()))) {
                    attempts = attempts.failed(new CommandFailure(awaiting.commandId(), awaiting.kind(),
                            awaiting.generation(), new Failure(CommandFailure.REASON_INSTANCES_STILL_LISTED,
                            "carried out, but its instances are still listed after " + look.awaitTimeout())),
                            generation, now, retries, notices);
                    awaiting = null;
                }
            } else if (attempts.hasFailed(awaiting.commandId())) {
                awaiting = null;
            } else if (olderFailed != null) {
                notices.add(Attempts.superseded(olderFailed, generation));
                awaiting = null;
            } else if (now.isAfter(awaiting.outOfTimeAt(look.awaitTimeout()))) {
                if (awaiting.generation() < generation) {
                    notices.add(Attempts.superseded(timedOut(awaiting, look), generation));
                } else {
                    attempts = attempts.failed(timedOut(awaiting, look), generation, now, retries, notices);
                }
                awaiting = null;
            }
        }
        memory = memory.withAwaiting(awaiting).withAttempts(attempts);

        if (!groupExists) {
            // The EnsureGroup carries the template: a RollOut awaited for a group that is gone is not needed.
            memory = memory.withUnconfirmed(null);
            if (awaiting != null) {
                return waiting(memory, actions, notices, look);
            }
            EnsureGroup ensure = EnsureGroup.of(pool, generation, groupName, template,
                    capacity(spec, desired, budget), group == null ? null : group.lastCommandId())
                    .forPoolUid(spec.uid());
            return sendAwaited(attempts.send(ensure, now), List.of(), actions, memory
                    .withTemplate(templateKey, null), notices, look);
        }
        if (spec.replicasManagedExternally() && !Integer.valueOf(group.desired()).equals(spec.spec().getReplicas())) {
            actions.add(new KubeAction.SetReplicas(group.desired()));
        }

        // A template change is rolled out first. It holds up nothing: the provider applies a pool's commands in
        // order, so instances launched by a later command already get the new template. A roll-out that failed is
        // tried again (its template is still the pool's), and so is one not seen carried out in time (its failure
        // may have been dead-lettered unseen; lost, the group would keep the old template for good).
        List<ScalingGroupCommand> commands = new ArrayList<>();
        boolean templateChanged = !templateKey.equals(memory.templateKey());
        // Its id derives from the group's last command when the template changed: a template changed back is a new
        // RollOut (RollOut.of), and its retries keep their base while other commands are carried out. The first look
        // since a start knows no change: its RollOut's id derives from none, the same after every restart.
        String templateAfter = !templateChanged ? memory.templateAfter()
                : memory.templateKey() == null ? null : group.lastCommandId();
        RollOut rollOut = RollOut.of(pool, generation, groupName, template, templateAfter).forPoolUid(spec.uid());
        boolean rollOutDue = templateChanged;
        Memory.Awaiting unconfirmed = memory.unconfirmed();
        if (templateChanged || unconfirmed != null && !unconfirmed.kind().equals(ROLL_OUT)) {
            // Another template's RollOut (this one's replaces it), or no RollOut at all.
            unconfirmed = null;
        } else if (unconfirmed != null) {
            // Decided for this template, maybe in an older generation: its id is derived again from that one.
            RollOut awaited = RollOut.of(pool, unconfirmed.generation(), groupName, template, templateAfter)
                    .forPoolUid(spec.uid());
            if (attempts.isAttemptOf(group.lastCommandId(), awaited)) {
                unconfirmed = null;
            } else if (outOfTime(unconfirmed, attempts, look)) {
                if (unconfirmed.generation() < generation) {
                    // Attempts are per generation: the spec changed since (not its template), so decide it anew.
                    rollOutDue = true;
                } else {
                    // After a look without memory it was only a confirmation: no failure to show.
                    attempts = attempts.failed(timedOut(unconfirmed, look), generation, now, retries,
                            unconfirmed.confirming() ? new ArrayList<>() : notices);
                }
            }
        }
        Instant lookAgainAt = null;
        if (rollOutDue || attempts.waiting(rollOut.id())) {
            Attempts.Sending sending = attempts.send(rollOut, now);
            attempts = sending.attempts();
            lookAgainAt = sending.heldUntil();
            if (sending.command() != null) {
                commands.add(sending.command());
                awaiting = awaiting == null ? null : awaiting.andThen(sending.command().id());
                if (!attempts.isAttemptOf(group.lastCommandId(), rollOut)) {
                    unconfirmed = await(unconfirmed, sending.command(), now, memory.templateKey() == null);
                }
            }
        }
        memory = memory.withTemplate(templateKey, templateAfter).withAttempts(attempts).withAwaiting(awaiting)
                .withUnconfirmed(unconfirmed);
        lookAgainAt = Decision.earliest(lookAgainAt, deadline(unconfirmed, attempts, look));
        List<PoolMember> members = look.status() == null ? List.of() : look.status().members();
        // Members whose Machine is being deleted go whether or not there is a surplus, and count toward one: a
        // replicas decrement with a deleting Machine (cluster-autoscaler) removes that instance and no other. So do
        // members whose drain has started, by this process or by one before it (the Node's drain-started
        // annotation): a drain is not undone, as a deleting Machine is not, so neither a pool scaled back up nor a
        // restart that chooses anew strands a cordoned Node. The instance goes and the pool is filled again.
        Set<String> deletingIds = new HashSet<>(memory.drains().keySet());
        spec.machines().stream().filter(MachineRequest::deleting).map(MachineRequest::providerID)
                .forEach(deletingIds::add);
        members.stream().filter(m -> m.drainStarted() != null).map(PoolMember::providerID).forEach(deletingIds::add);
        List<PoolMember> deleting = members.stream().filter(m -> deletingIds.contains(m.providerID())).toList();
        List<PoolMember> staying = members.stream().filter(m -> !deletingIds.contains(m.providerID())).toList();
        if (awaiting != null || spec.replicasManagedExternally() && deleting.isEmpty()) {
            // Nothing changes the size while the last change is not carried out; an autoscaler owns the size of an
            // externally managed pool, and nothing is replaced that would need a surge.
            Decision decision = new Decision(commands, List.of(), actions, memory, null, null, notices, null,
                    lookAgainAt);
            return awaiting == null ? decision : decision.lookAgainAt(awaiting.outOfTimeAt(look.awaitTimeout()));
        }

        List<PoolMember> victims = List.of();
        List<PoolMember> outdated = staying.stream().filter(m -> !m.upToDate()).toList();
        ScalingGroupCommand capacityCommand = null;
        if (spec.replicasManagedExternally()) {
            // Asked for by name: the autoscaler's size follows the group's, lowered by the terminate.
            victims = deleting;
        } else if (!outdated.isEmpty()) {
            int target = desired + budget.maxSurge();
            if (group.desired() < target && members.size() < target) {
                capacityCommand = SetCapacity.of(pool, generation, groupName, capacity(spec, target, budget),
                        group.lastCommandId()).forPoolUid(spec.uid());
            } else {
                // A deleting member is going: it is no Ready member the budget can count on.
                int ready = (int) staying.stream().filter(PoolMember::ready).count();
                List<PoolMember> unreadyOutdated = outdated.stream().filter(m -> !m.ready()).toList();
                List<PoolMember> readyOutdated = outdated.stream().filter(PoolMember::ready).toList();
                int readyRemovable = Math.max(0, ready - desired + budget.maxUnavailable());
                // Unready ones as a Deployment cleans up its unhealthy old replicas: as many as leave at least
                // desired - maxUnavailable instances besides the new ones still booting. Not all at once: Nodes
                // turn NotReady together (a network fault), and may come back; the pool keeps its instances until
                // new ones are Ready in their place. Chosen apart from the budget's count of Ready ones, so that a
                // Ready one chosen first (delete-machine, no hooks) never takes an unready one's place.
                int booting = (int) staying.stream().filter(m -> m.upToDate() && !m.ready()).count();
                int unreadyRemovable = Math.max(0, staying.size() - (desired - budget.maxUnavailable()) - booting);
                Set<String> asked = askedToGo(spec);
                List<PoolMember> chosen = new ArrayList<>(choose(unreadyOutdated, unreadyRemovable, spec, asked));
                chosen.addAll(choose(readyOutdated, readyRemovable, spec, asked));
                victims = with(deleting, chosen);
            }
        } else if (members.size() > desired) {
            Set<String> asked = askedToGo(spec);
            List<PoolMember> chosen = choose(staying, members.size() - desired - deleting.size(), spec, asked);
            Instant settled = settledAt(memory, look);
            if (now.isBefore(settled)) {
                // Only those asked to go, for now: the rest wait for the settle (see settledAt).
                chosen = chosen.stream().filter(m -> asked.contains(m.providerID()) || m.deleteRequested()).toList();
                lookAgainAt = Decision.earliest(lookAgainAt, settled);
            }
            victims = with(deleting, chosen);
        } else if (!deleting.isEmpty()) {
            // Its terminate lowers the group's size by one: the next look raises it again (replace).
            victims = deleting;
            if (members.size() < desired && group.desired() < desired) {
                // A scale-up goes now, not after the drains: one a PodDisruptionBudget holds because the cluster is
                // full waits for the room it brings. The deleting members count, as Cluster API's MachineSet counts
                // its deleting Machines (as the roll-out's surge does): their terminate lowers the group, and the
                // look after it fills it again.
                capacityCommand = SetCapacity.of(pool, generation, groupName, capacity(spec, desired, budget),
                        group.lastCommandId()).forPoolUid(spec.uid());
            }
        } else if (group.desired() != desired) {
            capacityCommand = SetCapacity.of(pool, generation, groupName, capacity(spec, desired, budget),
                    group.lastCommandId()).forPoolUid(spec.uid());
        }

        if (capacityCommand != null) {
            return sendAwaited(attempts.send(capacityCommand, now), commands, actions, memory, notices,
                    look).lookAgainAt(lookAgainAt);
        }
        return drainThenTerminate(spec, groupName, victims, commands, actions, memory, notices, look)
                .lookAgainAt(lookAgainAt);
    }

    /** The failure of the awaited command this look was given, or null. */
    private static CommandFailure failureOf(Look look, Memory.Awaiting awaited) {
        return look.failures().stream().filter(f -> f.id().equals(awaited.commandId())).findFirst().orElse(null);
    }

    /** Not carried out within the await timeout: a failure, so its next attempt goes after the backoff. */
    private static CommandFailure timedOut(Memory.Awaiting awaited, Look look) {
        return new CommandFailure(awaited.commandId(), awaited.kind(), awaited.generation(),
                new Failure(CommandFailure.REASON_TIMED_OUT, "not carried out within " + look.awaitTimeout()));
    }

    /** A RollOut or DeleteGroup in flight (not known to have failed) and not seen carried out in time. */
    private static boolean outOfTime(Memory.Awaiting awaited, Attempts attempts, Look look) {
        return !attempts.hasFailed(awaited.commandId())
                && look.now().isAfter(awaited.outOfTimeAt(look.awaitTimeout()));
    }

    /** When the RollOut or DeleteGroup in flight is out of time; null when none is in flight. */
    private static Instant deadline(Memory.Awaiting awaited, Attempts attempts, Look look) {
        return awaited == null || attempts.hasFailed(awaited.commandId()) ? null
                : awaited.outOfTimeAt(look.awaitTimeout());
    }

    /** Awaits a command sent; the same id decided again keeps its time, so a repeated look puts off no timeout. */
    private static Memory.Awaiting await(Memory.Awaiting awaited, ScalingGroupCommand sent, Instant now,
                                         boolean confirming) {
        return awaited != null && awaited.commandId().equals(sent.id()) ? awaited
                : Memory.Awaiting.of(sent, now, confirming);
    }

    /** A command in flight: nothing but to look again when it is out of time. */
    private static Decision waiting(Memory memory, List<KubeAction> actions, List<Notice> notices, Look look) {
        return new Decision(List.of(), List.of(), actions, memory, null, null, notices, null,
                memory.awaiting().outOfTimeAt(look.awaitTimeout()));
    }

    /** A capacity command: sent and awaited, or held while its next attempt waits. */
    private static Decision sendAwaited(Attempts.Sending sending, List<ScalingGroupCommand> before,
                                        List<KubeAction> actions, Memory memory, List<Notice> notices, Look look) {
        memory = memory.withAttempts(sending.attempts());
        if (sending.command() == null) {
            return new Decision(before, List.of(), actions, memory, null, null, notices, null,
                    sending.heldUntil());
        }
        List<ScalingGroupCommand> all = new ArrayList<>(before);
        all.add(sending.command());
        return new Decision(all, List.of(), actions,
                memory.withAwaiting(Memory.Awaiting.of(sending.command(), look.now())), null, null, notices, null,
                look.now().plus(look.awaitTimeout()));
    }

    /**
     * Cordon and drain each victim; when every drain started is drained, gone or out of time, terminate those victims
     * together. A failed drain is started again after its backoff; its instance is not terminated. Cluster API's
     * machine deletion hooks hold a victim back: while its Machine has a pre-drain hook its drain does not start, and
     * while it has a pre-terminate hook its instance is not terminated; the others go. A Machine with
     * {@code exclude-node-draining} is not drained.
     */
    private static Decision drainThenTerminate(PoolSpec spec, String groupName, List<PoolMember> victims,
                                               List<ScalingGroupCommand> commands, List<KubeAction> actions,
                                               Memory memory, List<Notice> notices, Look look) {
        Instant now = look.now();
        Set<String> victimIds = victims.stream().map(PoolMember::providerID).collect(Collectors.toSet());
        Map<String, Memory.Drain> drains = new HashMap<>();
        memory.drains().forEach((id, drain) -> {
            if (victimIds.contains(id)) {
                drains.put(id, drain);
            }
        });
        if (victims.isEmpty()) {
            return new Decision(commands, List.of(), actions, memory.withDrains(drains), null, null, notices, null,
                    null);
        }
        Map<String, MachineRequest> requests = spec.machinesByInstance();
        List<Memory.Drain> toDrain = new ArrayList<>();
        List<PoolMember> terminable = new ArrayList<>();
        boolean allDone = true;
        Instant retryAt = null;
        for (PoolMember victim : victims) {
            MachineRequest request = requests.get(victim.providerID());
            if (request != null && request.hooked() && !request.deleting() && request.machine() != null) {
                actions.add(new KubeAction.DeleteMachine(victim.providerID(), request.machine()));
            }
            Memory.Drain drain = drains.get(victim.providerID());
            if ((drain == null || !drain.done()) && request != null && !request.preDrainHooks().isEmpty()) {
                // Also a hook added while the drain runs: forgotten here, the drain is stopped (as Cluster API drains
                // no further), and started again from its first start once the hook is gone. Looked at again when
                // the watcher sees a hook go (a new spec record).
                drains.remove(victim.providerID());
                notices.add(Notices.waitingForPreDrainHooks(request));
                continue;
            }
            if (drain != null && drain.outcome() instanceof DrainOutcome.NodeGone && victim.hasNode()
                    && !victim.nodeName().equals(drain.nodeName())) {
                // Its drain found no Node, and one has joined since (a booting victim, its terminate held back by
                // another): uncordoned, it takes pods. Drained again, its deadline still counted from the first start.
                drain = Memory.Drain.start(victim.providerID(), victim.nodeName(), drain.startedAt(),
                        drain.deadline());
                drains.put(victim.providerID(), drain);
            }
            if (drain == null) {
                // Started before a restart: its timeout counts from then.
                Instant started = victim.drainStarted() != null ? victim.drainStarted() : now;
                drain = Memory.Drain.start(victim.providerID(), victim.nodeName(), started,
                        drainDeadline(spec, started));
                if (request != null && request.excludeNodeDraining()) {
                    drain = drain.skipped();
                    notices.add(Notices.drained(drain, drain.outcome(), now, look.retries()));
                }
                drains.put(victim.providerID(), drain);
            } else if (!drain.done() && request != null && request.excludeNodeDraining()) {
                // Also on a drain under way, as Cluster API looks at it on every reconcile: the operator's way out of
                // a drain a PodDisruptionBudget holds for good. The running drain is stopped (not remembered as
                // running any more).
                drain = drain.skipped();
                notices.add(Notices.drained(drain, drain.outcome(), now, look.retries()));
                drains.put(victim.providerID(), drain);
            } else if (!drain.done()) {
                // The pool's nodeDrainTimeoutSeconds may have changed while it ran: as Cluster API reads it on every
                // reconcile, against the drain's start. The way out of a drain a PodDisruptionBudget holds for a pool
                // without Machines (no exclude-node-draining to set): the running drain takes the new deadline.
                Instant deadline = drainDeadline(spec, drain.startedAt());
                if (!Objects.equals(drain.deadline(), deadline)) {
                    drain = drain.withDeadline(deadline);
                    drains.put(victim.providerID(), drain);
                }
            }
            if (!drain.done()) {
                allDone = false;
                if (drain.due(now)) {
                    toDrain.add(drain);
                } else {
                    retryAt = Decision.earliest(retryAt, drain.retryAt());
                }
            } else if (request != null && !request.preTerminateHooks().isEmpty()) {
                notices.add(Notices.waitingForPreTerminateHooks(request));
            } else {
                terminable.add(victim);
            }
        }
        if (!allDone || terminable.isEmpty()) {
            return new Decision(commands, toDrain, actions, memory.withDrains(drains), null, null, notices, null,
                    retryAt);
        }
        Instant trustedSince = now.minus(DRAINED_TRUSTED_FOR);
        if (terminable.stream().anyMatch(v -> drains.get(v.providerID()).drainedBefore(trustedSince))) {
            // Drained long ago (the terminate waited for another drain, a hook, a backoff): its Node may have taken
            // pods since (tolerating the cordon, bound by nodeName, the Node uncordoned). Every drained one is drained
            // again, together, so that none goes stale while another's round runs; a Node with nothing new on it is
            // drained in one round. The deadline still counts from the first start.
            for (PoolMember victim : terminable) {
                Memory.Drain drain = drains.get(victim.providerID());
                if (drain.outcome() instanceof DrainOutcome.Drained) {
                    Memory.Drain again = Memory.Drain.start(victim.providerID(), victim.nodeName(),
                            drain.startedAt(), drain.deadline());
                    drains.put(victim.providerID(), again);
                    toDrain.add(again);
                }
            }
            return new Decision(commands, toDrain, actions, memory.withDrains(drains), null, null, notices, null,
                    null);
        }
        List<String> terminated = terminable.stream().map(PoolMember::providerID).toList();
        TerminateInstances terminate = TerminateInstances.of(spec.key(), spec.generation(), groupName, terminated)
                .forPoolUid(spec.uid());
        Attempts.Sending sending = memory.attempts().send(terminate, now);
        if (sending.command() == null) {
            // Held: the victims stay victims, drained.
            return sendAwaited(sending, commands, actions, memory.withDrains(drains), notices, look);
        }
        // Those held by a hook stay victims, drained, for a later look.
        terminated.forEach(drains::remove);
        return sendAwaited(sending, commands, actions, memory.withDrains(drains), notices, look);
    }

    /** {@code nodeDrainTimeoutSeconds} from the drain's start; null when unset or 0 (no limit, as Cluster API). */
    static Instant drainDeadline(PoolSpec spec, Instant started) {
        var template = spec.spec() == null || spec.spec().getTemplate() == null ? null
                : spec.spec().getTemplate().getSpec();
        var deletion = template == null ? null : template.getDeletion();
        Number seconds = deletion == null ? null : deletion.getNodeDrainTimeoutSeconds();
        return seconds == null || seconds.longValue() <= 0 ? null : started.plusSeconds(seconds.longValue());
    }

    /**
     * When a surplus may take victims by the delete policy alone: {@code settle} after its generation was first seen.
     * cluster-autoscaler marks the Node it chose (taint, Machine annotation) before it lowers the replicas, but the
     * marks reach a look by other paths than the replicas (the Machine's informer, the Node's status record) and may
     * come after them. A victim taken by policy in that gap would be drained, and a drain is not undone, so the
     * marked Node would stay while another went. Those asked to go go at once.
     */
    static Instant settledAt(Memory memory, Look look) {
        // decide() has noted the generation before anything else.
        return memory.seen().at().plus(look.settle());
    }

    /** Provider IDs of the instances whose Machine carries {@code delete-machine}. */
    private static Set<String> askedToGo(PoolSpec spec) {
        return spec.machines().stream().filter(MachineRequest::deleteAnnotated)
                .map(MachineRequest::providerID).collect(Collectors.toSet());
    }

    /**
     * {@code count} of the candidates, by {@link Victims}: those asked to go first ({@code askedToGo}, whatever hooks
     * they carry), and of the rest those whose Machine holds its removal back with a hook last.
     */
    private static List<PoolMember> choose(List<PoolMember> candidates, int count, PoolSpec spec,
                                           Set<String> askedToGo) {
        Set<String> hooked = spec.machines().stream().filter(MachineRequest::hooked)
                .map(MachineRequest::providerID).collect(Collectors.toSet());
        return Victims.choose(candidates, count, Victims.policyOf(spec.infrastructure().spec()),
                (spec.key() + "/" + spec.generation()).hashCode(), askedToGo, hooked);
    }

    private static List<PoolMember> with(List<PoolMember> first, List<PoolMember> then) {
        List<PoolMember> all = new ArrayList<>(first);
        all.addAll(then);
        return all;
    }

    /**
     * The pool is being deleted: the group goes, then the finalizers. A group state that says "no group" is not
     * enough: an {@code EnsureGroup} sent before (by this process or one before a restart) may not be carried out
     * yet. Only a state that reports this pool's {@code DeleteGroup} (one of its attempts) carried out proves the
     * group gone for good (a pool's commands are applied in order); a provider that finds no group answers it
     * without a write. An attempt not seen so within the await timeout has failed, and the next one goes after the
     * backoff.
     *
     * @param told the look's notices so far: a refusal that ends the deletion is told as that, not as retried
     */
    private static Decision delete(Look look, PoolSpec spec, ScalingGroupState group, Memory memory,
                                   List<Notice> told) {
        InfrastructurePool infrastructure = spec.infrastructure();
        boolean holding = infrastructure != null
                && infrastructure.finalizers().contains(ClusterApi.POOLSTREAM_FINALIZER)
                || look.ownerMode() && spec.finalizers().contains(ClusterApi.MACHINE_POOL_FINALIZER);
        boolean groupExists = group != null && group.exists();
        if (!holding && !groupExists) {
            // Never held by Poolstream, so never given a group (the finalizers come first): nothing to let go.
            return Decision.nothing(memory);
        }
        DeleteGroup delete = DeleteGroup.of(spec.key(), spec.generation(), groupNameWhileDeleting(spec, group))
                .forPoolUid(spec.uid());
        Attempts attempts = memory.attempts();
        boolean goneForGood = group != null && !group.exists()
                && attempts.isAttemptOf(group.lastCommandId(), delete);
        // Without a group state and without a resolved infrastructure pool, no cloud can be asked.
        boolean cloudKnown = group != null || infrastructure != null && infrastructure.resolved();
        // Refused as not the pool's own: the group the pool names (a takeover annotation naming another's, its tags
        // changed) is no group of the pool's to delete, however often it is asked. The pool goes, the group stays.
        Failure notOwned = attempts.lastFailure(delete.id())
                .filter(f -> Failure.GROUP_NOT_OWNED.equals(f.reason())).orElse(null);
        if (notOwned == null && (groupExists || !goneForGood && cloudKnown)) {
            // Awaited as a capacity command is, though nothing else waits for it: its failure may never be seen
            // (dead-lettered while the partition was reassigned), and the finalizers would wait for good.
            List<Notice> notices = new ArrayList<>();
            Memory.Awaiting unconfirmed = memory.unconfirmed();
            if (unconfirmed != null && !attempts.isAttemptOf(unconfirmed.commandId(), delete)) {
                // Another decision's: a RollOut's, or an older generation's DeleteGroup.
                unconfirmed = null;
            } else if (unconfirmed != null && outOfTime(unconfirmed, attempts, look)) {
                attempts = attempts.failed(timedOut(unconfirmed, look), spec.generation(), look.now(),
                        look.retries(), notices);
            }
            Attempts.Sending sending = attempts.send(delete, look.now());
            if (sending.command() != null) {
                unconfirmed = await(unconfirmed, sending.command(), look.now(), false);
            }
            return new Decision(sending.command() == null ? List.of() : List.of(sending.command()), List.of(),
                    List.of(), memory.withAttempts(sending.attempts()).withUnconfirmed(unconfirmed), null, null,
                    notices, null, Decision.earliest(sending.heldUntil(),
                    deadline(unconfirmed, sending.attempts(), look)));
        }
        // The group is gone; the status service deletes the retired Nodes once no instance is left.
        memory = memory.withUnconfirmed(null);
        PoolStatus status = look.status();
        boolean nodesHandled = status == null || (status.members().isEmpty() && status.retired().isEmpty()
                && status.terminating().isEmpty());
        if (!nodesHandled) {
            return Decision.nothing(memory);
        }
        List<KubeAction> letGo = new ArrayList<>();
        BootstrapData.ConfigRef config = BootstrapData.configRef(spec);
        if (look.ownerMode() && spec.deleting() && config != null) {
            // Cluster API's MachinePool controller deletes the bootstrap config with the pool.
            letGo.add(new KubeAction.DeleteBootstrapConfig(config));
        }
        letGo.add(new KubeAction.RemoveFinalizers());
        if (notOwned == null) {
            return new Decision(List.of(), List.of(), letGo, memory, null);
        }
        told.removeIf(n -> n.reason().equals(Attempts.REASON_RETRYING));
        return new Decision(List.of(), List.of(), letGo, memory, null, null, List.of(Notice.warning("Delete",
                Failure.GROUP_NOT_OWNED, "Group " + delete.group() + " is left in place, not this pool's to delete ("
                        + notOwned.message() + "); the pool's finalizers are removed")), null, null);
    }

    /** The group a deleted pool had: as its state names it, else as it would have been named. */
    private static String groupNameWhileDeleting(PoolSpec spec, ScalingGroupState group) {
        if (group != null && group.group() != null) {
            return group.group();
        }
        InfrastructurePool infrastructure = spec.infrastructure();
        String fallback = infrastructure == null || infrastructure.name() == null ? spec.name() : infrastructure.name();
        if (infrastructure == null || !infrastructure.resolved()) {
            return fallback;
        }
        try {
            return groupName(spec, null);
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }

    /**
     * What, changed, is rolled out: the template's content (which makes instances out of date) and the group's own
     * settings (placement, tags, suspended processes), which the same RollOut carries to the group; never the infra
     * pool's generation or provider ID list.
     */
    static String templateKey(PoolSpec spec) {
        return templateKey(GroupTemplate.of(spec));
    }

    private static String templateKey(GroupTemplate template) {
        return template.fingerprint() + "/" + template.groupFingerprint();
    }

    private static Capacity capacity(PoolSpec spec, int desired, RolloutBudget budget) {
        if (spec.infrastructure().spec() instanceof InfraSpec.Aws aws && aws.spec() != null) {
            int min = aws.spec().getMinSize() == null ? 0 : aws.spec().getMinSize();
            int max = aws.spec().getMaxSize() == null ? desired : aws.spec().getMaxSize();
            // A roll-out's surge may go above maxSize for its duration.
            return new Capacity(desired, Math.min(min, desired), Math.max(max, desired),
                    spec.replicasManagedExternally());
        }
        return new Capacity(desired, 0, Math.max(desired, spec.desiredReplicas() + budget.maxSurge()),
                spec.replicasManagedExternally());
    }

    private PoolReconciler() {
    }
}
