package dev.poolstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.deploy.Manifests.Doc;
import dev.poolstream.deploy.RbacTest.Permission;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code k8s/components/namespaced}: a cloud overlay built with its cloud's component leaves no service a
 * ClusterRole or ClusterRoleBinding, grants each service in the component's namespaces exactly what its ClusterRole
 * granted cluster-wide (never more), and sets the namespaces of the services that list and watch to exactly those.
 * The build is kustomize's for what the component uses: its resources added, its {@code $patch: delete} documents
 * removing their objects, its Deployment patches adding env variables to the named containers.
 */
class NamespacedRbacTest {

    private static final Path K8S = Repo.k8s();
    private static final Pattern DELETE = Pattern.compile("(?m)^\\$patch:\\s*delete\\s*$");
    /** The services that list and watch in the management cluster, and the variable that limits them. */
    private static final Map<String, String> NAMESPACES_VARIABLE = Map.of(
            Repo.WATCHER, "POOLSTREAM_WATCHER_NAMESPACES",
            Repo.STATUS, "POOLSTREAM_STATUS_NAMESPACES");

    static Stream<Arguments> clouds() {
        return Stream.of(Arguments.of("aws", Repo.PROVIDER_AWS), Arguments.of("azure", Repo.PROVIDER_AZURE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clouds")
    void shouldLeaveNoServiceAClusterRoleOrAClusterRoleBinding(String cloud, String provider) {
        List<Doc> built = build(cloud);
        assertThat(Manifests.ofType(built, ClusterRoleBinding.class)).as(cloud + ": ClusterRoleBindings")
                .isEmpty();
        assertThat(Manifests.ofType(built, ClusterRole.class)).as(cloud + ": ClusterRoles").isEmpty();
        for (String service : services(provider)) {
            assertThat(RbacTest.granted(built, service)).as(service).isNotEmpty()
                    .allSatisfy(p -> assertThat(p.scope()).as(p.toString()).isNotEqualTo("cluster"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clouds")
    void shouldGrantInItsNamespacesExactlyWhatEachServiceHadClusterWide(String cloud, String provider) {
        List<Doc> base = Manifests.resources(K8S.resolve("overlays").resolve(cloud));
        List<Doc> built = build(cloud);
        Set<String> namespaces = componentNamespaces(cloud);
        assertThat(namespaces).as("the component's namespaces").isNotEmpty().doesNotContain(Repo.NAMESPACE);
        for (String service : services(provider)) {
            Set<Permission> before = RbacTest.granted(base, service);
            Set<Permission> after = RbacTest.granted(built, service);
            // Grants that were namespaced already (the watcher's Lease in poolstream) stay as they were.
            Set<Permission> namespacedBefore = before.stream().filter(p -> !p.scope().equals("cluster"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(after).as(service + ": what was namespaced").containsAll(namespacedBefore);
            for (String namespace : namespaces) {
                assertThat(inScope(after, namespace)).as(service + " in " + namespace)
                        .isEqualTo(withoutScope(before.stream().filter(p -> p.scope().equals("cluster"))));
            }
            assertThat(after.stream().filter(p -> !namespacedBefore.contains(p)).map(Permission::scope))
                    .as(service + ": the namespaces it is granted anything new in").isSubsetOf(namespaces);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clouds")
    void shouldLimitTheServicesThatListAndWatchToExactlyTheComponentsNamespaces(String cloud, String provider) {
        List<Doc> built = build(cloud);
        Set<String> namespaces = componentNamespaces(cloud);
        for (String service : services(provider)) {
            String variable = NAMESPACES_VARIABLE.get(service);
            Map<String, String> env = env(built, service);
            if (variable == null) {
                // get and patch by name only: Roles are all it takes; no variable of another service's.
                assertThat(env.keySet()).as(service).doesNotContainAnyElementsOf(NAMESPACES_VARIABLE.values());
                continue;
            }
            assertThat(env).as(service).containsKey(variable);
            assertThat(Arrays.stream(env.get(variable).split(",")).map(String::strip).toList()).as(service)
                    .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(namespaces);
        }
    }

    // --- the build

    private static List<String> services(String provider) {
        return List.of(Repo.WATCHER, Repo.RECONCILER, Repo.STATUS, provider);
    }

    private static Path component(String cloud) {
        return K8S.resolve("components/namespaced").resolve(cloud);
    }

    /**
     * The namespaces the component grants in: those of its Roles, outside Poolstream's own namespace (the base's
     * namespaced grants live there).
     */
    private static Set<String> componentNamespaces(String cloud) {
        return Manifests.ofType(Manifests.resources(component(cloud)), Role.class).stream()
                .map(r -> r.getMetadata().getNamespace()).filter(ns -> !ns.equals(Repo.NAMESPACE))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The overlay with the cloud's component, as kustomize builds it. */
    private static List<Doc> build(String cloud) {
        Map<String, Doc> byId = new LinkedHashMap<>();
        for (Doc doc : Manifests.union(K8S.resolve("overlays").resolve(cloud), component(cloud))) {
            byId.put(doc.id(), doc);
        }
        List<Doc> patches = Manifests.patchFiles(component(cloud)).stream()
                .flatMap(f -> Manifests.read(f).stream()).toList();
        for (Doc patch : patches) {
            if (DELETE.matcher(patch.text()).find()) {
                Doc removed = byId.remove(patch.id());
                assertThat(removed).as("the object " + patch + " deletes").isNotNull();
            }
        }
        List<Doc> built = new ArrayList<>(byId.values());
        for (Doc patch : patches) {
            if (patch.object() instanceof Deployment deploymentPatch) {
                Doc target = byId.get(patch.id());
                assertThat(target).as("the Deployment " + patch + " patches").isNotNull();
                built.set(built.indexOf(target), withEnv(target, deploymentPatch));
            }
        }
        return built;
    }

    /** A strategic merge of env: containers by name, variables by name. */
    private static Doc withEnv(Doc target, Deployment patch) {
        Deployment deployment = Manifests.SERIALIZATION.clone((Deployment) target.object());
        for (Container patched : patch.getSpec().getTemplate().getSpec().getContainers()) {
            Container container = deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> c.getName().equals(patched.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError(target + " has no container " + patched.getName()));
            List<EnvVar> env = new ArrayList<>(Optional.ofNullable(container.getEnv()).orElse(List.of()));
            for (EnvVar variable : patched.getEnv()) {
                env.removeIf(v -> v.getName().equals(variable.getName()));
                env.add(variable);
            }
            container.setEnv(env);
        }
        return new Doc(target.file(), target.index(), target.text(), deployment);
    }

    private static Map<String, String> env(List<Doc> docs, String service) {
        Deployment deployment = Manifests.ofType(docs, Deployment.class).stream()
                .filter(d -> d.getMetadata().getName().equals(service)).findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment " + service));
        Map<String, String> env = new LinkedHashMap<>();
        deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .flatMap(c -> Optional.ofNullable(c.getEnv()).orElse(List.of()).stream())
                .forEach(v -> env.put(v.getName(), v.getValue()));
        return env;
    }

    private static Set<Permission> inScope(Set<Permission> permissions, String scope) {
        return withoutScope(permissions.stream().filter(p -> p.scope().equals(scope)));
    }

    private static Set<Permission> withoutScope(Stream<Permission> permissions) {
        return permissions.map(p -> new Permission("", p.group(), p.resource(), p.verb(), p.resourceName()))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
