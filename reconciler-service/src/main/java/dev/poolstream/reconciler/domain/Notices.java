package dev.poolstream.reconciler.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.MachineRequest;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What a user sees of the reconciler's decisions and errors, in the words Cluster API's controllers use. */
public final class Notices {

    public static final String SCALING = "Scaling";
    public static final String ROLLING_OUT = "RollingOut";
    public static final String TERMINATING = "TerminatingInstances";
    public static final String DELETING_GROUP = "DeletingGroup";
    public static final String DRAINING = "DrainingNode";
    public static final String DRAINED = "NodeDrained";
    public static final String NODE_GONE = "NodeGone";
    public static final String DRAIN_TIMED_OUT = "DrainTimedOut";
    public static final String DRAIN_FAILED = "DrainFailed";
    public static final String DRAIN_BLOCKED = "DrainBlocked";
    public static final String DRAIN_SKIPPED = "DrainSkipped";
    public static final String WAITING_FOR_PRE_DRAIN_HOOK = "WaitingForPreDrainHook";
    public static final String WAITING_FOR_PRE_TERMINATE_HOOK = "WaitingForPreTerminateHook";

    /** A command sent to the pool's cloud. */
    public static Notice sent(ScalingGroupCommand command, ScalingGroupState group, PoolStatus status) {
        int from = group == null || !group.exists() ? 0 : group.desired();
        String attempt = " (command " + command.id() + ")";
        if (command instanceof EnsureGroup ensure) {
            return Notice.normal("Scale", SCALING, "Scaling from " + from + " to " + ensure.capacity().desired()
                    + ": ensuring scaling group " + ensure.group() + attempt);
        }
        if (command instanceof SetCapacity set) {
            return Notice.normal("Scale", SCALING, "Scaling from " + from + " to " + set.capacity().desired()
                    + " (scaling group " + set.group() + ")" + attempt);
        }
        if (command instanceof TerminateInstances terminate) {
            Map<String, String> nodes = status == null ? Map.of() : status.members().stream()
                    .filter(PoolMember::hasNode)
                    .collect(Collectors.toMap(PoolMember::providerID, PoolMember::nodeName, (a, b) -> a));
            String which = terminate.providerIDs().stream().map(id -> nodes.containsKey(id)
                    ? id + " (Node " + nodes.get(id) + ")" : id).collect(Collectors.joining(", "));
            int n = terminate.providerIDs().size();
            return Notice.normal("Terminate", TERMINATING, "Terminating " + n + (n == 1 ? " instance: " : " instances: ")
                    + which + "; scaling from " + from + " to " + Math.max(0, from - n) + attempt);
        }
        if (command instanceof RollOut rollOut) {
            return Notice.normal("RollOut", ROLLING_OUT, "Rolling out the template (Kubernetes "
                    + rollOut.template().version() + ", infrastructure pool generation "
                    + rollOut.template().infrastructureGeneration() + ") to scaling group " + rollOut.group() + attempt);
        }
        if (command instanceof DeleteGroup delete) {
            return Notice.normal("Delete", DELETING_GROUP, "Deleting scaling group " + delete.group() + attempt);
        }
        return Notice.normal("Command", command.getClass().getSimpleName(), command.id());
    }

    public static Notice draining(Memory.Drain drain) {
        return Notice.normal("Drain", DRAINING, "Draining " + node(drain) + " before its instance is terminated"
                + (drain.nodeName().isEmpty() ? " (no Node of it was seen: it is looked for by provider ID)" : "")
                + (drain.deadline() == null ? "" : ", until " + drain.deadline()));
    }

    /** How a Node's drain ended. */
    public static Notice drained(Memory.Drain drain, DrainOutcome outcome, Instant now, Retries retries) {
        String node = drain.nodeName().isEmpty() ? "The Node of instance " + drain.providerID() : node(drain);
        if (outcome instanceof DrainOutcome.Drained) {
            return Notice.normal("Drain", DRAINED, node + " drained in " + seconds(drain.startedAt(), now));
        }
        if (outcome instanceof DrainOutcome.NodeGone) {
            return Notice.normal("Drain", NODE_GONE, drain.nodeName().isEmpty()
                    ? "Instance " + drain.providerID() + " has no Node in its workload cluster: nothing to drain"
                    : node + " is gone: nothing to drain");
        }
        if (outcome instanceof DrainOutcome.Skipped) {
            return Notice.normal("Drain", DRAIN_SKIPPED, node + " is not drained: its Machine carries "
                    + ClusterApi.EXCLUDE_NODE_DRAINING_ANNOTATION);
        }
        if (outcome instanceof DrainOutcome.TimedOut timedOut) {
            return Notice.warning("Drain", DRAIN_TIMED_OUT, node + ": drain timed out after "
                    + seconds(drain.startedAt(), now) + " (nodeDrainTimeoutSeconds) with "
                    + (timedOut.podsLeft() < 0 ? "an unknown number of" : String.valueOf(timedOut.podsLeft()))
                    + " pods left (" + timedOut.why() + "); terminating its instance anyway");
        }
        DrainOutcome.Failed failed = (DrainOutcome.Failed) outcome;
        return Notice.warning("Drain", DRAIN_FAILED, node + ": drain failed (" + failed.why()
                + "); its instance is not terminated; draining again in " + retries.delay(drain.failures() + 1)
                .toSeconds() + "s");
    }

    /** A victim whose Machine holds back its drain: nothing is done to it until the hooks' owners remove them. */
    public static Notice waitingForPreDrainHooks(MachineRequest request) {
        return Notice.normal("Drain", WAITING_FOR_PRE_DRAIN_HOOK, machine(request) + " carries pre-drain hook(s) "
                + String.join(", ", request.preDrainHooks()) + ": its Node is drained once they are removed");
    }

    /** A drained victim whose Machine holds back its termination. */
    public static Notice waitingForPreTerminateHooks(MachineRequest request) {
        return Notice.normal("Terminate", WAITING_FOR_PRE_TERMINATE_HOOK, machine(request)
                + " carries pre-terminate hook(s) " + String.join(", ", request.preTerminateHooks())
                + ": its instance is terminated once they are removed");
    }

    private static String machine(MachineRequest request) {
        return "Machine " + request.machine() + " (instance " + request.providerID() + ")";
    }

    /** A PodDisruptionBudget refused an eviction. */
    public static Notice evictionFailed(String nodeName, List<String> failures) {
        return Notice.warning("Drain", DRAIN_BLOCKED, "Node " + nodeName + ": evicting " + String.join(", ", failures)
                + " failed; retrying");
    }

    /**
     * A drain round that could not reach the workload cluster (no kubeconfig Secret, an API error, a cordon that did
     * not hold): the drain keeps trying.
     *
     * @param node as the drain names it: {@code Node <name>}, or {@code the Node of instance <provider ID>}
     */
    public static Notice cannotDrain(String node, String problem) {
        return Notice.warning("Drain", DRAIN_BLOCKED, "Cannot drain " + node + " yet (" + problem + "); retrying");
    }

    public static Notice blocked(String nodeName, List<String> pods) {
        return Notice.warning("Drain", DRAIN_BLOCKED, "Node " + nodeName + ": eviction of " + String.join(", ", pods)
                + " refused by a PodDisruptionBudget; retrying");
    }

    private static String node(Memory.Drain drain) {
        return drain.nodeName().isEmpty() ? "the Node of instance " + drain.providerID()
                : "Node " + drain.nodeName() + " (" + drain.providerID() + ")";
    }

    private static String seconds(Instant from, Instant to) {
        return from == null ? "?" : Duration.between(from, to).toSeconds() + "s";
    }

    private Notices() {
    }
}
