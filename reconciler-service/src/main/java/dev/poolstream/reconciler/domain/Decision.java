package dev.poolstream.reconciler.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.command.ScalingGroupCommand;
import java.util.List;

/**
 * What one look at a pool decides.
 *
 * @param commands  to the pool's cloud, in order
 * @param drains    Nodes to cordon and drain before their instances are terminated
 * @param actions   writes to the management cluster
 * @param memory    what to remember for the next look
 * @param blocked   why nothing is done, when something should be (an invalid spec); null otherwise
 */
public record Decision(List<ScalingGroupCommand> commands, List<Memory.Drain> drains, List<KubeAction> actions,
                       Memory memory, Failure blocked) {

    static Decision nothing(Memory memory) {
        return new Decision(List.of(), List.of(), List.of(), memory, null);
    }
}
