package dev.poolstream.sandbox.cloud;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.provider.cloud.BootstrapData;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.ScalingGroup;
import dev.poolstream.provider.domain.GroupShape;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.GroupUpdate;
import dev.poolstream.provider.domain.InstanceSnapshot;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cloud in memory behind the same port as AWS and Azure. An instance boots for a delay drawn from
 * {@link BootDelays}; its Node registers in the workload cluster Not Ready with the uninitialized taint, with the
 * instance's provider ID, and turns Ready when the boot ends, the way Cluster API's in-memory provider behaves. A
 * share of instances can be made to fail ({@code failRate}): they never get a Node.
 */
public final class SimulatedCloud implements ScalingGroup, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SimulatedCloud.class);
    static final String ZONE = "sim-zone-a";
    /** EC2's limit on a launch template's user data, before base64. */
    public static final int MAX_USER_DATA_BYTES = 16 * 1024;
    public static final String USER_DATA_TOO_LARGE = "UserDataTooLarge";

    /** A write of a group's desired capacity, and when the cloud received it. */
    /** A write of a group's desired capacity, and when ({@link System#nanoTime()}, to time it against). */
    public record CapacityWrite(String group, int desired, long nanoTime) {
    }

    /** What the run reports of each instance: when it launched and when its Node turned Ready. */
    public record Boot(String providerID, String group, Instant launched, Duration delay, Instant ready) {
    }

    private final class Group {
        final String name;
        final String cluster;
        int desired;
        int min;
        int max;
        String templateVersion;
        final Map<String, Instance> instances = new LinkedHashMap<>();
        final Map<String, String> tags = new LinkedHashMap<>();
        List<String> placement = List.of(ZONE);

        Group(String name, String cluster) {
            this.name = name;
            this.cluster = cluster;
        }
    }

    private static final class Instance {
        final String id;
        final String providerID;
        final String templateVersion;
        final Instant launched;
        volatile InstanceLifecycle lifecycle = InstanceLifecycle.PENDING;

        Instance(String id, String templateVersion, Instant launched) {
            this.id = id;
            this.providerID = "aws:///" + ZONE + "/" + id;
            this.templateVersion = templateVersion;
            this.launched = launched;
        }
    }

    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> templates = new ConcurrentHashMap<>();
    private final Function<String, KubernetesClient> workloads;
    private final BootstrapData bootstrapData;
    private final BootDelays delays;
    private final double failRate;
    private final Random failures;
    private final AtomicLong ids = new AtomicLong(0x1000);
    private final List<Boot> boots = new CopyOnWriteArrayList<>();
    private final List<CapacityWrite> capacityWrites = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService kubelets = Executors.newScheduledThreadPool(2, r -> {
        Thread thread = new Thread(r, "simulated-kubelet");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param workloads     the workload cluster of a Cluster ({@code <namespace>/<name>}), where Nodes register
     * @param bootstrapData the pools' bootstrap data Secrets, read for each template as the AWS adapter reads them
     */
    public SimulatedCloud(Function<String, KubernetesClient> workloads, BootstrapData bootstrapData, BootDelays delays,
                          double failRate, long seed) {
        this.workloads = workloads;
        this.bootstrapData = bootstrapData;
        this.delays = delays;
        this.failRate = failRate;
        this.failures = new Random(seed ^ 0x5eed);
    }

    @Override
    public Cloud cloud() {
        return Cloud.AWS;
    }

    @Override
    public synchronized Optional<GroupSnapshot> describe(String name) {
        Group group = groups.get(name);
        if (group == null) {
            return Optional.empty();
        }
        List<InstanceSnapshot> instances = group.instances.values().stream()
                .map(i -> new InstanceSnapshot(i.id, i.providerID, ZONE, i.lifecycle, i.lifecycle.name(),
                        i.templateVersion, i.launched))
                .toList();
        return Optional.of(new GroupSnapshot(name, false, group.desired, group.min, group.max, group.templateVersion,
                group.placement, group.tags, false, instances));
    }

    @Override
    public GroupShape shapeOf(String pool, String group, GroupTemplate template) {
        String namespace = pool.substring(0, pool.indexOf('/'));
        return new GroupShape(List.of(ZONE), Map.of(
                "kubernetes.io/cluster/" + template.clusterName(), "owned",
                "poolstream.dev/cluster", namespace + "/" + template.clusterName()));
    }

    /**
     * Reads the bootstrap data as the AWS adapter does (from the pool's namespace only, each time), and refuses what
     * EC2 refuses: user data over {@value #MAX_USER_DATA_BYTES} bytes. The data is never logged or quoted: the
     * refusal gives its size.
     */
    @Override
    public TemplateVersion ensureTemplate(String pool, String group, GroupTemplate template,
                                          Optional<String> currentVersion) {
        byte[] userData = bootstrapData.read(pool, template.bootstrapDataSecret());
        if (userData.length > MAX_USER_DATA_BYTES) {
            SecretRef secret = template.bootstrapDataSecret();
            throw new CommandRefusedException(new Failure(USER_DATA_TOO_LARGE, "the bootstrap data in Secret "
                    + secret.namespace() + "/" + secret.name() + " is " + userData.length + " bytes; user data may"
                    + " be at most " + MAX_USER_DATA_BYTES));
        }
        return ensureTemplateVersion(group, template.fingerprint() + "/" + digest(userData));
    }

    private synchronized TemplateVersion ensureTemplateVersion(String group, String content) {
        Map<String, String> versions = templates.computeIfAbsent(group, g -> new LinkedHashMap<>());
        for (Map.Entry<String, String> version : versions.entrySet()) {
            if (version.getValue().equals(content)) {
                return new TemplateVersion(version.getKey(), false);
            }
        }
        String next = Integer.toString(versions.size() + 1);
        versions.put(next, content);
        return new TemplateVersion(next, true);
    }

    @Override
    public synchronized void create(String pool, String name, GroupShape shape, String templateVersion,
                                    Capacity capacity) {
        Group group = new Group(name, shape.tags().get("poolstream.dev/cluster"));
        group.tags.putAll(shape.tags());
        group.placement = shape.placement();
        group.templateVersion = templateVersion;
        group.min = capacity.min();
        group.max = capacity.max();
        groups.put(name, group);
        resize(group, capacity.desired());
    }

    @Override
    public synchronized void update(String name, GroupUpdate update) {
        Group group = require(name);
        if (update.templateVersion() != null) {
            group.templateVersion = update.templateVersion();
        }
        if (update.min() != null) {
            group.min = update.min();
        }
        if (update.max() != null) {
            group.max = update.max();
        }
        group.tags.putAll(update.tags());
        if (update.desired() != null) {
            resize(group, update.desired());
        }
    }

    @Override
    public synchronized void terminate(String name, List<String> instanceIds) {
        Group group = require(name);
        for (String id : instanceIds) {
            Instance instance = group.instances.remove(id);
            if (instance != null) {
                removeNode(group, instance);
            }
        }
        group.desired = Math.max(0, group.desired - instanceIds.size());
    }

    @Override
    public synchronized void delete(String name) {
        Group group = groups.remove(name);
        if (group != null) {
            group.instances.values().forEach(i -> removeNode(group, i));
        }
    }

    @Override
    public synchronized boolean deleteTemplate(String group) {
        return templates.remove(group) != null;
    }

    /** Every write of a group's desired capacity so far (creation included). */
    public List<CapacityWrite> capacityWrites() {
        return List.copyOf(capacityWrites);
    }

    /** Every instance launched so far, with its boot. */
    public List<Boot> boots() {
        return List.copyOf(boots);
    }

    private void resize(Group group, int desired) {
        capacityWrites.add(new CapacityWrite(group.name, desired, System.nanoTime()));
        group.desired = desired;
        while (group.instances.size() < desired) {
            launch(group);
        }
        // Lowering capacity by itself (AWS picks victims): the newest go, as an Auto Scaling Group's default does not
        // guarantee; Poolstream scales down through TerminateInstances, so this path only follows a SetCapacity.
        List<Instance> all = new ArrayList<>(group.instances.values());
        for (int i = all.size() - 1; i >= 0 && group.instances.size() > desired; i--) {
            group.instances.remove(all.get(i).id);
            removeNode(group, all.get(i));
        }
    }

    private void launch(Group group) {
        String id = "i-" + Long.toHexString(ids.getAndIncrement());
        Instance instance = new Instance(id, group.templateVersion, Instant.now());
        group.instances.put(id, instance);
        if (failRate > 0 && failures.nextDouble() < failRate) {
            instance.lifecycle = InstanceLifecycle.FAILED;
            log.info("simulated instance {} of group {} failed to boot", id, group.name);
            return;
        }
        Duration delay = delays.next();
        long registerAt = delay.toMillis() * 7 / 10;
        // The kubelet reports Ready only once its Node is registered, however short the boot.
        kubelets.schedule(() -> {
            if (registerNode(group, instance)) {
                long left = Math.max(0, Duration.between(Instant.now(), instance.launched.plus(delay)).toMillis());
                kubelets.schedule(() -> nodeReady(group, instance, delay), left, TimeUnit.MILLISECONDS);
            }
        }, registerAt, TimeUnit.MILLISECONDS);
    }

    private synchronized boolean alive(Group group, Instance instance) {
        return group.instances.get(instance.id) == instance;
    }

    /** Registers the instance's Node; false when the instance is gone or the API refused. */
    private boolean registerNode(Group group, Instance instance) {
        if (!alive(group, instance)) {
            return false;
        }
        try {
            workloads.apply(group.cluster).resource(new NodeBuilder()
                    .withNewMetadata().withName(nodeName(instance)).endMetadata()
                    .withNewSpec().withProviderID(instance.providerID)
                    .addNewTaint().withKey(ClusterApi.UNINITIALIZED_TAINT_KEY).withEffect("NoSchedule").endTaint()
                    .endSpec()
                    .withNewStatus()
                    .addNewCondition().withType("Ready").withStatus("False").withReason("KubeletNotReady")
                    .withLastTransitionTime(instance.launched.toString()).endCondition()
                    .withNewNodeInfo().withKubeletVersion("v1.33.1").endNodeInfo()
                    .endStatus().build()).create();
            return true;
        } catch (RuntimeException e) {
            log.warn("simulated kubelet of {} could not register its Node: {}", instance.id, e.getMessage());
            return false;
        }
    }

    private void nodeReady(Group group, Instance instance, Duration delay) {
        if (!alive(group, instance)) {
            return;
        }
        Instant ready = Instant.now();
        // A real kubelet keeps reporting its status; this one reports once, so it reads the Node again when another
        // writer (the status service tending the Node) changed it in between (409), as client-go's retry does.
        for (int attempt = 1; ; attempt++) {
            try {
                // A kubelet reports Ready through the status subresource: an API server ignores status in an update.
                workloads.apply(group.cluster).nodes().withName(nodeName(instance)).editStatus(node -> {
                    node.getStatus().getConditions().forEach(c -> {
                        if ("Ready".equals(c.getType())) {
                            c.setStatus("True");
                            c.setReason("KubeletReady");
                            c.setLastTransitionTime(ready.toString());
                        }
                    });
                    return node;
                });
                instance.lifecycle = InstanceLifecycle.RUNNING;
                boots.add(new Boot(instance.providerID, group.name, instance.launched, delay, ready));
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10 || !alive(group, instance)) {
                    log.warn("simulated kubelet of {} could not report Ready: {}", instance.id, e.getMessage());
                    return;
                }
            } catch (RuntimeException e) {
                log.warn("simulated kubelet of {} could not report Ready: {}", instance.id, e.getMessage());
                return;
            }
        }
    }

    private void removeNode(Group group, Instance instance) {
        try {
            workloads.apply(group.cluster).nodes().withName(nodeName(instance)).delete();
        } catch (RuntimeException e) {
            log.warn("could not delete the Node of {}: {}", instance.id, e.getMessage());
        }
    }

    private static String nodeName(Instance instance) {
        return "ip-" + instance.id.substring(2);
    }

    private Group require(String name) {
        Group group = groups.get(name);
        if (group == null) {
            throw new IllegalStateException("no simulated group " + name);
        }
        return group;
    }

    @Override
    public void close() {
        kubelets.shutdownNow();
    }

    /** Template versions differ when the bootstrap data does, as a launch template's do; the data is not kept. */
    private static String digest(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
