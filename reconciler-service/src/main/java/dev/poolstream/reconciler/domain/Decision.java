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
 * @param bootstrap the pool's bootstrap config to read (owner mode), and when; null for none
 */
public record Decision(List<ScalingGroupCommand> commands, List<Memory.Drain> drains, List<KubeAction> actions,
                       Memory memory, Failure blocked, BootstrapData.Read bootstrap) {

    public Decision(List<ScalingGroupCommand> commands, List<Memory.Drain> drains, List<KubeAction> actions,
                    Memory memory, Failure blocked) {
        this(commands, drains, actions, memory, blocked, null);
    }

    static Decision nothing(Memory memory) {
        return new Decision(List.of(), List.of(), List.of(), memory, null);
    }

    Decision withBootstrap(BootstrapData.Step step) {
        if (step.read() == null && step.write() == null) {
            return this;
        }
        List<KubeAction> all = new java.util.ArrayList<>(actions);
        if (step.write() != null) {
            all.add(new KubeAction.SetBootstrapDataSecretName(step.write()));
        }
        return new Decision(commands, drains, List.copyOf(all), memory, blocked, step.read());
    }
}
