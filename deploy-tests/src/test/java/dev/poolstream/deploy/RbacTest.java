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
 * Each service's RBAC equals the Kubernetes API calls its code makes: not more (least privilege), not less (the call
 * would be refused). The calls are the table below, one row per call with the class that makes it and a piece of that
 * class's source as evidence; the table is checked against the code (every evidence still there, every class that
 * calls the Kubernetes API named in a row) and against the manifests (granted = called, per mode).
 *
 * <p>The HTTP verb fabric8 7.8 sends decides the RBAC verb: {@code get()} GET (get), an informer LIST + WATCH (list,
 * watch), {@code edit(...)} a JSON patch (patch), {@code patch(PatchContext, ...)} PATCH (patch),
 * {@code updateStatus()} PUT on /status (update on {@code <resource>/status}), {@code delete()} DELETE (delete),
 * {@code evict()} POST on pods/eviction (create), and the Lease lock of the leader elector GET, POST and a JSON merge
 * PATCH (get, create, patch; fabric8 never PUTs a Lease).
 */
class RbacTest {

    enum Mode { BOTH, OWNER }

    private static final String CLUSTER = "cluster";
    private static final String NS = Repo.NAMESPACE;
    private static final String CAPI = "cluster.x-k8s.io";
    private static final String INFRA = "infrastructure.cluster.x-k8s.io";
    private static final String CORE = "";
    private static final String LEASES = "coordination.k8s.io";
    private static final String BOOTSTRAP = "bootstrap.cluster.x-k8s.io";

    /**
     * One call a service makes on the management cluster, in every mode or in owner mode only.
     *
     * @param scope        {@code cluster} (objects in any namespace) or the one namespace the call is made in
     * @param resourceName the one object the call is limited to, or empty
     * @param site         who makes the call, {@code Class.method → what}
     * @param evidence     {@code Class: a piece of its source} that makes the call
     */
    record Call(String service, Mode mode, String scope, String group, String resource, List<String> verbs,
                String resourceName, String site, String evidence) {
    }

    /** What each service does on the management cluster, with its own service account. */
    static final List<Call> CALLS = List.of(
            // watcher-service: informers (list + watch) over every namespace, or over poolstream.watcher.namespaces
            call(Repo.WATCHER, Mode.BOTH, CLUSTER, CAPI, "machinepools", "list,watch",
                    "ManagementCache.<init> → MachinePool informer",
                    "ManagementCache: client.resources(MachinePool.class)"),
            call(Repo.WATCHER, Mode.BOTH, CLUSTER, CAPI, "clusters", "list,watch",
                    "ManagementCache.<init> → Cluster informer", "ManagementCache: client.resources(Cluster.class)"),
            call(Repo.WATCHER, Mode.BOTH, CLUSTER, INFRA, "awsmachinepools", "list,watch",
                    "ManagementCache.<init> → AWSMachinePool informer",
                    "ManagementCache: client.resources(AWSMachinePool.class)"),
            call(Repo.WATCHER, Mode.BOTH, CLUSTER, INFRA, "azuremachinepools", "list,watch",
                    "ManagementCache.<init> → AzureMachinePool informer",
                    "ManagementCache: client.resources(AzureMachinePool.class)"),
            // THE EXCEPTION to "secrets: get only": the watcher watches the kubeconfig Secrets (label
            // cluster.x-k8s.io/cluster-name) to follow workload clusters as they come and go. RBAC cannot narrow a list
            // or watch to a label, so this is list + watch on every Secret of the watched namespaces.
            call(Repo.WATCHER, Mode.BOTH, CLUSTER, CORE, "secrets", "list,watch",
                    "ManagementCache.<init> → kubeconfig Secret informer",
                    "ManagementCache: client.secrets().inAnyNamespace().withLabel(ClusterApi.CLUSTER_NAME_LABEL)"),
            call(Repo.WATCHER, Mode.BOTH, NS, LEASES, "leases", "create",
                    "Leadership.start → LeaseLock.create (the Lease does not exist yet)",
                    "Leadership: new LeaseLock(lease.namespace(), lease.name(), lease.identity())"),
            call(Repo.WATCHER, Mode.BOTH, NS, LEASES, "leases", "get,patch", "poolstream-watcher",
                    "Leadership.start → LeaseLock.get, LeaseLock.update (JSON merge patch); the Lease's name is "
                            + "poolstream.watcher.lease.name (WatcherProperties)",
                    "WatcherProperties: @DefaultValue(\"poolstream-watcher\")"),

            // reconciler-service
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, INFRA, "awsmachinepools", "get,patch",
                    "PoolObjects.editFinalizers → get, JSON merge patch with the read resourceVersion (Poolstream's "
                            + "finalizer on the infrastructure pool)",
                    "PoolObjects: resource.patch(PatchContext.of(PatchType.JSON_MERGE),"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, INFRA, "azuremachinepools", "get,patch",
                    "PoolObjects.editFinalizers → get, edit (Poolstream's finalizer on the infrastructure pool)",
                    "PoolObjects: INFRASTRUCTURE_KINDS"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, CAPI, "machinepools", "patch",
                    "PoolObjects.setReplicas → JSON merge patch of spec.replicas (replicas-managed-by pools)",
                    "PoolObjects: machinePool(spec).patch(PatchContext.of(PatchType.JSON_MERGE)"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, CORE, "secrets", "get",
                    "WorkloadClients.client, called by Drainer.round → the <cluster>-kubeconfig Secret",
                    "WorkloadClients: management.secrets().inNamespace(namespace).withName("),
            call(Repo.RECONCILER, Mode.OWNER, CLUSTER, CAPI, "machinepools", "get",
                    "PoolObjects.editFinalizers, setBootstrapDataSecret → get (Cluster API's MachinePool finalizer "
                            + "and bootstrap step, owner mode)",
                    "PoolObjects: editFinalizers(machinePool(spec)"),
            // Cluster API's bootstrap step in owner mode: the configRef's config, KubeadmConfig (CABPK) or EKSConfig
            // (CAPA), read until its status names the data Secret.
            call(Repo.RECONCILER, Mode.OWNER, CLUSTER, BOOTSTRAP, "kubeadmconfigs", "get",
                    "PoolObjects.bootstrapConfig → get the pool's bootstrap config (found by discovery)",
                    "PoolObjects: client.genericKubernetesResources(kind.get()).inNamespace(namespace)"),
            call(Repo.RECONCILER, Mode.OWNER, CLUSTER, BOOTSTRAP, "eksconfigs", "get",
                    "PoolObjects.bootstrapConfig → get the pool's bootstrap config (found by discovery)",
                    "PoolObjects: client.genericKubernetesResources(kind.get()).inNamespace(namespace)"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, "events.k8s.io", "events", "create,get,update",
                    "KubeEvents.record, called by PoolEvents.record → create an Event on the MachinePool and its "
                            + "infrastructure pool; get and update its series when it repeats",
                    "KubeEvents: client.events().v1().events().inNamespace(namespace).resource(event).update()"),

            // status-service
            call(Repo.STATUS, Mode.BOTH, CLUSTER, INFRA, "awsmachinepools", "get,patch",
                    "StatusWriter.writeInfrastructurePool → get; patchProviderIdList (edit: a JSON patch)",
                    "StatusWriter: resource.edit(object -> {"),
            call(Repo.STATUS, Mode.BOTH, CLUSTER, INFRA, "azuremachinepools", "get,patch",
                    "StatusWriter.writeInfrastructurePool → get; patchProviderIdList (edit: a JSON patch)",
                    "StatusWriter: ClusterApi.KIND_AZURE_MACHINE_POOL, AzureMachinePool.class"),
            call(Repo.STATUS, Mode.BOTH, CLUSTER, INFRA, "awsmachinepools/status", "update",
                    "StatusWriter.updateStatus → PUT /status", "StatusWriter: objects.resource(current).updateStatus()"),
            call(Repo.STATUS, Mode.BOTH, CLUSTER, INFRA, "azuremachinepools/status", "update",
                    "StatusWriter.updateStatus → PUT /status", "StatusWriter: objects.resource(current).updateStatus()"),
            call(Repo.STATUS, Mode.OWNER, CLUSTER, CAPI, "machinepools", "get,patch",
                    "StatusWriter.writeMachinePool → get; patchProviderIdList (edit: a JSON patch)",
                    "StatusWriter: objects(MachinePool.class, key.namespace())"),
            call(Repo.STATUS, Mode.OWNER, CLUSTER, CAPI, "machinepools/status", "update",
                    "StatusWriter.writeMachinePool → updateStatus (PUT /status)",
                    "StatusWriter: \"machinepool-status\""),
            call(Repo.STATUS, Mode.OWNER, CLUSTER, CORE, "secrets", "get",
                    "WorkloadClients.client, called by StatusWriter.tendNodes → the <cluster>-kubeconfig Secret",
                    "WorkloadClients: management.secrets().inNamespace(namespace).withName("),
            call(Repo.STATUS, Mode.BOTH, CLUSTER, CAPI, "machinepools", "get",
                    "StatusWriter.tell → get the MachinePool (its uid, which its Events name) when there is news",
                    "StatusWriter: machinePoolForEvents = objects(MachinePool.class, key.namespace())"),
            call(Repo.STATUS, Mode.BOTH, CLUSTER, "events.k8s.io", "events", "create,get,update",
                    "KubeEvents.record, called by StatusWriter.tell → create an Event; get and update its series "
                            + "when it repeats",
                    "KubeEvents: client.events().v1().events().inNamespace(namespace).resource(event).update()"),

            // the providers: the bootstrap data Secret, nothing else (provider-core)
            call(Repo.PROVIDER_AWS, Mode.BOTH, CLUSTER, CORE, "secrets", "get",
                    "SecretBootstrapData.read → the pool's bootstrap data Secret",
                    "SecretBootstrapData: client.secrets().inNamespace(ref.namespace()).withName(ref.name()).get()"),
            call(Repo.PROVIDER_AZURE, Mode.BOTH, CLUSTER, CORE, "secrets", "get",
                    "SecretBootstrapData.read → the pool's bootstrap data Secret",
                    "SecretBootstrapData: client.secrets().inNamespace(ref.namespace()).withName(ref.name()).get()"));

    /**
     * What services do in the workload clusters, with the credentials of the Cluster API kubeconfig Secret: not granted
     * by k8s/ (Cluster API's kubeconfig is the cluster's admin), listed so that the code scan knows these call sites.
     */
    static final List<Call> WORKLOAD_CALLS = List.of(
            call(Repo.WATCHER, Mode.BOTH, CLUSTER, CORE, "nodes", "list,watch",
                    "WorkloadClusters.connect → Node informer", "WorkloadClusters: watch.client.nodes()"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, CORE, "nodes", "get,patch",
                    "Drainer.roundWithin → get, JSON merge patch of spec.unschedulable (cordon, every round until the "
                            + "server holds it)",
                    "Drainer: client.nodes().withName(run.nodeName).patch(PatchContext.of(PatchType.JSON_MERGE),"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, CORE, "pods", "list",
                    "Drainer.roundWithin → the Node's pods, all namespaces",
                    "Drainer: client.pods().inAnyNamespace().withField(\"spec.nodeName\", run.nodeName).list()"),
            call(Repo.RECONCILER, Mode.BOTH, CLUSTER, CORE, "pods/eviction", "create",
                    "Drainer.round → the Eviction API", "Drainer: .evict()"),
            call(Repo.STATUS, Mode.OWNER, CLUSTER, CORE, "nodes", "get,patch,delete",
                    "StatusWriter.tendNodes → annotate and untaint (edit), delete retired Nodes",
                    "StatusWriter: node.delete()"));

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
    void shouldGrantExactlyTheCallsTheCodeMakesInInfrastructureProviderMode(String service) {
        List<Doc> docs = Manifests.union(K8S.resolve("overlays/aws"), K8S.resolve("overlays/azure"));
        assertThat(difference(granted(docs, service), expected(service, Set.of(Mode.BOTH)))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldGrantExactlyTheCallsTheCodeMakesInOwnerMode(String service) {
        List<Doc> docs = Manifests.union(K8S.resolve("overlays/aws"), K8S.resolve("overlays/azure"),
                K8S.resolve("components/owner-mode"));
        assertThat(difference(granted(docs, service), expected(service, Set.of(Mode.BOTH, Mode.OWNER)))).isEmpty();
    }

    @Test
    void shouldReportBothAPermissionNoCallNeedsAndACallWithoutPermission() {
        Set<Permission> expected = Set.of(new Permission(CLUSTER, CORE, "secrets", "get", ""));
        Set<Permission> granted = Set.of(new Permission(CLUSTER, CORE, "secrets", "list", ""));
        assertThat(difference(granted, expected)).containsExactly(
                "granted, but no call needs it: list core/secrets in cluster",
                "called, but not granted: get core/secrets in cluster");
        assertThat(difference(expected, expected)).isEmpty();
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
        // The one exception, stated: watcher-service watches the kubeconfig Secrets (see the table). Every other
        // service reads one Secret it knows the name of, with get.
        List<Doc> docs = Manifests.union(K8S.resolve("overlays/aws"), K8S.resolve("overlays/azure"),
                K8S.resolve("components/owner-mode"));
        for (String service : Repo.SERVICES) {
            Set<String> secretVerbs = granted(docs, service).stream()
                    .filter(p -> p.group().isEmpty() && p.resource().equals("secrets")).map(Permission::verb)
                    .collect(Collectors.toSet());
            if (service.equals(Repo.WATCHER)) {
                assertThat(secretVerbs).as(service).containsExactlyInAnyOrder("list", "watch");
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
    void shouldFindEveryCallOfTheTableInTheCode() {
        List<String> problems = new ArrayList<>();
        for (Call call : Stream.concat(CALLS.stream(), WORKLOAD_CALLS.stream()).toList()) {
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
        Set<String> named = Stream.concat(CALLS.stream(), WORKLOAD_CALLS.stream())
                .filter(c -> c.service().equals(service)).flatMap(c -> classesNamed(c).stream())
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
        assertThat(named).as(service + ": the table names every class that calls the Kubernetes API")
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

    // --- the table's helpers

    private static Call call(String service, Mode mode, String scope, String group, String resource, String verbs,
                             String site, String evidence) {
        return call(service, mode, scope, group, resource, verbs, "", site, evidence);
    }

    private static Call call(String service, Mode mode, String scope, String group, String resource, String verbs,
                             String resourceName, String site, String evidence) {
        return new Call(service, mode, scope, group, resource, List.of(verbs.split(",")), resourceName, site,
                evidence);
    }

    static Set<Permission> expected(String service, Set<Mode> modes) {
        Set<Permission> permissions = new TreeSet<>();
        for (Call call : CALLS) {
            if (call.service().equals(service) && modes.contains(call.mode())) {
                for (String verb : call.verbs()) {
                    permissions.add(new Permission(call.scope(), call.group(), call.resource(), verb,
                            call.resourceName()));
                }
            }
        }
        return permissions;
    }

    static List<String> difference(Set<Permission> granted, Set<Permission> expected) {
        List<String> problems = new ArrayList<>();
        new TreeSet<>(granted).stream().filter(p -> !expected.contains(p))
                .forEach(p -> problems.add("granted, but no call needs it: " + p));
        new TreeSet<>(expected).stream().filter(p -> !granted.contains(p))
                .forEach(p -> problems.add("called, but not granted: " + p));
        return problems;
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

    private static List<Path> javaFiles(Path dir) {
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
