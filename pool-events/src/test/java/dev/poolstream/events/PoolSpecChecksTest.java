package dev.poolstream.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PoolSpecChecksTest {

    @ParameterizedTest(name = "replicas={0} external={1} -> {2}")
    @CsvSource(textBlock = """
            5,  false, ''
            1,  false, ''
            10, false, ''
            0,  false, ReplicasOutOfRange
            11, false, ReplicasOutOfRange
            11, true,  ''
            """)
    void shouldRefuseReplicasOutsideTheAutoScalingGroupsBoundsUnlessManagedExternally(int replicas, boolean external,
                                                                                     String reason) {
        PoolSpec aws = Fixtures.awsPoolSpec();
        aws.spec().setReplicas(replicas);
        Map<String, String> annotations = new HashMap<>(aws.annotations());
        if (external) {
            annotations.put(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "cluster-autoscaler");
        }
        PoolSpec spec = new PoolSpec(aws.namespace(), aws.name(), aws.uid(), aws.generation(), aws.labels(),
                annotations, aws.finalizers(), aws.deletionTimestamp(), aws.spec(), aws.infrastructure(), false);

        var problems = PoolSpecChecks.problems(spec);

        if (reason.isEmpty()) {
            assertThat(problems).isEmpty();
        } else {
            assertThat(problems).singleElement().satisfies(p -> {
                assertThat(p.reason()).isEqualTo(reason);
                assertThat(p.message()).isEqualTo("replicas " + replicas
                        + " is outside [1, 10], the minSize and maxSize of AWSMachinePool team-a/workers");
            });
        }
    }

    @ParameterizedTest(name = "{0} replicas={1} min-size={2} external={3}")
    @CsvSource(textBlock = """
            azure, -1,   ,  false
            azure,   , -3,  false
            azure, -1,   ,  true
            aws,   -1,   ,  true
            """)
    void shouldRefuseNegativeReplicasOnEveryCloudEvenWhenManagedExternally(String cloud, Integer replicas,
                                                                          Integer minSize, boolean external) {
        PoolSpec base = cloud.equals("aws") ? Fixtures.awsPoolSpec() : Fixtures.azurePoolSpec();
        base.spec().setReplicas(replicas);
        Map<String, String> annotations = new HashMap<>(base.annotations());
        if (minSize != null) {
            annotations.put(ClusterApi.AUTOSCALER_MIN_SIZE_ANNOTATION, minSize.toString());
            annotations.put(ClusterApi.AUTOSCALER_MAX_SIZE_ANNOTATION, "5");
        }
        if (external) {
            annotations.put(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, "cluster-autoscaler");
        }
        PoolSpec spec = new PoolSpec(base.namespace(), base.name(), base.uid(), base.generation(), base.labels(),
                annotations, base.finalizers(), base.deletionTimestamp(), base.spec(), base.infrastructure(), false);
        int negative = replicas != null ? replicas : minSize;

        assertThat(PoolSpecChecks.problems(spec)).singleElement().satisfies(p -> {
            assertThat(p.reason()).isEqualTo(PoolSpecChecks.REASON_REPLICAS_OUT_OF_RANGE);
            assertThat(p.message()).isEqualTo("replicas " + negative + " is negative");
        });
    }

    @Test
    void shouldWaitForBootstrapData() {
        PoolSpec aws = Fixtures.awsPoolSpec();
        aws.spec().getTemplate().getSpec().setBootstrap(null);

        assertThat(PoolSpecChecks.problems(aws)).extracting(Failure::reason)
                .containsExactly(PoolSpecChecks.REASON_BOOTSTRAP_DATA_MISSING);
    }

    @Test
    void shouldReportAnUnresolvedInfrastructurePool() {
        assertThat(PoolSpecChecks.problems(Fixtures.danglingPoolSpec()))
                .extracting(Failure::reason).containsExactly(InfrastructurePool.REASON_NOT_FOUND);
        assertThat(PoolSpecChecks.problems(Fixtures.azurePoolSpec())).isEmpty();
    }
}
