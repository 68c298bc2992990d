package dev.poolstream.testing;

import dev.poolstream.api.Crds;
import dev.poolstream.api.kube.ManagementClients;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.fabric8.kubeapitest.KubeAPITestException;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * The real tier: a kube-apiserver and etcd (started by fabric8's {@code kube-api-test}), with the Cluster API CRDs
 * installed. Unlike {@link MockCluster} it validates schemas and CEL rules, serves the status and scale
 * subresources, rejects stale writes, expires watches and checks PodDisruptionBudgets on eviction. It has no
 * controller-manager: no garbage collection, no namespace deletion, no disruption controller.
 *
 * <p>The binaries are built by {@code test-support/kube-api/build.sh} (the library's own download cannot reach
 * the internet from the build machines). Where they are missing the tests that need them are skipped with that
 * command in the message; with {@code POOLSTREAM_REQUIRE_KUBE_API=true} (CI) they fail instead.
 */
public final class KubeApiServer implements AutoCloseable {

    public static final String VERSION = System.getProperty("poolstream.kube.version", "1.34.4");
    public static final String REQUIRE_ENV = "POOLSTREAM_REQUIRE_KUBE_API";
    /** Where k8s/ runs the services, and so the namespace of their ServiceAccounts. */
    public static final String POOLSTREAM_NAMESPACE = "poolstream";
    public static final String BUILD_COMMAND = "test-support/kube-api/build.sh";
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration CRD_ESTABLISHED = Duration.ofSeconds(60);

    private static KubeApiServer shared;

    private final Path directory;
    private final Path auditLog;
    private volatile boolean refusalsExpected;
    private final KubeAPIServer server;
    private final String kubeconfig;
    private final KubernetesClient client;

    private KubeApiServer(List<String> flags, List<String> bodiesOf, Set<String> crdsLeftOut) {
        forgetEarlierRuns();
        directory = ownDirectory();
        auditLog = directory.resolve("audit.log");
        KubeAPIServerConfigBuilder config = KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(directory.toString())
                .withApiServerVersion(VERSION)
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout((int) STARTUP_TIMEOUT.toMillis());
        // Every request the server answers, with its outcome: what tests check "no write was refused" and the
        // permissions against.
        config.withApiServerFlag("--audit-policy-file", writeAuditPolicy(directory, bodiesOf).toString())
                .withApiServerFlag("--audit-log-path", auditLog.toString())
                .withApiServerFlag("--audit-log-format", "json")
                .withApiServerFlag("--audit-log-mode", "blocking")
                // Never rotated (its default is at 100 MB): the readers of the log follow one file. A benchmark that
                // records bodies passes 100 MB in minutes, and its tail then saw nothing more.
                .withApiServerFlag("--audit-log-maxsize", "1000000")
                // As OpenShift runs it: an object made with blockOwnerDeletion on its owner (the status service's
                // Machines) needs `update` on the owner's finalizers, which a test as a ServiceAccount then needs
                // from k8s/'s RBAC.
                .withApiServerFlag("--enable-admission-plugins", "OwnerReferencesPermissionEnforcement");
        flags.forEach(config::withApiServerFlag);
        server = startTryingTwice(config);
        kubeconfig = inlined(server.getKubeConfigYaml());
        client = new KubernetesClientBuilder().withConfig(config()).build();
        installCrds(crdsLeftOut);
    }

    /**
     * The kubeconfig with its certificates and key in itself ({@code *-data}), as Cluster API writes one into a
     * {@code <cluster>-kubeconfig} Secret: kube-api-test's names files, and the services refuse a kubeconfig from a
     * Secret that would have them read one of their own files ({@code WorkloadKubeconfig}).
     */
    public static String inlined(String kubeconfig) {
        KubernetesSerialization yaml = new KubernetesSerialization();
        io.fabric8.kubernetes.api.model.Config model = yaml.unmarshal(kubeconfig,
                io.fabric8.kubernetes.api.model.Config.class);
        for (var named : model.getClusters() == null ? List.<io.fabric8.kubernetes.api.model.NamedCluster>of()
                : model.getClusters()) {
            var cluster = named.getCluster();
            if (cluster.getCertificateAuthority() != null) {
                cluster.setCertificateAuthorityData(base64(cluster.getCertificateAuthority()));
                cluster.setCertificateAuthority(null);
            }
        }
        for (var named : model.getUsers() == null ? List.<io.fabric8.kubernetes.api.model.NamedAuthInfo>of()
                : model.getUsers()) {
            var user = named.getUser();
            if (user.getClientCertificate() != null) {
                user.setClientCertificateData(base64(user.getClientCertificate()));
                user.setClientCertificate(null);
            }
            if (user.getClientKey() != null) {
                user.setClientKeyData(base64(user.getClientKey()));
                user.setClientKey(null);
            }
        }
        return yaml.asYaml(model);
    }

    private static String base64(String file) {
        try {
            return java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts the processes, trying once more in two cases outside the test's control:
     * <ul>
     * <li>kube-api-test picks etcd's and kube-apiserver's ports at random in 49152-65535, which overlaps Linux's
     * ephemeral range: a port free when picked can be some connection's source port by the time the process binds
     * it, and the process exits. A start during which a process exited is tried again, with new ports.</li>
     * <li>kube-api-test 7.4 times its readiness wait with {@link LocalTime}, which wraps at midnight: a start in the
     * last {@link #STARTUP_TIMEOUT} before midnight gives up at its first poll. It is tried again once midnight has
     * passed.</li>
     * </ul>
     * A failure in any other case, or a second failure, is thrown.
     */
    private static KubeAPIServer startTryingTwice(KubeAPIServerConfigBuilder config) {
        for (int attempt = 1; ; attempt++) {
            Starting server = new Starting(config.build());
            LocalTime started = LocalTime.now();
            try {
                server.startOrFailFast();
                return server;
            } catch (KubeAPITestException e) {
                RuntimeException failure = server.exited == null ? e
                        : new IllegalStateException(server.exited + " while starting (its output is logged at DEBUG"
                                + " by io.fabric8.kubeapitest)", e);
                // kube-api-test has stopped and cleaned up after a process that exited by itself; stopping again
                // fails on the directories it removed, which must not hide the cause.
                try {
                    server.stop();
                } catch (RuntimeException alreadyStopped) {
                    failure.addSuppressed(alreadyStopped);
                }
                boolean wrapped = started.plus(STARTUP_TIMEOUT).isBefore(started);
                if (attempt > 1 || (server.exited == null && !wrapped)) {
                    throw failure;
                }
                System.err.println("kube-api-test: " + failure.getMessage() + "; trying once more");
                if (wrapped) {
                    sleepPastMidnight(started, failure);
                }
            }
        }
    }

    private static void sleepPastMidnight(LocalTime started, RuntimeException cause) {
        LocalTime now = LocalTime.now();
        long untilMidnight = now.isBefore(started) ? 0 : Duration.between(now, LocalTime.MAX).toMillis() + 1;
        try {
            Thread.sleep(untilMidnight + 1_000);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw cause;
        }
    }

    /**
     * kube-api-test's server, which hears when etcd or kube-apiserver exits by itself. kube-api-test then stops the
     * other process but goes on polling for readiness until its timeout; this ends the start at once instead.
     */
    private static final class Starting extends KubeAPIServer {
        private volatile Thread starting;
        private volatile String exited;

        Starting(io.fabric8.kubeapitest.KubeAPIServerConfig config) {
            super(config);
        }

        void startOrFailFast() {
            starting = Thread.currentThread();
            try {
                start();
                if (exited != null) {
                    throw new KubeAPITestException("ready, but a process had exited");
                }
            } finally {
                starting = null;
                if (exited != null) {
                    Thread.interrupted(); // ours, not the caller's
                }
            }
        }

        @Override
        public void processStopped(Process process) {
            // kube-api-test's own ERROR line just before says which of the two.
            exited = "etcd or kube-apiserver exited with code " + process.exitValue();
            super.processStopped(process);
            Thread waiting = starting;
            if (waiting != null) {
                waiting.interrupt();
            }
        }
    }

    /**
     * One server for the whole test JVM, started on first use and stopped when the JVM exits. Tests that share it
     * keep to their own namespaces and Node names.
     */
    public static synchronized KubeApiServer shared() {
        requireBinaries();
        if (shared == null) {
            shared = new KubeApiServer(List.of(), List.of(), Set.of());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "kube-api-server-stop"));
        }
        return shared;
    }

    /**
     * A server of the test's own, for tests that change how it runs.
     *
     * @param flags extra kube-apiserver flags, each {@code --name=value} or {@code --name}
     */
    public static KubeApiServer start(String... flags) {
        requireBinaries();
        return new KubeApiServer(List.of(flags), List.of(), Set.of());
    }

    /**
     * A server of the test's own on which these CRDs were never installed: a management cluster with one provider's
     * kinds and not the other's. (Deleting a CRD instead waits for its cleanup, which a loaded machine drew out past
     * 30 s.)
     *
     * @param crdNames each {@code <plural>.<group>}, one of {@link Crds#all()}
     */
    public static KubeApiServer startWithout(String... crdNames) {
        requireBinaries();
        Set<String> leftOut = Set.of(crdNames);
        Set<String> known = Crds.all().stream().map(c -> c.getMetadata().getName()).collect(Collectors.toSet());
        if (!known.containsAll(leftOut)) {
            throw new IllegalArgumentException("no such CRD among the installed ones: " + leftOut);
        }
        return new KubeApiServer(List.of(), List.of(), leftOut);
    }

    /**
     * A server of the caller's own whose audit log also keeps the bodies (request and response) of the writes to the
     * given resources, so that {@link AuditedRequest#responseObject()} says what each such write left: a benchmark
     * that times a write with a given content, for instance.
     *
     * @param resources each {@code group/resource} or {@code group/resource/subresource}, the group "" for the core
     *                  group: {@code cluster.x-k8s.io/machinepools/status}, {@code /nodes/status}
     * @param flags     extra kube-apiserver flags, each {@code --name=value} or {@code --name}
     */
    public static KubeApiServer startRecordingBodies(List<String> resources, String... flags) {
        requireBinaries();
        return new KubeApiServer(List.of(flags), List.copyOf(resources), Set.of());
    }

    /** Skips the calling test when the binaries are missing, or fails it where they are required. */
    public static void requireBinaries() {
        Path dir = binaryDirectory();
        List<String> missing = new ArrayList<>();
        for (String binary : List.of("kube-apiserver", "etcd", "kubectl")) {
            if (!Files.isExecutable(dir.resolve(binary))) {
                missing.add(binary);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String why = "the real-API-server tier needs " + String.join(", ", missing) + " " + VERSION + " in " + dir
                + "; build them with " + BUILD_COMMAND + " (about 7 minutes cold, needs Go)";
        if (Boolean.parseBoolean(System.getenv(REQUIRE_ENV))) {
            throw new IllegalStateException(why + " (" + REQUIRE_ENV + "=true: failing instead of skipping)");
        }
        System.err.println("SKIPPED: " + why);
        Assumptions.abort(why);
    }

    /**
     * kube-api-test writes its certificates where it finds the binaries: each server gets a directory of its own
     * that links to the shared binaries, so that test JVMs running at once do not overwrite each other's.
     */
    private static Path ownDirectory() {
        try {
            Path own = Files.createTempDirectory("kube-api-server");
            Files.createSymbolicLink(own.resolve("k8s"), binaryDirectory().getParent());
            return own;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a directory for the API server", e);
        }
    }

    public static Path binaryDirectory() {
        String root = System.getenv().getOrDefault(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR,
                System.getProperty("user.home") + "/" + KubeAPIServerConfigBuilder.DIRECTORY_NAME);
        return Path.of(root, "k8s", VERSION + "-linux-amd64");
    }

    /** An admin client (system:masters). */
    public KubernetesClient client() {
        return client;
    }

    /** An admin kubeconfig, as Cluster API stores one in {@code <cluster>-kubeconfig}. */
    public String kubeconfig() {
        return kubeconfig;
    }

    public Config config() {
        return Config.fromKubeconfig(kubeconfig);
    }

    /**
     * Every request this server has answered so far, oldest first, from its audit log (API server's own record:
     * verb, resource, subresource, namespace, response code).
     */
    public List<AuditedRequest> requests() {
        return AuditedRequest.read(auditLog);
    }

    /**
     * Follows this server's audit log from its end as of now: each {@link AuditLogTail#next()} gives the requests
     * answered since the call before, without reading the log again from its start.
     */
    public AuditLogTail auditTail() {
        return new AuditLogTail(auditLog);
    }

    /** The writes this server refused as invalid or malformed (400, 422) or forbidden (403), with their messages. */
    public List<AuditedRequest> refusedWrites() {
        return requests().stream().filter(AuditedRequest::write)
                .filter(r -> r.code() == 400 || r.code() == 403 || r.code() == 422).toList();
    }

    /** The API server's URL. */
    public String url() {
        return config().getMasterUrl();
    }

    /**
     * A client that acts as the ServiceAccount {@code poolstream/<service>} (impersonated by the admin), so that the
     * server authorizes every call with that account's RBAC, as in a cluster. Apply the RBAC with
     * {@link #applyRbac(Path...)}. Its requests name the service as the service's own client's do
     * ({@link ManagementClients#userAgent}).
     */
    public KubernetesClient clientAs(String service) {
        return new KubernetesClientBuilder().withConfig(actingAs(config(), service)).build();
    }

    /**
     * {@code config}, changed to act as the ServiceAccount {@code poolstream/<service>} (its admin impersonates it)
     * and to name the service in its requests, as {@link #clientAs} does: for a client of this server's kubeconfig
     * that reaches it another way (e.g. through a proxy).
     */
    public static Config actingAs(Config config, String service) {
        config.setUserAgent(ManagementClients.userAgent(service));
        config.setImpersonateUsername(serviceAccountUser(service));
        config.setImpersonateGroups(SERVICE_ACCOUNT_GROUPS.toArray(String[]::new));
        return config;
    }

    /**
     * Writes this server's kubeconfig to {@code kubeconfig} and sets the system properties with which fabric8's
     * auto-configured client (a service's own client bean) reads it and acts as {@code poolstream/<service>}, as
     * {@link #clientAs} does. Close the result to put the properties back.
     */
    public ServiceAccountProperties serviceAccountProperties(String service, Path kubeconfig) throws IOException {
        Files.writeString(kubeconfig, kubeconfig());
        return new ServiceAccountProperties(kubeconfig.toString(), serviceAccountUser(service),
                SERVICE_ACCOUNT_GROUPS);
    }

    /** The user a request made as the ServiceAccount {@code poolstream/<service>} is audited as. */
    public static String serviceAccountUser(String service) {
        return "system:serviceaccount:" + POOLSTREAM_NAMESPACE + ":" + service;
    }

    private static final List<String> SERVICE_ACCOUNT_GROUPS = List.of("system:serviceaccounts",
            "system:serviceaccounts:" + POOLSTREAM_NAMESPACE, "system:authenticated");

    /**
     * Applies the ServiceAccounts, (Cluster)Roles and their bindings of the manifests (other kinds are skipped), as
     * {@code k8s/} ships them; the {@code poolstream} namespace is created first.
     */
    public KubeApiServer applyRbac(Path... manifests) {
        namespace(POOLSTREAM_NAMESPACE);
        Set<String> kinds = Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding");
        for (Path manifest : manifests) {
            try (InputStream in = Files.newInputStream(manifest)) {
                for (HasMetadata object : client.load(in).items()) {
                    if (kinds.contains(object.getKind())) {
                        client.resource(object).createOr(NonDeletingOperation::update);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + manifest, e);
            }
        }
        return this;
    }

    /** Creates the namespace unless it exists. */
    public KubeApiServer namespace(String name) {
        if (client.namespaces().withName(name).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata()
                    .build()).create();
        }
        return this;
    }

    private static Path writeAuditPolicy(Path directory, List<String> bodiesOf) {
        StringBuilder rules = new StringBuilder();
        for (String resource : bodiesOf) {
            int slash = resource.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("not group/resource[/subresource]: " + resource);
            }
            rules.append("""
                    - level: RequestResponse
                      verbs: ["create", "update", "patch"]
                      resources:
                      - group: "%s"
                        resources: ["%s"]
                    """.formatted(resource.substring(0, slash), resource.substring(slash + 1)));
        }
        try {
            return Files.writeString(directory.resolve("audit-policy.yaml"), """
                    apiVersion: audit.k8s.io/v1
                    kind: Policy
                    omitStages: ["RequestReceived"]
                    rules:
                    """ + rules + """
                    - level: Metadata
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the audit policy", e);
        }
    }

    /** Server-side apply: the Cluster CRD is too large for the last-applied annotation of client-side apply. */
    private void installCrds(Set<String> leftOut) {
        List<CustomResourceDefinition> crds = Crds.all().stream()
                .filter(c -> !leftOut.contains(c.getMetadata().getName())).toList();
        for (CustomResourceDefinition crd : crds) {
            crd.getMetadata().setManagedFields(null);
            client.resource(crd).fieldManager("poolstream-tests").forceConflicts().serverSideApply();
        }
        for (CustomResourceDefinition crd : crds) {
            client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                    .waitUntilCondition(KubeApiServer::established, CRD_ESTABLISHED.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private static boolean established(CustomResourceDefinition crd) {
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /**
     * Says that this server's tests make a service's calls be refused on purpose (to show it retries): the refusals
     * are recorded as expected, so the RBAC check does not count them as a missing grant.
     */
    public KubeApiServer expectRefusals() {
        refusalsExpected = true;
        return this;
    }

    /**
     * Appends the calls Poolstream's ServiceAccounts made on this server to {@code target/api-calls/} of the
     * module under test, where deploy-tests' RbacTest compares them with what {@code k8s/} grants.
     */
    private void recordServiceCalls() {
        List<AuditedRequest> calls = requests().stream()
                .filter(r -> r.user().startsWith("system:serviceaccount:" + POOLSTREAM_NAMESPACE + ":")).toList();
        if (calls.isEmpty()) {
            return;
        }
        try {
            Path dir = Files.createDirectories(Path.of("target", "api-calls"));
            List<String> lines = new ArrayList<>();
            for (AuditedRequest call : calls) {
                lines.add(AuditedRequest.json(call, refusalsExpected));
            }
            Files.write(dir.resolve(directory.getFileName() + ".jsonl"), lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the services' calls", e);
        }
    }

    private static boolean recordingsCleared;

    /** The first server of a test JVM drops what earlier runs recorded, so the record is this run's alone. */
    private static synchronized void forgetEarlierRuns() {
        if (recordingsCleared) {
            return;
        }
        recordingsCleared = true;
        Path dir = Path.of("target", "api-calls");
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot clear " + dir, e);
            }
        }
    }

    private void stop() {
        recordServiceCalls();
        client.close();
        server.stop();
        try (var files = Files.walk(directory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    @Override
    public void close() {
        if (this != shared) {
            stop();
        }
    }
}
