package dev.poolstream.reconciler.kube;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.KubeTime;
import dev.poolstream.api.kube.WorkloadClusterException;
import dev.poolstream.reconciler.domain.DrainOutcome;
import dev.poolstream.reconciler.domain.Notice;
import dev.poolstream.reconciler.domain.Notices;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeList;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Drains a Node as {@code kubectl drain} does, in rounds: cordon it, then evict its pods through the Eviction API,
 * leaving DaemonSet pods (they would come back; an orphan, its DaemonSet gone, is evicted as Cluster API's drain does),
 * mirror pods (the kubelet owns them) and finished pods.
 * An instance whose Node no record named (it never joined, or joined unseen while its workload cluster could not be
 * watched) is looked for in the workload cluster by its provider ID: only the API server's answer that no Node has it
 * makes it {@link DrainOutcome.NodeGone}; while the cluster cannot be asked, the drain waits as any other does.
 *
 * <ul>
 *   <li>The cordon is checked every round and written until the API server holds it ({@code spec.unschedulable} in
 *       its answer): a round that fails before or at the cordon (no kubeconfig Secret yet, an API error) cordons in
 *       the next one, and nothing is evicted from a Node that is not cordoned.</li>
 *   <li>Only what the API server says counts: an eviction it accepted (the pod is then deleted gracefully and waited
 *       for, not evicted again), or a pod already gone. The Node is drained when a list of its pods shows none
 *       left.</li>
 *   <li>A PodDisruptionBudget's refusal (429) and an API error are retried, with a backoff from {@code retry}
 *       doubling to {@code maxRetry}. The evictions go through a client that never retries by itself: fabric8
 *       otherwise retries a 429 for about 20 seconds per pod, holding a drain thread and hiding the refusal.</li>
 *   <li>The deadline ({@code nodeDrainTimeoutSeconds} from the drain's start, as Cluster API) ends it as
 *       {@link DrainOutcome.TimedOut}, whatever held it up; none means no limit.</li>
 *   <li>Anything else (not an API error) ends it as {@link DrainOutcome.Failed}: an error is never "drained".</li>
 * </ul>
 */
public final class Drainer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Drainer.class);
    static final String MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
    /** Nodes per list request while one is looked for by provider ID. */
    private static final long NODE_PAGE = 500;

    private final Function<String, Optional<KubernetesClient>> clients;
    private final Duration retry;
    private final Duration maxRetry;
    private final Clock clock;
    private final MeterRegistry registry;
    private final ScheduledExecutorService executor;
    /** Per workload client, one that shares its connections but never retries a request itself. */
    private final Map<KubernetesClient, KubernetesClient> withoutRetries = new WeakHashMap<>();

    /**
     * @param clients  a workload cluster's client by {@code <namespace>/<name>}; empty while it has no kubeconfig
     *                 Secret ({@code WorkloadClients::client})
     * @param retry    the pause between rounds, and the first backoff
     * @param maxRetry the longest backoff while a PodDisruptionBudget refuses or the API fails
     */
    public Drainer(Function<String, Optional<KubernetesClient>> clients, Duration retry, Duration maxRetry,
                   int threads, Clock clock, MeterRegistry registry) {
        this.clients = clients;
        this.retry = retry;
        this.maxRetry = maxRetry.compareTo(retry) < 0 ? retry : maxRetry;
        this.clock = clock;
        this.registry = registry;
        this.executor = Executors.newScheduledThreadPool(threads, r -> {
            Thread thread = new Thread(r, "drain");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * @param cluster    {@code <namespace>/<name>}
     * @param nodeName   the instance's Node; empty when none is known, and then found by {@code providerID}
     * @param providerID the instance's
     * @param started    when the drain started (before a restart, maybe): written on the Node with its cordon
     * @param deadline   when it times out; null for no limit
     * @param progress   gets what a user should see while it runs (a PodDisruptionBudget refusing)
     * @return completes with how it ended; never exceptionally. Cancelled, it stops at its next round.
     */
    public CompletableFuture<DrainOutcome> drain(String pool, String cluster, String nodeName, String providerID,
                                                 Instant started, Instant deadline, Consumer<Notice> progress) {
        Run run = new Run(pool, cluster, nodeName, providerID, started, deadline, progress);
        schedule(run, Duration.ZERO);
        return run.done;
    }

    /** One drain's state between its rounds. */
    private static final class Run {
        final String pool;
        final String cluster;
        final String providerID;
        /** As the Node's drain-started annotation spells it. */
        final String started;
        final Instant deadline;
        /** Empty until the Node is known (found by provider ID). */
        String nodeName;
        final Consumer<Notice> progress;
        final CompletableFuture<DrainOutcome> done = new CompletableFuture<>();
        /** Rounds in a row that failed, or in which nothing was evicted and a budget refused. */
        int held;
        int podsLeft = -1;
        String problem = "nothing yet";
        /** The last problem reaching the cluster shown as an Event; null since a round got through. */
        String shown;
        /** The uid of the Node this run cordoned; null while it cordoned none. */
        String cordonedUid;

        Run(String pool, String cluster, String nodeName, String providerID, Instant started, Instant deadline,
            Consumer<Notice> progress) {
            this.pool = pool;
            this.cluster = cluster;
            this.nodeName = nodeName == null ? "" : nodeName;
            this.providerID = providerID;
            this.started = DateTimeFormatter.ISO_INSTANT.format(started.truncatedTo(ChronoUnit.SECONDS));
            this.deadline = deadline;
            this.progress = progress;
        }

        /** What is being drained, in a log line. */
        String node() {
            return nodeName.isEmpty() ? "the Node of instance " + providerID : "Node " + nodeName;
        }
    }

    private void round(Run run) {
        try (var ignored = MDC.putCloseable("pool", run.pool)) {
            if (run.done.isCancelled()) {
                // Its caller no longer wants it (a Machine deletion hook came): no further round.
                log.info("drain of {} for pool {} stopped ({} pods left)", run.node(), run.pool,
                        run.podsLeft < 0 ? "?" : run.podsLeft);
                registry.counter("poolstream.reconciler.drains", "outcome", "stopped").increment();
                return;
            }
            if (run.deadline != null && clock.instant().isAfter(run.deadline)) {
                log.warn("drain of {} for pool {} timed out ({} pods left: {}); its instance is terminated anyway",
                        run.node(), run.pool, run.podsLeft < 0 ? "?" : run.podsLeft, run.problem);
                end(run, new DrainOutcome.TimedOut(run.podsLeft, run.problem));
                return;
            }
            try {
                roundWithin(run);
            } catch (KubernetesClientException e) {
                // Never the client's message: it names the request's URL, the kubeconfig's server.
                String problem = "the workload cluster's API server: " + WorkloadClusterException.describe(e);
                log.warn("draining {} of cluster {} for pool {} failed ({}); retrying", run.node(),
                        run.cluster, run.pool, problem);
                registry.counter("poolstream.reconciler.drain.errors").increment();
                blocked(run, problem);
            } catch (RuntimeException | Error e) {
                // An Error too: the run would never end, its drain neither timed out nor started again.
                log.error("draining {} of cluster {} for pool {} failed; it is not drained", run.node(),
                        run.cluster, run.pool, e);
                end(run, new DrainOutcome.Failed(e.toString()));
            }
        }
    }

    private void roundWithin(Run run) {
        Optional<KubernetesClient> found = clients.apply(run.cluster);
        if (found.isEmpty()) {
            String problem = "cluster " + run.cluster + " has no kubeconfig Secret";
            log.warn("cannot drain {} for pool {} yet: {}; retrying", run.node(), run.pool, problem);
            blocked(run, problem);
            return;
        }
        KubernetesClient client = found.get();
        if (run.nodeName.isEmpty()) {
            Optional<String> named = nodeWithProviderId(client, run.providerID, NODE_PAGE);
            if (named.isEmpty()) {
                log.info("instance {} of pool {} has no Node in cluster {}: nothing to drain", run.providerID,
                        run.pool, run.cluster);
                end(run, new DrainOutcome.NodeGone());
                return;
            }
            run.nodeName = named.get();
            log.info("instance {} of pool {} is Node {}, not seen before; draining it", run.providerID, run.pool,
                    run.nodeName);
        }
        Node node = client.nodes().withName(run.nodeName).get();
        if (node == null) {
            log.info("Node {} of pool {} is gone: nothing to drain", run.nodeName, run.pool);
            end(run, new DrainOutcome.NodeGone());
            return;
        }
        String carried = node.getSpec() == null ? null : node.getSpec().getProviderID();
        if (carried != null && !carried.isEmpty() && !carried.equals(run.providerID)) {
            // A Node name comes back on a new instance (AWS names Nodes after private IPs): that Node is another
            // instance's, not to be cordoned or emptied; this instance's is gone.
            log.info("Node {} of pool {} is now instance {}'s, not {}'s: nothing of {} to drain", run.nodeName,
                    run.pool, carried, run.providerID, run.providerID);
            if (node.getMetadata().getUid() != null && node.getMetadata().getUid().equals(run.cordonedUid)) {
                // Cordoned by this run while it had no provider ID yet (a new Node under the name): it is another
                // instance's, and would stay unschedulable, its mark making that instance look drained. A failure
                // fails the round, and the next one undoes it again.
                client.nodes().resource(node).patch(PatchContext.of(PatchType.JSON_MERGE), UNDO_CORDON);
                log.info("uncordoned Node {} of pool {} again: this drain cordoned it before it named instance {}",
                        run.nodeName, run.pool, carried);
            }
            end(run, new DrainOutcome.NodeGone());
            return;
        }
        if (!unschedulable(node) || drainStarted(node) == null) {
            // With when the drain started, which a restarted reconciler reads back; a cordoned Node's start is kept
            // (this drain's own, or the drain before a restart whose start this one took up).
            // Given the Node just read, the client sends the patch alone (by name, it reads the Node first).
            Node cordoned = client.nodes().resource(node).patch(PatchContext.of(PatchType.JSON_MERGE),
                    cordon(run.started));
            if (cordoned == null || !unschedulable(cordoned)) {
                blocked(run, "the cordon of Node " + run.nodeName + " did not hold");
                return;
            }
            run.cordonedUid = cordoned.getMetadata().getUid();
            log.info("cordoned Node {} of pool {}", run.nodeName, run.pool);
        }
        run.shown = null;
        // A Node whose kubelet no longer reports (Ready Unknown) never ends a pod: one stopping already (evicted, or
        // marked by the taint manager) would hold the drain for good. As Cluster API's drain does for an unreachable
        // Node, such pods count as gone once their grace period is over (the deletionTimestamp, set to the deletion
        // plus the grace period, more than a second past): until then their containers may still be shutting down.
        // The others are still evicted.
        boolean unreachable = unreachable(node);
        Instant now = clock.instant();
        // Read once a round per DaemonSet; an error other than 404 fails the round (retried), as it cannot tell.
        Map<String, Boolean> daemonSetsThere = new HashMap<>();
        BiPredicate<String, String> daemonSets = (namespace, name) -> daemonSetsThere.computeIfAbsent(
                namespace + "/" + name, key -> {
                    boolean there = client.apps().daemonSets().inNamespace(namespace).withName(name).get() != null;
                    if (!there) {
                        log.info("DaemonSet {} of pods on Node {} (pool {}) is gone: its pods are evicted", key,
                                run.nodeName, run.pool);
                    }
                    return there;
                });
        List<Pod> left = client.pods().inAnyNamespace().withField("spec.nodeName", run.nodeName).list()
                .getItems().stream().filter(p -> run.nodeName.equals(p.getSpec().getNodeName()))
                .filter(p -> evictable(p, daemonSets))
                .filter(p -> !unreachable || !graceOver(p, now)).toList();
        run.podsLeft = left.size();
        if (left.isEmpty()) {
            log.info("drained Node {} of pool {}", run.nodeName, run.pool);
            end(run, new DrainOutcome.Drained());
            return;
        }
        KubernetesClient evictions = withoutRetries(client);
        int accepted = 0;
        List<String> refused = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Pod pod : left) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                continue; // evicted: its kubelet is stopping it
            }
            if (ClusterApi.POD_DRAIN_WAIT_COMPLETED.equals(drainLabel(pod))) {
                continue; // as Cluster API's drain: not evicted, waited for until it finishes on its own
            }
            String name = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
            boolean evicted;
            try {
                evicted = evictions.pods().inNamespace(pod.getMetadata().getNamespace())
                        .withName(pod.getMetadata().getName()).evict();
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                    // As Cluster API's drain: this pod is tried again next round, and the pods after it are evicted
                    // now (a pod whose eviction always fails, two budgets over it say, once kept every pod listed
                    // after it on the Node).
                    failed.add(name + " (" + WorkloadClusterException.describe(e) + ")");
                    registry.counter("poolstream.reconciler.evictions", "outcome", "failed").increment();
                    continue;
                }
                registry.counter("poolstream.reconciler.evictions", "outcome", "gone").increment();
                continue;
            }
            if (evicted) {
                accepted++;
                registry.counter("poolstream.reconciler.evictions", "outcome", "evicted").increment();
            } else {
                refused.add(name);
                registry.counter("poolstream.reconciler.evictions", "outcome", "refused").increment();
            }
        }
        if (!refused.isEmpty()) {
            run.problem = "a PodDisruptionBudget refuses evicting " + String.join(", ", refused);
            log.info("eviction of {} from Node {} of pool {} refused (a PodDisruptionBudget); retrying", refused,
                    run.nodeName, run.pool);
            run.progress.accept(Notices.blocked(run.nodeName, refused));
        }
        if (!failed.isEmpty()) {
            String failures = "evicting " + String.join(", ", failed) + " failed";
            run.problem = refused.isEmpty() ? failures : run.problem + "; " + failures;
            log.warn("eviction from Node {} of pool {}: {}; retrying", run.nodeName, run.pool, failures);
            run.progress.accept(Notices.evictionFailed(run.nodeName, failed));
        }
        if (refused.isEmpty() && failed.isEmpty()) {
            run.problem = "waiting for " + left.size() + " evicted pods to stop";
        }
        again(run, accepted == 0 && !(refused.isEmpty() && failed.isEmpty()));
    }

    /** A round that could not get through to the Node: says why ({@link #cannotDrain}) and tries again later. */
    private void blocked(Run run, String problem) {
        run.problem = problem;
        cannotDrain(run);
        again(run, true);
    }

    /**
     * Shows why the round could not get through to the Node, once per problem: without a deadline nothing else would
     * (a log line is not where users look), and the drain would say only {@code DrainingNode}, for good.
     */
    private static void cannotDrain(Run run) {
        if (!run.problem.equals(run.shown)) {
            run.shown = run.problem;
            run.progress.accept(Notices.cannotDrain(run.node(), run.problem));
        }
    }

    /** Whether the pod's deletion grace period is over, by more than a second (Cluster API's skip-wait timeout). */
    private static boolean graceOver(Pod pod, Instant now) {
        String deletion = pod.getMetadata().getDeletionTimestamp();
        return deletion != null && KubeTime.parse(deletion).plusSeconds(1).isBefore(now);
    }

    /**
     * The Node whose {@code spec.providerID} is the instance's, compared as the status service joins them (exactly).
     * Read from the API server itself, a page at a time, not from its watch cache: a Node that registered a moment
     * ago must be found.
     */
    public static Optional<String> nodeWithProviderId(KubernetesClient client, String providerID, long pageSize) {
        String next = null;
        do {
            NodeList page = client.nodes().list(new ListOptionsBuilder().withLimit(pageSize).withContinue(next)
                    .build());
            Optional<String> named = page.getItems().stream()
                    .filter(n -> n.getSpec() != null && providerID.equals(n.getSpec().getProviderID()))
                    .map(n -> n.getMetadata().getName()).findFirst();
            if (named.isPresent()) {
                return named;
            }
            next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
        } while (next != null && !next.isEmpty());
        return Optional.empty();
    }

    /** The cordon, and when the drain started ({@link ClusterApi#DRAIN_STARTED_ANNOTATION}). */
    static String cordon(String started) {
        return "{\"metadata\":{\"annotations\":{\"" + ClusterApi.DRAIN_STARTED_ANNOTATION + "\":\"" + started
                + "\"}},\"spec\":{\"unschedulable\":true}}";
    }

    /** A cordon and its drain's start undone. */
    static final String UNDO_CORDON = "{\"metadata\":{\"annotations\":{\"" + ClusterApi.DRAIN_STARTED_ANNOTATION
            + "\":null}},\"spec\":{\"unschedulable\":null}}";

    private static String drainStarted(Node node) {
        Map<String, String> annotations = node.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(ClusterApi.DRAIN_STARTED_ANNOTATION);
    }

    private static boolean unschedulable(Node node) {
        return node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    }

    private void end(Run run, DrainOutcome outcome) {
        registry.counter("poolstream.reconciler.drains", "outcome", metricName(outcome)).increment();
        run.done.complete(outcome);
    }

    /** The {@code outcome} tag of {@code poolstream.reconciler.drains}. */
    public static String metricName(DrainOutcome outcome) {
        if (outcome instanceof DrainOutcome.Drained) {
            return "drained";
        }
        if (outcome instanceof DrainOutcome.NodeGone) {
            return "node-gone";
        }
        return outcome instanceof DrainOutcome.TimedOut ? "timed-out" : "failed";
    }

    /** The next round: after {@code retry}, or after a backoff while held up. */
    private void again(Run run, boolean heldUp) {
        run.held = heldUp ? run.held + 1 : 0;
        Duration delay = pause(retry, maxRetry, run.held);
        if (run.deadline != null) {
            // Not a whole pause past the deadline: the round just after it ends the drain timed out, and the
            // instance is terminated when nodeDrainTimeoutSeconds says, not up to max-retry later.
            Duration justAfterDeadline = Duration.between(clock.instant(), run.deadline).plusMillis(1);
            if (justAfterDeadline.compareTo(delay) < 0) {
                delay = justAfterDeadline.isNegative() ? Duration.ZERO : justAfterDeadline;
            }
        }
        schedule(run, delay);
    }

    /**
     * The pause before the next round after {@code held} rounds in a row were held up: {@code retry}, doubled from the
     * second such round on, never more than {@code maxRetry}.
     */
    static Duration pause(Duration retry, Duration maxRetry, int held) {
        Duration delay = retry;
        for (int i = 1; i < held && delay.compareTo(maxRetry) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxRetry) > 0 ? maxRetry : delay;
    }

    private void schedule(Run run, Duration delay) {
        try {
            executor.schedule(() -> round(run), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            run.done.complete(new DrainOutcome.Failed("the drainer is stopping"));
        }
    }

    private synchronized KubernetesClient withoutRetries(KubernetesClient client) {
        return withoutRetries.computeIfAbsent(client, c -> c.newClient(new RequestConfigBuilder(
                c.getConfiguration().getRequestConfig()).withRequestRetryBackoffLimit(0).build())
                .adapt(KubernetesClient.class));
    }

    /** The Node's {@code Ready} condition is Unknown: its kubelet stopped reporting (Cluster API's IsNodeUnreachable). */
    static boolean unreachable(Node node) {
        return node.getStatus() != null && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "Unknown".equals(c.getStatus()));
    }

    /**
     * Not DaemonSet pods (they would come back) unless their DaemonSet is gone (an orphan, which Cluster API's drain
     * evicts), not mirror pods (the kubelet owns them), not those labelled to be skipped, not finished ones. A pod
     * already terminating is still on the Node: it is waited for, not evicted again.
     *
     * @param daemonSetExists whether the DaemonSet of that namespace and name is there; asked only of a running
     *                        DaemonSet pod
     */
    static boolean evictable(Pod pod, BiPredicate<String, String> daemonSetExists) {
        var annotations = pod.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey(MIRROR_POD_ANNOTATION)) {
            return false;
        }
        if (ClusterApi.POD_DRAIN_SKIP.equals(drainLabel(pod))) {
            return false; // as Cluster API's drain: its owner asked that it stay
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return false;
        }
        Optional<OwnerReference> daemonSet = daemonSetOf(pod);
        if (daemonSet.isEmpty()) {
            return true;
        }
        String name = daemonSet.get().getName();
        // One it cannot name is taken to be there.
        return name != null && !name.isBlank() && pod.getMetadata().getNamespace() != null
                && !daemonSetExists.test(pod.getMetadata().getNamespace(), name);
    }

    /** {@link #evictable(Pod, BiPredicate)} with every DaemonSet there. */
    static boolean evictable(Pod pod) {
        return evictable(pod, (namespace, name) -> true);
    }

    /** The DaemonSet that owns the pod: its controller, or else any DaemonSet owner. */
    private static Optional<OwnerReference> daemonSetOf(Pod pod) {
        List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
        return owners == null ? Optional.empty() : owners.stream().filter(o -> "DaemonSet".equals(o.getKind()))
                .min(Comparator.comparing(o -> !Boolean.TRUE.equals(o.getController())));
    }

    private static String drainLabel(Pod pod) {
        var labels = pod.getMetadata().getLabels();
        return labels == null ? null : labels.get(ClusterApi.POD_DRAIN_LABEL);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
