package dev.poolstream.reconciler.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.Spec;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolSpecChecks;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.SecretRef;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Desired against observed state for one pool (MACHINEPOOL-SEMANTICS.md §1, §5, §6): a pure function of the pool's
 * spec, its cloud group, its computed status and what the last look remembered. At most one command that changes
 * the group's size a look, and none while the previous one is not yet carried out, so that no two decisions are
 * made from the same stale picture.
 */
public final class PoolReconciler {

    /**
     * The facts of one look. {@code group} and {@code status} are null until their first record.
     *
     * @param bootstrap what the last read of the pool's bootstrap config found (owner mode), or null
     * @param recheck   how long until a bootstrap config found not ready is read again
     */
    public record Look(PoolSpec spec, ScalingGroupState group, PoolStatus status, Memory memory, Instant now,
                       boolean ownerMode, Duration awaitTimeout, BootstrapData.Config bootstrap, Duration recheck) {

        public Look(PoolSpec spec, ScalingGroupState group, PoolStatus status, Memory memory, Instant now,
                    boolean ownerMode, Duration awaitTimeout) {
            this(spec, group, status, memory, now, ownerMode, awaitTimeout, null, Duration.ofSeconds(10));
        }
    }

    public static Decision decide(Look look) {
        PoolSpec spec = look.spec();
        Memory memory = look.memory() == null ? Memory.EMPTY : look.memory();
        if (spec == null) {
            return Decision.nothing(Memory.EMPTY);
        }
        if (spec.clusterPaused() || spec.annotations().containsKey(ClusterApi.PAUSED_ANNOTATION)) {
            return Decision.nothing(memory);
        }
        ScalingGroupState group = look.group();
        InfrastructurePool infrastructure = spec.infrastructure();
        boolean deleting = spec.deleting() || (infrastructure != null && infrastructure.deletionTimestamp() != null);
        if (deleting) {
            return delete(spec, group, look.status(), memory, look.ownerMode());
        }
        // Owner mode: Cluster API's bootstrap step is Poolstream's. Until the config's data Secret is named in the
        // spec, the spec has a problem (BootstrapDataMissing) and nothing else is decided.
        BootstrapData.Step bootstrap = look.ownerMode()
                ? BootstrapData.step(spec, look.bootstrap(), look.now(), look.recheck()) : BootstrapData.Step.NOTHING;
        List<Failure> problems = PoolSpecChecks.problems(spec);
        if (!problems.isEmpty()) {
            return new Decision(List.of(), List.of(), List.of(), memory, problems.get(0)).withBootstrap(bootstrap);
        }
        return decideValid(look, spec, group, infrastructure, memory).withBootstrap(bootstrap);
    }

    private static Decision decideValid(Look look, PoolSpec spec, ScalingGroupState group,
                                        InfrastructurePool infrastructure, Memory memory) {
        boolean groupExists = group != null && group.exists();

        List<KubeAction> actions = new ArrayList<>();
        boolean finalizersMissing = !infrastructure.finalizers().contains(ClusterApi.POOLSTREAM_FINALIZER)
                || (look.ownerMode() && !spec.finalizers().contains(ClusterApi.MACHINE_POOL_FINALIZER));
        if (finalizersMissing) {
            actions.add(new KubeAction.AddFinalizers());
        }
        String pool = spec.key();
        long generation = spec.generation();
        String groupName = infrastructure.name();
        GroupTemplate template = template(spec);
        String templateKey = templateKey(spec);
        int desired = spec.replicasManagedExternally() && groupExists ? group.desired() : spec.desiredReplicas();
        RolloutBudget budget = RolloutBudget.of(infrastructure.spec(), desired);

        if (!groupExists && finalizersMissing) {
            // The finalizers first, as Cluster API's controllers do: a group is created only for objects that
            // cannot vanish before Poolstream has deleted it. The watcher's next record shows them on.
            return new Decision(List.of(), List.of(), actions, memory, null);
        }
        if (!groupExists) {
            EnsureGroup ensure = EnsureGroup.of(pool, generation, groupName, template,
                    capacity(spec, desired, budget));
            return new Decision(List.of(ensure), List.of(), actions, memory.withTemplateKey(templateKey)
                    .withAwaiting(awaiting(memory, ensure, look.now())), null);
        }
        if (spec.replicasManagedExternally() && !Integer.valueOf(group.desired()).equals(spec.spec().getReplicas())) {
            actions.add(new KubeAction.SetReplicas(group.desired()));
        }

        // A template change is rolled out first. It needs no wait: the provider applies a pool's commands in order,
        // so instances launched by a later command already get the new template.
        Memory.Awaiting awaiting = memory.awaiting();
        if (awaiting != null && (awaiting.carriedOut(group.lastCommandId())
                || look.now().isAfter(awaiting.since().plus(look.awaitTimeout())))) {
            awaiting = null;
        }
        List<ScalingGroupCommand> commands = new ArrayList<>();
        if (!templateKey.equals(memory.templateKey())) {
            RollOut rollOut = RollOut.of(pool, generation, groupName, template);
            commands.add(rollOut);
            memory = memory.withTemplateKey(templateKey);
            awaiting = awaiting == null ? null : awaiting.andThen(rollOut.id());
        }
        memory = memory.withAwaiting(awaiting);
        if (awaiting != null || spec.replicasManagedExternally()) {
            // Nothing changes the size while the last change is not carried out; an autoscaler owns the size of an
            // externally managed pool, and nothing is replaced that would need a surge.
            return new Decision(commands, List.of(), actions, memory, null);
        }

        List<PoolMember> members = look.status() == null ? List.of() : look.status().members();
        List<PoolMember> victims = List.of();
        List<PoolMember> outdated = members.stream().filter(m -> !m.upToDate()).toList();
        ScalingGroupCommand capacityCommand = null;
        if (!outdated.isEmpty()) {
            int target = desired + budget.maxSurge();
            if (group.desired() < target && members.size() < target) {
                capacityCommand = SetCapacity.of(pool, generation, groupName, capacity(spec, target, budget),
                        group.lastCommandId());
            } else {
                int ready = (int) members.stream().filter(PoolMember::ready).count();
                int unreadyOutdated = (int) outdated.stream().filter(m -> !m.ready()).count();
                int readyOutdated = outdated.size() - unreadyOutdated;
                int removable = unreadyOutdated
                        + Math.min(readyOutdated, Math.max(0, ready - desired + budget.maxUnavailable()));
                victims = choose(outdated, removable, spec, memory);
            }
        } else if (members.size() > desired) {
            victims = choose(members, members.size() - desired, spec, memory);
        } else if (group.desired() != desired) {
            capacityCommand = SetCapacity.of(pool, generation, groupName, capacity(spec, desired, budget),
                    group.lastCommandId());
        }

        if (capacityCommand != null) {
            commands.add(capacityCommand);
            return new Decision(commands, List.of(), actions,
                    memory.withAwaiting(Memory.Awaiting.of(capacityCommand.id(), look.now())), null);
        }
        return drainThenTerminate(pool, generation, groupName, victims, commands, actions, memory, look.now());
    }

    /** Cordon and drain each victim; when every one is drained (or has no Node), terminate them together. */
    private static Decision drainThenTerminate(String pool, long generation, String groupName,
                                               List<PoolMember> victims, List<ScalingGroupCommand> commands,
                                               List<KubeAction> actions, Memory memory, Instant now) {
        Set<String> victimIds = victims.stream().map(PoolMember::providerID).collect(Collectors.toSet());
        Map<String, Memory.Drain> drains = new HashMap<>();
        memory.drains().forEach((id, drain) -> {
            if (victimIds.contains(id)) {
                drains.put(id, drain);
            }
        });
        if (victims.isEmpty()) {
            return new Decision(commands, List.of(), actions, memory.withDrains(drains), null);
        }
        List<Memory.Drain> toDrain = new ArrayList<>();
        for (PoolMember victim : victims) {
            Memory.Drain drain = drains.get(victim.providerID());
            if (drain == null) {
                drain = new Memory.Drain(victim.providerID(), victim.nodeName(), !victim.hasNode());
                drains.put(victim.providerID(), drain);
            }
            if (!drain.done()) {
                toDrain.add(drain);
            }
        }
        if (!toDrain.isEmpty()) {
            return new Decision(commands, toDrain, actions, memory.withDrains(drains), null);
        }
        TerminateInstances terminate = TerminateInstances.of(pool, generation, groupName,
                victims.stream().map(PoolMember::providerID).toList());
        List<ScalingGroupCommand> all = new ArrayList<>(commands);
        all.add(terminate);
        return new Decision(all, List.of(), actions,
                memory.withDrains(Map.of()).withAwaiting(Memory.Awaiting.of(terminate.id(), now)), null);
    }

    /** Victims already being drained stay victims, so a changing picture never strands a cordoned Node. */
    private static List<PoolMember> choose(List<PoolMember> candidates, int count, PoolSpec spec, Memory memory) {
        List<PoolMember> draining = candidates.stream().filter(m -> memory.drains().containsKey(m.providerID()))
                .limit(count).toList();
        List<PoolMember> rest = candidates.stream().filter(m -> !memory.drains().containsKey(m.providerID())).toList();
        List<PoolMember> chosen = new ArrayList<>(draining);
        chosen.addAll(Victims.choose(rest, count - draining.size(), Victims.policyOf(spec.infrastructure().spec()),
                (spec.key() + "/" + spec.generation()).hashCode()));
        return chosen;
    }

    /**
     * The pool is being deleted: the group goes, then the finalizers. A group state that says "no group" is not
     * enough: an {@code EnsureGroup} sent before (by this process or one before a restart) may not be carried out
     * yet. Only a state that reports this pool's {@code DeleteGroup} carried out proves the group gone for good (a
     * pool's commands are applied in order); a provider that finds no group answers it without a write.
     */
    private static Decision delete(PoolSpec spec, ScalingGroupState group, PoolStatus status, Memory memory,
                                   boolean ownerMode) {
        InfrastructurePool infrastructure = spec.infrastructure();
        boolean holding = infrastructure != null
                && infrastructure.finalizers().contains(ClusterApi.POOLSTREAM_FINALIZER)
                || ownerMode && spec.finalizers().contains(ClusterApi.MACHINE_POOL_FINALIZER);
        boolean groupExists = group != null && group.exists();
        if (!holding && !groupExists) {
            // Never held by Poolstream, so never given a group (the finalizers come first): nothing to let go.
            return Decision.nothing(memory);
        }
        String groupName = group != null && group.group() != null ? group.group()
                : infrastructure == null || infrastructure.name() == null ? spec.name() : infrastructure.name();
        DeleteGroup delete = DeleteGroup.of(spec.key(), spec.generation(), groupName);
        boolean goneForGood = group != null && !group.exists() && delete.id().equals(group.lastCommandId());
        // Without a group state and without a resolved infrastructure pool, no cloud can be asked.
        boolean cloudKnown = group != null || infrastructure != null && infrastructure.resolved();
        if (groupExists || !goneForGood && cloudKnown) {
            return new Decision(List.of(delete), List.of(), List.of(), memory, null);
        }
        // The group is gone; the status service deletes the retired Nodes once no instance is left.
        boolean nodesHandled = status == null || (status.members().isEmpty() && status.retired().isEmpty());
        return nodesHandled
                ? new Decision(List.of(), List.of(), List.of(new KubeAction.RemoveFinalizers()), memory, null)
                : Decision.nothing(memory);
    }

    static GroupTemplate template(PoolSpec spec) {
        Spec template = spec.spec().getTemplate().getSpec();
        InfrastructurePool infrastructure = spec.infrastructure();
        return new GroupTemplate(spec.spec().getClusterName(), template.getVersion(), infrastructure.spec(),
                infrastructure.generation(),
                new SecretRef(spec.namespace(), template.getBootstrap().getDataSecretName()),
                spec.spec().getFailureDomains(), Map.of());
    }

    /** What, changed, makes instances out of date: the template's content, never the infra pool's generation. */
    static String templateKey(PoolSpec spec) {
        return template(spec).fingerprint();
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

    private static Memory.Awaiting awaiting(Memory memory, ScalingGroupCommand command, Instant now) {
        Memory.Awaiting current = memory.awaiting();
        return current != null && current.commandIds().contains(command.id()) ? current
                : Memory.Awaiting.of(command.id(), now);
    }

    private PoolReconciler() {
    }
}
