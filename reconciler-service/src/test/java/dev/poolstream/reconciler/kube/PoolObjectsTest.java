package dev.poolstream.reconciler.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.testing.MachinePoolSpecs;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The write of the bootstrap step when another write comes between its read and its patch, which only a scripted
 * server makes happen every time (fabric8's mock server, expectations mode). Against a real API server the step is
 * {@code ReconcilerRealApiIT}'s; there it lost this race to the status service's first status write, and the pool
 * never got its data Secret's name (the conflict brings the reconciler no new look).
 */
class PoolObjectsTest {

    private static final String PATH = "/apis/cluster.x-k8s.io/v1beta2/namespaces/team-a/machinepools/workers";
    private static final long GENERATION = 3;

    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() throws Exception {
        server = new KubernetesMockServer(false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void shouldWriteTheDataSecretNameFromAFreshReadWhenAnotherWriteCameBetweenTheReadAndThePatch() throws Exception {
        AtomicInteger patches = serve(1);

        new PoolObjects(client, true).setBootstrapDataSecretName(spec(), "workers-data");

        assertThat(patches).hasValue(2);
        List<RecordedRequest> requests = requests();
        // One read per attempt, and the patch sent on it: no read of fabric8's own before the patch.
        assertThat(requests).extracting(RecordedRequest::getMethod).containsExactly("GET", "PATCH", "GET", "PATCH");
        List<RecordedRequest> written = requests.stream().filter(r -> r.getMethod().equals("PATCH")).toList();
        assertThat(written.get(0).getUtf8Body()).contains("\"resourceVersion\":\"100\"");
        assertThat(written.get(1).getUtf8Body()).contains("\"resourceVersion\":\"101\"",
                "\"dataSecretName\":\"workers-data\"");
    }

    @Test
    void shouldGiveUpAfterFiveConflictsInARowSoThatTheLookIsMadeAgainLater() {
        AtomicInteger patches = serve(5);

        assertThatThrownBy(() -> new PoolObjects(client, true).setBootstrapDataSecretName(spec(), "workers-data"))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        assertThat(patches).hasValue(5);
    }

    @Test
    void shouldSetTheReplicasWithOneMergePatchAndNoRead() throws Exception {
        server.expect().patch().withPath(PATH).andReturn(200, machinePool("101")).once();

        new PoolObjects(client, true).setReplicas(spec(), 5);

        List<RecordedRequest> requests = requests();
        assertThat(requests).extracting(RecordedRequest::getMethod).containsExactly("PATCH");
        assertThat(requests.get(0).getHeader("Content-Type")).startsWith("application/merge-patch+json");
        assertThat(requests.get(0).getUtf8Body()).isEqualTo("{\"spec\":{\"replicas\":5}}");
    }

    /**
     * The MachinePool at resourceVersion 100 plus the patches so far; the first {@code conflicts} patches are
     * refused as another write having come first.
     */
    private AtomicInteger serve(int conflicts) {
        AtomicInteger patches = new AtomicInteger();
        server.expect().get().withPath(PATH).andReply(200, r -> machinePool(String.valueOf(100 + patches.get())))
                .always();
        server.expect().patch().withPath(PATH).andReply(new ResponseProvider<>() {
            private Headers headers = new Headers.Builder().build();

            @Override
            public int getStatusCode(RecordedRequest request) {
                return patches.incrementAndGet() <= conflicts ? 409 : 200;
            }

            @Override
            public Object getBody(RecordedRequest request) {
                return patches.get() <= conflicts ? conflict() : machinePool(String.valueOf(100 + patches.get()));
            }

            @Override
            public Headers getHeaders() {
                return headers;
            }

            @Override
            public void setHeaders(Headers headers) {
                this.headers = headers;
            }
        }).always();
        return patches;
    }

    private List<RecordedRequest> requests() throws InterruptedException {
        List<RecordedRequest> requests = new ArrayList<>();
        for (int i = server.getRequestCount(); i > 0; i--) {
            requests.add(server.takeRequest());
        }
        return requests;
    }

    private static PoolSpec spec() {
        return new PoolSpec("team-a", "workers", "uid", GENERATION, Map.of(), Map.of(), List.of(), null,
                MachinePoolSpecs.of("demo", 2, "v1.33.1", null, ClusterApi.KIND_AWS_MACHINE_POOL, "workers", 0),
                null, false);
    }

    private static Map<String, Object> machinePool(String resourceVersion) {
        return Map.of("apiVersion", "cluster.x-k8s.io/v1beta2", "kind", "MachinePool",
                "metadata", Map.of("namespace", "team-a", "name", "workers", "generation", GENERATION,
                        "resourceVersion", resourceVersion),
                "spec", Map.of("template", Map.of("spec", Map.of("bootstrap", Map.of("configRef",
                        Map.of("apiGroup", "bootstrap.cluster.x-k8s.io", "kind", "KubeadmConfig",
                                "name", "workers-config"))))));
    }

    private static Object conflict() {
        return new StatusBuilder().withStatus("Failure").withReason("Conflict").withCode(409)
                .withMessage("the object has been modified; please apply your changes to the latest version")
                .build();
    }
}
