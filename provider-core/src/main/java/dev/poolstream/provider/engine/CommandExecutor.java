package dev.poolstream.provider.engine;

import dev.poolstream.events.Failure;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import dev.poolstream.provider.cloud.CommandFencedException;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.cloud.ScalingGroup;
import dev.poolstream.provider.domain.CommandChecks;
import dev.poolstream.provider.domain.GroupOwnership;
import dev.poolstream.provider.domain.GroupPlanner;
import dev.poolstream.provider.domain.GroupShape;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.InventoryDiff;
import dev.poolstream.provider.domain.Plan;
import dev.poolstream.provider.domain.PoolRecord;
import dev.poolstream.provider.domain.Reasons;
import dev.poolstream.provider.domain.RecentIds;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one command: describe the group, plan, write only what the plan asks for, describe again, publish.
 * A command whose id was carried out before does nothing at all; a command the cloud already satisfies makes no
 * write (only reads) and still publishes the state with its id, so the reconciler sees it done.
 */
public class CommandExecutor {

    private static final Logger log = LoggerFactory.getLogger(CommandExecutor.class);

    /** What became of a command. */
    public enum Outcome { APPLIED, ALREADY_SATISFIED, DUPLICATE }

    private final ScalingGroup cloud;
    private final Inventory inventory;
    private final RecentIds recentIds;
    private final PoolLocks locks;
    private final PoolPublisher publisher;
    private final MeterRegistry meters;
    private final Clock clock;

    public CommandExecutor(ScalingGroup cloud, Inventory inventory, RecentIds recentIds, PoolLocks locks,
                           Publication publication, MeterRegistry meters, Clock clock) {
        this.cloud = cloud;
        this.inventory = inventory;
        this.recentIds = recentIds;
        this.locks = locks;
        this.publisher = new PoolPublisher(cloud.cloud(), publication);
        this.meters = meters;
        this.clock = clock;
    }

    /** Carries out a command read from a record keyed by its own pool (the key check passes by construction). */
    public Outcome execute(ScalingGroupCommand command) {
        return execute(command.pool(), command);
    }

    /**
     * Carries out a command read from a record with key {@code recordKey}. Every check that needs no cloud call
     * ({@link CommandChecks#beforeCloud}) comes first: a command that fails one is refused before the cloud is asked
     * anything and before its Secret is read.
     */
    public Outcome execute(String recordKey, ScalingGroupCommand command) {
        return execute(recordKey, command, () -> true);
    }

    /**
     * As {@link #execute(String, ScalingGroupCommand)}, asking {@code stillOurs} before each write step (the template,
     * the plan's writes, a terminate's finish, the template's delete; not between the calls of one step): once the
     * command's partition has gone to another consumer, it writes nothing more ({@link CommandFencedException}). A
     * write from a read made before the hand-over would undo what the new owner wrote since (on Azure, an absolute
     * capacity below it removes VMs of Azure's choosing, undrained).
     */
    public Outcome execute(String recordKey, ScalingGroupCommand command, BooleanSupplier stillOurs) {
        String kind = command.getClass().getSimpleName();
        if (recentIds.contains(command.id())) {
            log.info("{} {} for group {} was carried out before: nothing to do", kind, command.id(), command.group());
            count(kind, "duplicate");
            return Outcome.DUPLICATE;
        }
        ReentrantLock lock = locks.of(command.pool());
        lock.lock();
        try {
            Optional<Failure> invalid = CommandChecks.beforeCloud(recordKey, command, cloud.cloud(), cloud.rules());
            if (invalid.isPresent()) {
                refuseBeforeCloud(kind, command, invalid.get());
            }
            PoolRecord record = inventory.track(command.pool(), command.group());
            record.lastCommandAt(clock.instant());
            record.nextPollAt(clock.instant());
            // Null until the command's group is described and is the pool's own (or absent): only then is what the
            // cloud says of it published for the pool.
            Optional<GroupSnapshot> before = null;
            boolean writing = false;
            try {
                Optional<GroupSnapshot> described = cloud.describe(command.group());
                // A group that is not the pool's own is refused before any write, and is no group of the pool's:
                // neither it nor its instances are published for the pool, which keeps what it had.
                Optional<Failure> notOwned = described.flatMap(g -> CommandChecks.ownership(cloud.ownership(),
                        command, command.group(), g.tags(), false));
                if (notOwned.isPresent()) {
                    throw new CommandRefusedException(notOwned.get());
                }
                if (described.isEmpty() && !command.group().equals(record.group())
                        && !(command instanceof EnsureGroup)) {
                    // Not the pool's group, and not there: carried out as "nothing to do", its empty picture would
                    // say the pool's own instances are gone. Only an EnsureGroup moves a pool to a new group.
                    throw new CommandRefusedException(new Failure(Reasons.GROUP_NOT_FOUND, "group "
                            + command.group() + " does not exist, and the pool's group is " + record.group()
                            + ": nothing is done"));
                }
                before = described;
                Planned planned = plan(command, before, stillOurs);
                Plan plan = planned.plan();
                log.info("{} {} for group {} (generation {}): {}{}", kind, command.id(), command.group(),
                        command.generation(), describe(plan), planned.templateWritten() ? ", new template version" : "");
                if (plan instanceof Plan.Refuse refuse) {
                    throw new CommandRefusedException(refuse.failure());
                }
                record.group(command.group());
                fence(stillOurs, command);
                writing = true;
                boolean wrote = apply(command, plan) | planned.templateWritten();
                if (command instanceof TerminateInstances terminate) {
                    List<String> leftOut = GroupPlanner.leftOut(before, terminate.providerIDs());
                    if (!leftOut.isEmpty()) {
                        fence(stillOurs, command);
                        wrote |= cloud.finishTerminate(command.pool(), command.group(), before, leftOut);
                    }
                }
                if (command instanceof DeleteGroup && (before.isPresent() || ownTemplateExists(command))) {
                    fence(stillOurs, command);
                    wrote |= cloud.deleteTemplate(command.group());
                }
                Optional<GroupSnapshot> after = wrote ? ownOr(command, cloud.describe(command.group()), before)
                        : before;
                InventoryDiff diff = publisher.publish(record, after, command.generation(), command.id(), null, true,
                        CommandChecks.templateFingerprint(command));
                recentIds.add(command.id());
                log.info("{} {} done: {} write(s), published {} instance change(s) and {} tombstone(s)", kind,
                        command.id(), wrote ? "with" : "no", diff.upserts().size(), diff.tombstones().size());
                Outcome outcome = wrote ? Outcome.APPLIED : Outcome.ALREADY_SATISFIED;
                count(kind, outcome.name().toLowerCase());
                return outcome;
            } catch (CommandFencedException e) {
                count(kind, "fenced");
                log.info("{} {} for group {}: {}", kind, command.id(), command.group(), e.getMessage());
                throw e;
            } catch (CommandRefusedException e) {
                count(kind, "refused");
                log.warn("{} {} for group {} refused: {}", kind, command.id(), command.group(), e.getMessage());
                if (writing && !stillOurs.getAsBoolean()) {
                    // A write that failed after its partition went (an operation followed for up to a minute): the
                    // pool is another consumer's now, whose state this one's would stand over. The DLT says it.
                    log.warn("{} {}: its partition went to another consumer meanwhile; the failure is not published"
                            + " as the pool's state", kind, command.id());
                } else if (before != null && command.group().equals(record.group())) {
                    reportFailure(record, writing ? readAgain(command).orElse(before) : before, e.failure());
                } else {
                    reportFailureOnly(record, e.failure());
                }
                throw e;
            } catch (RetryableCommandException e) {
                count(kind, "retryable");
                // The caller decides whether it is tried again, and says so (with the pool) in its own line.
                log.debug("{} {} for group {} failed for a reason that may pass: {}", kind, command.id(),
                        command.group(), e.getMessage());
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses a command that failed a check made before any cloud call. The pool's state gets the failure as its last
     * error, without a read and without tracking a pool this provider did not know (which would have the poller
     * describe its group); a record keyed as another pool gets nothing published: it is not trusted to be the pool's,
     * and nor does a command of no pool (a state under its key would stay on the compacted topic for good).
     */
    private void refuseBeforeCloud(String kind, ScalingGroupCommand command, Failure failure) {
        count(kind, "refused");
        log.warn("{} {} for group {} refused before any cloud call: {}", kind, command.id(), command.group(),
                failure.message());
        if (!Reasons.KEY_MISMATCH.equals(failure.reason())
                && CommandChecks.poolKeyProblem(command.pool()).isEmpty()) {
            reportFailureOnly(inventory.get(command.pool()).orElseGet(() -> new PoolRecord(command.pool(),
                    command.group())), failure);
        }
        throw new CommandRefusedException(failure);
    }

    /**
     * Publishes the pool's state with the failure as its last error: for a command that went to the dead-letter
     * topic after its retries.
     */
    public void reportFailure(ScalingGroupCommand command, Failure failure) {
        ReentrantLock lock = locks.of(command.pool());
        lock.lock();
        try {
            PoolRecord record = inventory.track(command.pool(), command.group());
            count(command.getClass().getSimpleName(), "failed");
            if (!command.group().equals(record.group())) {
                // Another group than the pool's: what the cloud says of it is not the pool's to publish.
                reportFailureOnly(record, failure);
                return;
            }
            // Read only if a group was published: one never there has nothing to show but the failure.
            Optional<Optional<GroupSnapshot>> now = record.lastState().filter(s -> s.exists()).isPresent()
                    ? readAgain(command) : Optional.of(Optional.empty());
            if (now.isPresent()) {
                reportFailure(record, now.get(), failure);
            } else {
                reportFailureOnly(record, failure);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Publishes the failure as the pool's last error without reading the cloud: for a command waiting for another
     * attempt, so that the pool's condition says it is retrying and why. Keeps what was last published of the group.
     */
    public void reportRetrying(ScalingGroupCommand command, Failure failure) {
        ReentrantLock lock = locks.of(command.pool());
        lock.lock();
        try {
            reportFailureOnly(inventory.track(command.pool(), command.group()), failure);
        } finally {
            lock.unlock();
        }
    }

    private void reportFailure(PoolRecord record, Optional<GroupSnapshot> snapshot, Failure failure) {
        try {
            publisher.publish(record, snapshot, -1, null, failure, true);
        } catch (RuntimeException e) {
            log.warn("could not publish the failure of pool {}: {}", record.pool(), e.getMessage());
        }
    }

    /** Publishes the failure as the pool's last error, keeping what was last published of its group (no read). */
    private void reportFailureOnly(PoolRecord record, Failure failure) {
        try {
            publisher.publishFailure(record, failure);
        } catch (RuntimeException e) {
            log.warn("could not publish the failure of pool {}: {}", record.pool(), e.getMessage());
        }
    }

    /**
     * The group as the cloud has it now, to publish with a failure: after a write it refused or that failed part-way
     * (an Azure operation that ended failed after ARM took the new capacity) that is the cloud's picture, not the one
     * from before the write. Empty when it cannot be read (often why the command failed) or is there but no longer
     * the pool's own: its instances still run, and a picture without them would tombstone them.
     */
    private Optional<Optional<GroupSnapshot>> readAgain(ScalingGroupCommand command) {
        try {
            Optional<GroupSnapshot> group = cloud.describe(command.group());
            return group.isEmpty() || CommandChecks.visible(cloud.ownership(), command, group).isPresent()
                    ? Optional.of(group) : Optional.empty();
        } catch (RuntimeException e) {
            log.debug("pool {}: describing group {} after its failure failed: {}", command.pool(), command.group(),
                    e.toString());
            return Optional.empty();
        }
    }

    /** A plan, and whether making it already wrote a new template version. */
    private record Planned(Plan plan, boolean templateWritten) {
    }

    /** Throws when the command's partition has gone to another consumer: see {@link #execute}. */
    private static void fence(BooleanSupplier stillOurs, ScalingGroupCommand command) {
        if (!stillOurs.getAsBoolean()) {
            throw new CommandFencedException("its partition went to another consumer while it ran: no write, its new "
                    + "owner carries it out");
        }
    }

    private Planned plan(ScalingGroupCommand command, Optional<GroupSnapshot> before, BooleanSupplier stillOurs) {
        if (command instanceof EnsureGroup ensure) {
            GroupShape shape = shape(ensure, ensure.template());
            if (shape.unplaced() != null) {
                throw new CommandRefusedException(shape.unplaced()); // before any write: no template for it either
            }
            if (before.isEmpty()) {
                ownTemplateExists(ensure); // refuses a template of that name that is not the pool's own
            }
            fence(stillOurs, ensure);
            ScalingGroup.TemplateVersion version = cloud.ensureTemplate(ensure.pool(), ensure.group(),
                    ensure.template(), before.map(GroupSnapshot::templateVersion));
            return new Planned(GroupPlanner.ensure(before, shape, version.version(), ensure.capacity()),
                    version.written());
        }
        if (command instanceof SetCapacity set) {
            return new Planned(GroupPlanner.capacity(before, set.capacity()), false);
        }
        if (command instanceof RollOut rollOut) {
            Optional<Plan> refused = GroupPlanner.rollOutRefused(before);
            if (refused.isPresent()) {
                return new Planned(refused.get(), false);
            }
            GroupShape shape = rollOutShape(rollOut, before.get());
            fence(stillOurs, rollOut);
            ScalingGroup.TemplateVersion version = cloud.ensureTemplate(rollOut.pool(), rollOut.group(),
                    rollOut.template(), before.map(GroupSnapshot::templateVersion));
            return new Planned(GroupPlanner.rollOut(before, shape, version.version()), version.written());
        }
        if (command instanceof TerminateInstances terminate) {
            return new Planned(GroupPlanner.terminate(before, terminate.providerIDs()), false);
        }
        if (command instanceof DeleteGroup) {
            return new Planned(GroupPlanner.delete(before), false);
        }
        throw new IllegalArgumentException("unknown command " + command.getClass().getName());
    }

    /**
     * The group's shape for the template, with the tags that make it the pool's own on a cloud that keeps them: every
     * group is created with them, and one that lost them gets them back.
     */
    private GroupShape shape(ScalingGroupCommand command, GroupTemplate template) {
        GroupShape shape = cloud.shapeOf(command.pool(), command.group(), template);
        Optional<GroupOwnership.TagNames> names = cloud.ownership();
        if (names.isEmpty()) {
            return shape;
        }
        String cluster = CommandChecks.clusterOf(command); // present: checked before the cloud
        return shape.withTags(GroupOwnership.stamp(names.get(), shape.tags(), command.pool(), cluster));
    }

    /**
     * The shape a RollOut brings the group to: the template's, but where the group is when the template's placement
     * cannot be had by an update, which is said in a WARN line while the rest goes on (a Kubernetes upgrade is not
     * held up by it): a placement the cloud cannot move the group to (Azure's zones; AWS zones to subnets or back),
     * or one that cannot be read from the template (a taken-over group's pool whose subnets are given by filters).
     */
    private GroupShape rollOutShape(RollOut rollOut, GroupSnapshot group) {
        GroupShape wanted = shape(rollOut, rollOut.template());
        if (wanted.unplaced() != null) {
            log.warn("pool {}: group {} stays in {}, since the pool's placement cannot be read ({}: {}); the rest of "
                    + "the roll-out goes on", rollOut.pool(), rollOut.group(), group.placement(),
                    wanted.unplaced().reason(), wanted.unplaced().message());
            return wanted.at(group.placement());
        }
        if (group.isPlacedAt(wanted.placement()) || cloud.canMovePlacement(group.placement(), wanted.placement())) {
            return wanted;
        }
        log.warn("pool {}: group {} stays in {}: the pool asks for {}, where the cloud cannot move an existing group; "
                + "the rest of the roll-out goes on. Delete the pool's group and let it be made again to move it",
                rollOut.pool(), rollOut.group(), group.placement(), wanted.placement());
        return wanted.at(group.placement());
    }

    /**
     * For a group that does not exist: whether its separate template exists, refusing the command when it does and
     * is not the pool's own (so it is neither given a version nor deleted). A cloud that declares no ownership tags
     * is not asked, and the template is taken to exist (the engine then behaves as before ownership was checked).
     */
    private boolean ownTemplateExists(ScalingGroupCommand command) {
        if (cloud.ownership().isEmpty()) {
            return true;
        }
        Optional<Map<String, String>> tags = cloud.templateTags(command.group());
        if (tags.isEmpty()) {
            return false;
        }
        Optional<Failure> notOwned = CommandChecks.ownership(cloud.ownership(), command, command.group(), tags.get(),
                true);
        if (notOwned.isPresent()) {
            throw new CommandRefusedException(notOwned.get());
        }
        return true;
    }

    /**
     * The group as described after a write, or {@code before} (described as the pool's own a moment ago) when its tags
     * changed meanwhile: its instances are not said to be gone because someone retagged it.
     */
    private Optional<GroupSnapshot> ownOr(ScalingGroupCommand command, Optional<GroupSnapshot> group,
                                          Optional<GroupSnapshot> before) {
        return group.isEmpty() || CommandChecks.visible(cloud.ownership(), command, group).isPresent() ? group : before;
    }

    /** Carries out the plan; says whether it wrote. */
    private boolean apply(ScalingGroupCommand command, Plan plan) {
        if (plan instanceof Plan.Create create) {
            cloud.create(command.pool(), command.group(), create.shape(), create.templateVersion(), create.capacity());
        } else if (plan instanceof Plan.Update update) {
            cloud.update(command.group(), update.update());
        } else if (plan instanceof Plan.Terminate terminate) {
            cloud.terminate(command.group(), terminate.instanceIds());
        } else if (plan instanceof Plan.Delete) {
            cloud.delete(command.group());
        } else if (plan instanceof Plan.Refuse refuse) {
            throw new CommandRefusedException(refuse.failure());
        } else {
            return false;
        }
        return true;
    }

    private static String describe(Plan plan) {
        if (plan instanceof Plan.NoChange noChange) {
            return "no change (" + noChange.why() + ")";
        }
        if (plan instanceof Plan.Refuse refuse) {
            return "refused (" + refuse.failure().reason() + ")";
        }
        return plan.toString();
    }

    private void count(String kind, String outcome) {
        meters.counter("poolstream.provider.commands", "kind", kind, "outcome", outcome).increment();
    }
}
