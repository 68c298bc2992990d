package dev.poolstream.provider.cloud;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.provider.domain.CommandRules;
import dev.poolstream.provider.domain.GroupOwnership;
import dev.poolstream.provider.domain.GroupShape;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.GroupUpdate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The port every cloud implements: AWS Auto Scaling, Azure VM Scale Sets, the sandbox's simulated cloud.
 *
 * <p>Writes happen only where the engine's plan asks for them (the plan compares what {@link #describe} returns
 * with the command), so an adapter does not compare again, except inside {@link #ensureTemplate}, where what a
 * template holds is the cloud's own business.
 *
 * <p>Failures: {@link CommandRefusedException} for what retrying cannot fix (the cloud rejects the request as
 * invalid), {@link RetryableCommandException} for what it may (throttling or a 5xx that outlasted the client's own
 * retries, an unreachable endpoint, a Secret not there yet).
 *
 * <p>Ownership: a cloud that names its {@link #ownership() tags} has the engine refuse every write and delete on a
 * group (or a template) that does not carry them for the command's pool ({@link GroupOwnership}), and stamp them on
 * every group it creates. The adapter's write methods are called only after that check.
 */
public interface ScalingGroup {

    Cloud cloud();

    /**
     * The names of the tags that make a group a pool's own on this cloud. Empty (the default) for a cloud that keeps
     * no such tags, such as the sandbox's simulated cloud: the engine then checks nothing.
     */
    default Optional<GroupOwnership.TagNames> ownership() {
        return Optional.empty();
    }

    /**
     * What this cloud accepts in a command (group names, provider IDs, a template's infrastructure spec), checked
     * before any cloud call. Computes only. The default accepts everything.
     */
    default CommandRules rules() {
        return CommandRules.ANY;
    }

    /**
     * The tags of the group's template where the cloud keeps one apart from the group (AWS: the launch template named
     * as the group) and it exists; empty when there is none, or the template is part of the group (the default).
     * The engine asks only when the group does not exist, before it writes or deletes the template. Reads only.
     */
    default Optional<Map<String, String>> templateTags(String group) {
        return Optional.empty();
    }

    /** The group with its instances, or empty when it does not exist. Reads only. */
    Optional<GroupSnapshot> describe(String group);

    /**
     * Where the group's instances go, how it is tagged and which of the cloud's processes it suspends, for this
     * template. Computes only (no I/O); a placement that cannot be read from the template gives a shape that says why
     * ({@link GroupShape#unplaced}); refuses another invalid template with a {@link CommandRefusedException}.
     */
    GroupShape shapeOf(String pool, String group, GroupTemplate template);

    /**
     * Makes sure the group's template holds what {@code template} asks for, including the bootstrap data read from
     * its Secret now, and returns the version to use. Writes a new version only when the content differs from
     * {@code currentVersion} (the group's) and from the newest one.
     */
    TemplateVersion ensureTemplate(String pool, String group, GroupTemplate template, Optional<String> currentVersion);

    /**
     * Whether an existing group can be moved from placement {@code from} to {@code to} by an update (both in the
     * cloud's own terms, as {@link #describe} and {@link #shapeOf} give them). The default says yes. Computes only.
     */
    default boolean canMovePlacement(List<String> from, List<String> to) {
        return true;
    }

    void create(String pool, String group, GroupShape shape, String templateVersion, Capacity capacity);

    /** Applies the non-null parts of {@code update}; {@code update} is never empty. */
    void update(String group, GroupUpdate update);

    /** Terminates the instances (cloud instance ids) and lowers desired capacity by as many. */
    void terminate(String group, List<String> instanceIds);

    /**
     * For a TerminateInstances: ends the named instances that left the group without being terminated, and says
     * whether it wrote. {@code providerIDs} are the named instances the plan left out, as the group does not hold
     * them or holds them as already leaving; {@code described} is the group as described for the plan.
     *
     * <p>A cloud whose {@link #terminate} is one write never leaves such instances behind: the default does nothing,
     * without I/O. Where terminate takes two writes (AWS: detach from the group, then terminate), a provider that
     * stopped between them leaves instances running outside the group; the command is then carried out again, and
     * this ends them. Only instances that carry {@code pool}'s ownership tag may be ended (the group may be gone, so
     * its tags cannot be checked).
     */
    default boolean finishTerminate(String pool, String group, Optional<GroupSnapshot> described,
                                    List<String> providerIDs) {
        return false;
    }

    /** Deletes the group with all its instances. */
    void delete(String group);

    /** Deletes the group's template if there is one; says whether there was (and so whether it wrote). */
    boolean deleteTemplate(String group);

    /**
     * A template version, and whether ensuring it wrote a new one.
     */
    record TemplateVersion(String version, boolean written) {
    }
}
