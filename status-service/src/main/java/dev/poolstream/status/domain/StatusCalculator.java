package dev.poolstream.status.domain;

import dev.poolstream.api.PoolKey;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus.Phase;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.Spec;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Deprecated;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Initialization;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.NodeRefs;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Versions;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.deprecated.V1beta1;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolDeparture;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolSpecChecks;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A pool's status from its inputs (MACHINEPOOL-SEMANTICS.md §3, §4): a pure function of what is known, what was
 * known at the last look, and the time. It also tells the transitions other systems hear about, and when time
 * alone will change the status next.
 */
public final class StatusCalculator {

    /**
     * How long a retired Node stays on the list for deletion when it is never seen to go (a Node never adopted, whose
     * instance is gone: its tombstone cannot be told from its absence): long enough for a slow delete, bounded.
     */
    static final Duration RETIRED_KEPT = Duration.ofMinutes(10);
    /**
     * How long a member that left stays in the status's {@code departed} list: the status writer lets its objects go
     * only on seeing it there, so this is how far the writer can fall behind and still let them go.
     */
    public static final Duration DEPARTED_KEPT = Duration.ofHours(1);
    /**
     * At most this many of them, the newest: 10,000 departures are some 1 to 2 MB of JSON, 4,000 members' worth, well
     * within a status record (docs/status.md, "How large a pool can be"), and more than a writer working through a
     * scale to 0 of a pool of thousands falls behind by.
     */
    static final int DEPARTED_MAX = 10_000;
    /** The v1beta2 schema's bounds on {@code status.versions}: {@code maxItems}, and each version's {@code maxLength}. */
    static final int VERSIONS_MAX_ITEMS = 100;
    static final int VERSION_MAX_LENGTH = 256;

    /**
     * The outcome of one look. {@code view} is null when the pool is gone, or when it has none yet and its status
     * waits for the provider's first report ({@code waitsForProvider}, {@link #waitsForTheProvidersFirstReport}).
     */
    public record Look(PoolView view, List<PoolLifecycleEvent> events, boolean waitsForProvider) {

        public Look(PoolView view, List<PoolLifecycleEvent> events) {
            this(view, events, false);
        }

        public PoolStatus status() {
            return view == null ? null : view.status();
        }
    }

    public static Look look(String poolKey, PoolInputs inputs, PoolView previous, Instant now) {
        PoolSpec spec = inputs.spec();
        if (spec == null) {
            return new Look(null, List.of());
        }
        PoolKey key = PoolKey.parse(poolKey);
        ScalingGroupState group = inputs.group();
        List<Failure> problems = PoolSpecChecks.problems(spec);
        if (waitsForTheProvidersFirstReport(spec, group, previous, problems)) {
            return new Look(null, List.of(), true);
        }
        MachinePoolSpec mpSpec = spec.spec();
        Spec template = mpSpec == null || mpSpec.getTemplate() == null ? null : mpSpec.getTemplate().getSpec();
        int minReadySeconds = template == null || template.getMinReadySeconds() == null ? 0
                : template.getMinReadySeconds();
        String clusterName = mpSpec == null ? null : mpSpec.getClusterName();

        List<Member> listed = Membership.listed(inputs.members().values());
        // A member is up to date on the group's current template: the reconciler replaces the others, and must not
        // replace members for a RollOut that was refused (their replacements would get the same template).
        List<PoolMember> members = listed.stream()
                .map(m -> Membership.member(m, upToDate(m, group), minReadySeconds, now, key.namespace(),
                        key.name(), clusterName))
                .toList();
        // The status says none is while the group is still on another template than the spec asks for (its RollOut
        // not carried out yet, or refused), so that a user waiting for a roll-out does not see it done before it began.
        boolean groupOnOtherTemplate = problems.isEmpty() && onOtherTemplate(spec, group);
        // Cluster API keeps the list when a provider reports a count but no IDs. Here an instance record always has
        // its ID, and leaves only by a tombstone the provider writes after a successful describe: follow it.
        List<String> providerIDs = listed.stream().map(Member::providerID).toList();
        PoolStatus previousStatus = previous == null ? null : previous.status();

        Counts counts = new Counts(spec.desiredReplicas(), members.size(),
                (int) members.stream().filter(PoolMember::ready).count(),
                (int) members.stream().filter(PoolMember::available).count(),
                groupOnOtherTemplate ? 0 : (int) members.stream().filter(PoolMember::upToDate).count());
        boolean provisioned = group != null && group.exists();
        boolean bootstrapReady = template != null && template.getBootstrap() != null
                && template.getBootstrap().getDataSecretName() != null;
        boolean paused = spec.paused();

        MachinePoolStatus status = new MachinePoolStatus();
        status.setReplicas(counts.replicas());
        status.setReadyReplicas(counts.ready());
        status.setAvailableReplicas(counts.available());
        status.setUpToDateReplicas(counts.upToDate());
        List<NodeRefs> nodeRefs = listed.stream().filter(m -> m.node() != null).map(m -> nodeRef(m.node())).toList();
        status.setNodeRefs(nodeRefs);
        Phase previousPhase = previousStatus == null || previousStatus.status() == null ? null
                : previousStatus.status().getPhase();
        status.setPhase(Phases.next(previousPhase, new Phases.Facts(bootstrapReady, provisioned,
                !nodeRefs.isEmpty(), counts.desired(), counts.ready(), spec.replicasManagedExternally(),
                spec.deleting())));
        List<Conditions> previousConditions = previousStatus == null || previousStatus.status() == null
                || previousStatus.status().getConditions() == null ? List.of()
                : previousStatus.status().getConditions();
        status.setConditions(PoolConditions.of(new PoolConditions.Facts(counts, provisioned, bootstrapReady,
                spec.deleting(), paused, problems, cloudError(group), spec.generation(),
                spec.workloadCluster()),
                previousConditions, now));
        Initialization initialization = new Initialization();
        initialization.setBootstrapDataSecretCreated(bootstrapReady);
        initialization.setInfrastructureProvisioned(provisioned);
        status.setInitialization(initialization);
        status.setVersions(versions(listed));
        status.setDeprecated(deprecated(counts, provisioned, previousStatus, now));
        // Observed when this generation was looked at with nothing in the way, and the cloud's last command did not
        // fail (a RollOut refused: the reconcile of the generation did not succeed, as Cluster API writes it only
        // after a reconcile that did); else what was observed before.
        Long previousObserved = previousStatus == null || previousStatus.status() == null ? null
                : previousStatus.status().getObservedGeneration();
        boolean reconciled = problems.isEmpty() && (group == null || group.lastError() == null);
        // The schema's minimum is 1: a generation the API server never gives (0, a record built by hand) is not one.
        status.setObservedGeneration(reconciled && spec.generation() >= 1 ? Long.valueOf(spec.generation())
                : previousObserved);

        // Still reported by the cloud, terminating: a termination handler may be draining the Node under a lifecycle
        // hook (a spot interruption, a health replacement). Its Node is not deleted, nor its objects let go, before
        // the instance is gone.
        List<String> terminating = inputs.members().values().stream()
                .filter(m -> !m.instanceGone() && m.instance().lifecycle() == InstanceLifecycle.TERMINATING)
                .map(Member::providerID).sorted().toList();
        Set<String> stillTerminating = Set.copyOf(terminating);
        Map<String, PoolView.Retired> retired = retired(previous, inputs, members, paused, stillTerminating, now);
        // Nothing lets a paused pool's objects go: its departures' hour counts from its resume.
        boolean wasPaused = previousStatus != null && WritePlan.paused(previousStatus);
        Instant departuresKeptFrom = paused || wasPaused ? now
                : previous == null ? null : previous.departuresKeptFrom();
        // Only a resolved reference names an object the writer may write. An unresolved one names none it may: missing,
        // of a kind Poolstream does not run, or another pool's (InfrastructurePoolShared: writing this pool's status
        // there emptied the other pool's provider IDs and replicas).
        InfrastructurePool infrastructure = spec.infrastructure() != null && spec.infrastructure().spec() != null
                ? spec.infrastructure() : null;
        PoolStatus poolStatus = new PoolStatus(poolKey, spec.generation(),
                clusterName == null ? null : key.namespace() + "/" + clusterName,
                infrastructure == null ? null : infrastructure.kind(),
                infrastructure == null ? null : infrastructure.name(),
                status, providerIDs, provisioned, members,
                retired.values().stream().map(PoolView.Retired::member)
                        .filter(m -> !stillTerminating.contains(m.providerID())).toList(),
                terminating, spec.uid(), infrastructure == null ? null : infrastructure.uid(),
                departed(inputs, departuresKeptFrom, now), previousStatus == null ? 0 : previousStatus.look());
        if (!poolStatus.equals(previousStatus)) {
            // A status that changes is the pool's next: its number orders it against the departures with no clock.
            poolStatus = poolStatus.withLook(poolStatus.look() + 1);
        }

        // What subscribers hear of as a PoolError: the spec's problems, else the cloud's failure to launch the pool's
        // instances, which no command is in flight to tell of (a command's own error is retried or dead-lettered by
        // the provider, and told as Events).
        List<Failure> errors = !problems.isEmpty() || group == null || group.launchFailure() == null ? problems
                : List.of(group.launchFailure());
        // A pool that ran before is first seen as it is: no scale from 0 to its size, no Node Ready just now.
        boolean seenRunning = previous == null && listsInstances(spec);
        Transitions.Outcome transitions = Transitions.between(previous, poolStatus, counts, errors, seenRunning, now);
        Instant nextLook = nextLook(listed, minReadySeconds, retired, now);
        PoolView view = new PoolView(poolStatus, counts.desired(), transitions.run(), retired,
                errors.stream().map(Failure::reason).toList(), nextLook, List.of(), transitions.scalingRuns(),
                transitions.errors(), departuresKeptFrom);
        return new Look(view, transitions.events());
    }

    /**
     * A pool that ran before Poolstream looked at it (its spec lists instances: one taken over from Cluster API's own
     * controllers, or this service's state lost) keeps the status it has until the provider's first report of its
     * group: from an empty picture the status would say 0 replicas, and subscribers would hear of a scale-up that
     * never happened. Not while the spec has problems or the pool is paused: no command then makes the provider
     * report, and the status must say why.
     */
    static boolean waitsForTheProvidersFirstReport(PoolSpec spec, ScalingGroupState group, PoolView previous,
                                                    List<Failure> problems) {
        return previous == null && group == null && problems.isEmpty() && !spec.paused() && listsInstances(spec);
    }

    /** The spec lists instances: Cluster API (or Poolstream before its state was lost) saw the pool running. */
    static boolean listsInstances(PoolSpec spec) {
        List<String> listed = spec.spec() == null ? null : spec.spec().getProviderIDList();
        return listed != null && !listed.isEmpty();
    }

    /**
     * Whether the group is known to have carried out another template than the one the spec (one without problems)
     * asks for. Unknown (a provider that does not say) is not.
     */
    static boolean onOtherTemplate(PoolSpec spec, ScalingGroupState group) {
        if (group == null || group.templateFingerprint() == null || spec.infrastructure() == null
                || !spec.infrastructure().resolved()) {
            return false;
        }
        return !GroupTemplate.of(spec).fingerprint().equals(group.templateFingerprint());
    }

    /**
     * Up to date: the instance runs the group's current template, which the reconciler keeps equal to the pool's
     * (version, bootstrap data, infrastructure template) through RollOut.
     */
    static boolean upToDate(Member member, ScalingGroupState group) {
        if (!member.instance().latestModel()) {
            return false;
        }
        String groupVersion = group == null ? null : group.templateVersion();
        String instanceVersion = member.instance().templateVersion();
        return groupVersion == null || instanceVersion == null || groupVersion.equals(instanceVersion);
    }

    private static NodeRefs nodeRef(NodeState node) {
        NodeRefs ref = new NodeRefs();
        ref.setApiVersion("v1");
        ref.setKind("Node");
        ref.setName(node.name());
        ref.setUid(node.uid());
        return ref;
    }

    /**
     * Kubelet versions with their counts, in Kubernetes version order; null (the field left out) when no Node
     * reports one, since the schema asks for at least one item. A version the schema cannot hold (empty, longer than
     * {@link #VERSION_MAX_LENGTH}) is left out, and at most {@link #VERSIONS_MAX_ITEMS} versions are listed.
     */
    static List<Versions> versions(List<Member> listed) {
        Map<String, Long> byVersion = listed.stream().map(Member::node)
                .filter(n -> n != null && n.kubeletVersion() != null && !n.kubeletVersion().isBlank()
                        && n.kubeletVersion().length() <= VERSION_MAX_LENGTH)
                .collect(Collectors.groupingBy(NodeState::kubeletVersion,
                        () -> new TreeMap<>(KubernetesVersions.ORDER), Collectors.counting()));
        if (byVersion.isEmpty()) {
            return null;
        }
        return byVersion.entrySet().stream().limit(VERSIONS_MAX_ITEMS).map(e -> {
            Versions versions = new Versions();
            versions.setVersion(e.getKey());
            versions.setReplicas(e.getValue().intValue());
            return versions;
        }).toList();
    }

    /** The node-based counters in the block v1beta1 readers look at, with its Ready condition. */
    private static Deprecated deprecated(Counts counts, boolean provisioned, PoolStatus previous, Instant now) {
        V1beta1 v1beta1 = new V1beta1();
        v1beta1.setReadyReplicas(counts.ready());
        v1beta1.setAvailableReplicas(counts.available());
        // As Cluster API counts it: the instances there that are not available (not those still to come).
        v1beta1.setUnavailableReplicas(counts.replicas() - counts.available());
        boolean ready = provisioned && counts.ready() == counts.desired() && counts.replicas() == counts.desired();
        var condition = new dev.poolstream.api.cluster.v1beta2.machinepoolstatus.deprecated.v1beta1.Conditions();
        condition.setType("Ready");
        condition.setStatus(ready ? "True" : "False");
        if (!ready) {
            condition.setSeverity("Info");
            condition.setReason(provisioned ? "WaitingForReplicasReady" : "WaitingForInfrastructure");
            condition.setMessage(counts.ready() + " of " + counts.desired() + " replicas are Ready");
        }
        condition.setLastTransitionTime(Optional.ofNullable(previous).map(PoolStatus::status)
                .map(MachinePoolStatus::getDeprecated).map(Deprecated::getV1beta1).map(V1beta1::getConditions)
                .flatMap(c -> c.stream().filter(p -> "Ready".equals(p.getType())
                        && Objects.equals(p.getStatus(), condition.getStatus())).findFirst())
                .map(p -> p.getLastTransitionTime())
                .orElse(ZonedDateTime.ofInstant(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                        ZoneOffset.UTC)));
        v1beta1.setConditions(List.of(condition));
        Deprecated deprecated = new Deprecated();
        deprecated.setV1beta1(v1beta1);
        return deprecated;
    }

    /**
     * The members that left and are still kept ({@link #departureKept}), newest first, at most {@link #DEPARTED_MAX}:
     * those whose instance is gone (their Node may linger) and those gone altogether; not one that is listed again (a
     * provider ID can come back), nor one still reported terminating.
     */
    static List<PoolDeparture> departed(PoolInputs inputs, Instant keptFrom, Instant now) {
        return inputs.departures().values().stream()
                .filter(d -> departureKept(d.at(), keptFrom, now)
                        && hasNoInstance(inputs.members().get(d.providerID())))
                .sorted(Comparator.comparing(PoolDeparture::at).reversed().thenComparing(PoolDeparture::providerID))
                .limit(DEPARTED_MAX)
                .toList();
    }

    /**
     * Whether a departure at {@code at} is still listed: within {@link #DEPARTED_KEPT} of it, or of {@code keptFrom}
     * when that is later ({@link PoolView#departuresKeptFrom}, the pool's resume).
     */
    public static boolean departureKept(Instant at, Instant keptFrom, Instant now) {
        Instant from = keptFrom != null && keptFrom.isAfter(at) ? keptFrom : at;
        return from.plus(DEPARTED_KEPT).isAfter(now);
    }

    /**
     * Whether {@code left} says its member left after the status numbered {@code look}, the one that listed it: a
     * departure from before (an instance ID that left and came back) is not this member's, nor one of unknown number
     * (0, written while the pool had no view: before an incarnation of it that listed the member). After a status of
     * unknown number (0, a view written before statuses were numbered), any departure is.
     */
    static boolean leftAfter(PoolDeparture left, long look) {
        return left != null && left.afterLook() >= look;
    }

    private static boolean hasNoInstance(Member member) {
        return member == null || member.instanceGone();
    }

    /**
     * Members that left with a Node this pool referenced: the Nodes to delete (owner mode), and what a deletion waits
     * for. Only a member still in the inputs (terminating, or its instance gone) or whose departure was seen
     * ({@link PoolInputs#departures}): one missing from the inputs without it may be missing only because a crash lost
     * its join, and its Node is a live one.
     * One leaves the list as soon as its Node is seen gone ({@link #nodeGone}); {@link #RETIRED_KEPT} only bounds
     * how long one is kept whose Node is never seen to go. While the pool is paused nobody deletes their Nodes, so
     * that bound stands still: each is kept, and the time counts again from the moment the pool resumes (a Node seen
     * gone leaves the list even then: there is nothing left to delete). Likewise while its instance is still reported
     * terminating: kept, the bound standing still, and left out of what is to be deleted.
     */
    private static Map<String, PoolView.Retired> retired(PoolView previous, PoolInputs poolInputs,
                                                         List<PoolMember> members, boolean paused,
                                                         Set<String> terminating, Instant now) {
        Map<String, Member> inputs = poolInputs.members();
        Map<String, PoolView.Retired> retired = new HashMap<>();
        if (previous == null) {
            return retired;
        }
        Set<String> current = members.stream().map(PoolMember::providerID).collect(Collectors.toSet());
        previous.retired().forEach((id, r) -> {
            if (current.contains(id) || nodeGone(r.member(), inputs.get(id))) {
                return;
            }
            if (paused || terminating.contains(id)) {
                // Nobody deletes its Node meanwhile: the bound counts from when that can happen.
                retired.put(id, new PoolView.Retired(r.member(), now));
            } else if (r.at().plus(RETIRED_KEPT).isAfter(now)) {
                retired.put(id, r);
            }
        });
        if (previous.status() != null) {
            previous.status().members().stream()
                    .filter(m -> m.hasNode() && !current.contains(m.providerID())
                            && (inputs.containsKey(m.providerID())
                            || leftAfter(poolInputs.departures().get(m.providerID()), previous.status().look()))
                            && !nodeGone(m, inputs.get(m.providerID())))
                    .forEach(m -> retired.putIfAbsent(m.providerID(), new PoolView.Retired(m, now)));
        }
        return retired;
    }

    /**
     * Whether the Node a retired member referenced is seen gone. While the instance is still reported (terminating),
     * its Node is joined to it: gone when there is none, or another one now carries the provider ID. Once the
     * instance is gone too, a Node that carried the pool's owner annotations (adopted) is still in the inputs for as
     * long as it exists ({@link Member#instanceGone()}): its absence means its tombstone came. A Node that was never
     * adopted cannot be found once its instance is gone, so its absence says nothing: it is kept for the bound.
     *
     * @param now the member's entry in the inputs, null when there is none
     */
    static boolean nodeGone(PoolMember retired, Member now) {
        if (now == null) {
            return retired.nodeAdopted();
        }
        NodeState node = now.node();
        return node == null || !node.name().equals(retired.nodeName())
                || (retired.nodeUid() != null && node.uid() != null && !retired.nodeUid().equals(node.uid()));
    }

    /** The next moment time alone changes something: a Node becoming available, or a retired Node dropped. */
    private static Instant nextLook(List<Member> listed, int minReadySeconds, Map<String, PoolView.Retired> retired,
                                    Instant now) {
        List<Instant> moments = new ArrayList<>();
        listed.forEach(m -> Membership.becomesAvailable(m.node(), minReadySeconds, now).ifPresent(moments::add));
        retired.values().forEach(r -> moments.add(r.at().plus(RETIRED_KEPT)));
        return moments.stream().min(Instant::compareTo).orElse(null);
    }

    /**
     * What the cloud says is wrong with the group: its last command's failure, else its latest failure to launch an
     * instance while the group is short (the command that asked for the capacity was carried out, so it does not hold
     * observedGeneration back).
     */
    private static Failure cloudError(ScalingGroupState group) {
        if (group == null) {
            return null;
        }
        return group.lastError() != null ? group.lastError() : group.launchFailure();
    }

    private StatusCalculator() {
    }
}
