package dev.poolstream.watcher.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.ClusterSpec;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolSpec;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.Template;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.Spec;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.InfrastructureRef;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePool;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePool;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.PoolSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PoolSpecsTest {

    @Test
    void shouldFoldTheAwsPoolAndTheClusterIntoTheSpec() {
        AWSMachinePool aws = new AWSMachinePool();
        aws.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("workers-aws").withUid("u-aws")
                .withGeneration(3L).addToFinalizers(ClusterApi.POOLSTREAM_FINALIZER).build());
        AWSMachinePoolSpec awsSpec = new AWSMachinePoolSpec();
        awsSpec.setMaxSize(30);
        aws.setSpec(awsSpec);

        PoolSpec spec = PoolSpecs.of(pool("AWSMachinePool", "workers-aws"), Optional.of(aws), cluster(true));

        assertThat(spec.key()).isEqualTo("team-a/workers");
        assertThat(spec.generation()).isEqualTo(7);
        assertThat(spec.spec().getReplicas()).isEqualTo(5);
        assertThat(spec.clusterPaused()).isTrue();
        assertThat(spec.deletionTimestamp()).isEqualTo(Instant.parse("2026-11-21T06:00:00Z"));
        assertThat(spec.annotations()).containsOnlyKeys(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "poolstream.dev/x");
        InfrastructurePool infrastructure = spec.infrastructure();
        assertThat(infrastructure.resolved()).isTrue();
        assertThat(infrastructure.generation()).isEqualTo(3);
        assertThat(infrastructure.finalizers()).containsExactly(ClusterApi.POOLSTREAM_FINALIZER);
        assertThat(infrastructure.spec()).isEqualTo(new InfraSpec.Aws(awsSpec));
        assertThat(infrastructure.paused()).isNull();
    }

    /** Paused on the infrastructure pool alone, as CAPA and CAPZ honour it on theirs: the pool is paused. */
    @Test
    void shouldTellAPauseAnnotationOnTheInfrastructurePool() {
        AzureMachinePool azure = new AzureMachinePool();
        azure.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("workers-az")
                .addToAnnotations(ClusterApi.PAUSED_ANNOTATION, "").build());
        azure.setSpec(new AzureMachinePoolSpec());

        PoolSpec spec = PoolSpecs.of(pool("AzureMachinePool", "workers-az"), Optional.of(azure), null);

        assertThat(spec.infrastructure().paused()).isTrue();
        assertThat(spec.paused()).isTrue();
        assertThat(spec.clusterPaused()).isFalse();
    }

    @Test
    void shouldFoldAnAzurePool() {
        AzureMachinePool azure = new AzureMachinePool();
        azure.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("workers-az").build());
        azure.setSpec(new AzureMachinePoolSpec());

        PoolSpec spec = PoolSpecs.of(pool("AzureMachinePool", "workers-az"), Optional.of(azure), null);

        assertThat(spec.infrastructure().spec()).isInstanceOf(InfraSpec.Azure.class);
        assertThat(spec.clusterPaused()).isFalse();
    }

    @Test
    void shouldPublishADanglingReferenceWithTheReason() {
        PoolSpec spec = PoolSpecs.of(pool("AWSMachinePool", "nowhere"), Optional.empty(), cluster(false));

        assertThat(spec.infrastructure().resolved()).isFalse();
        assertThat(spec.infrastructure().error().reason()).isEqualTo(InfrastructurePool.REASON_NOT_FOUND);
        assertThat(spec.infrastructure().error().message()).isEqualTo("AWSMachinePool team-a/nowhere does not exist");
        assertThat(spec.infrastructure().name()).isEqualTo("nowhere");
    }

    @Test
    void shouldPublishAKindPoolstreamDoesNotRunWithTheReason() {
        PoolSpec spec = PoolSpecs.of(pool("DockerMachinePool", "workers-d"), Optional.empty(), null);

        assertThat(spec.infrastructure().error().reason()).isEqualTo(InfrastructurePool.REASON_KIND_UNSUPPORTED);
        assertThat(spec.infrastructure().error().message()).startsWith("DockerMachinePool.");
        assertThat(PoolSpecs.supportedCloud(PoolSpecs.infrastructureRef(pool("DockerMachinePool", "x")))).isEmpty();
    }

    @Test
    void shouldPublishAPoolWithoutReferenceWithTheReason() {
        MachinePool pool = pool("AWSMachinePool", "x");
        pool.getSpec().getTemplate().getSpec().setInfrastructureRef(null);

        PoolSpec spec = PoolSpecs.of(pool, Optional.empty(), null);

        assertThat(spec.infrastructure().error().reason()).isEqualTo(InfrastructurePool.REASON_REF_MISSING);
    }

    @Test
    void shouldGiveAnInfrastructurePoolNamedByTwoMachinePoolsToTheOneThatNamedItFirst() {
        // The later one deleted would delete it with itself, and then the first one's group with all its instances.
        AWSMachinePool aws = new AWSMachinePool();
        aws.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("shared-aws").build());
        aws.setSpec(new AWSMachinePoolSpec());
        // Named so that the order of their names is not that of their making.
        MachinePool first = named(pool("AWSMachinePool", "shared-aws"), "z-first", "2026-11-21T05:00:00Z");
        MachinePool later = named(pool("AWSMachinePool", "shared-aws"), "a-later", "2026-11-21T05:00:01Z");
        MachinePool elsewhere = named(pool("AWSMachinePool", "other-aws"), "elsewhere", "2026-11-21T04:00:00Z");
        MachinePool otherNamespace = named(pool("AWSMachinePool", "shared-aws"), "team-b-pool", "2026-11-21T04:00:00Z");
        otherNamespace.getMetadata().setNamespace("team-b");
        List<MachinePool> naming = List.of(first, later, elsewhere, otherNamespace);

        assertThat(PoolSpecs.of(first, Optional.of(aws), null, naming).infrastructure().resolved()).isTrue();
        InfrastructurePool shared = PoolSpecs.of(later, Optional.of(aws), null, naming).infrastructure();
        assertThat(shared.resolved()).isFalse();
        assertThat(shared.error().reason()).isEqualTo(InfrastructurePool.REASON_SHARED);
        assertThat(shared.error().message()).isEqualTo("AWSMachinePool team-a/shared-aws is MachinePool z-first's, "
                + "which named it first: a MachinePool needs an infrastructure pool of its own");
        assertThat(shared.name()).isEqualTo("shared-aws");
        assertThat(PoolSpecs.of(later, Optional.of(aws), null, List.of(later, elsewhere, otherNamespace))
                .infrastructure().resolved()).as("the first one gone").isTrue();

        MachinePool sameSecond = named(pool("AWSMachinePool", "shared-aws"), "a-same-second", "2026-11-21T05:00:00Z");
        assertThat(PoolSpecs.of(first, Optional.of(aws), null, List.of(first, sameSecond)).infrastructure().error()
                .message()).as("made at the same second: first by name").contains("MachinePool a-same-second's");
    }

    private static MachinePool named(MachinePool pool, String name, String created) {
        pool.getMetadata().setName(name);
        pool.getMetadata().setCreationTimestamp(created);
        return pool;
    }

    private static MachinePool pool(String infraKind, String infraName) {
        InfrastructureRef ref = new InfrastructureRef();
        ref.setApiGroup(ClusterApi.INFRASTRUCTURE_GROUP);
        ref.setKind(infraKind);
        ref.setName(infraName);
        Spec templateSpec = new Spec();
        templateSpec.setInfrastructureRef(ref);
        Template template = new Template();
        template.setSpec(templateSpec);
        MachinePoolSpec spec = new MachinePoolSpec();
        spec.setClusterName("demo");
        spec.setReplicas(5);
        spec.setTemplate(template);
        MachinePool pool = new MachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("workers").withGeneration(7L)
                .withDeletionTimestamp("2026-11-21T06:00:00Z")
                .addToAnnotations(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "")
                .addToAnnotations("poolstream.dev/x", "y")
                .addToAnnotations("kubectl.kubernetes.io/last-applied-configuration", "{...}")
                .build());
        pool.setSpec(spec);
        return pool;
    }

    private static Cluster cluster(boolean paused) {
        ClusterSpec spec = new ClusterSpec();
        spec.setPaused(paused);
        Cluster cluster = new Cluster();
        cluster.setSpec(spec);
        return cluster;
    }
}
