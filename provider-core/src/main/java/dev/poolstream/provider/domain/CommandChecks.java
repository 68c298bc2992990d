package dev.poolstream.provider.domain;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every check a command passes before the provider acts on it, in one place. Two steps:
 *
 * <ol>
 *   <li>{@link #beforeCloud}, before any cloud call and before the bootstrap Secret is read: the record's key is the
 *       command's pool, the command is well formed (ids, names, sizes, the template, the named instances), its
 *       bootstrap Secret is in the pool's namespace, it is for this cloud;</li>
 *   <li>{@link #ownership}, on the describe the command makes anyway: the group (or its separate template) is the
 *       pool's own ({@link GroupOwnership}).</li>
 * </ol>
 *
 * <p>A command that fails either is refused (dead-lettered with the reason, nothing written). Pure: no I/O.
 * Messages name what is wrong, quote user-supplied strings cut short, and never hold Secret contents.
 */
public final class CommandChecks {

    /** A namespace: an RFC 1123 label. */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** A MachinePool or Secret name: an RFC 1123 subdomain (length checked apart). */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    private static final int MAX_NAME = 253;
    /** How much of a user-supplied string a message quotes. */
    static final int QUOTE_LIMIT = 80;

    /**
     * Empty when the command may be carried out (as far as can be told without the cloud), else why not. Checked in
     * this order, the first problem wins: the key, the command's own fields, the bootstrap Secret's namespace, the
     * capacity, the template, the named instances.
     *
     * @param recordKey the Kafka record's key: commands are keyed by their pool, so that one pool's commands stay in
     *                  order on one partition; a record keyed otherwise is not trusted to be the pool's
     * @param cloud     the cloud this provider serves
     */
    public static Optional<Failure> beforeCloud(String recordKey, ScalingGroupCommand command, Cloud cloud,
                                                CommandRules rules) {
        if (command == null) {
            return invalid("the record holds no command");
        }
        if (!command.pool().equals(recordKey)) {
            return Optional.of(new Failure(Reasons.KEY_MISMATCH, "the record's key " + quote(recordKey)
                    + " is not the pool the command names, " + quote(command.pool()) + ": commands are keyed by their "
                    + "pool, so that one pool's commands stay in order; the command was not carried out"));
        }
        return fields(command, rules)
                .or(() -> BootstrapSecretScope.check(command.pool(), secretOf(command)))
                .or(() -> capacity(command))
                .or(() -> template(command, cloud, rules))
                .or(() -> instances(command, rules));
    }

    /**
     * Empty when a group (or, with {@code template}, its separate template) with these tags is the command's pool's
     * own, or the cloud names no ownership tags; else why not ({@link Reasons#GROUP_NOT_OWNED}).
     *
     * @param names    the cloud's ownership tag names; empty for a cloud that keeps none
     * @param resource the group's (or template's) name, for the message
     */
    public static Optional<Failure> ownership(Optional<GroupOwnership.TagNames> names, ScalingGroupCommand command,
                                              String resource, Map<String, String> tags, boolean template) {
        return names.flatMap(n -> GroupOwnership.check(n,
                template && n.templateKind() != null ? n.templateKind() : n.groupKind(), resource, tags,
                command.pool(), clusterOf(command)));
    }

    /** The group as the command's pool may see it: empty when it is not the pool's own. */
    public static Optional<GroupSnapshot> visible(Optional<GroupOwnership.TagNames> names, ScalingGroupCommand command,
                                                  Optional<GroupSnapshot> group) {
        return GroupOwnership.visible(names, group, command.pool(), clusterOf(command));
    }

    /**
     * The cluster a command names (in its template, or its own {@code cluster}), or null: a record from before the
     * others named one, whose group is then any single cluster's.
     */
    public static String clusterOf(ScalingGroupCommand command) {
        GroupTemplate template = templateOf(command);
        String cluster = template != null ? template.clusterName()
                : command instanceof SetCapacity c ? c.cluster()
                : command instanceof TerminateInstances c ? c.cluster()
                : command instanceof DeleteGroup c ? c.cluster() : null;
        return cluster == null || cluster.isBlank() ? null : cluster;
    }

    /** The fingerprint of the template a command carries (EnsureGroup, RollOut), or null. */
    public static String templateFingerprint(ScalingGroupCommand command) {
        GroupTemplate template = templateOf(command);
        return template == null ? null : template.fingerprint();
    }

    /** The bootstrap Secret a command will have read, or null. */
    public static SecretRef secretOf(ScalingGroupCommand command) {
        GroupTemplate template = templateOf(command);
        return template == null ? null : template.bootstrapDataSecret();
    }

    private static GroupTemplate templateOf(ScalingGroupCommand command) {
        if (command instanceof EnsureGroup ensure) {
            return ensure.template();
        }
        if (command instanceof RollOut rollOut) {
            return rollOut.template();
        }
        return null;
    }

    // Records make lists and maps without null elements or keys (List.copyOf, TreeMap): blank is what is left to check.

    /** The fields every command has: its id, its pool key, its generation, its group. */
    private static Optional<Failure> fields(ScalingGroupCommand command, CommandRules rules) {
        if (command.id().isBlank()) {
            return invalid("the command has no id");
        }
        Optional<String> pool = poolKeyProblem(command.pool());
        if (pool.isPresent()) {
            return invalid(pool.get());
        }
        if (command.generation() < 0) {
            return invalid("the generation " + command.generation() + " is negative");
        }
        if (command.group().isBlank()) {
            return invalid("the command names no group");
        }
        return rules.groupNameProblem(command.group()).flatMap(problem -> invalid("the group name "
                + quote(command.group()) + " " + problem));
    }

    /** Why a pool key is not {@code <namespace>/<name>} as Kubernetes names them; empty when it is. */
    public static Optional<String> poolKeyProblem(String pool) {
        int slash = pool.indexOf('/');
        if (slash < 0 || pool.indexOf('/', slash + 1) >= 0) {
            return Optional.of("the pool " + quote(pool) + " is not <namespace>/<name>");
        }
        String namespace = pool.substring(0, slash);
        String name = pool.substring(slash + 1);
        if (!NAMESPACE.matcher(namespace).matches()) {
            return Optional.of("the pool " + quote(pool) + " has no valid namespace (an RFC 1123 label)");
        }
        if (name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
            return Optional.of("the pool " + quote(pool) + " has no valid name (an RFC 1123 subdomain)");
        }
        return Optional.empty();
    }

    private static Optional<Failure> capacity(ScalingGroupCommand command) {
        if (command instanceof EnsureGroup ensure) {
            return CapacityRules.check(ensure.capacity());
        }
        if (command instanceof SetCapacity set) {
            return CapacityRules.check(set.capacity());
        }
        return Optional.empty();
    }

    private static Optional<Failure> template(ScalingGroupCommand command, Cloud cloud, CommandRules rules) {
        GroupTemplate template = templateOf(command);
        if (template == null) {
            return Optional.empty();
        }
        if (clusterOf(command) == null) {
            return invalidTemplate("the template names no cluster, so its group cannot be tagged as the cluster's "
                    + "own");
        }
        if (template.infrastructureGeneration() < 0) {
            return invalidTemplate("the infrastructure generation " + template.infrastructureGeneration()
                    + " is negative");
        }
        SecretRef secret = template.bootstrapDataSecret();
        if (secret != null && secret.name() != null
                && (secret.name().length() > MAX_NAME || !NAME.matcher(secret.name()).matches())) {
            return invalidTemplate("the bootstrap data Secret's name " + quote(secret.name())
                    + " is not a Secret name (an RFC 1123 subdomain)");
        }
        if (template.failureDomains().stream().anyMatch(String::isBlank)) {
            return invalidTemplate("a failure domain is empty");
        }
        if (template.tags().keySet().stream().anyMatch(String::isBlank)) {
            return invalidTemplate("a tag has no key");
        }
        if (template.infrastructure() == null) {
            return rules.requiresInfrastructure()
                    ? invalidTemplate("the template carries no infrastructure pool spec to build the group from")
                    : Optional.empty();
        }
        if (template.infrastructure().cloud() != cloud) {
            return Optional.of(new Failure(Reasons.WRONG_CLOUD, "the template is for " + template.infrastructure()
                    .cloud() + ", and this provider serves " + cloud));
        }
        return Optional.empty();
    }

    private static Optional<Failure> instances(ScalingGroupCommand command, CommandRules rules) {
        if (!(command instanceof TerminateInstances terminate)) {
            return Optional.empty();
        }
        if (terminate.providerIDs().isEmpty()) {
            return invalid("TerminateInstances names no instance");
        }
        for (String providerID : terminate.providerIDs()) {
            if (providerID.isBlank()) {
                return invalid("TerminateInstances names an empty provider ID");
            }
            Optional<String> problem = rules.instanceProblem(command.group(), providerID);
            if (problem.isPresent()) {
                return invalid("the named instance " + quote(providerID) + " cannot be one of group "
                        + quote(command.group()) + ": " + problem.get() + "; nothing was terminated");
            }
        }
        return Optional.empty();
    }

    /** A user-supplied string for a message: quoted, cut to {@value #QUOTE_LIMIT} characters, no control characters. */
    static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        String cut = s.length() > QUOTE_LIMIT ? s.substring(0, QUOTE_LIMIT) + "..." : s;
        StringBuilder out = new StringBuilder(cut.length() + 2).append('\'');
        cut.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.append('\'').toString();
    }

    private static Optional<Failure> invalid(String message) {
        return Optional.of(new Failure(Reasons.INVALID_COMMAND, message));
    }

    private static Optional<Failure> invalidTemplate(String message) {
        return Optional.of(new Failure(Reasons.INVALID_TEMPLATE, message));
    }

    private CommandChecks() {
    }
}
