package dev.poolstream.reconciler.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.command.ScalingGroupCommand;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one look at a pool decides.
 *
 * @param commands    to the pool's cloud, in order
 * @param drains      Nodes to cordon and drain before their instances are terminated
 * @param actions     writes to the management cluster
 * @param memory      what to remember for the next look
 * @param blocked     why nothing is done, when something should be (an invalid spec); null otherwise
 * @param bootstrap   the pool's bootstrap config to read (owner mode), and when; null for none
 * @param notices     what a user should see of this look (a command failed, and when it is tried again)
 * @param retrying    the pool is retrying a command that failed: which, why, when; null when it is not
 * @param lookAgainAt when to look at the pool again though nothing changes (a retry's backoff over, an awaited
 *                    command's timeout); null for no such time
 */
public record Decision(List<ScalingGroupCommand> commands, List<Memory.Drain> drains, List<KubeAction> actions,
                       Memory memory, Failure blocked, BootstrapData.Read bootstrap, List<Notice> notices,
                       Failure retrying, Instant lookAgainAt) {

    public Decision {
        commands = List.copyOf(commands);
        drains = List.copyOf(drains);
        actions = List.copyOf(actions);
        notices = List.copyOf(notices);
    }

    public Decision(List<ScalingGroupCommand> commands, List<Memory.Drain> drains, List<KubeAction> actions,
                    Memory memory, Failure blocked) {
        this(commands, drains, actions, memory, blocked, null, List.of(), null, null);
    }

    static Decision nothing(Memory memory) {
        return new Decision(List.of(), List.of(), List.of(), memory, null);
    }

    /** The same, with {@code action} first. */
    Decision withFirst(KubeAction action) {
        List<KubeAction> all = new ArrayList<>();
        all.add(action);
        all.addAll(actions);
        return new Decision(commands, drains, all, memory, blocked, bootstrap, notices, retrying, lookAgainAt);
    }

    /** The same, with these commands instead. */
    Decision withCommands(List<ScalingGroupCommand> next) {
        return new Decision(next, drains, actions, memory, blocked, bootstrap, notices, retrying, lookAgainAt);
    }

    Decision withBootstrap(BootstrapData.Step step) {
        if (step.read() == null && step.write() == null) {
            return this;
        }
        List<KubeAction> all = new ArrayList<>(actions);
        if (step.write() != null) {
            all.add(new KubeAction.SetBootstrapDataSecretName(step.write()));
        }
        return new Decision(commands, drains, all, memory, blocked, step.read(), notices, retrying, lookAgainAt);
    }

    Decision lookAgainAt(Instant at) {
        return new Decision(commands, drains, actions, memory, blocked, bootstrap, notices, retrying,
                earliest(lookAgainAt, at));
    }

    /** Besides this decision: more writes (after its own), more notices, and maybe an earlier look. */
    Decision and(List<KubeAction> moreActions, List<Notice> moreNotices, Instant at) {
        List<KubeAction> allActions = new ArrayList<>(actions);
        allActions.addAll(moreActions);
        List<Notice> allNotices = new ArrayList<>(notices);
        allNotices.addAll(moreNotices);
        return new Decision(commands, drains, allActions, memory, blocked, bootstrap, allNotices, retrying,
                earliest(lookAgainAt, at));
    }

    /** The notices go first; the state of the retries and their time come from the memory. */
    Decision finish(List<Notice> earlier, Retries retries, Instant now) {
        List<Notice> all = new ArrayList<>(earlier);
        all.addAll(notices);
        return new Decision(commands, drains, actions, memory, blocked, bootstrap, all,
                memory.attempts().retrying(retries, now),
                earliest(lookAgainAt, memory.attempts().nextRetryAt(now)));
    }

    static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }
}
