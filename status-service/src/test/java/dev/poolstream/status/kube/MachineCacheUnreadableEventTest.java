package dev.poolstream.status.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.poolstream.api.ClusterApi;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A watch event the client cannot read ends the watch with an error fabric8 does not handle itself, and its own
 * handler would stop the informer for good: the cache would keep what it had while every write meets a 409. The
 * cache's handler lists and watches again. A real API server does not send such an event (it is what a proxy in
 * between, or a server of another version, could), so this is the mock server's: a list, a watch that sends one
 * event of an unknown type, then a list with the object written meanwhile. And the cache's own writes standing in for
 * an informer that has not caught up, which a real server's informer does at once: here its watch sends nothing.
 */
@EnableKubernetesMockClient
class MachineCacheUnreadableEventTest {

    private static final String NS = "unreadable-event";
    private static final String POOL = "pool-a";
    private static final String PATH = "/apis/infrastructure.cluster.x-k8s.io/v1beta2/namespaces/" + NS
            + "/awsmachines";
    private static final String SELECTOR = "labelSelector=" + ClusterApi.POOL_NAME_LABEL.replace("/", "%2F");

    /** Set by the extension: a fresh server, in expectations mode, and a client of it for each test. */
    private KubernetesMockServer server;
    private KubernetesClient client;

    @Test
    void shouldListAndWatchAgainAfterAnEventItCannotRead() {
        GenericKubernetesResource before = machine("before", "1");
        GenericKubernetesResource after = machine("after", "2");
        server.expect().get().withPath(PATH + "?" + SELECTOR + "&resourceVersion=0").andReturn(200, list("1", before)).once();
        server.expect().get().withPath(watch("1"))
                .andUpgradeToWebSocket().open()
                .waitFor(50).andEmit("{\"type\":\"UNHEARD_OF\",\"object\":{}}")
                .done().once();
        // After a failed watch fabric8 lists from etcd (no resourceVersion), not from the server's cache.
        server.expect().get().withPath(PATH + "?" + SELECTOR).andReturn(200, list("2", before, after)).always();
        server.expect().get().withPath(watch("2"))
                .andUpgradeToWebSocket().open().done().always();

        try (MachineCache cache = new MachineCache(client, List.of(NS))) {
            assertThat(cache.objects(NS, POOL, ClusterApi.KIND_AWS_MACHINE)).extracting(o -> o.getMetadata()
                    .getName()).containsExactly("before");

            await().atMost(Duration.ofSeconds(30)).until(() -> cache.objects(NS, POOL, ClusterApi.KIND_AWS_MACHINE)
                    .stream().anyMatch(o -> o.getMetadata().getName().equals("after")));
        }
    }

    @Test
    void shouldKeepAnotherPoolsWriteStandingInForTheInformerWhenOnePoolIsRead() {
        // The informer holds both pools' machines at version 1; its watch tells it nothing of the write after.
        GenericKubernetesResource mine = machine("mine", "1");
        GenericKubernetesResource theirs = MachineCacheNamespacesRealApiIT.awsMachine(NS, "theirs", "pool-b");
        theirs.getMetadata().setResourceVersion("1");
        server.expect().get().withPath(PATH + "?" + SELECTOR + "&resourceVersion=0")
                .andReturn(200, list("1", mine, theirs)).once();
        server.expect().get().withPath(watch("1")).andUpgradeToWebSocket().open().done().always();
        GenericKubernetesResource theirsWritten = MachineCacheNamespacesRealApiIT.awsMachine(NS, "theirs", "pool-b");
        theirsWritten.getMetadata().setResourceVersion("2");

        try (MachineCache cache = new MachineCache(client, List.of(NS))) {
            cache.objects(NS, "pool-b", ClusterApi.KIND_AWS_MACHINE);
            cache.wrote(ClusterApi.KIND_AWS_MACHINE, NS, "theirs", "1", theirsWritten);

            cache.objects(NS, POOL, ClusterApi.KIND_AWS_MACHINE); // another pool of the namespace is read

            assertThat(cache.objects(NS, "pool-b", ClusterApi.KIND_AWS_MACHINE))
                    .extracting(o -> o.getMetadata().getResourceVersion()).containsExactly("2");
        }
    }

    /** The informer's watch from a list's version, as fabric8 asks for it. */
    private static String watch(String resourceVersion) {
        return PATH + "?allowWatchBookmarks=true&" + SELECTOR + "&resourceVersion=" + resourceVersion
                + "&timeoutSeconds=600&watch=true";
    }

    private static GenericKubernetesResource machine(String name, String resourceVersion) {
        GenericKubernetesResource machine = MachineCacheNamespacesRealApiIT.awsMachine(NS, name, POOL);
        machine.getMetadata().setResourceVersion(resourceVersion);
        return machine;
    }

    private static GenericKubernetesResourceList list(String resourceVersion, GenericKubernetesResource... items) {
        GenericKubernetesResourceList list = new GenericKubernetesResourceList();
        list.setApiVersion("infrastructure.cluster.x-k8s.io/v1beta2");
        list.setKind("AWSMachineList");
        ListMeta metadata = new ListMeta();
        metadata.setResourceVersion(resourceVersion);
        list.setMetadata(metadata);
        list.setItems(List.of(items));
        return list;
    }
}
