package dev.poolstream.watcher.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.testing.AuditedRequest;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.watcher.kube.ManagementCache;
import dev.poolstream.watcher.kube.WorkloadClusters;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * The watcher holds the content of the {@code <cluster>-kubeconfig} Secrets, and of no other: the Secrets Cluster API
 * labels with the same cluster (its CA, etcd and service-account keys) are known by their metadata, and never read.
 * The watcher runs as its ServiceAccount with the RBAC of {@code k8s/}, through a proxy that sees every byte the API
 * server sends it: a marker planted in those Secrets' data must never pass, and the audit log must show no read of
 * them.
 */
@EmbeddedKafka
class KubeconfigSecretsRealApiIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NAMESPACE = "team-secrets";
    private static final String CLUSTER = "vault";
    private static final String MARKER = "planted-marker-3f9c1e-not-to-leave-the-api-server";
    /** The marker as the API server sends a Secret's data: base64. */
    private static final String MARKER_SENT = Base64.getEncoder()
            .encodeToString(MARKER.getBytes(StandardCharsets.UTF_8));

    @Test
    void shouldReadOnlyTheKubeconfigSecretAndSeeTheOthersAsMetadata(EmbeddedKafkaBroker broker) throws Exception {
        KubeApiServer server = KubeApiServer.shared().namespace(NAMESPACE).applyRbac(Watchers.K8S_RBAC);
        KubernetesClient kube = server.client();
        kube.resource(cluster()).create();
        kube.resource(secret(ClusterApi.kubeconfigSecretName(CLUSTER), ClusterApi.KUBECONFIG_SECRET_KEY,
                server.kubeconfig())).create();
        Secret ca = kube.resource(secret(CLUSTER + "-ca", "tls.key", MARKER)).create();
        kube.resource(secret(CLUSTER + "-etcd", "tls.key", MARKER)).create();

        try (ApiProxy proxy = new ApiProxy(server)) {
            proxy.watchFor(MARKER_SENT);
            ConfigurableApplicationContext watcher = Watchers.start(Watchers.asServiceAccount(proxy.kubeconfig()),
                    broker.getBrokersAsString(), "watcher-secrets", "poolstream.watcher.namespaces=" + NAMESPACE);
            try {
                // The kubeconfig was read: the workload cluster's Nodes are watched with it.
                await().atMost(WAIT).until(() -> state(watcher) == WorkloadClusters.State.WATCHING);

                // Labelled Secrets that change or come while it watches: seen on the watch, as metadata.
                ca.getData().put("tls.crt", Base64.getEncoder().encodeToString(
                        (MARKER + "-crt").getBytes(StandardCharsets.UTF_8)));
                kube.resource(ca).update();
                kube.resource(secret(CLUSTER + "-sa", "sa.key", MARKER)).create();
                kube.secrets().inNamespace(NAMESPACE).withName(CLUSTER + "-etcd").delete();
                // Then the kubeconfig changes: read again. Its event comes after theirs on the same watch.
                Secret kubeconfig = kube.secrets().inNamespace(NAMESPACE)
                        .withName(ClusterApi.kubeconfigSecretName(CLUSTER)).get();
                kubeconfig.getMetadata().setAnnotations(java.util.Map.of("rotated", "1"));
                kube.resource(kubeconfig).update();
                String secretPath = "/api/v1/namespaces/" + NAMESPACE + "/secrets/";
                await().atMost(WAIT).until(() -> proxy.exchanges().stream()
                        .filter(e -> e.path().equals(secretPath + ClusterApi.kubeconfigSecretName(CLUSTER)))
                        .count() >= 2);
                assertThat(watcher.getBean(ManagementCache.class).kubeconfig(NAMESPACE, CLUSTER))
                        .contains(server.kubeconfig());

                List<ApiProxy.Exchange> secretRequests = proxy.exchanges().stream()
                        .filter(e -> e.path().contains("/secrets")).toList();
                assertThat(secretRequests).as("the Secrets were listed and watched").anyMatch(ApiProxy.Exchange::watch)
                        .anyMatch(e -> !e.watch() && e.path().endsWith("/secrets"));
                // Lists and watches ask for metadata, with no fallback to whole Secrets.
                assertThat(secretRequests).filteredOn(e -> e.path().endsWith("/secrets"))
                        .allSatisfy(e -> assertThat(e.accept).as(e.toString())
                                .isEqualTo(e.watch()
                                        ? "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
                                        : "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"));
                // Only the kubeconfig Secret is read by name.
                assertThat(secretRequests).filteredOn(e -> !e.path().endsWith("/secrets"))
                        .extracting(ApiProxy.Exchange::path).containsOnly(secretPath + CLUSTER + "-kubeconfig");
                // Not one byte of the other Secrets' data reached the watcher.
                assertThat(proxy.exchanges()).filteredOn(e -> e.carried).isEmpty();
                // The API server's own record, as the ServiceAccount: no read of any other Secret.
                assertThat(server.requests()).filteredOn(r -> r.user().endsWith(":" + Watchers.SERVICE_ACCOUNT)
                                && r.resource().equals("secrets") && r.namespace().equals(NAMESPACE))
                        .allSatisfy(r -> assertThat(r.verb().equals("get")
                                ? r.name().equals(CLUSTER + "-kubeconfig") : r.name().isEmpty())
                                .as(r.toString()).isTrue())
                        .extracting(AuditedRequest::verb).contains("list", "watch", "get");
            } finally {
                watcher.close();
            }

            // The proxy would have seen the marker had it passed: an admin read of the CA Secret through it does.
            try (KubernetesClient admin = new KubernetesClientBuilder()
                    .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(proxy.kubeconfig())).build()) {
                admin.secrets().inNamespace(NAMESPACE).withName(CLUSTER + "-ca").get();
            }
            assertThat(proxy.exchanges()).filteredOn(e -> e.carried).extracting(ApiProxy.Exchange::path)
                    .containsExactly("/api/v1/namespaces/" + NAMESPACE + "/secrets/" + CLUSTER + "-ca");
        }
    }

    private static WorkloadClusters.State state(ConfigurableApplicationContext watcher) {
        WorkloadClusters.ClusterHealth health = watcher.getBean(WorkloadClusters.class).health()
                .get(NAMESPACE + "/" + CLUSTER);
        return health == null ? null : health.state();
    }

    private static Cluster cluster() {
        Cluster cluster = Objects.cluster(CLUSTER);
        cluster.getMetadata().setNamespace(NAMESPACE);
        return cluster;
    }

    /** A Secret as Cluster API makes them: labelled with its cluster, one key. */
    private static Secret secret(String name, String key, String content) {
        return new SecretBuilder().withMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name)
                        .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, CLUSTER).build())
                .withType("cluster.x-k8s.io/secret")
                .addToData(key, Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)))
                .build();
    }
}
