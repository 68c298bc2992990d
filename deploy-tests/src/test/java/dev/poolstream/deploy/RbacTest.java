package dev.poolstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.deploy.Manifests.Doc;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rules of each service's RBAC in {@code k8s/} that the calls recorded on the real API server cannot judge.
 * Whether the grants equal the calls is {@link RealCallsRbacTest}'s: the real-API-server tests run every service's
 * management-cluster client as its ServiceAccount with the RBAC of {@code k8s/} applied, and a call refused (403) or
 * a grant no call used fails it. This test keeps what no recording shows:
 *
 * <ul>
 *   <li>the shape of the grants: no wildcards, no powerful verbs, Secrets listed and watched only by the watcher,
 *       every role bound, and only to Poolstream's ServiceAccounts;</li>
 *   <li>the modes: the owner-mode calls are granted by the owner-mode component only (the tests of both modes share
 *       one API server and one ServiceAccount per service, so the recording cannot tell the modes apart);</li>
 *   <li>the code: every class that calls the Kubernetes API is known, either as a management-cluster caller together
 *       with the real-API-server tests that run it as its ServiceAccount (so that its calls are recorded), or as a
 *       workload-cluster call, which goes through Cluster API's kubeconfig (the cluster's admin) and is not granted
 *       by {@code k8s/}.</li>
 * </ul>
 */
class RbacTest {

    enum Mode { BOTH, OWNER }

    private static final String CLUSTER = "cluster";
    private static final String NS = Repo.NAMESPACE;
    private static final String CAPI = "cluster.x-k8s.io";
    private static final String CORE = "";
    private static final String BOOTSTRAP = "bootstrap.cluster.x-k8s.io";
    private static final String INFRASTRUCTURE = "infrastructure.cluster.x-k8s.io";

    /**
     * A class that calls the management cluster with the service's own ServiceAccount.
     *
     * @param calls      what it calls, for the reader (the recorded calls are the record)
     * @param recordedBy the real-API-server tests ({@code *RealApiIT} in the service's modules) that run it as the
     *                   ServiceAccount with the RBAC of {@code k8s/}
     */
    record ManagementCaller(String service, String className, String calls, List<String> recordedBy) {
    }

    static final List<ManagementCaller> MANAGEMENT_CALLERS = List.of(
            caller(Repo.WATCHER, "ManagementCache", "informers (list, watch) on MachinePools, Clusters, "
                            + "AWS/AzureMachinePools, Machines, MachineHealthChecks, AWSMachines, "
                            + "AzureMachinePoolMachines; the labelled Secrets as metadata only (list, watch), and a get "
                            + "of each <cluster>-kubeconfig by name (label cluster.x-k8s.io/cluster-name; "
                            + "RBAC cannot narrow a list to a label: the one service that lists Secrets)",
                    "WatcherRealApiIT", "WatchExpiryRealApiIT", "WatcherStartRealApiIT", "MachineRequestsRealApiIT",
                    "KubeconfigSecretsRealApiIT"),
            caller(Repo.WATCHER, "Leadership", "the Lease poolstream-watcher in poolstream: fabric8's LeaseLock gets, "
                    + "creates, and renews with a JSON merge patch", "WatcherRealApiIT", "WatcherStartRealApiIT"),
            caller(Repo.RECONCILER, "PoolObjects", "finalizers on the MachinePool (owner mode) and the AWS/Azure"
                            + "MachinePool (get, JSON merge patch); spec.replicas of autoscaled pools (patch); owner "
                            + "mode: the bootstrap config, KubeadmConfig or EKSConfig (get, found by discovery; delete "
                            + "with its pool), and "
                            + "the MachinePool's dataSecretName (get, patch), and a deleted MachinePool's "
                            + "AWS/AzureMachinePool (delete); a Machine to remediate (get, merge patch "
                            + "of /status, delete)", "ReconcilerRealApiIT", "MachineRemediationRealApiIT"),
            caller(Repo.RECONCILER, "WorkloadClients", "the <cluster>-kubeconfig Secret (get), for Drainer",
                    "ReconcilerRealApiIT", "DrainerRealApiIT"),
            caller(Repo.RECONCILER, "KubeEvents", "Events on the MachinePool and infrastructure pool (create; get and "
                    + "update of a repeated Event's series), for PoolEvents", "ReconcilerRealApiIT"),
            caller(Repo.STATUS, "StatusWriter", "the AWS/AzureMachinePool (get, patch of providerIDList, update of "
                            + "/status); the MachinePool (get for its Events; owner mode: patch, update of /status)",
                    "StatusWriterRealApiIT", "StatusWorkerRealApiIT", "StatusServiceRealApiIT",
                    "CalculatedStatusRealApiIT", "PausedPoolRealApiIT"),
            caller(Repo.STATUS, "MachineCache", "informers (list, watch) on AWSMachines, AzureMachinePoolMachines and "
                    + "Machines with label cluster.x-k8s.io/pool-name, in all namespaces or each listed one",
                    "InstanceMachinesRealApiIT", "MachineCacheNamespacesRealApiIT"),
            caller(Repo.STATUS, "MachineWriter", "an AWSMachine or AzureMachinePoolMachine per instance (create, "
                    + "update of /status, patch of its finalizer, delete; after a conflict it reads MachineCache's "
                    + "informer, not the API server); owner mode: a Machine per instance (create, patch of "
                    + "spec.version and its finalizer, update of /status); the Machine of a vanished instance "
                    + "(delete)", "InstanceMachinesRealApiIT"),
            caller(Repo.STATUS, "WorkloadClients", "owner mode: the <cluster>-kubeconfig Secret (get), for "
                    + "StatusWriter.tendNodes", "StatusWriterRealApiIT", "StatusServiceRealApiIT"),
            caller(Repo.STATUS, "KubeEvents", "Events on the MachinePool and infrastructure pool (create; get and "
                    + "update of a repeated Event's series)", "StatusWriterRealApiIT"),
            caller(Repo.PROVIDER_AWS, "SecretBootstrapData", "the pool's bootstrap data Secret (get)",
                    "SecretBootstrapDataRealApiIT"),
            caller(Repo.PROVIDER_AZURE, "SecretBootstrapData", "the pool's bootstrap data Secret (get)",
                    "SecretBootstrapDataRealApiIT"));

    /**
     * What only owner mode calls (no Cluster API controllers: Poolstream is the MachinePool's controller), granted by
     * {@code components/owner-mode} alone: the status and spec of a MachinePool are Cluster API's in
     * infrastructure-provider mode, and Poolstream must not be able to write them there.
     */
    static final Map<String, Set<Permission>> OWNER_MODE_ONLY = Map.of(
            Repo.RECONCILER, Set.of(
                    new Permission(CLUSTER, CAPI, "machinepools", "get", ""),
                    new Permission(CLUSTER, BOOTSTRAP, "kubeadmconfigs", "get", ""),
                    new Permission(CLUSTER, BOOTSTRAP, "eksconfigs", "get", ""),
                    new Permission(CLUSTER, BOOTSTRAP, "kubeadmconfigs", "delete", ""),
                    new Permission(CLUSTER, BOOTSTRAP, "eksconfigs", "delete", ""),
                    new Permission(CLUSTER, INFRASTRUCTURE, "awsmachinepools", "delete", ""),
                    new Permission(CLUSTER, INFRASTRUCTURE, "azuremachinepools", "delete", "")),
            Repo.STATUS, Set.of(
                    new Permission(CLUSTER, CAPI, "machines", "get", ""),
                    new Permission(CLUSTER, CAPI, "machines", "create", ""),
                    new Permission(CLUSTER, CAPI, "machines", "patch", ""),
                    new Permission(CLUSTER, CAPI, "machines/status", "update", ""),
                    new Permission(CLUSTER, CAPI, "machinepools", "patch", ""),
                    new Permission(CLUSTER, CAPI, "machinepools/status", "update", ""),
                    new Permission(CLUSTER, CAPI, "machinepools/finalizers", "update", ""),
                    new Permission(CLUSTER, CORE, "secrets", "get", "")));

    /**
     * One call a service makes in a workload cluster.
     *
     * @param scope        {@code cluster} (objects in any namespace) or the one namespace the call is made in
     * @param resourceName the one object the call is limited to, or empty
     * @param site         who makes the call, {@code Class.method → what}
     * @param evidence     {@code Class: a piece of its source} that makes the call
     */
    record Call(String service, Mode mode, String scope, String group, String resource, List<String> verbs,
                String resourceName, String site, String evidence) {
    }

    /**
     * What services do in the workload clusters, with the credentials of the Cluster API kubeconfig Secret: not granted
     * by k8s/ (Cluster API's kubeconfig is the cluster's admin), listed so that the code scan knows these call sites.
     */
    static final List<Call> WORKLOAD_CALLS = List.of(
            call(Repo.WATCHER, Mode.BOTH, CLUSTER, CORE, "nodes", "list,watch",
                    "WorkloadClusters.connect → Node informer", "WorkloadClusters: watch.client.nodes()"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, CORE, "nodes", "get,patch",
                    "Drainer.roundWithin → get, JSON merge patch of spec.unschedulable and the drain-started "
                            + "annotation (cordon, every round until the server holds it)",
                    "Drainer: client.nodes().resource(node).patch(PatchContext.of(PatchType.JSON_MERGE),"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, CORE, "nodes", "list",
                    "Drainer.nodeWithProviderId → the Node of an instance no record named, 500 a page",
                    "Drainer: client.nodes().list(new ListOptionsBuilder().withLimit(pageSize)"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, CORE, "pods", "list",
                    "Drainer.roundWithin → the Node's pods, all namespaces",
                    "Drainer: client.pods().inAnyNamespace().withField(\"spec.nodeName\", run.nodeName).list()"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, CORE, "pods/eviction", "create",
                    "Drainer.round → the Eviction API", "Drainer: .evict()"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, "apps", "daemonsets", "get",
                    "Drainer.roundWithin → is a DaemonSet pod's DaemonSet still there (an orphan is evicted)",
                    "Drainer: client.apps().daemonSets().inNamespace("),
            call(Repo.STATUS, Mode.OWNER, CLUSTER, CORE, "nodes", "get,patch,delete",
                    "StatusWriter.tendNodes → annotate and untaint (edit), delete retired Nodes (deleteAsRead)",
                    "StatusWriter: workload.nodes().resource(read).lockResourceVersion("));

    /** The modules whose code runs in each service (provider-core is the providers' engine). */
    private static final Map<String, List<String>> MODULES = Map.of(
            Repo.WATCHER, List.of("watcher-service"),
            Repo.RECONCILER, List.of("reconciler-service"),
            Repo.STATUS, List.of("status-service"),
            Repo.PROVIDER_AWS, List.of("provider-aws-service", "provider-core"),
            Repo.PROVIDER_AZURE, List.of("provider-azure-service", "provider-core"));

    /** Shared Kubernetes helpers; one counts for a service whose code names it. */
    private static final String SHARED_KUBE = "pool-api/src/main/java/dev/poolstream/api/kube";

    /** A Kubernetes API entry point of fabric8's client DSL, in a file that imports the client. */
    static final Pattern API_CALL = Pattern.compile("\\.(resources|genericKubernetesResources|resource)\\("
            + "|\\.(secrets|configMaps|nodes|pods|namespaces|serviceAccounts|leases|leaderElector|informers|apps"
            + "|batch|rbac|policy|coordination|storage|apiextensions)\\(\\)");

    private static final Path K8S = Repo.k8s();

    /** A permission as RBAC grants it, one verb on one resource. */
    record Permission(String scope, String group, String resource, String verb, String resourceName)
            implements Comparable<Permission> {

        @Override
        public int compareTo(Permission o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource
                    + (resourceName.isEmpty() ? "" : "/" + resourceName) + " in " + scope;
        }
    }

    static Stream<String> services() {
        return Repo.SERVICES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldGrantTheOwnerModeCallsOnlyWithTheOwnerModeComponent(String service) {
        Set<Permission> ownerOnly = OWNER_MODE_ONLY.getOrDefault(service, Set.of());
        Set<Permission> infrastructureProviderMode = granted(Manifests.union(K8S.resolve("overlays/aws"),
                K8S.resolve("overlays/azure")), service);
        Set<Permission> ownerMode = granted(Manifests.union(K8S.resolve("overlays/aws"), K8S.resolve("overlays/azure"),
                K8S.resolve("components/owner-mode")), service);
        assertThat(infrastructureProviderMode).as(service + " in infrastructure-provider mode")
                .noneMatch(ownerOnly::contains);
        assertThat(ownerMode).as(service + " in owner mode").containsAll(ownerOnly);
        assertThat(new TreeSet<>(ownerMode)).as(service + ": what the owner-mode component adds")
                .isEqualTo(union(infrastructureProviderMode, ownerOnly));
    }

    @Test
    void shouldUseNoWildcardsAndNoPowerfulVerbs() {
        List<Doc> docs = Manifests.union(K8S.resolve("overlays/aws"), K8S.resolve("overlays/azure"),
                K8S.resolve("components/owner-mode"));
        for (Map.Entry<HasMetadata, List<PolicyRule>> role : roles(docs).entrySet()) {
            for (PolicyRule rule : role.getValue()) {
                String name = role.getKey().getMetadata().getName();
                assertThat(rule.getNonResourceURLs()).as(name).isNullOrEmpty();
                assertThat(rule.getVerbs()).as(name).isNotEmpty().doesNotContain("*", "escalate", "bind",
                        "impersonate", "deletecollection");
                assertThat(rule.getResources()).as(name).isNotEmpty().noneMatch(r -> r.contains("*"));
                assertThat(rule.getApiGroups()).as(name).isNotEmpty().doesNotContain("*");
                assertThat(Optional.ofNullable(rule.getResourceNames()).orElse(List.of())).as(name)
                        .doesNotContain("*");
            }
        }
    }

    @Test
    void shouldNeverListOrWatchSecretsExceptInTheWatcher() {
        // The one exception, stated: watcher-service watches the kubeconfig Secrets (ManagementCache). Every other
        // service reads one Secret it knows the name of, with get.
        List<Doc> docs = Manifests.union(K8S.resolve("overlays/aws"), K8S.resolve("overlays/azure"),
                K8S.resolve("components/owner-mode"));
        for (String service : Repo.SERVICES) {
            Set<String> secretVerbs = granted(docs, service).stream()
                    .filter(p -> p.group().isEmpty() && p.resource().equals("secrets")).map(Permission::verb)
                    .collect(Collectors.toSet());
            if (service.equals(Repo.WATCHER)) {
                assertThat(secretVerbs).as(service).containsExactlyInAnyOrder("get", "list", "watch");
            } else {
                assertThat(secretVerbs).as(service).isSubsetOf("get");
            }
        }
    }

    @Test
    void shouldBindEveryRoleOnlyToPoolstreamServiceAccounts() {
        List<Doc> docs = Manifests.union(K8S.resolve("overlays/aws"), K8S.resolve("overlays/azure"),
                K8S.resolve("components/owner-mode"));
        Set<String> bound = new TreeSet<>();
        for (var binding : bindings(docs)) {
            for (Subject subject : binding.subjects()) {
                assertThat(subject.getKind()).as(binding.name()).isEqualTo("ServiceAccount");
                assertThat(subject.getNamespace()).as(binding.name()).isEqualTo(NS);
                assertThat(subject.getName()).as(binding.name()).isIn(Repo.SERVICES);
            }
            assertThat(rulesOf(docs, binding.ref(), binding.namespace())).as(binding.name() + " refers to a role")
                    .isPresent();
            bound.add(binding.ref().getKind() + "/" + binding.ref().getName());
        }
        for (HasMetadata role : roles(docs).keySet()) {
            assertThat(bound).as("bound").contains(role.getKind() + "/" + role.getMetadata().getName());
        }
    }

    @Test
    void shouldFindEveryWorkloadCallAndEveryManagementCallerInTheCodeAndItsRealApiServerTests() {
        List<String> problems = new ArrayList<>();
        for (ManagementCaller caller : MANAGEMENT_CALLERS) {
            if (source(caller.className()).isEmpty()) {
                problems.add(caller.service() + ": no class " + caller.className());
            }
            Set<String> tests = MODULES.get(caller.service()).stream().flatMap(m -> javaFiles(Repo.root().resolve(m)
                    .resolve("src/test/java")).stream()).map(RbacTest::simpleName).collect(Collectors.toSet());
            for (String test : caller.recordedBy()) {
                if (!test.endsWith("RealApiIT") || !tests.contains(test)) {
                    problems.add(caller.service() + ": " + caller.className() + " is said to be run as its "
                            + "ServiceAccount by " + test + ", which is no real-API-server test of its modules");
                }
            }
        }
        for (Call call : WORKLOAD_CALLS) {
            String evidenceClass = call.evidence().substring(0, call.evidence().indexOf(':'));
            String snippet = call.evidence().substring(call.evidence().indexOf(':') + 1).strip();
            Optional<Path> source = source(evidenceClass);
            if (source.isEmpty()) {
                problems.add(call.site() + ": no class " + evidenceClass);
            } else if (!Manifests.readString(source.get()).contains(snippet)) {
                problems.add(call.site() + ": " + evidenceClass + " no longer contains `" + snippet + "`");
            }
            for (String named : classesNamed(call)) {
                if (!named.equals("LeaseLock") && source(named).isEmpty()) {
                    problems.add(call.site() + ": no class " + named);
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldNameInTheTableEveryClassThatCallsTheKubernetesApi(String service) {
        Set<String> named = Stream.concat(
                        MANAGEMENT_CALLERS.stream().filter(c -> c.service().equals(service))
                                .map(ManagementCaller::className),
                        WORKLOAD_CALLS.stream().filter(c -> c.service().equals(service))
                                .flatMap(c -> classesNamed(c).stream()))
                .collect(Collectors.toSet());
        Set<String> callers = new TreeSet<>();
        List<Path> sources = MODULES.get(service).stream().flatMap(m -> javaFiles(Repo.root().resolve(m)
                .resolve("src/main/java")).stream()).toList();
        String code = sources.stream().map(Manifests::readString).collect(Collectors.joining("\n"));
        for (Path shared : javaFiles(Repo.root().resolve(SHARED_KUBE))) {
            if (code.contains(simpleName(shared))) {
                sources = Stream.concat(sources.stream(), Stream.of(shared)).toList();
            }
        }
        for (Path file : sources) {
            if (callsKubernetes(Manifests.readString(file))) {
                callers.add(simpleName(file));
            }
        }
        assertThat(callers).as(service + ": classes that call the Kubernetes API").isNotEmpty();
        assertThat(named).as(service + ": every class that calls the Kubernetes API is a management caller (with the "
                + "real-API-server tests that run it as the ServiceAccount) or makes a workload call")
                .containsAll(callers);
    }

    @Test
    void shouldTellAKubernetesCallFromOtherCode() {
        assertThat(callsKubernetes("import io.fabric8.kubernetes.client.KubernetesClient;\n"
                + "client.configMaps().inNamespace(ns).withName(n).get();")).isTrue();
        assertThat(callsKubernetes("import io.fabric8.kubernetes.client.KubernetesClient;\n"
                + "client.resources(Foo.class).list();")).isTrue();
        assertThat(callsKubernetes("client.secrets().get();")).as("no fabric8 client import").isFalse();
        assertThat(callsKubernetes("import io.fabric8.kubernetes.client.KubernetesClient;\nlook.events();"))
                .isFalse();
    }

    // --- the tables' helpers

    private static ManagementCaller caller(String service, String className, String calls, String... recordedBy) {
        return new ManagementCaller(service, className, calls, List.of(recordedBy));
    }

    private static Set<Permission> union(Set<Permission> a, Set<Permission> b) {
        Set<Permission> union = new TreeSet<>(a);
        union.addAll(b);
        return union;
    }

    private static Call call(String service, Mode mode, String scope, String group, String resource, String verbs,
                             String site, String evidence) {
        return call(service, mode, scope, group, resource, verbs, "", site, evidence);
    }

    private static Call call(String service, Mode mode, String scope, String group, String resource, String verbs,
                             String resourceName, String site, String evidence) {
        return new Call(service, mode, scope, group, resource, List.of(verbs.split(",")), resourceName, site,
                evidence);
    }

    private static Set<String> classesNamed(Call call) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b([A-Z][A-Za-z0-9]+)\\.[a-z<]").matcher(call.site());
        while (m.find()) {
            names.add(m.group(1));
        }
        names.add(call.evidence().substring(0, call.evidence().indexOf(':')));
        return names;
    }

    static boolean callsKubernetes(String source) {
        return source.contains("import io.fabric8.kubernetes.client.") && API_CALL.matcher(source).find();
    }

    // --- RBAC as the manifests grant it

    private record Binding(String name, String namespace, RoleRef ref, List<Subject> subjects) {
    }

    private static List<Binding> bindings(List<Doc> docs) {
        List<Binding> bindings = new ArrayList<>();
        for (ClusterRoleBinding b : Manifests.ofType(docs, ClusterRoleBinding.class)) {
            bindings.add(new Binding(b.getMetadata().getName(), null, b.getRoleRef(), b.getSubjects()));
        }
        for (RoleBinding b : Manifests.ofType(docs, RoleBinding.class)) {
            bindings.add(new Binding(b.getMetadata().getName(), b.getMetadata().getNamespace(), b.getRoleRef(),
                    b.getSubjects()));
        }
        return bindings;
    }

    private static Map<HasMetadata, List<PolicyRule>> roles(List<Doc> docs) {
        Map<HasMetadata, List<PolicyRule>> roles = new HashMap<>();
        Manifests.ofType(docs, ClusterRole.class).forEach(r -> {
            assertThat(r.getAggregationRule()).as("aggregated roles hide what they grant").isNull();
            roles.put(r, r.getRules());
        });
        Manifests.ofType(docs, Role.class).forEach(r -> roles.put(r, r.getRules()));
        return roles;
    }

    private static Optional<List<PolicyRule>> rulesOf(List<Doc> docs, RoleRef ref, String bindingNamespace) {
        if (ref.getKind().equals("ClusterRole")) {
            return Manifests.ofType(docs, ClusterRole.class).stream()
                    .filter(r -> r.getMetadata().getName().equals(ref.getName())).findFirst().map(ClusterRole::getRules);
        }
        return Manifests.ofType(docs, Role.class).stream()
                .filter(r -> r.getMetadata().getName().equals(ref.getName())
                        && r.getMetadata().getNamespace().equals(bindingNamespace))
                .findFirst().map(Role::getRules);
    }

    /** Every permission the service's account holds, one verb on one resource each. */
    static Set<Permission> granted(List<Doc> docs, String service) {
        Set<Permission> permissions = new TreeSet<>();
        for (Binding binding : bindings(docs)) {
            boolean bindsService = binding.subjects().stream().anyMatch(s -> s.getKind().equals("ServiceAccount")
                    && s.getName().equals(service) && NS.equals(s.getNamespace()));
            if (!bindsService) {
                continue;
            }
            String scope = binding.namespace() == null ? CLUSTER : binding.namespace();
            for (PolicyRule rule : rulesOf(docs, binding.ref(), binding.namespace()).orElseThrow(
                    () -> new AssertionError(binding.name() + " refers to a missing role"))) {
                List<String> names = Optional.ofNullable(rule.getResourceNames()).filter(l -> !l.isEmpty())
                        .orElse(List.of(""));
                for (String group : rule.getApiGroups()) {
                    for (String resource : rule.getResources()) {
                        for (String verb : rule.getVerbs()) {
                            for (String name : names) {
                                permissions.add(new Permission(scope, group, resource, verb, name));
                            }
                        }
                    }
                }
            }
        }
        return permissions;
    }

    // --- the code

    private static Optional<Path> source(String simpleName) {
        try (Stream<Path> modules = Files.list(Repo.root())) {
            return modules.filter(m -> Files.isDirectory(m.resolve("src/main/java")) && !m.endsWith("deploy-tests"))
                    .flatMap(m -> javaFiles(m.resolve("src/main/java")).stream())
                    .filter(f -> simpleName(f).equals(simpleName)).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> javaFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String simpleName(Path javaFile) {
        String name = javaFile.getFileName().toString();
        return name.substring(0, name.length() - ".java".length());
    }
}
