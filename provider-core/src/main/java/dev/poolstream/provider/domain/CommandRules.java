package dev.poolstream.provider.domain;

import java.util.Optional;

/**
 * What one cloud accepts in a command, decided without I/O: the group names it can hold, the provider IDs that can be
 * an instance of a group, whether a template must carry the infrastructure spec. {@link CommandChecks} applies them
 * before any cloud call. The defaults accept everything (the sandbox's simulated cloud, the in-memory test cloud).
 */
public interface CommandRules {

    /** Accepts every name and provider ID, and templates without an infrastructure spec. */
    CommandRules ANY = new CommandRules() {
    };

    /** Why {@code group} cannot name a group on this cloud; empty when it can. */
    default Optional<String> groupNameProblem(String group) {
        return Optional.empty();
    }

    /**
     * Why {@code providerID} cannot be an instance of {@code group} on this cloud (not this cloud's form, another
     * account's, another group's where the ID says); empty when it can be. Whether the group holds it now is the
     * describe's to say.
     */
    default Optional<String> instanceProblem(String group, String providerID) {
        return Optional.empty();
    }

    /** Whether EnsureGroup and RollOut must carry the infrastructure pool's spec (a real cloud builds from it). */
    default boolean requiresInfrastructure() {
        return false;
    }
}
