package dev.poolstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.deploy.Manifests.Doc;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every file under k8s/ reads, into the right types, and is part of some kustomization. */
class ManifestsTest {

    /** The kinds used here and the fabric8 class each must read into; anything else is refused. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", ClusterRole.class),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", ClusterRoleBinding.class),
            Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaTopic", GenericKubernetesResource.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaUser", GenericKubernetesResource.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", GenericKubernetesResource.class),
            Map.entry("monitoring.coreos.com/v1/PrometheusRule", GenericKubernetesResource.class));

    private static final Path K8S = Repo.k8s();

    /** The patch files some kustomization names whose text deletes its object ({@code $patch: delete}). */
    private static java.util.Set<Path> deletePatches() {
        java.util.Set<Path> found = new java.util.HashSet<>();
        for (Path kustomization : Manifests.yamlFiles().stream().filter(Manifests::isKustomization).toList()) {
            for (Path patch : Manifests.patchFiles(kustomization.getParent())) {
                try {
                    if (java.nio.file.Files.readAllLines(patch).stream().anyMatch(l -> l.strip().equals("$patch: delete"))) {
                        found.add(patch.toAbsolutePath().normalize());
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        return found;
    }

    @Test
    void shouldReadEveryManifestIntoItsTypedClassWhenParsed() {
        List<Path> manifests = Manifests.yamlFiles().stream().filter(f -> !Manifests.isKustomization(f)).toList();
        assertThat(manifests).hasSizeGreaterThanOrEqualTo(10);
        List<String> problems = new ArrayList<>();
        java.util.Set<Path> deletePatches = deletePatches();
        for (Path file : manifests) {
            List<Doc> docs;
            try {
                docs = Manifests.read(file);
            } catch (RuntimeException e) {
                problems.add(e.getMessage());
                continue;
            }
            if (docs.isEmpty()) {
                problems.add(file + ": no document");
            }
            for (Doc doc : docs) {
                String key = doc.object().getApiVersion() + "/" + doc.kind();
                Class<? extends HasMetadata> expected = KINDS.get(key);
                if (expected == null) {
                    problems.add(doc + ": kind " + key + " is not one these tests know");
                } else if (!expected.equals(doc.object().getClass())) {
                    problems.add(doc + ": read as " + doc.object().getClass().getName() + ", not " + expected);
                }
                Manifests.unknownFields(doc.object()).stream()
                        // Kustomize's one way to delete an object: a patch file whose document says $patch: delete.
                        .filter(f -> !(f.endsWith("[$patch]") && deletePatches.contains(file.toAbsolutePath().normalize())))
                        .forEach(f -> problems.add(doc + ": unknown field " + f));
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void shouldFailWhenADocumentIsNotAKubernetesObject() {
        Path file = Path.of("broken.yaml");
        assertThatThrownBy(() -> Manifests.parse("apiVersion: v1\nkind: ConfigMap\ndata: [unclosed", file))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Manifests.parse("just: a map\n", file)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Manifests.parse("apiVersion: v1\nkind: ConfigMap\n", file))
                .hasMessageContaining("metadata.name");
    }

    @Test
    void shouldFindAMisspeltFieldWhenFabric8KeepsItAsAnAdditionalProperty() {
        HasMetadata deployment = Manifests.parse("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  template:
                    spec:
                      containers:
                        - name: x
                          securityContext: {readOnlyRootFileSystem: true}
                """, Path.of("typo.yaml"));
        assertThat(Manifests.unknownFields(deployment)).singleElement().asString()
                .contains("securityContext").contains("readOnlyRootFileSystem");
    }

    @Test
    void shouldReadEveryKustomizationAndNameOnlyFilesThatExist() {
        List<Path> kustomizations = Manifests.yamlFiles().stream().filter(Manifests::isKustomization).toList();
        assertThat(kustomizations).extracting(p -> K8S.relativize(p.getParent()).toString().replace('\\', '/'))
                .contains("base", "overlays/aws", "overlays/azure", "overlays/strimzi-topics",
                        "components/owner-mode", "components/monitoring");
        for (Path file : kustomizations) {
            Map<String, Object> k = Manifests.kustomization(file.getParent());
            assertThat(k.get("apiVersion")).as(file.toString()).asString().startsWith("kustomize.config.k8s.io/");
            assertThat(k.get("kind")).as(file.toString()).isIn("Kustomization", "Component");
            // resourceFiles and patchFiles throw on a name that resolves to nothing.
            Manifests.resourceFiles(file.getParent());
            Manifests.patchFiles(file.getParent());
        }
    }

    @Test
    void shouldTakeEveryManifestIntoSomeKustomizationWhenBuilt() {
        Set<Path> used = new HashSet<>();
        for (Path file : Manifests.yamlFiles()) {
            if (Manifests.isKustomization(file)) {
                used.addAll(Manifests.resourceFiles(file.getParent()));
                used.addAll(Manifests.patchFiles(file.getParent()));
            }
        }
        List<Path> orphans = Manifests.yamlFiles().stream()
                .filter(f -> !Manifests.isKustomization(f) && !used.contains(f)).toList();
        assertThat(orphans).as("manifests no kustomization takes in").isEmpty();
    }

    @Test
    void shouldHoldEachObjectOnceAndEverythingButTopicsInThePoolstreamNamespaceWhenAnOverlayIsBuilt() {
        for (String overlay : List.of("aws", "azure")) {
            List<Doc> docs = Manifests.resources(K8S.resolve("overlays").resolve(overlay));
            assertThat(docs.stream().map(Doc::id).collect(Collectors.groupingBy(id -> id, Collectors.counting())))
                    .as(overlay + ": objects defined twice").allSatisfy((id, n) -> assertThat(n).as(id).isOne());
            for (Doc doc : docs) {
                boolean clusterScoped = doc.object() instanceof Namespace || doc.object() instanceof ClusterRole
                        || doc.object() instanceof ClusterRoleBinding;
                if (clusterScoped) {
                    assertThat(doc.namespace()).as(doc.toString()).isNull();
                } else if (doc.kind().equals("KafkaTopic")) {
                    assertThat(doc.namespace()).as(doc.toString()).isEqualTo("kafka");
                } else {
                    assertThat(doc.namespace()).as(doc.toString()).isEqualTo(Repo.NAMESPACE);
                }
            }
        }
    }

    @Test
    void shouldRunExactlyItsOwnProviderWhenACloudOverlayIsBuilt() {
        assertThat(deployments("aws")).containsExactlyInAnyOrder(Repo.WATCHER, Repo.RECONCILER, Repo.STATUS,
                Repo.PROVIDER_AWS);
        assertThat(deployments("azure")).containsExactlyInAnyOrder(Repo.WATCHER, Repo.RECONCILER, Repo.STATUS,
                Repo.PROVIDER_AZURE);
    }

    @Test
    void shouldPatchOnlyTheModeConfigMapToOwnerWhenTheOwnerModeComponentIsUsed() throws Exception {
        Path component = K8S.resolve("components/owner-mode");
        Set<Path> patches = Manifests.patchFiles(component);
        assertThat(patches).hasSize(1);
        List<Doc> docs = Manifests.read(patches.iterator().next());
        assertThat(docs).singleElement().satisfies(d -> {
            assertThat(d.object()).isInstanceOf(ConfigMap.class);
            assertThat(d.name()).isEqualTo("poolstream-mode");
            assertThat(((ConfigMap) d.object()).getData()).containsOnly(
                    Map.entry("POOLSTREAM_STATUS_MODE", "owner"), Map.entry("POOLSTREAM_RECONCILER_MODE", "owner"));
        });
        ConfigMap base = Manifests.ofType(Manifests.resources(K8S.resolve("base")), ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals("poolstream-mode")).findFirst().orElseThrow();
        assertThat(base.getData()).containsOnly(Map.entry("POOLSTREAM_STATUS_MODE", "infrastructure-provider"),
                Map.entry("POOLSTREAM_RECONCILER_MODE", "infrastructure-provider"));
        assertThat(Files.readString(component.resolve(Manifests.KUSTOMIZATION))).contains("kind: Component");
    }

    private static List<String> deployments(String overlay) {
        return Manifests.ofType(Manifests.resources(K8S.resolve("overlays").resolve(overlay)), Deployment.class)
                .stream().map(d -> d.getMetadata().getName()).toList();
    }
}
