package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.member;

import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cloud group and a status service in miniature, for one pool, in steps: each step the reconciler looks once, the
 * cloud carries out the look's commands at once and every drain it started ends {@code Drained}, then the instances
 * that have booted long enough turn Ready. An instance a capacity command launches boots for {@code bootLooks} looks:
 * that many looks see it without a Node and not Ready (0: Ready before the next look), as a real instance takes a
 * minute or so to join. The fewest Ready instances and the most instances are recorded after every change.
 */
final class SimulatedPool {

    final List<PoolMember> members = new ArrayList<>();
    /** providerID → the step at whose end it turns Ready. */
    private final Map<String, Integer> booting = new HashMap<>();
    private final int bootLooks;
    int desired;
    String lastCommand = "start";
    boolean templateRolled;
    int minReady;
    int maxMembers;
    /** The instances terminated, and whether each was out of date when it was. */
    final List<PoolMember> terminated = new ArrayList<>();
    /** The most instances booting at once. */
    int maxBooting;
    private int next = 100;
    private int step;

    SimulatedPool(int replicas, int bootLooks) {
        for (int i = 1; i <= replicas; i++) {
            members.add(member(i, true, true));
        }
        this.bootLooks = bootLooks;
        desired = replicas;
        minReady = replicas;
        maxMembers = replicas;
    }

    ScalingGroupState group() {
        return Pools.group(desired, lastCommand);
    }

    PoolStatus status() {
        return Pools.status(List.copyOf(members));
    }

    int ready() {
        return (int) members.stream().filter(PoolMember::ready).count();
    }

    boolean allUpToDate() {
        return templateRolled && members.stream().allMatch(PoolMember::upToDate);
    }

    /**
     * One step: the look's commands carried out, its drains ended, then the booted instances Ready.
     *
     * @param now when the look was made: its drains end then
     * @return what the reconciler remembers for the next look (its drains ended)
     */
    Memory apply(Decision decision, Instant now) {
        Map<String, Memory.Drain> drained = new HashMap<>();
        decision.memory().drains().forEach((id, d) -> drained.put(id, d.ended(new DrainOutcome.Drained(),
                now, Retries.DEFAULT)));
        for (var command : decision.commands()) {
            if (command instanceof RollOut) {
                templateRolled = true;
                members.replaceAll(m -> new PoolMember(m.providerID(), m.nodeName(), m.nodeUid(), m.lifecycle(),
                        m.launchTime(), m.ready(), m.available(), false, false, true));
            } else if (command instanceof SetCapacity set) {
                while (members.size() < set.capacity().desired()) {
                    launch();
                }
                desired = set.capacity().desired();
            } else if (command instanceof TerminateInstances terminate) {
                members.stream().filter(m -> terminate.providerIDs().contains(m.providerID()))
                        .forEach(terminated::add);
                members.removeIf(m -> terminate.providerIDs().contains(m.providerID()));
                terminate.providerIDs().forEach(booting::remove);
                desired -= terminate.providerIDs().size();
            }
            lastCommand = command.id();
            record();
        }
        maxBooting = Math.max(maxBooting, booting.size());
        boot();
        step++;
        return decision.memory().withDrains(drained);
    }

    private void launch() {
        int n = next++;
        if (bootLooks == 0) {
            members.add(member(n, true, true));
            return;
        }
        // Booting: no Node yet, so not Ready.
        members.add(new PoolMember("aws:///us-east-1a/i-" + String.format("%04d", n), "", null,
                InstanceLifecycle.RUNNING, Pools.T0.plusSeconds(n), false, false, true, false, false));
        booting.put(members.get(members.size() - 1).providerID(), step + bootLooks);
    }

    private void boot() {
        for (int i = 0; i < members.size(); i++) {
            PoolMember m = members.get(i);
            Integer at = booting.get(m.providerID());
            if (at != null && at <= step) {
                booting.remove(m.providerID());
                int n = Integer.parseInt(m.providerID().substring(m.providerID().lastIndexOf('-') + 1));
                PoolMember joined = member(n, true, true);
                members.set(i, new PoolMember(joined.providerID(), joined.nodeName(), joined.nodeUid(),
                        joined.lifecycle(), m.launchTime(), true, true, m.upToDate(), false, true));
            }
        }
        record();
    }

    private void record() {
        minReady = Math.min(minReady, ready());
        maxMembers = Math.max(maxMembers, members.size());
    }
}
