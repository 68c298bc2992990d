package dev.poolstream.reconciler.domain;

import java.time.Instant;
import java.util.Map;

/**
 * What the reconciler remembers of a pool between looks. All of it can be lost (a restart): the next look then
 * makes the same decisions again, whose commands carry the same ids, so the providers ignore them.
 *
 * @param templateKey the pool template the last look saw; a different one means a roll-out
 * @param awaiting    the capacity command sent and not yet carried out: nothing else changes the group's size
 *                    until the provider reports it ({@code ScalingGroupState.lastCommandId}) or {@code since} is old
 * @param drains      provider ID → the drain of a victim, started or done
 */
public record Memory(String templateKey, Awaiting awaiting, Map<String, Drain> drains) {

    public static final Memory EMPTY = new Memory(null, null, Map.of());

    public Memory {
        drains = drains == null ? Map.of() : Map.copyOf(drains);
    }

    public record Awaiting(String commandId, Instant since) {
    }

    /** @param done the Node is cordoned and empty, or its drain timed out */
    public record Drain(String nodeName, boolean done) {
    }

    Memory withTemplateKey(String key) {
        return new Memory(key, awaiting, drains);
    }

    Memory withAwaiting(Awaiting next) {
        return new Memory(templateKey, next, drains);
    }

    Memory withDrains(Map<String, Drain> next) {
        return new Memory(templateKey, awaiting, next);
    }
}
