package dev.poolstream.provider.testing;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.ScalingGroup;
import dev.poolstream.provider.domain.CommandRules;
import dev.poolstream.provider.domain.GroupOwnership;
import dev.poolstream.provider.domain.GroupShape;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.GroupUpdate;
import dev.poolstream.provider.domain.InstanceSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cloud in memory for tests of the engine and the Kafka side: groups fill up to their desired size at once,
 * templates are versioned by content, and every call is counted as a read or a write. It keeps ownership tags as
 * AWS does ({@link #TAG_NAMES}); {@link #plant} puts a group there behind the provider's back, tagged as given.
 */
public class InMemoryScalingGroup implements ScalingGroup {

    public static final GroupOwnership.TagNames TAG_NAMES = new GroupOwnership.TagNames("group", "template",
            "test.poolstream.dev/cluster/", "poolstream.dev/pool");

    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, List<GroupTemplate>> templates = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> templateTags = new LinkedHashMap<>();
    private final Map<String, Runnable> describing = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicInteger nextInstance = new AtomicInteger(1);
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger writes = new AtomicInteger();
    private final List<String> calls = new ArrayList<>();
    /** Instances taken out of their group by a terminate cut short, still running, by provider ID. */
    private final Map<String, InstanceSnapshot> outside = new LinkedHashMap<>();

    /** Failures the next update of a group ends with, once it took effect. */
    private final Map<String, Failure> failingUpdates = new LinkedHashMap<>();

    private static final class Group {
        String name;
        int desired;
        int min;
        int max;
        String version;
        List<String> placement;
        Map<String, String> tags = new LinkedHashMap<>();
        List<InstanceSnapshot> instances = new ArrayList<>();
    }

    @Override
    public Cloud cloud() {
        return Cloud.AWS;
    }

    private volatile CommandRules rules = CommandRules.ANY;

    /** What this cloud accepts in a command from now on (by default everything). */
    public void rules(CommandRules rules) {
        this.rules = rules;
    }

    @Override
    public CommandRules rules() {
        return rules;
    }

    @Override
    public Optional<GroupOwnership.TagNames> ownership() {
        return Optional.of(TAG_NAMES);
    }

    @Override
    public synchronized Optional<Map<String, String>> templateTags(String group) {
        read("describeTemplateTags");
        return templates.containsKey(group) ? Optional.of(Map.copyOf(templateTags.getOrDefault(group, Map.of())))
                : Optional.empty();
    }

    /**
     * Runs {@code action} each time the group is described, before the cloud answers and outside its lock: it may
     * throw (the cloud fails for that group only) or wait (a call that takes long).
     */
    public void whenDescribing(String group, Runnable action) {
        describing.put(group, action);
    }

    /** The group is described as usual again. */
    public void describeNormally(String group) {
        describing.remove(group);
    }

    @Override
    public Optional<GroupSnapshot> describe(String group) {
        Runnable action = describing.get(group);
        if (action != null) {
            action.run();
        }
        return describeNow(group);
    }

    private synchronized Optional<GroupSnapshot> describeNow(String group) {
        read("describe");
        Group g = groups.get(group);
        if (g == null) {
            return Optional.empty();
        }
        return Optional.of(new GroupSnapshot(g.name, false, g.desired, g.min, g.max, g.version, g.placement, g.tags,
                false, List.copyOf(g.instances)));
    }

    private volatile boolean placementMovable = true;
    private volatile Failure unplaced;

    /** Whether an update can move a group to other zones (as AWS can and Azure cannot). */
    public void placementMovable(boolean movable) {
        this.placementMovable = movable;
    }

    /** No template's placement can be read from now on, for this reason (subnets given by filters). */
    public void unplaceShapes(Failure why) {
        this.unplaced = why;
    }

    @Override
    public boolean canMovePlacement(List<String> from, List<String> to) {
        return placementMovable;
    }

    @Override
    public GroupShape shapeOf(String pool, String group, GroupTemplate template) {
        Map<String, String> tags = new LinkedHashMap<>(template.tags());
        tags.put("Name", group);
        return unplaced != null ? GroupShape.unplaced(unplaced, tags, List.of())
                : new GroupShape(template.failureDomains(), tags);
    }

    @Override
    public synchronized TemplateVersion ensureTemplate(String pool, String group, GroupTemplate template,
                                                       Optional<String> currentVersion) {
        read("describeTemplate");
        if (!templates.containsKey(group)) {
            templateTags.put(group, GroupOwnership.tags(TAG_NAMES, pool, template.clusterName()));
        }
        List<GroupTemplate> versions = templates.computeIfAbsent(group, g -> new ArrayList<>());
        for (int i = versions.size() - 1; i >= 0; i--) {
            if (same(versions.get(i), template)) {
                return new TemplateVersion(Integer.toString(i + 1), false);
            }
        }
        write("createTemplateVersion");
        versions.add(template);
        return new TemplateVersion(Integer.toString(versions.size()), true);
    }

    private static boolean same(GroupTemplate a, GroupTemplate b) {
        return Objects.equals(a.infrastructure(), b.infrastructure())
                && Objects.equals(a.bootstrapDataSecret(), b.bootstrapDataSecret())
                && Objects.equals(a.version(), b.version());
    }

    @Override
    public synchronized void create(String pool, String group, GroupShape shape, String templateVersion,
                                    Capacity capacity) {
        write("create");
        Group g = new Group();
        g.name = group;
        g.desired = capacity.desired();
        g.min = capacity.min();
        g.max = capacity.max();
        g.version = templateVersion;
        g.placement = shape.placement();
        g.tags.putAll(shape.tags());
        groups.put(group, g);
        fill(g);
    }

    @Override
    public synchronized void update(String group, GroupUpdate update) {
        Group g = existing(group);
        if (update.changesGroup()) {
            write("update");
            if (update.min() != null) {
                g.min = update.min();
            }
            if (update.max() != null) {
                g.max = update.max();
            }
            if (update.desired() != null) {
                g.desired = update.desired();
            }
            if (update.templateVersion() != null) {
                g.version = update.templateVersion();
            }
            if (update.placement() != null) {
                g.placement = update.placement();
            }
        }
        if (!update.tags().isEmpty()) {
            write("tag");
            g.tags.putAll(update.tags());
        }
        fill(g);
        Failure failure = failingUpdates.remove(group);
        if (failure != null) {
            throw new CommandRefusedException(failure);
        }
    }

    /** The next update of {@code group} takes effect, then fails, as an operation that failed after the cloud took it. */
    public synchronized void failAfterNextUpdate(String group, Failure failure) {
        failingUpdates.put(group, failure);
    }

    @Override
    public synchronized void terminate(String group, List<String> instanceIds) {
        Group g = existing(group);
        for (String id : instanceIds) {
            write("terminate");
            if (g.instances.removeIf(i -> i.instanceId().equals(id))) {
                g.desired--;
            }
        }
    }

    /** Ends the named instances still running outside their group, as the AWS adapter does (one read, one write). */
    @Override
    public synchronized boolean finishTerminate(String pool, String group, Optional<GroupSnapshot> described,
                                                List<String> providerIDs) {
        read("describeOutside");
        List<String> running = providerIDs.stream().filter(outside::containsKey).toList();
        if (running.isEmpty()) {
            return false;
        }
        write("terminateOutside");
        running.forEach(outside::remove);
        return true;
    }

    @Override
    public synchronized void delete(String group) {
        write("delete");
        groups.remove(group);
    }

    @Override
    public synchronized boolean deleteTemplate(String group) {
        read("describeTemplate");
        templateTags.remove(group);
        if (templates.remove(group) == null) {
            return false;
        }
        write("deleteTemplate");
        return true;
    }

    /**
     * Puts a group of {@code desired} instances there behind the provider's back (made by someone else: CAPA, another
     * pool, a person), tagged with {@code tags} only, with a template of the same name tagged alike.
     */
    public synchronized void plant(String group, int desired, Map<String, String> tags) {
        Group g = new Group();
        g.name = group;
        g.desired = desired;
        g.min = 0;
        g.max = Math.max(desired, 10);
        g.version = "1";
        g.placement = List.of("zone-a");
        g.tags.putAll(tags);
        groups.put(group, g);
        fill(g);
        plantTemplate(group, tags);
    }

    /** Replaces a group's tags behind the provider's back (a person, a tag policy), its instances left as they are. */
    public synchronized void retag(String group, Map<String, String> tags) {
        Group g = existing(group);
        g.tags.clear();
        g.tags.putAll(tags);
    }

    /** Puts a template there (without a group) behind the provider's back, tagged with {@code tags} only. */
    public synchronized void plantTemplate(String group, Map<String, String> tags) {
        templates.put(group, new ArrayList<>(List.of(new GroupTemplate("someone-elses", "v0", null, 0, null,
                List.of(), Map.of()))));
        templateTags.put(group, new LinkedHashMap<>(tags));
    }

    /** Whether a template of that name exists, without counting a read. */
    public synchronized boolean hasTemplate(String group) {
        return templates.containsKey(group);
    }

    /** Removes an instance behind the provider's back, as a cloud does when an instance dies. */
    public synchronized void loseInstance(String group, String providerID) {
        Group g = existing(group);
        g.instances.removeIf(i -> i.providerID().equals(providerID));
    }

    /**
     * Takes an instance out of its group (lowering desired) and leaves it running: what a two-step terminate (AWS:
     * detach, then terminate) leaves when the provider stops between its two writes.
     */
    public synchronized void detach(String group, String providerID) {
        Group g = existing(group);
        g.instances.stream().filter(i -> i.providerID().equals(providerID)).findFirst().ifPresent(i -> {
            g.instances.remove(i);
            g.desired--;
            outside.put(providerID, i);
        });
    }

    /** Provider IDs of the instances left running outside their group. */
    public synchronized List<String> runningOutside() {
        return List.copyOf(outside.keySet());
    }

    public synchronized Optional<GroupSnapshot> peek(String group) {
        Group g = groups.get(group);
        return g == null ? Optional.empty() : Optional.of(new GroupSnapshot(g.name, false, g.desired, g.min, g.max,
                g.version, g.placement, g.tags, false, List.copyOf(g.instances)));
    }

    public int reads() {
        return reads.get();
    }

    public int writes() {
        return writes.get();
    }

    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    private Group existing(String group) {
        Group g = groups.get(group);
        if (g == null) {
            throw new IllegalStateException("no group " + group);
        }
        return g;
    }

    private void fill(Group g) {
        while (g.instances.size() > g.desired) {
            g.instances.remove(g.instances.size() - 1);
        }
        while (g.instances.size() < g.desired) {
            String zone = g.placement.isEmpty() ? "zone-a" : g.placement.get(g.instances.size() % g.placement.size());
            String id = "i-" + nextInstance.getAndIncrement();
            g.instances.add(new InstanceSnapshot(id, "aws:///" + zone + "/" + id, zone, InstanceLifecycle.RUNNING,
                    "InService", g.version, Instant.parse("2026-01-01T00:00:00Z")));
        }
    }

    private void read(String call) {
        reads.incrementAndGet();
        calls.add(call);
    }

    private void write(String call) {
        writes.incrementAndGet();
        calls.add(call);
    }
}
