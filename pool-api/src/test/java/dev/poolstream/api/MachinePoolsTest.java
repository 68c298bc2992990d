package dev.poolstream.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.Cluster;
import dev.poolstream.api.cluster.v1beta2.ClusterSpec;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MachinePoolsTest {

    private static final String MIN = ClusterApi.AUTOSCALER_MIN_SIZE_ANNOTATION;
    private static final String MAX = ClusterApi.AUTOSCALER_MAX_SIZE_ANNOTATION;

    @ParameterizedTest(name = "replicas={0} min={1} max={2} -> {3}")
    @CsvSource(nullValues = "NULL", textBlock = """
            5,    NULL, NULL, 5
            0,    3,    10,   0
            NULL, NULL, NULL, 1
            NULL, 3,    10,   3
            NULL, 3,    NULL, 1
            NULL, x,    10,   1
            """)
    void shouldDefaultReplicasAsClusterApiDoes(Integer replicas, String min, String max, int desired) {
        Map<String, String> annotations = new HashMap<>();
        if (min != null) {
            annotations.put(MIN, min);
        }
        if (max != null) {
            annotations.put(MAX, max);
        }

        assertThat(MachinePools.desiredReplicas(replicas, annotations)).isEqualTo(desired);
    }

    @ParameterizedTest(name = "replicas-managed-by={0} -> {1}")
    @CsvSource(nullValues = "NULL", textBlock = """
            NULL,                  false
            '',                    true
            cluster-autoscaler,    true
            false,                 false
            FALSE,                 false
            """)
    void shouldTellWhenAnExternalAutoscalerOwnsTheSize(String value, boolean external) {
        Map<String, String> annotations = new HashMap<>();
        if (value != null) {
            annotations.put(ClusterApi.REPLICAS_MANAGED_BY_ANNOTATION, value);
        }

        assertThat(MachinePools.replicasManagedExternally(annotations)).isEqualTo(external);
    }

    @Test
    void shouldBePausedByTheAnnotationOrByTheCluster() {
        Cluster running = cluster(false);
        Cluster paused = cluster(true);

        assertThat(MachinePools.paused(Map.of(), running)).isFalse();
        assertThat(MachinePools.paused(Map.of(), null)).isFalse();
        assertThat(MachinePools.paused(Map.of(ClusterApi.PAUSED_ANNOTATION, ""), running)).isTrue();
        assertThat(MachinePools.paused(null, paused)).isTrue();
    }

    private static Cluster cluster(boolean paused) {
        ClusterSpec spec = new ClusterSpec();
        spec.setPaused(paused);
        Cluster cluster = new Cluster();
        cluster.setSpec(spec);
        return cluster;
    }
}
