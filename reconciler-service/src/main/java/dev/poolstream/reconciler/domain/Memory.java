package dev.poolstream.reconciler.domain;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * What the reconciler remembers of a pool between looks. All of it can be lost (a restart): the next look then
 * makes the same decisions again, whose commands carry the same ids, so the providers ignore them.
 *
 * @param templateKey the pool template the last look saw; a different one means a roll-out
 * @param awaiting    the capacity command sent and not yet carried out: nothing else changes the group's size
 *                    until the provider reports it, or a command sent after it ({@code ScalingGroupState
 *                    .lastCommandId}: a pool's commands are applied in order), or {@code since} is old
 * @param drains      provider ID → the drain of a victim, started or done
 */
public record Memory(String templateKey, Awaiting awaiting, Map<String, Drain> drains) {

    public static final Memory EMPTY = new Memory(null, null, Map.of());

    public Memory {
        drains = drains == null ? Map.of() : Map.copyOf(drains);
    }

    /** @param commandIds the awaited command and those sent after it: seeing any of them applied means it was */
    public record Awaiting(Set<String> commandIds, Instant since) {

        public Awaiting {
            commandIds = Set.copyOf(commandIds);
        }

        static Awaiting of(String commandId, Instant since) {
            return new Awaiting(Set.of(commandId), since);
        }

        Awaiting andThen(String commandId) {
            Set<String> ids = new java.util.HashSet<>(commandIds);
            ids.add(commandId);
            return new Awaiting(ids, since);
        }

        boolean carriedOut(String lastCommandId) {
            return lastCommandId != null && commandIds.contains(lastCommandId);
        }
    }

    /** @param done the Node is cordoned and empty, or its drain timed out */
    public record Drain(String providerID, String nodeName, boolean done) {

        public Drain finished() {
            return new Drain(providerID, nodeName, true);
        }
    }

    Memory withTemplateKey(String key) {
        return new Memory(key, awaiting, drains);
    }

    Memory withAwaiting(Awaiting next) {
        return new Memory(templateKey, next, drains);
    }

    public Memory withDrains(Map<String, Drain> next) {
        return new Memory(templateKey, awaiting, next);
    }
}
