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
