package dev.poolstream.testing;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.Template;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.Spec;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Bootstrap;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.InfrastructureRef;

/** A MachinePool v1beta2 spec as Cluster API users write one, for tests and the sandbox. */
public final class MachinePoolSpecs {

    /**
     * @param bootstrapSecret {@code spec.template.spec.bootstrap.dataSecretName}, or null for none yet
     * @param infraKind       the {@code infrastructureRef} kind, or null for no reference
     */
    public static MachinePoolSpec of(String cluster, int replicas, String version, String bootstrapSecret,
                                     String infraKind, String infraName, int minReadySeconds) {
        Spec template = new Spec();
        template.setClusterName(cluster);
        template.setVersion(version);
        template.setMinReadySeconds(minReadySeconds);
        if (bootstrapSecret != null) {
            Bootstrap bootstrap = new Bootstrap();
            bootstrap.setDataSecretName(bootstrapSecret);
            template.setBootstrap(bootstrap);
        }
        if (infraKind != null) {
            InfrastructureRef ref = new InfrastructureRef();
            ref.setApiGroup(ClusterApi.INFRASTRUCTURE_GROUP);
            ref.setKind(infraKind);
            ref.setName(infraName);
            template.setInfrastructureRef(ref);
        }
        Template t = new Template();
        t.setSpec(template);
        MachinePoolSpec spec = new MachinePoolSpec();
        spec.setClusterName(cluster);
        spec.setReplicas(replicas);
        spec.setTemplate(t);
        return spec;
    }

    /**
     * A MachinePool v1beta2 object backed by an AWSMachinePool of the same name, bootstrap data in
     * {@code <name>-bootstrap}, Kubernetes v1.34.4.
     */
    public static MachinePool machinePool(String namespace, String name, String cluster, int replicas) {
        MachinePool pool = new MachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name)
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, cluster).build());
        pool.setSpec(of(cluster, replicas, "v1.34.4", name + "-bootstrap", ClusterApi.KIND_AWS_MACHINE_POOL, name, 0));
        return pool;
    }

    private MachinePoolSpecs() {
    }
}
