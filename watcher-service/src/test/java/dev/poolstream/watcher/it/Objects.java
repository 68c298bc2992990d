package dev.poolstream.watcher.it;

import dev.poolstream.testing.MachinePoolSpecs;
import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.ClusterSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.AwsLaunchTemplate;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The objects the tests create, shaped as Cluster API and kubelets write them. */
final class Objects {

    static final String NAMESPACE = "team-a";

    static Cluster cluster(String name) {
        Cluster cluster = new Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        ClusterSpec spec = new ClusterSpec();
        spec.setPaused(false);
        cluster.setSpec(spec);
        return cluster;
    }

    static Secret kubeconfigSecret(String cluster, String kubeconfig) {
        return new SecretBuilder().withNewMetadata().withNamespace(NAMESPACE)
                .withName(ClusterApi.kubeconfigSecretName(cluster))
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, cluster).endMetadata()
                .withType("cluster.x-k8s.io/secret")
                .addToData(ClusterApi.KUBECONFIG_SECRET_KEY,
                        Base64.getEncoder().encodeToString(kubeconfig.getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    static AWSMachinePool awsPool(String name, String instanceType) {
        AwsLaunchTemplate launchTemplate = new AwsLaunchTemplate();
        launchTemplate.setInstanceType(instanceType);
        AWSMachinePoolSpec spec = new AWSMachinePoolSpec();
        spec.setMinSize(1);
        spec.setMaxSize(20);
        spec.setAwsLaunchTemplate(launchTemplate);
        AWSMachinePool pool = new AWSMachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        pool.setSpec(spec);
        return pool;
    }

    static MachinePool machinePool(String name, String cluster, int replicas, String infraKind, String infraName) {
        MachinePoolSpec spec = MachinePoolSpecs.of(cluster, replicas, "v1.33.1", name + "-bootstrap", infraKind,
                infraName, 0);
        MachinePool pool = new MachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        pool.setSpec(spec);
        return pool;
    }

    static Node node(String name, String providerId, String ready, String heartbeat) {
        return new NodeBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withProviderID(providerId).endSpec()
                .withNewStatus()
                .addNewCondition().withType("Ready").withStatus(ready).withReason("KubeletReady")
                .withLastHeartbeatTime(heartbeat).withLastTransitionTime("2026-11-21T06:00:00Z").endCondition()
                .withNewNodeInfo().withKubeletVersion("v1.33.1").endNodeInfo()
                .endStatus()
                .build();
    }

    private Objects() {
    }
}
