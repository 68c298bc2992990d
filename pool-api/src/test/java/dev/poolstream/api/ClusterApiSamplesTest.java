package dev.poolstream.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.strategy.RollingUpdate.DeletePolicy;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every pool and cluster object of the Cluster API, CAPA and CAPZ samples reads into the generated model. */
class ClusterApiSamplesTest {

    private static final Map<String, Class<?>> MODEL = Map.of(
            "cluster.x-k8s.io/v1beta1 Cluster", dev.poolstream.api.cluster.v1beta1.Cluster.class,
            "cluster.x-k8s.io/v1beta2 Cluster", dev.poolstream.api.cluster.v1beta2.Cluster.class,
            "cluster.x-k8s.io/v1beta1 MachinePool", dev.poolstream.api.cluster.v1beta1.MachinePool.class,
            "cluster.x-k8s.io/v1beta2 MachinePool", MachinePool.class,
            "infrastructure.cluster.x-k8s.io/v1beta2 AWSMachinePool", AWSMachinePool.class,
            "infrastructure.cluster.x-k8s.io/v1beta1 AzureMachinePool", AzureMachinePool.class);

    static Stream<Samples.Document> modelledDocuments() {
        return Samples.all().stream().filter(d -> MODEL.containsKey(d.apiVersion() + " " + d.kind()));
    }

    @Test
    void shouldFindEveryModelledKindInTheSamples() {
        assertThat(modelledDocuments().map(Samples.Document::kind).distinct())
                .containsExactlyInAnyOrder("Cluster", "MachinePool", "AWSMachinePool", "AzureMachinePool");
        assertThat(modelledDocuments()).hasSize(8);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modelledDocuments")
    void shouldReadEveryFieldOfTheSampleIntoTheModel(Samples.Document document) {
        Object model = document.as(MODEL.get(document.apiVersion() + " " + document.kind()));

        // The model writes back everything the sample said (it may add CRD defaults): no field is dropped.
        Map<String, Object> written = Samples.SERIALIZATION.convertValue(model, Map.class);
        Map<String, Object> original = Samples.SERIALIZATION.convertValue(document.generic(), Map.class);
        assertContains("", written, original);
    }

    @Test
    void shouldReadTheFieldsThePipelineUsesFromTheV1beta2Pool() {
        MachinePool pool = Samples.of("cluster.x-k8s.io/v1beta2", "MachinePool").get(0).as(MachinePool.class);

        assertThat(PoolKey.of(pool)).hasToString("default/worker-mp-0");
        assertThat(pool.getSpec().getClusterName()).isEqualTo("my-cluster");
        assertThat(pool.getSpec().getReplicas()).isEqualTo(2);
        var template = pool.getSpec().getTemplate().getSpec();
        assertThat(template.getVersion()).isEqualTo("v1.37.0-beta.0");
        assertThat(template.getBootstrap().getConfigRef().getKind()).isEqualTo("KubeadmConfig");
        assertThat(template.getBootstrap().getConfigRef().getName()).isEqualTo("worker-mp-0-config");
        assertThat(template.getInfrastructureRef().getApiGroup()).isEqualTo(ClusterApi.INFRASTRUCTURE_GROUP);
        assertThat(template.getInfrastructureRef().getKind()).isEqualTo("DockerMachinePool");
        assertThat(template.getInfrastructureRef().getName()).isEqualTo("worker-dmp-0");
        assertThat(MachinePools.desiredReplicas(pool)).isEqualTo(2);
    }

    @Test
    void shouldReadTheCapaPoolAndItsAwsMachinePool() {
        var old = Samples.of("cluster.x-k8s.io/v1beta1", "MachinePool").stream()
                .filter(d -> d.file().contains("capa")).findFirst().orElseThrow()
                .as(dev.poolstream.api.cluster.v1beta1.MachinePool.class);
        MachinePool pool = MachinePoolConversion.toV1beta2(old);

        assertThat(pool.getMetadata().getName()).isEqualTo("demo-mp-0");
        assertThat(pool.getSpec().getClusterName()).isEqualTo("demo");
        assertThat(pool.getSpec().getReplicas()).isEqualTo(3);
        var template = pool.getSpec().getTemplate().getSpec();
        assertThat(template.getVersion()).isEqualTo("v1.33.1");
        assertThat(template.getBootstrap().getConfigRef().getApiGroup()).isEqualTo("bootstrap.cluster.x-k8s.io");
        assertThat(template.getInfrastructureRef().getApiGroup()).isEqualTo(ClusterApi.INFRASTRUCTURE_GROUP);
        assertThat(template.getInfrastructureRef().getKind()).isEqualTo(ClusterApi.KIND_AWS_MACHINE_POOL);
        assertThat(template.getInfrastructureRef().getName()).isEqualTo("demo-mp-0");

        AWSMachinePool aws = Samples.of("infrastructure.cluster.x-k8s.io/v1beta2", "AWSMachinePool").get(0)
                .as(AWSMachinePool.class);
        assertThat(aws.getSpec().getMinSize()).isEqualTo(1);
        assertThat(aws.getSpec().getMaxSize()).isEqualTo(10);
        assertThat(aws.getSpec().getAvailabilityZones()).containsExactly("us-east-1a");
        assertThat(aws.getSpec().getAwsLaunchTemplate().getInstanceType()).isEqualTo("t3.large");
        assertThat(aws.getSpec().getAwsLaunchTemplate().getIamInstanceProfile())
                .isEqualTo("nodes.cluster-api-provider-aws.sigs.k8s.io");
        assertThat(aws.getSpec().getAwsLaunchTemplate().getSshKeyName()).isEqualTo("default");
    }

    @Test
    void shouldReadTheCapzPoolAndItsAzureMachinePool() {
        var old = Samples.of("cluster.x-k8s.io/v1beta1", "MachinePool").stream()
                .filter(d -> d.file().contains("capz")).findFirst().orElseThrow()
                .as(dev.poolstream.api.cluster.v1beta1.MachinePool.class);
        MachinePool pool = MachinePoolConversion.toV1beta2(old);

        assertThat(PoolKey.of(pool)).hasToString("default/demo-mp-0");
        assertThat(pool.getSpec().getReplicas()).isEqualTo(3);
        assertThat(pool.getSpec().getTemplate().getSpec().getInfrastructureRef().getKind())
                .isEqualTo(ClusterApi.KIND_AZURE_MACHINE_POOL);

        AzureMachinePool azure = Samples.of("infrastructure.cluster.x-k8s.io/v1beta1", "AzureMachinePool").get(0)
                .as(AzureMachinePool.class);
        assertThat(azure.getSpec().getLocation()).isEqualTo("westeurope");
        assertThat(azure.getSpec().getTemplate().getVmSize()).isEqualTo("Standard_D2s_v3");
        assertThat(azure.getSpec().getTemplate().getOsDisk().getDiskSizeGB()).isEqualTo(30);
        var rollingUpdate = azure.getSpec().getStrategy().getRollingUpdate();
        assertThat(rollingUpdate.getMaxSurge()).isEqualTo(new IntOrString("25%"));
        assertThat(rollingUpdate.getMaxUnavailable()).isEqualTo(new IntOrString(1));
        assertThat(rollingUpdate.getDeletePolicy()).isEqualTo(DeletePolicy.OLDEST);
        // CRD defaults the sample leaves out.
        assertThat(azure.getSpec().getOrchestrationMode()).isEqualTo(AzureMachinePoolSpec.OrchestrationMode.UNIFORM);
    }

    @Test
    void shouldReadTheClustersOfEveryVersion() {
        var v1beta2 = Samples.of("cluster.x-k8s.io/v1beta2", "Cluster").get(0)
                .as(dev.poolstream.api.cluster.v1beta2.Cluster.class);
        assertThat(v1beta2.getMetadata().getName()).isEqualTo("my-cluster");
        assertThat(MachinePools.paused(Map.of(), v1beta2)).isFalse();

        List<dev.poolstream.api.cluster.v1beta1.Cluster> v1beta1 = Samples.of("cluster.x-k8s.io/v1beta1", "Cluster")
                .stream().map(d -> d.as(dev.poolstream.api.cluster.v1beta1.Cluster.class)).toList();
        assertThat(v1beta1).extracting(c -> c.getMetadata().getName()).containsExactly("demo", "demo");
        assertThat(v1beta1).extracting(c -> c.getSpec().getInfrastructureRef().getKind())
                .containsExactlyInAnyOrder("AWSCluster", "AzureCluster");
    }

    @SuppressWarnings("unchecked")
    private static void assertContains(String path, Object written, Object original) {
        if (original instanceof Map<?, ?> originalMap) {
            assertThat(written).as(path).isInstanceOf(Map.class);
            Map<String, Object> writtenMap = (Map<String, Object>) written;
            originalMap.forEach((k, v) -> {
                assertThat(writtenMap).as("%s has %s", path, k).containsKey((String) k);
                assertContains(path + "." + k, writtenMap.get(k), v);
            });
        } else if (original instanceof List<?> originalList) {
            assertThat(written).as(path).isInstanceOf(List.class);
            List<Object> writtenList = (List<Object>) written;
            assertThat(writtenList).as(path).hasSameSizeAs(originalList);
            for (int i = 0; i < originalList.size(); i++) {
                assertContains(path + "[" + i + "]", writtenList.get(i), originalList.get(i));
            }
        } else {
            assertThat(Objects.toString(written)).as(path).isEqualTo(Objects.toString(original));
        }
    }
}
