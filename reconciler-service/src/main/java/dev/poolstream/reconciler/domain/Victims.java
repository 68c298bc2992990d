package dev.poolstream.reconciler.domain;

import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.strategy.RollingUpdate;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolMember;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Which instances leave a pool first when it has a surplus or a roll-out's budget allows removals (docs/machines.md,
 * "Victims"): those whose Machine carries {@code cluster.x-k8s.io/delete-machine} (what cluster-autoscaler and users
 * set), then those whose Node asks to go (cluster-autoscaler's {@code ToBeDeletedByClusterAutoscaler} taint, or the
 * annotation on the Node), as Cluster API's MachineSet does whatever hooks the Machine carries; then, of the rest,
 * those whose Machine carries no deletion hook before those that do; then failed instances and Nodes not Ready, then
 * by the delete policy. Random is seeded by the pool and its generation, so every look picks the same victims.
 * Choosing is all it does: an annotation alone removes nothing, since cluster-autoscaler annotates before it lowers
 * the replicas and takes it back if that fails.
 */
public final class Victims {

    public enum DeletePolicy { OLDEST, NEWEST, RANDOM }

    public static DeletePolicy policyOf(InfraSpec infrastructure) {
        if (infrastructure instanceof InfraSpec.Azure azure && azure.spec() != null
                && azure.spec().getStrategy() != null && azure.spec().getStrategy().getRollingUpdate() != null) {
            RollingUpdate.DeletePolicy policy = azure.spec().getStrategy().getRollingUpdate().getDeletePolicy();
            if (policy != null) {
                return DeletePolicy.valueOf(policy.name());
            }
        }
        return DeletePolicy.OLDEST;
    }

    public static List<PoolMember> choose(List<PoolMember> candidates, int count, DeletePolicy policy, long seed) {
        return choose(candidates, count, policy, seed, Set.of(), Set.of());
    }

    /**
     * @param machineAnnotated provider IDs of the instances whose Machine carries the delete-machine annotation
     * @param hooked           provider IDs of the instances whose Machine carries a deletion hook: after those asked
     *                         to go (their removal waits for the hooks' owners), before the rest
     */
    public static List<PoolMember> choose(List<PoolMember> candidates, int count, DeletePolicy policy, long seed,
                                          Set<String> machineAnnotated, Set<String> hooked) {
        if (count <= 0) {
            return List.of();
        }
        Comparator<PoolMember> byPolicy = switch (policy) {
            case OLDEST -> Comparator.comparing(Victims::launch);
            case NEWEST -> Comparator.comparing(Victims::launch).reversed();
            case RANDOM -> Comparator.comparingLong(m -> mix(seed ^ m.providerID().hashCode()));
        };
        return candidates.stream()
                .sorted(Comparator.comparing((PoolMember m) -> !machineAnnotated.contains(m.providerID()))
                        .thenComparing(m -> !m.deleteRequested())
                        .thenComparing(m -> hooked.contains(m.providerID()))
                        .thenComparing(m -> m.lifecycle() != InstanceLifecycle.FAILED)
                        .thenComparing(PoolMember::ready)
                        .thenComparing(byPolicy)
                        .thenComparing(PoolMember::providerID))
                .limit(count)
                .toList();
    }

    private static Instant launch(PoolMember member) {
        return member.launchTime() == null ? Instant.EPOCH : member.launchTime();
    }

    /** A fixed bit mix (SplitMix64's finaliser): a stable pseudo-random order without a Random instance. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private Victims() {
    }
}
