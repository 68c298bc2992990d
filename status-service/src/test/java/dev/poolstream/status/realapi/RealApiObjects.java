package dev.poolstream.status.realapi;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.kube.KubeEvents;
import dev.poolstream.status.kube.StatusWriter;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.events.NodeState;
import dev.poolstream.status.shapes.PoolShape.Names;
import dev.poolstream.status.shapes.PoolShapes;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.MachinePoolSpecs;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** The objects a pool has on the real API server, which here is both the management and the workload cluster. */
final class RealApiObjects {

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    /** The status service's ServiceAccount (namespace poolstream), as which these tests run its management client. */
    static final String SERVICE_ACCOUNT = "status-service";
    /**
     * Its ServiceAccount and RBAC as {@code k8s/} ships them: the base (infrastructure-provider mode) and the owner-mode
     * component, both applied, as tests of both modes share the server.
     */
    static final Path[] K8S_RBAC = {Path.of("..", "k8s", "base", "status-service.yaml"),
            Path.of("..", "k8s", "components", "owner-mode", "rbac.yaml")};
    private final KubernetesClient kube;

    RealApiObjects(KubeApiServer server) {
        this.kube = server.client();
    }

    /** The Cluster's {@code <cluster>-kubeconfig} Secret, naming this same server as the workload cluster. */
    void kubeconfigSecret(KubeApiServer server, String namespace, String cluster) {
        kube.resource(new SecretBuilder().withNewMetadata().withNamespace(namespace)
                .withName(ClusterApi.kubeconfigSecretName(cluster))
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, cluster).endMetadata()
                .addToData(ClusterApi.KUBECONFIG_SECRET_KEY, Base64.getEncoder().encodeToString(
                        server.kubeconfig().getBytes(StandardCharsets.UTF_8))).build()).createOr(e -> e.update());
    }

    /** A MachinePool and its AWSMachinePool of the same name. */
    MachinePool pool(Names n, int replicas, Map<String, String> annotations) {
        MachinePool pool = MachinePoolSpecs.machinePool(n.namespace(), n.pool(), n.cluster(), replicas);
        pool.getMetadata().setAnnotations(annotations);
        AWSMachinePool infra = new AWSMachinePool();
        infra.setMetadata(new ObjectMetaBuilder().withNamespace(n.namespace()).withName(n.pool())
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, n.cluster()).build());
        infra.setSpec(PoolShapes.awsSpec());
        kube.resource(infra).create();
        return kube.resource(pool).create();
    }

    /** A Node as a kubelet registers one: the provider ID and the uninitialized taint, plus a taint of the user's. */
    Node node(NodeState state) {
        return kube.resource(new NodeBuilder().withNewMetadata().withName(state.name()).endMetadata()
                .withNewSpec().withProviderID(state.providerID())
                .addNewTaint().withKey(ClusterApi.UNINITIALIZED_TAINT_KEY).withEffect("NoSchedule").endTaint()
                .addNewTaint().withKey("example.com/gpu").withEffect("NoSchedule").endTaint()
                .endSpec().build()).create();
    }

    Node node(String name) {
        return kube.nodes().withName(name).get();
    }

    GenericKubernetesResource machinePool(Names n) {
        return generic(MachinePool.class, n);
    }

    GenericKubernetesResource awsMachinePool(Names n) {
        return generic(AWSMachinePool.class, n);
    }

    private GenericKubernetesResource generic(Class<? extends io.fabric8.kubernetes.api.model.HasMetadata> type,
                                              Names n) {
        return kube.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(type))
                .inNamespace(n.namespace()).withName(n.pool()).get();
    }

    /**
     * The status service's management client: its ServiceAccount, with the RBAC of {@code k8s/} applied. The
     * workload cluster's client (from the kubeconfig Secret) stays the admin's, as Cluster API's kubeconfig is.
     */
    static KubernetesClient asStatusService(KubeApiServer server) {
        return server.applyRbac(K8S_RBAC).clientAs(SERVICE_ACCOUNT);
    }

    /** The Events a status writer under test records, reported as the service reports them. */
    static KubeEvents events(KubernetesClient kube) {
        return events(kube, Clock.systemUTC());
    }

    static KubeEvents events(KubernetesClient kube, Clock clock) {
        return new KubeEvents(kube, StatusWriter.REPORTING_CONTROLLER, "status-test", clock);
    }

    /** The Events on an object, oldest first. */
    static List<Event> eventsOn(KubernetesClient kube, GenericKubernetesResource object) {
        return kube.events().v1().events().inNamespace(object.getMetadata().getNamespace()).list().getItems()
                .stream().filter(e -> e.getRegarding() != null
                        && object.getMetadata().getUid().equals(e.getRegarding().getUid()))
                .sorted(Comparator.comparing(e -> e.getMetadata().getCreationTimestamp() + e.getMetadata().getName()))
                .toList();
    }

    /** The object's {@code status.conditions}. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> conditions(GenericKubernetesResource object) {
        Object conditions = map(object.getAdditionalProperties().get("status")).get("conditions");
        return conditions instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
    }

    static Map<String, Object> condition(GenericKubernetesResource object, String type) {
        return conditions(object).stream().filter(c -> type.equals(c.get("type"))).findFirst().orElse(Map.of());
    }

    /** A model object as the JSON values the API server returns. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Object value) {
        return SERIALIZATION.unmarshal(SERIALIZATION.asJson(value), Map.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static boolean adopted(Node node, Names n) {
        Map<String, String> annotations = node.getMetadata().getAnnotations() == null ? Map.of()
                : node.getMetadata().getAnnotations();
        return ClusterApi.nodeAdopted(annotations, node.getSpec().getTaints().stream().map(t -> t.getKey()),
                n.namespace(), n.pool(), n.cluster());
    }
}
