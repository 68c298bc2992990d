package dev.poolstream.provider.domain;

import dev.poolstream.events.InstanceState;
import dev.poolstream.events.ScalingGroupState;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the provider knows of one pool: its group, the state and instances it last published, and when to look
 * again. Not thread-safe: the engine holds the pool's lock while it reads or changes it (one thread per pool).
 */
public final class PoolRecord {

    private final String pool;
    private String group;
    private ScalingGroupState lastState;
    private final Map<String, InstanceState> published = new HashMap<>();
    private Instant lastCommandAt;
    private Instant nextPollAt = Instant.EPOCH;
    private int pollFailures;

    public PoolRecord(String pool, String group) {
        this.pool = pool;
        this.group = group;
    }

    public String pool() {
        return pool;
    }

    public String group() {
        return group;
    }

    public void group(String group) {
        this.group = group;
    }

    public Optional<ScalingGroupState> lastState() {
        return Optional.ofNullable(lastState);
    }

    public void lastState(ScalingGroupState state) {
        this.lastState = state;
    }

    /** The instances last published for the pool, by provider ID. */
    public Map<String, InstanceState> published() {
        return published;
    }

    /** Records what was published: upserts replace, tombstones remove. */
    public void applied(InventoryDiff diff) {
        diff.upserts().forEach(i -> published.put(i.providerID(), i));
        diff.tombstones().forEach(published::remove);
    }

    public Instant lastCommandAt() {
        return lastCommandAt;
    }

    public void lastCommandAt(Instant at) {
        this.lastCommandAt = at;
    }

    public Instant nextPollAt() {
        return nextPollAt;
    }

    public void nextPollAt(Instant at) {
        this.nextPollAt = at;
    }

    public int pollFailures() {
        return pollFailures;
    }

    public void pollFailures(int failures) {
        this.pollFailures = failures;
    }

    /** Whether the group exists as far as the provider last published. */
    public boolean groupExists() {
        return lastState != null && lastState.exists();
    }
}
