package dev.poolstream.status.domain;

import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolStatus;
import dev.poolstream.events.lifecycle.NodeJoined;
import dev.poolstream.events.lifecycle.NodeReady;
import dev.poolstream.events.lifecycle.NodeRemoved;
import dev.poolstream.events.lifecycle.PoolError;
import dev.poolstream.events.lifecycle.PoolLifecycleEvent;
import dev.poolstream.events.lifecycle.PoolReady;
import dev.poolstream.events.lifecycle.RolloutProgress;
import dev.poolstream.events.lifecycle.ScalingFinished;
import dev.poolstream.events.lifecycle.ScalingStarted;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A lifecycle event's CloudEvents id, from what makes the transition the one it is, never from when it was seen: a
 * transition looked at again after a restart (the topology is at-least-once, docs/status.md) gets the id it had, so a
 * subscriber drops the second copy; two different transitions get different ids. The parts, per event:
 * <ul>
 *     <li>ScalingStarted, ScalingFinished: generation, from and to replicas, and the run's ordinal (the pool's how
 *     manyth scale run: a scale from 3 to 5 that comes again in one generation, as an autoscaler outside Cluster API
 *     makes it, is another);</li>
 *     <li>NodeJoined, NodeRemoved: provider ID and the Node's uid (a Node recreated under its name joins anew);</li>
 *     <li>NodeReady: provider ID, the Node's uid and its Ready condition's last transition time;</li>
 *     <li>RolloutProgress: generation, up-to-date and replicas;</li>
 *     <li>PoolReady: generation, replicas and the latest Ready transition of its Nodes (Ready again after a Node was
 *     not is another event);</li>
 *     <li>PoolError: generation, the reason and the error's ordinal (one that clears and comes back is another).</li>
 * </ul>
 */
public final class LifecycleIds {

    /**
     * The ordinals are the view's counts after the look that published the event: a look starts at most one scale run
     * and publishes at most one PoolError, and the run a ScalingFinished ends is the last one started. A restart that
     * looks again from the view before the event counts the same; one from the view after it publishes no such event
     * again (it sends the view's recent events, with their ids).
     *
     * @param view     the view the look left (its counts)
     * @param previous the status before it (null at a pool's first look): where a removed member is found
     */
    public static String of(PoolLifecycleEvent event, PoolView view, PoolStatus previous) {
        PoolStatus current = view.status();
        String identity = identity(event, view, current, previous);
        String name = event.getClass().getSimpleName() + "\n" + event.pool() + "\n" + identity;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static String identity(PoolLifecycleEvent event, PoolView view, PoolStatus current,
                                   PoolStatus previous) {
        if (event instanceof ScalingStarted e) {
            return e.generation() + "/" + e.fromReplicas() + "/" + e.toReplicas() + "/" + view.scalingRuns();
        } else if (event instanceof ScalingFinished e) {
            return e.generation() + "/" + e.fromReplicas() + "/" + e.toReplicas() + "/" + view.scalingRuns();
        } else if (event instanceof NodeJoined e) {
            return e.providerID() + "/" + nodeUid(member(current, e.providerID()));
        } else if (event instanceof NodeReady e) {
            PoolMember member = member(current, e.providerID());
            return e.providerID() + "/" + nodeUid(member) + "/" + (member == null ? null : member.nodeReadySince());
        } else if (event instanceof NodeRemoved e) {
            return e.providerID() + "/" + nodeUid(member(previous, e.providerID()));
        } else if (event instanceof RolloutProgress e) {
            return e.generation() + "/" + e.upToDate() + "/" + e.replicas();
        } else if (event instanceof PoolReady e) {
            return e.generation() + "/" + e.replicas() + "/" + latestReady(current);
        } else if (event instanceof PoolError e) {
            return generation(current) + "/" + e.failure().reason() + "/" + view.errors();
        }
        throw new IllegalArgumentException("no identity for " + event.getClass().getName());
    }

    private static PoolMember member(PoolStatus status, String providerID) {
        if (status == null) {
            return null;
        }
        return status.members().stream().filter(m -> Objects.equals(m.providerID(), providerID)).findFirst()
                .orElse(null);
    }

    private static String nodeUid(PoolMember member) {
        return member == null ? null : member.nodeUid();
    }

    private static Instant latestReady(PoolStatus status) {
        return status == null ? null : status.members().stream().map(PoolMember::nodeReadySince)
                .filter(Objects::nonNull).max(Instant::compareTo).orElse(null);
    }

    private static Long generation(PoolStatus status) {
        return status == null ? null : status.generation();
    }

    private LifecycleIds() {
    }
}
