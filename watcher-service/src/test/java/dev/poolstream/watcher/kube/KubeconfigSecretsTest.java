package dev.poolstream.watcher.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KubeconfigSecretsTest {

    private static final String NS = "team-a";

    /** The management cluster's Secrets by namespace/name, as the reader finds them. */
    private final Map<String, Secret> stored = new ConcurrentHashMap<>();
    private final List<String> reads = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final List<String> told = new CopyOnWriteArrayList<>();
    private final KubeconfigSecrets kubeconfigs = new KubeconfigSecrets((namespace, name) -> {
        reads.add(namespace + "/" + name);
        if (failuresLeft.getAndDecrement() > 0) {
            throw new KubernetesClientException("the API server is away", 503, null);
        }
        return stored.get(namespace + "/" + name);
    }, (namespace, cluster) -> told.add(namespace + "/" + cluster));

    @AfterEach
    void stop() {
        kubeconfigs.stop();
    }

    @Test
    void shouldReadTheKubeconfigSecretAndNeverTheOtherSecretsOfItsCluster() throws Exception {
        store("demo-kubeconfig", "1", "value", "kubeconfig-1");
        store("demo-ca", "2", "tls.key", "ca-key");
        store("demo-etcd", "3", "tls.key", "etcd-key");

        kubeconfigs.seen(meta("demo-ca", "2"));
        kubeconfigs.seen(meta("demo-kubeconfig", "1"));
        kubeconfigs.seen(meta("demo-etcd", "3"));
        kubeconfigs.gone(meta("demo-etcd", "3"));
        kubeconfigs.read(List.of()).get(5, TimeUnit.SECONDS);

        assertThat(reads).containsExactly(NS + "/demo-kubeconfig");
        assertThat(kubeconfigs.kubeconfig(NS, "demo")).contains("kubeconfig-1");
        assertThat(told).containsExactly(NS + "/demo");
    }

    @Test
    void shouldReadAgainOnlyWhenTheResourceVersionChanges() throws Exception {
        store("demo-kubeconfig", "1", "value", "kubeconfig-1");
        kubeconfigs.seen(meta("demo-kubeconfig", "1"));
        await().until(() -> kubeconfigs.kubeconfig(NS, "demo").isPresent());

        kubeconfigs.seen(meta("demo-kubeconfig", "1")); // a resync: looked at again, not read again
        store("demo-kubeconfig", "7", "value", "kubeconfig-7");
        kubeconfigs.seen(meta("demo-kubeconfig", "7"));
        kubeconfigs.read(List.of()).get(5, TimeUnit.SECONDS);

        assertThat(reads).containsExactly(NS + "/demo-kubeconfig", NS + "/demo-kubeconfig");
        assertThat(kubeconfigs.kubeconfig(NS, "demo")).contains("kubeconfig-7");
        assertThat(told).containsExactly(NS + "/demo", NS + "/demo", NS + "/demo");
    }

    @Test
    void shouldForgetTheKubeconfigWhenItsSecretIsDeletedEvenIfAReadWasUnderWay() throws Exception {
        store("demo-kubeconfig", "1", "value", "kubeconfig-1");
        // Seen, then deleted before the read answers: the read still finds it; the forget comes after.
        kubeconfigs.seen(meta("demo-kubeconfig", "1"));
        kubeconfigs.gone(meta("demo-kubeconfig", "1"));
        kubeconfigs.read(List.of()).get(5, TimeUnit.SECONDS);

        assertThat(kubeconfigs.kubeconfig(NS, "demo")).isEmpty();
        assertThat(told).containsExactly(NS + "/demo", NS + "/demo");
    }

    @Test
    void shouldHoldNothingWhenTheSecretIsGoneByTheTimeItIsReadOrHasNoValue() throws Exception {
        store("empty-kubeconfig", "4", "other", "not-a-kubeconfig");
        kubeconfigs.seen(meta("gone-kubeconfig", "3"));
        kubeconfigs.seen(meta("empty-kubeconfig", "4"));
        kubeconfigs.read(List.of()).get(5, TimeUnit.SECONDS);

        assertThat(kubeconfigs.kubeconfig(NS, "gone")).isEmpty();
        assertThat(kubeconfigs.kubeconfig(NS, "empty")).isEmpty();
        assertThat(told).containsExactlyInAnyOrder(NS + "/gone", NS + "/empty");
    }

    @Test
    void shouldReadAgainWithBackoffWhenTheReadFails() {
        store("demo-kubeconfig", "1", "value", "kubeconfig-1");
        failuresLeft.set(1);
        kubeconfigs.seen(meta("demo-kubeconfig", "1"));

        await().atMost(Duration.ofSeconds(5)).until(() -> kubeconfigs.kubeconfig(NS, "demo").isPresent());
        assertThat(reads).hasSize(2);
        assertThat(told).containsExactly(NS + "/demo");
    }

    @Test
    void shouldReadTheKubeconfigsOfAFirstListBeforeSayingItIsDone() throws Exception {
        store("a-kubeconfig", "1", "value", "kubeconfig-a");
        store("b-kubeconfig", "2", "value", "kubeconfig-b");

        kubeconfigs.read(List.of(meta("a-kubeconfig", "1"), meta("b-kubeconfig", "2"), meta("a-ca", "3")))
                .get(5, TimeUnit.SECONDS);

        assertThat(kubeconfigs.kubeconfig(NS, "a")).contains("kubeconfig-a");
        assertThat(kubeconfigs.kubeconfig(NS, "b")).contains("kubeconfig-b");
        assertThat(reads).containsExactlyInAnyOrder(NS + "/a-kubeconfig", NS + "/b-kubeconfig");
    }

    private void store(String name, String resourceVersion, String key, String content) {
        stored.put(NS + "/" + name, new SecretBuilder()
                .withMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(name)
                        .withResourceVersion(resourceVersion).build())
                .addToData(key, Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)))
                .build());
    }

    /** A labelled Secret as the metadata informer sees it. */
    private static PartialObjectMetadata meta(String name, String resourceVersion) {
        String cluster = name.substring(0, name.lastIndexOf('-'));
        PartialObjectMetadata meta = new PartialObjectMetadata();
        meta.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(name).withResourceVersion(resourceVersion)
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, cluster).build());
        return meta;
    }
}
