package dev.poolstream.reconciler.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.events.PoolSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which Machine of a pool's instance's name is that Machine ({@link PoolObjects#notThePools}). */
class MachineOfThePoolTest {

    private static final String INSTANCE = "aws:///us-east-1a/i-0001";

    @Test
    void shouldTakeAMachineOfThePoolsLabelAndTheInstancesProviderIdOrNoneYet() {
        PoolSpec pool = pool("workers");

        assertThat(PoolObjects.notThePools(machine("workers", INSTANCE), pool, INSTANCE)).isNull();
        assertThat(PoolObjects.notThePools(machine("workers", null), pool, INSTANCE)).as("no provider ID yet")
                .isNull();
        assertThat(PoolObjects.notThePools(machine("workers", INSTANCE), pool, null)).isNull();
    }

    @Test
    void shouldNotTakeAnotherPoolsMachineNorAnotherInstancesNorOneWithoutThePoolLabel() {
        PoolSpec pool = pool("workers");

        assertThat(PoolObjects.notThePools(machine("web", INSTANCE), pool, INSTANCE)).isEqualTo("it is pool web's");
        assertThat(PoolObjects.notThePools(machine("workers", "aws:///us-east-1a/i-0099"), pool, INSTANCE))
                .isEqualTo("it is instance aws:///us-east-1a/i-0099's, not " + INSTANCE + "'s");
        assertThat(PoolObjects.notThePools(machine(null, INSTANCE), pool, INSTANCE))
                .isEqualTo("it carries no " + ClusterApi.POOL_NAME_LABEL + " label");
    }

    @Test
    void shouldReadThePoolLabelAsClusterApiFormatsALongName() {
        String longName = "workers-" + "x".repeat(60);
        String label = PoolMachines.poolNameLabel(longName);
        assertThat(label).startsWith("hash_");

        assertThat(PoolObjects.notThePools(machine(label, INSTANCE), pool(longName), INSTANCE)).isNull();
        assertThat(PoolObjects.notThePools(machine(longName.substring(0, 63), INSTANCE), pool(longName), INSTANCE))
                .isNotNull();
    }

    private static PoolSpec pool(String name) {
        return new PoolSpec("team-a", name, "uid", 1, Map.of(), Map.of(), List.of(), null, null, null, false);
    }

    private static GenericKubernetesResource machine(String poolLabel, String providerId) {
        GenericKubernetesResource machine = new GenericKubernetesResource();
        Map<String, String> labels = new HashMap<>();
        if (poolLabel != null) {
            labels.put(ClusterApi.POOL_NAME_LABEL, poolLabel);
        }
        machine.setMetadata(new ObjectMetaBuilder().withName("workers-i-0001").withLabels(labels).build());
        Map<String, Object> spec = new HashMap<>();
        if (providerId != null) {
            spec.put("providerID", providerId);
        }
        machine.setAdditionalProperty("spec", spec);
        return machine;
    }
}
