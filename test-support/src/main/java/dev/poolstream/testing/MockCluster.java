package dev.poolstream.testing;

import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachineHealthCheck;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolMachine;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachine;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import java.util.List;

/**
 * An API server for tests: fabric8's mock server in CRUD mode, serving the Cluster API kinds too, and the Eviction
 * API and pod lists by Node that drains use.
 */
public final class MockCluster implements AutoCloseable {

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final ClusterApiDispatcher dispatcher;

    public MockCluster() {
        dispatcher = new ClusterApiDispatcher(List.of(
                        CustomResourceDefinitionContext.fromCustomResourceType(MachinePool.class),
                        CustomResourceDefinitionContext.fromCustomResourceType(AWSMachinePool.class),
                        CustomResourceDefinitionContext.fromCustomResourceType(AzureMachinePool.class),
                        CustomResourceDefinitionContext.fromCustomResourceType(Cluster.class),
                        CustomResourceDefinitionContext.fromCustomResourceType(Machine.class),
                        CustomResourceDefinitionContext.fromCustomResourceType(MachineHealthCheck.class),
                        CustomResourceDefinitionContext.fromCustomResourceType(AWSMachine.class),
                        CustomResourceDefinitionContext.fromCustomResourceType(AzureMachinePoolMachine.class)));
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = server.createClient();
    }

    /** The next {@code times} evictions of the pod are refused (429), as a PodDisruptionBudget refuses them. */
    public void refuseEvictions(String namespace, String pod, int times) {
        dispatcher.refuseEvictions(namespace, pod, times);
    }

    /**
     * A write (PUT or PATCH) the server accepted: when ({@link System#nanoTime()}), on which path, and the object as
     * it stands after it.
     */
    public record Write(String method, String path, String object, long nanoTime) {
    }

    /** Calls the listener on the server's thread after each update or patch it accepts. */
    public void onWrite(java.util.function.Consumer<Write> listener) {
        dispatcher.onWrite(listener);
    }

    public KubernetesClient client() {
        return client;
    }

    public String url() {
        return "http://" + server.getHostName() + ":" + server.getPort();
    }

    /** A kubeconfig that reaches this server, as Cluster API stores one in {@code <cluster>-kubeconfig}. */
    public String kubeconfig() {
        return kubeconfig(url());
    }

    public static String kubeconfig(String server) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: workload
                  cluster:
                    server: %s
                contexts:
                - name: workload
                  context:
                    cluster: workload
                    user: admin
                current-context: workload
                users:
                - name: admin
                  user:
                    token: secret-token-never-logged
                """.formatted(server);
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
