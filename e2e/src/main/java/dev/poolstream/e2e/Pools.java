package dev.poolstream.e2e;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.ClusterSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.cluster.v1beta2.clusterspec.ControlPlaneEndpoint;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.AwsLaunchTemplate;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.awslaunchtemplate.Ami;
import dev.poolstream.testing.MachinePoolSpecs;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

/**
 * The objects a Cluster API user (and Cluster API itself) would create: a Cluster with its control plane endpoint
 * and its {@code <cluster>-kubeconfig} Secret (the workload cluster is the same API server), and per pool a
 * bootstrap data Secret, an AWSMachinePool with an {@code awsLaunchTemplate}, and a MachinePool v1beta2.
 */
public final class Pools {

    public static final String CLUSTER = "e2e";
    public static final String VERSION = "v1.33.1";
    public static final List<String> ZONES = List.of("us-east-1a", "us-east-1b");
    /** The tag provider-aws puts on a pool's group and, propagated, on its instances. */
    public static final String POOL_TAG = "poolstream.dev/pool";

    private final KubernetesClient kube;
    private final String namespace;

    public Pools(KubernetesClient kube, String namespace) {
        this.kube = kube;
        this.namespace = namespace;
    }

    public void createCluster(String kubeconfig) {
        createCluster(CLUSTER, kubeconfig, kubeconfig);
    }

    /**
     * A Cluster whose control plane endpoint is the API server of {@code kubeconfig}, and its
     * {@code <name>-kubeconfig} Secret holding {@code secretValue} (the kubeconfig, or garbage).
     */
    public void createCluster(String name, String kubeconfig, String secretValue) {
        URI server = URI.create(Config.fromKubeconfig(kubeconfig).getMasterUrl());
        ControlPlaneEndpoint endpoint = new ControlPlaneEndpoint();
        endpoint.setHost(server.getHost());
        endpoint.setPort(server.getPort() > 0 ? server.getPort() : 443);
        ClusterSpec spec = new ClusterSpec();
        spec.setControlPlaneEndpoint(endpoint);
        Cluster cluster = new Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        cluster.setSpec(spec);
        kube.resource(cluster).create();
        kube.resource(new SecretBuilder().withNewMetadata().withNamespace(namespace)
                .withName(ClusterApi.kubeconfigSecretName(name))
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, name).endMetadata()
                .withType("cluster.x-k8s.io/secret")
                .addToData(ClusterApi.KUBECONFIG_SECRET_KEY, base64(secretValue))
                .build()).create();
    }

    /** Replaces the value of a Cluster's kubeconfig Secret, as Cluster API would when it rotates it. */
    public void setKubeconfig(String cluster, String value) {
        kube.secrets().inNamespace(namespace).withName(ClusterApi.kubeconfigSecretName(cluster)).edit(s -> {
            s.getData().put(ClusterApi.KUBECONFIG_SECRET_KEY, base64(value));
            return s;
        });
    }

    public void createPool(String name, int replicas, String ami) {
        createPool(name, replicas, ami, CLUSTER, true, true);
    }

    /**
     * A pool of {@code cluster}: its bootstrap data Secret and its AWSMachinePool (each only when asked for: a bad
     * input leaves one out), and the MachinePool that references both.
     */
    public void createPool(String name, int replicas, String ami, String cluster, boolean infrastructure,
                           boolean bootstrapSecret) {
        if (bootstrapSecret) {
            createBootstrapSecret(name, cluster);
        }
        if (infrastructure) {
            createInfrastructurePool(name, cluster, ami);
        }
        MachinePoolSpec spec = MachinePoolSpecs.of(cluster, replicas, VERSION, bootstrapSecretName(name),
                ClusterApi.KIND_AWS_MACHINE_POOL, name, 0);
        MachinePool pool = new MachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name)
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, cluster).build());
        pool.setSpec(spec);
        kube.resource(pool).create();
    }

    public static String bootstrapSecretName(String pool) {
        return pool + "-bootstrap";
    }

    public void createBootstrapSecret(String pool, String cluster) {
        kube.resource(new SecretBuilder().withNewMetadata().withNamespace(namespace)
                .withName(bootstrapSecretName(pool))
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, cluster).endMetadata()
                .addToData("value", base64("#cloud-config\n# e2e: the simulated kubelet joins by itself\n"))
                .build()).create();
    }

    public void createInfrastructurePool(String name, String cluster, String ami) {
        Ami image = new Ami();
        image.setId(ami);
        AwsLaunchTemplate template = new AwsLaunchTemplate();
        template.setAmi(image);
        template.setInstanceType("m6i.large");
        AWSMachinePoolSpec awsSpec = new AWSMachinePoolSpec();
        awsSpec.setMinSize(0);
        awsSpec.setMaxSize(100);
        awsSpec.setAvailabilityZones(ZONES);
        awsSpec.setAwsLaunchTemplate(template);
        AWSMachinePool aws = new AWSMachinePool();
        aws.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name)
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, cluster).build());
        aws.setSpec(awsSpec);
        kube.resource(aws).create();
    }

    /** {@code kubectl delete machinepool <pool>}: sets its deletionTimestamp; its finalizers hold it until removed. */
    public void delete(String pool) {
        kube.resources(MachinePool.class).inNamespace(namespace).withName(pool).delete();
    }

    public MachinePool get(String pool) {
        return kube.resources(MachinePool.class).inNamespace(namespace).withName(pool).get();
    }

    public AWSMachinePool infrastructurePool(String pool) {
        return kube.resources(AWSMachinePool.class).inNamespace(namespace).withName(pool).get();
    }

    /**
     * After a pool's deletion: its AWSMachinePool (Cluster API's MachinePool controller would delete it; no such
     * controller runs here) and its bootstrap Secret. A finalizer still on the AWSMachinePool is left for the report.
     */
    public void deleteLeftovers(String pool) {
        kube.resources(AWSMachinePool.class).inNamespace(namespace).withName(pool).delete();
        kube.secrets().inNamespace(namespace).withName(bootstrapSecretName(pool)).delete();
    }

    /** Sets {@code spec.replicas} as a user would, reading again when a service wrote the pool in between (409). */
    public void scale(String pool, int replicas) {
        edit(pool, mp -> mp.getSpec().setReplicas(replicas));
    }

    public void edit(String pool, Consumer<MachinePool> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                kube.resources(MachinePool.class).inNamespace(namespace).withName(pool).edit(mp -> {
                    change.accept(mp);
                    return mp;
                });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    /** The pool key on Poolstream's topics and in the instances' tag. */
    public String key(String pool) {
        return namespace + "/" + pool;
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
